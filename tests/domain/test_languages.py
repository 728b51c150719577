"""Languages are one list in `tutela.domain.languages`: every module reads it, every language has the words
it needs, and a language registered in a fixture flows through to the public pages and nudges."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tutela.domain import languages as lg

PACKAGE = Path(lg.__file__).parents[1]


def missing_for(code: str, i18n_dir: Path, nudge_dir: Path) -> list[str]:
    """What a language lacks for the public pages and nudges (the words a child sees)."""
    from tutela.help.nudges import RISKS

    missing = []
    reference = json.loads((i18n_dir / f"{lg.DEFAULT_LANGUAGE}.json").read_text(encoding="utf-8"))
    page = i18n_dir / f"{code}.json"
    if not page.is_file():
        missing.append(f"web/i18n/{code}.json")
    else:
        keys = set(json.loads(page.read_text(encoding="utf-8")))
        missing += [f"web/i18n/{code}.json: {k}" for k in sorted(set(reference) - keys)]
    nudges = nudge_dir / f"{code}.yaml"
    if not nudges.is_file():
        missing.append(f"help/nudges/{code}.yaml")
    else:
        risks = set(yaml.safe_load(nudges.read_text(encoding="utf-8")) or {})
        missing += [f"help/nudges/{code}.yaml: {r}" for r in RISKS if r not in risks]
    return missing


def test_the_list_is_well_formed() -> None:
    assert lg.DEFAULT_LANGUAGE in lg.LANGUAGES
    for lang in lg.LANGUAGES.values():
        assert lang.name and lang.native and lang.scripts and lang.phone_region
        assert lang.rtl == (lang.scripts[0] in {"Arab", "Hebr"})  # the usual script decides the direction


@pytest.mark.parametrize("code", lg.language_codes())
def test_every_language_has_its_words(code: str) -> None:
    from tutela.help.nudges import NUDGE_DIR
    from tutela.web.i18n import I18N_DIR

    assert missing_for(code, I18N_DIR, NUDGE_DIR) == []


@pytest.mark.parametrize("code", lg.language_codes())
def test_every_language_has_detection_data(code: str) -> None:
    """The corpus, the semantic bank and every lexicon speak every language."""
    from tutela.conversations.corpus import CORPUS_DIR
    from tutela.detect.semantic.bank import BUILTIN_ROOT

    assert (CORPUS_DIR / f"{code}.jsonl").is_file()
    assert (BUILTIN_ROOT / code).is_dir()
    for lexicon in sorted((PACKAGE / "detect" / "lexicons").glob("*.yaml")):
        patterns = yaml.safe_load(lexicon.read_text(encoding="utf-8")).get("patterns") or {}
        assert code in patterns, f"{lexicon.name} has no patterns for {code}"


@pytest.mark.parametrize("code", lg.language_codes())
def test_every_language_names_its_helplines(code: str) -> None:
    """Helplines of the countries Tutela ships with have a name in every language."""
    data = yaml.safe_load((PACKAGE / "help" / "directory.yaml").read_text(encoding="utf-8"))
    for country, entries in data["countries"].items():
        for entry in entries:
            if isinstance(entry["name"], dict):
                assert code in entry["name"], f"{country}: {entry['name'].get('en')} has no {code} name"


def test_modules_read_the_one_list() -> None:
    from tutela.conversations.corpus import LANGS as corpus
    from tutela.detect.semantic.bank import LANGS as bank
    from tutela.detect.training.train import LANGS as training
    from tutela.help.nudges import LANGS as nudges
    from tutela.web.i18n import LANGUAGES

    assert corpus == bank == training == nudges == tuple(LANGUAGES) == lg.language_codes()


@pytest.fixture()
def german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[lg.Language]:
    """German, registered, with its page catalogue and nudge texts (the English ones, marked)."""
    from tutela.help import nudges
    from tutela.web import i18n

    pages = shutil.copytree(i18n.I18N_DIR, tmp_path / "i18n", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    words = nudges.catalogue()["en"]
    reference = json.loads((pages / "en.json").read_text(encoding="utf-8"))
    german_pages = {k: (f"[de] {v}" if isinstance(v, str) else v) for k, v in reference.items()}
    german_pages["cat_bullying"] = "Jemand mobbt mich"
    (pages / "de.json").write_text(json.dumps(german_pages, ensure_ascii=False), encoding="utf-8")
    texts = shutil.copytree(nudges.NUDGE_DIR, tmp_path / "nudges")
    de = {risk: {k: f"[de] {v}" for k, v in entry.items()} for risk, entry in words.items()}
    de["bullying"]["teen"] = "Niemand verdient es, so behandelt zu werden."
    (texts / "de.yaml").write_text(yaml.safe_dump(de, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(i18n, "I18N_DIR", pages)
    monkeypatch.setitem(i18n.DOMAINS, "public", pages)
    monkeypatch.setattr(nudges, "NUDGE_DIR", texts)
    i18n.catalogue.cache_clear()
    lang = lg.register(lg.Language("de", "German", "Deutsch", ("Latn",), phone_region="DE"))
    yield lang
    lg.unregister("de")
    i18n.catalogue.cache_clear()


def test_a_registered_language_needs_its_words(tmp_path: Path) -> None:
    from tutela.help.nudges import NUDGE_DIR
    from tutela.web.i18n import I18N_DIR

    lg.register(lg.Language("nl", "Dutch", "Nederlands", ("Latn",), phone_region="NL"))
    try:
        assert missing_for("nl", I18N_DIR, NUDGE_DIR) == ["web/i18n/nl.json", "help/nudges/nl.yaml"]
    finally:
        lg.unregister("nl")
    with pytest.raises(ValueError):
        lg.register(lg.Language("EN", "x", "x", ("Latn",)))
    with pytest.raises(ValueError):
        lg.unregister("en")


def test_a_registered_language_flows_to_the_pages_and_nudges(german: lg.Language, client) -> None:
    from tutela.detect.langid import identify
    from tutela.help.nudges import NUDGE_DIR, build_nudge
    from tutela.web.i18n import I18N_DIR, LANGUAGES, direction, negotiate

    assert missing_for("de", I18N_DIR, NUDGE_DIR) == []
    assert LANGUAGES["de"] == "Deutsch" and direction("de") == "ltr"
    assert negotiate(None, "de-AT,de;q=0.9,en;q=0.5") == "de"
    page = client.get("/report?lang=de")
    assert page.status_code == 200
    assert 'lang="de"' in page.text and "Jemand mobbt mich" in page.text and "Deutsch" in page.text
    nudge = build_nudge("bullying", to="recipient", lang="de-DE")
    assert nudge.lang == "de" and nudge.text == "Niemand verdient es, so behandelt zu werden."
    code, _conf = identify("Ich habe Angst, er sagt, er schickt meine Fotos an alle in meiner Schule")
    assert code == "de" and lg.is_supported(code)
