"""Numbers, plurals and dates as a child reads them in each language.

Persian is written with Persian digits (۰–۹) and dated in the Solar Hijri calendar, the one Iranian
schools and phones use; a Gregorian date in Latin digits reads as foreign. The conversion is the
33-year arithmetic rule (exact for every date this software will see, 1979 to 2100 and beyond), small
enough to keep here with its tests rather than add a dependency. Other languages take CLDR plural rules
and long date formats from Babel.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
#: What people may type back: Persian and Arabic-Indic digits, as ASCII.
TO_ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
PERSIAN_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
                  "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
_DAYS_BEFORE_MONTH = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)


def digits(text: object, lang: str) -> str:
    """`text` with the digits the language writes (Persian digits for fa; unchanged otherwise)."""
    return str(text).translate(PERSIAN_DIGITS) if lang == "fa" else str(text)


def number(value: int, lang: str) -> str:
    """An integer as the language writes it: '20,000', '20 000', '۲۰٬۰۰۰'."""
    return digits(format_decimal(value, locale=lang), lang)


def to_jalali(day: date) -> tuple[int, int, int]:
    """(year, month, day) in the Solar Hijri calendar for a Gregorian date."""
    gy, gm, gd = day.year, day.month, day.day
    gy2 = gy + 1 if gm > 2 else gy
    days = (355666 + 365 * gy + (gy2 + 3) // 4 - (gy2 + 99) // 100 + (gy2 + 399) // 400
            + gd + _DAYS_BEFORE_MONTH[gm - 1])
    jy = -1595 + 33 * (days // 12053)
    days %= 12053
    jy += 4 * (days // 1461)
    days %= 1461
    if days > 365:
        jy += (days - 1) // 365
        days = (days - 1) % 365
    if days < 186:
        return jy, 1 + days // 31, 1 + days % 31
    return jy, 7 + (days - 186) // 30, 1 + (days - 186) % 30


def format_date(value: date | datetime, lang: str) -> str:
    """A date in words a child reads: '5 December 2026', '۱۴ آذر ۱۴۰۵', '5 декабря 2026 г.'."""
    day = value.date() if isinstance(value, datetime) else value
    if lang == "fa":
        y, m, d = to_jalali(day)
        return digits(f"{d} {PERSIAN_MONTHS[m - 1]} {y}", lang)
    return _babel_date(day, format="long", locale=lang)


def format_datetime(value: datetime, lang: str) -> str:
    """A moment as analysts scan it in a table (UTC as stored): '2026-12-05 09:30', '۱۴۰۵/۰۹/۱۴ ۰۹:۳۰'.

    Numeric and fixed-width on purpose (columns line up, sorting by eye works); Persian in the Solar
    Hijri calendar with Persian digits, like the public pages' dates.
    """
    if lang == "fa":
        y, m, d = to_jalali(value.date())
        return digits(f"{y}/{m:02d}/{d:02d} {value:%H:%M}", lang)
    return f"{value:%Y-%m-%d %H:%M}"


def format_day(value: date | datetime, lang: str) -> str:
    """A day in the same numeric form: '2026-12-05', '۱۴۰۵/۰۹/۱۴'."""
    day = value.date() if isinstance(value, datetime) else value
    if lang == "fa":
        y, m, d = to_jalali(day)
        return digits(f"{y}/{m:02d}/{d:02d}", lang)
    return f"{day:%Y-%m-%d}"


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


def plural_category(lang: str, n: int) -> str:
    """The CLDR plural category of `n` in `lang`: 'one', 'few', 'many' or 'other'."""
    return _locale(lang).plural_form(n)


def plural_categories(lang: str) -> frozenset[str]:
    """Every category the language distinguishes ('other' included): what a plural entry must give."""
    return _locale(lang).plural_form.tags | {"other"}
