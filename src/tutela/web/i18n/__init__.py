"""Translations for the public pages: one flat JSON catalogue per language.

Plain JSON rather than gettext: the public pages have a few dozen strings, the
people who translate them are child-protection staff rather than developers,
and a JSON file can be checked for completeness by a test. English is the
reference; every catalogue must have exactly its keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

I18N_DIR = Path(__file__).parent
LANGUAGES: dict[str, str] = {
    "en": "English", "tr": "Türkçe", "az": "Azərbaycanca", "fa": "فارسی", "ru": "Русский",
}
RTL = frozenset({"fa"})
DEFAULT = "en"
#: The country a language most likely means, to preselect the help directory.
DEFAULT_COUNTRY = {"tr": "TR", "az": "AZ", "fa": "IR", "ru": "RU"}


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
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
    """`t("key", max=25)`: the string in `lang`, falling back to English, formatted with kwargs."""
    primary = catalogue(lang if lang in LANGUAGES else DEFAULT)
    fallback = catalogue(DEFAULT)

    def t(key: str, **kwargs: object) -> str:
        text = primary.get(key) or fallback.get(key) or key
        return text.format(**kwargs) if kwargs else text

    t.has = lambda key: key in primary or key in fallback  # type: ignore[attr-defined]
    return t


def direction(lang: str) -> str:
    return "rtl" if lang in RTL else "ltr"
