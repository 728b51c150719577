"""The help directory: every country has emergency help, names are localised, operators can override."""

import pytest

from tutela.help import countries, helplines
from tutela.help.directory import KINDS


@pytest.mark.parametrize("country", ["TR", "AZ", "IR"])
def test_each_country_has_its_own_help_before_international(country):
    found = helplines(country)
    assert found[0].country == country
    assert any(h.kind in {"emergency", "police"} and h.phone for h in found)
    assert found[-1].country == "INT"


def test_known_public_numbers():
    phones = {c: {h.phone for h in helplines(c)} for c in ("TR", "AZ", "IR")}
    assert {"112", "183"} <= phones["TR"]
    assert {"112", "102", "116 111"} <= phones["AZ"]
    assert {"110", "115", "123", "1480"} <= phones["IR"]
    urls = {h.url for h in helplines("IR")}
    assert "https://www.cyberpolice.ir" in urls and "https://takeitdown.ncmec.org" in urls


def test_unknown_or_missing_country_still_gets_international_help():
    for country in (None, "", "ZZ", "int"):
        found = helplines(country)
        assert found and all(h.country == "INT" for h in found)


def test_names_are_localised_with_english_fallback():
    assert helplines("TR", lang="tr")[0].name == "Acil Çağrı Merkezi"
    assert helplines("TR", lang="xx")[0].name.startswith("Emergency")
    assert "۱۱۰" in helplines("IR", lang="fa")[0].name


def test_every_entry_is_well_formed():
    for code in countries() + ["INT"]:
        for h in helplines(code):
            assert h.kind in KINDS and (h.phone or h.url) and h.source


def test_operator_override_replaces_a_country_and_keeps_the_rest(settings):
    (settings.data_dir / "helplines.yaml").write_text(
        "countries:\n  TR:\n    - name: Test line\n      phone: '0000'\n      kind: support\n",
        encoding="utf-8",
    )
    tr = helplines("TR", settings=settings)
    assert tr[0].name == "Test line" and tr[0].phone == "0000"
    assert not any(h.phone == "183" for h in tr)
    assert any(h.phone == "102" for h in helplines("AZ", settings=settings))
    assert helplines("TR")[0].phone == "112"  # without settings: built-in


def test_bad_override_is_a_clear_error(settings):
    (settings.data_dir / "helplines.yaml").write_text(
        "TR:\n  - name: Nothing to call\n    kind: support\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="phone or a url"):
        helplines("TR", settings=settings)


@pytest.mark.parametrize("country,number", [("TR", "112"), ("AZ", "112"), ("RU", "112"), ("IR", "115")])
def test_help_now_puts_the_country_emergency_number_first(country, number):
    from tutela.help import help_now

    h = help_now(country, lang="en")
    assert h.emergency.phone == number and not h.emergency_is_fallback
    assert h.emergency not in h.others and any(x.country == country for x in h.others)


@pytest.mark.parametrize("country", [None, "", "XX", "INT"])
def test_help_now_always_has_a_number_to_call(country):
    """Another country or none: 112 with the fallback flag (the page adds that it may not work there)."""
    from tutela.help import help_now

    h = help_now(country, lang="fa")
    assert h.emergency.phone == "112" and h.emergency.kind == "emergency" and h.emergency_is_fallback
    assert h.emergency.name == "شماره‌ی اضطراری"
    assert h.others and all(x.country == "INT" for x in h.others)


def test_operator_can_replace_the_fallback_emergency_number(settings):
    from tutela.help import help_now

    (settings.data_dir / "helplines.yaml").write_text(
        "fallback_emergency:\n  name: Invented fallback\n  phone: '999'\ncountries: {}\n", encoding="utf-8")
    assert help_now(None, settings=settings).emergency.phone == "999"
    assert help_now("TR", settings=settings).emergency.phone == "112"
