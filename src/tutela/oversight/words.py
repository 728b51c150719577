"""The oversight pages' and reports' words in the five languages, with the language's digits.

A catalogue of its own (`oversight/i18n/<lang>.json`, same keys in each, checked by a test) next to
the public pages' catalogues, formatted the same way (`tutela.web.i18n.localise`): Persian digits
for fa, the language's grouping of thousands.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from tutela.domain.languages import is_rtl
from tutela.web.i18n import LANGUAGES
from tutela.web.i18n.localise import digits, format_date, format_datetime, number

DIR = Path(__file__).parent / "i18n"


@cache
def catalogue(lang: str) -> dict[str, str]:
    return json.loads((DIR / f"{lang}.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Words:
    """`w.t("key", n=3)`, `w.num(1234)`, `w.digits("12.5")` in one language."""

    lang: str

    @property
    def rtl(self) -> bool:
        return is_rtl(self.lang)

    @property
    def dir(self) -> str:
        return "rtl" if self.rtl else "ltr"

    def t(self, key: str, **kwargs: object) -> str:
        entry = catalogue(self.lang).get(key) or catalogue("en").get(key) or key
        if not kwargs:
            return entry
        return entry.format(**{k: number(v, self.lang) if isinstance(v, int) else v for k, v in kwargs.items()})

    def num(self, value: float | None, *, decimals: int = 0) -> str:
        if value is None:
            return self.t("suppressed")
        if isinstance(value, int) or decimals == 0:
            return number(int(round(value)), self.lang)
        return digits(f"{value:,.{decimals}f}", self.lang)

    def pct(self, share: float | None) -> str:
        return self.t("suppressed") if share is None else digits(f"{share * 100:.1f}%", self.lang)

    def hours(self, h: float | None) -> str:
        return self.t("suppressed") if h is None else self.t("hours", n=digits(f"{h:.1f}", self.lang))

    def digits(self, text: str) -> str:
        return digits(text, self.lang)

    def category(self, cat: str | None) -> str:
        return self.t(f"cat_{cat}") if cat else self.t("unknown")

    def date(self, value) -> str:
        return format_date(value, self.lang)

    def moment(self, iso: str | None) -> str:
        """An ISO time (UTC) as the console shows times: '2026-12-05 09:30', '۱۴۰۵/۰۹/۱۴ ۰۹:۳۰'."""
        if not iso:
            return ""
        try:
            return format_datetime(datetime.fromisoformat(iso), self.lang)
        except ValueError:
            return self.digits(iso[:16].replace("T", " "))


def words(lang: str | None) -> Words:
    return Words(lang if lang in LANGUAGES else "en")


Translate = Callable[..., str]

__all__ = ["Words", "catalogue", "words"]
