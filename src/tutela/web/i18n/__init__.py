"""Translations for the web pages: one flat JSON catalogue per language and per audience.

Two audiences, two folders of catalogues: the public pages (`i18n/<lang>.json`, words for a child)
and the review console with its sign-in page (`i18n/console/<lang>.json`, words for analysts).

Plain JSON rather than gettext: the public pages have a few dozen strings, the
people who translate them are child-protection staff rather than developers,
and a JSON file can be checked for completeness by a test. English is the
reference; every catalogue must have exactly its keys.

A string that counts something is a mapping of CLDR plural categories to texts
(`{"one": "{n} character", "other": "{n} characters"}`; Russian adds "few" and
"many"); the form is chosen by Babel's plural rules from the `n` argument. Numbers
in arguments are written with the language's digits (Persian digits for fa).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

from tutela.domain.languages import DEFAULT_LANGUAGE, is_rtl
from tutela.domain.languages import LANGUAGES as _LANGS
from tutela.web.i18n.localise import number, plural_category

I18N_DIR = Path(__file__).parent
#: Catalogue folders by audience: "public" for the report pages, "console" for the signed-in pages.
#: "review" holds the review tools' words (settings, outcome list, saved filters, break reminder).
DOMAINS: dict[str, Path] = {"public": I18N_DIR, "console": I18N_DIR / "console", "review": I18N_DIR / "review"}


class _Endonyms(Mapping[str, str]):
    """code -> the language's name in itself, read live from `tutela.domain.languages` (the one list)."""

    def __getitem__(self, code: str) -> str:
        return _LANGS[code].native

    def __iter__(self) -> Iterator[str]:
        return iter(_LANGS)

    def __len__(self) -> int:
        return len(_LANGS)


LANGUAGES: Mapping[str, str] = _Endonyms()
DEFAULT = DEFAULT_LANGUAGE


@cache
def catalogue(lang: str, domain: str = "public") -> dict[str, str | dict[str, str]]:
    return json.loads((DOMAINS[domain] / f"{lang}.json").read_text(encoding="utf-8"))


def _base(tag: str) -> str:
    return tag.strip().split("-")[0].split("_")[0].lower()


def negotiate(query_lang: str | None, accept_language: str | None) -> str:
    """`?lang=` wins, then the browser's preference (by q-value), then English."""
    if query_lang and _base(query_lang) in LANGUAGES:
        return _base(query_lang)
    prefs: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag.strip():
            prefs.append((-q, i, _base(tag)))
    for neg_q, _i, base in sorted(prefs):
        if neg_q < 0 and base in LANGUAGES:
            return base
    return DEFAULT


class Translator:
    """`t("key", max=25)`: the string in `lang`, falling back to English, formatted with kwargs.

    A plural entry takes its form from `n` (`t("err_description", n=20000)`); numbers are written
    with the language's digits. `t.has(key)` says whether a catalogue knows the key; `t.maybe(key,
    default)` gives the words when it does (for lists operators extend, such as outcomes).
    """

    def __init__(self, lang: str, domain: str = "public") -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self._primary = catalogue(self.lang, domain)
        self._fallback = catalogue(DEFAULT, domain)

    def __call__(self, key: str, **kwargs: object) -> str:
        entry = self._primary.get(key) or self._fallback.get(key) or key
        if isinstance(entry, dict):
            count = kwargs.get("n")
            form = plural_category(self.lang, count) if isinstance(count, int) else "other"
            entry = entry.get(form) or entry["other"]
        if not kwargs:
            return entry
        shown = {k: number(v, self.lang) if isinstance(v, int) else v for k, v in kwargs.items()}
        return entry.format(**shown)

    def has(self, key: str) -> bool:
        return key in self._primary or key in self._fallback

    def maybe(self, key: str, default: str, **kwargs: object) -> str:
        return self(key, **kwargs) if self.has(key) else default


def translator(lang: str, domain: str = "public") -> Translator:
    """The words of one language for one audience (see `Translator`)."""
    return Translator(lang, domain)


def direction(lang: str) -> str:
    return "rtl" if is_rtl(lang) else "ltr"
