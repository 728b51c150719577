"""Translations for the public pages: one flat JSON catalogue per language.

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
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path

from tutela.domain.languages import DEFAULT_LANGUAGE, is_rtl
from tutela.domain.languages import LANGUAGES as _LANGS
from tutela.web.i18n.localise import number, plural_category

I18N_DIR = Path(__file__).parent


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
def catalogue(lang: str) -> dict[str, str | dict[str, str]]:
    return json.loads((I18N_DIR / f"{lang}.json").read_text(encoding="utf-8"))


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


def translator(lang: str) -> Callable[..., str]:
    """`t("key", max=25)`: the string in `lang`, falling back to English, formatted with kwargs.

    A plural entry takes its form from `n` (`t("err_description", n=20000)`); numbers are written
    with the language's digits.
    """
    lang = lang if lang in LANGUAGES else DEFAULT
    primary = catalogue(lang)
    fallback = catalogue(DEFAULT)

    def t(key: str, **kwargs: object) -> str:
        entry = primary.get(key) or fallback.get(key) or key
        if isinstance(entry, dict):
            count = kwargs.get("n")
            form = plural_category(lang, count) if isinstance(count, int) else "other"
            entry = entry.get(form) or entry["other"]
        if not kwargs:
            return entry
        shown = {k: number(v, lang) if isinstance(v, int) else v for k, v in kwargs.items()}
        return entry.format(**shown)

    t.has = lambda key: key in primary or key in fallback  # type: ignore[attr-defined]
    return t


def direction(lang: str) -> str:
    return "rtl" if is_rtl(lang) else "ltr"
