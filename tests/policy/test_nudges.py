"""Nudge texts: complete in every language, age-appropriate, never blaming the child, with help."""

from __future__ import annotations

import re

import pytest

from tutela.help.nudges import LANGS, RISKS, build_nudge, catalogue, nudge_text, pick_lang

#: Phrases that put blame on a child; they must never appear (checked in English, where
#: reviewers write the source texts, and for the common forms in other languages).
BLAMING = [
    r"\byou should have\b", r"\bwhy did you\b", r"\byour own fault\b", r"\byou were wrong\b",
    r"\bshame on you\b", r"\bit is your fault\b", r"\bit's your fault\b",
    r"senin suçun\b(?! değil)", r"sənin günahın\b(?! deyil| yoxdur)", r"сам виноват", r"сама виновата",
]


@pytest.mark.parametrize("lang", LANGS)
def test_every_risk_has_child_and_teen_texts(lang: str) -> None:
    texts = catalogue()[lang]
    assert set(texts) == set(RISKS)
    for risk in RISKS:
        entry = texts[risk]
        assert entry["child"] != entry["teen"]
        for key in ("title", "child", "teen"):
            assert entry[key].strip()
        # short: a child reads it at a glance
        assert len(entry["child"]) <= 260 and len(entry["teen"]) <= 300 and len(entry["title"]) <= 60


@pytest.mark.parametrize("lang", LANGS)
def test_texts_never_blame_the_child(lang: str) -> None:
    for risk, entry in catalogue()[lang].items():
        for key in ("child", "teen"):
            for pattern in BLAMING:
                assert not re.search(pattern, entry[key], re.IGNORECASE), (lang, risk, key, pattern)


def test_texts_are_in_their_language() -> None:
    cat = catalogue()
    assert re.search("[\u0600-\u06ff]", cat["fa"]["secrecy"]["child"])
    assert re.search("[а-яё]", cat["ru"]["secrecy"]["child"])
    assert re.search("[çğışöü]", cat["tr"]["secrecy"]["child"])
    assert re.search("[əğışöüç]", cat["az"]["secrecy"]["child"])
    assert len({cat[lg]["threat"]["teen"] for lg in LANGS}) == len(LANGS)


def test_language_fallbacks() -> None:
    assert pick_lang("tr-TR") == "tr"
    assert pick_lang("de", "az") == "az"
    assert pick_lang(None, "xx") == "en"
    assert nudge_text("bullying", "de", "child") == nudge_text("bullying", "en", "child")
    with pytest.raises(ValueError):
        nudge_text("nope", "en")


@pytest.mark.parametrize(("country", "lang"), [("TR", "tr"), ("AZ", "az"), ("IR", "fa"), (None, "en"), ("RU", "ru")])
def test_nudges_carry_local_help(country: str | None, lang: str) -> None:
    n = build_nudge("self_harm", to="recipient", lang=lang, band="teen", country=country)
    assert n.helplines
    assert all(h.phone or h.url for h in n.helplines)
    assert n.helplines[0].kind == "child_helpline"


def test_operator_can_override_a_text(settings) -> None:
    folder = settings.data_dir / "nudges"
    folder.mkdir()
    (folder / "en.yaml").write_text(
        "bullying:\n  title: Custom\n  child: Custom child text.\n  teen: Custom teen text.\n", encoding="utf-8")
    assert nudge_text("bullying", "en", "child", settings) == ("Custom", "Custom child text.")
    assert nudge_text("secrecy", "en", "child", settings) == nudge_text("secrecy", "en", "child")
