"""The catalogues and the language helpers: every key in every language, plural forms, digits, dates.

Both audiences' catalogues are checked the same way: the public pages' (`i18n/<lang>.json`) and the
console's (`i18n/console/<lang>.json`).
"""

from __future__ import annotations

import json
import re
import string
from datetime import UTC, date, datetime

import pytest

from tutela.web.i18n import DOMAINS, LANGUAGES, translator
from tutela.web.i18n.localise import (
    digits,
    format_date,
    number,
    plural_categories,
    plural_category,
    to_jalali,
)


def _load(lang: str, domain: str = "public") -> dict:
    return json.loads((DOMAINS[domain] / f"{lang}.json").read_text(encoding="utf-8"))


def _fields(text: str) -> set[str]:
    return {f[1] for f in string.Formatter().parse(text) if f[1]}


def _texts(value) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else [value]


@pytest.mark.parametrize("domain", list(DOMAINS))
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_key_exists_in_every_language_with_the_same_placeholders(lang, domain):
    en, cat = _load("en", domain), _load(lang, domain)
    assert set(cat) == set(en), set(cat) ^ set(en)
    for key, value in cat.items():
        expected = set().union(*(_fields(t) for t in _texts(en[key])))
        for text in _texts(value):
            assert text.strip(), (lang, key)
            assert _fields(text) == expected, (lang, key, text)


@pytest.mark.parametrize("domain", list(DOMAINS))
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_plural_entries_give_every_form_the_language_has(lang, domain):
    for key, value in _load(lang, domain).items():
        if isinstance(value, dict):
            assert set(value) == plural_categories(lang), (lang, key)
            assert all("{n}" in text for text in value.values()), (lang, key)


@pytest.mark.parametrize("n,word", [(1, "символа"), (21, "символа"), (3, "символов"), (24, "символов"),
                                    (5, "символов"), (11, "символов"), (20000, "символов")])
def test_russian_plurals_follow_the_number(n, word):
    text = translator("ru")("err_description", n=n)
    assert text.endswith(f"{word}.") and number(n, "ru") in text


def test_english_plural_and_thousands():
    t = translator("en")
    assert t("err_description", n=1).endswith("1 character or shorter.")
    assert t("err_description", n=20000).endswith("20,000 characters or shorter.")
    assert plural_category("ru", 22) == "few" and plural_category("en", 22) == "other"


def test_persian_writes_persian_digits():
    assert digits("112 و 24/7", "fa") == "۱۱۲ و ۲۴/۷"
    assert digits("112", "ru") == "112"
    text = translator("fa")("file_hint", max=25)
    assert "۲۵" in text and not re.search(r"[0-9]", text.replace("PDF", ""))


@pytest.mark.parametrize("gregorian,jalali", [
    (date(2026, 3, 21), (1405, 1, 1)),   # Nowruz 1405
    (date(2025, 3, 20), (1403, 12, 30)),  # the last day of the leap year 1403
    (date(2025, 3, 21), (1404, 1, 1)),
    (date(2024, 3, 20), (1403, 1, 1)),
    (date(1979, 2, 11), (1357, 11, 22)),
    (date(2000, 1, 1), (1378, 10, 11)),
    (date(2026, 12, 5), (1405, 9, 14)),
])
def test_solar_hijri_conversion(gregorian, jalali):
    assert to_jalali(gregorian) == jalali


def test_solar_hijri_days_follow_each_other():
    """Every day of 1990-2060 is the day after the previous one in the Solar Hijri calendar too."""
    from datetime import timedelta

    day, prev = date(1990, 1, 1), to_jalali(date(1989, 12, 31))
    lengths = [31] * 6 + [30] * 5
    while day < date(2060, 1, 1):
        y, m, d = to_jalali(day)
        py, pm, pd = prev
        if (y, m) == (py, pm):
            assert d == pd + 1
        elif y == py:
            assert (m, d) == (pm + 1, 1) and pd == lengths[pm - 1]
        else:
            assert (y, m, d) == (py + 1, 1, 1) and pm == 12 and pd in (29, 30)
        day, prev = day + timedelta(days=1), (y, m, d)


@pytest.mark.parametrize("lang,expected", [
    ("en", "December 5, 2026"), ("tr", "5 Aralık 2026"), ("az", "5 dekabr 2026"),
    ("ru", "5 декабря 2026\u202fг."), ("fa", "۱۴ آذر ۱۴۰۵"),
])
def test_dates_in_each_language(lang, expected):
    assert format_date(datetime(2026, 12, 5, 9, 30, tzinfo=UTC), lang) == expected


def test_russian_never_addresses_the_child_as_a_boy():
    """Past tense and short adjectives agree with gender in Russian: the child's side must stay neutral."""
    masculine = re.compile(r"\b(ты|Ты)\b[^.?!]*\b(сделал|рассказал|увидел|получил|согласен|один|"
                           r"анонимным|готов|должен)\b")
    for key, value in _load("ru").items():
        for text in _texts(value):
            assert not masculine.search(text), (key, text)
            assert not re.search(r"\b(Я увидел|познакомился|Ты не один)\b", text), (key, text)


def test_words_a_child_uses():
    tr, az, fa = _load("tr"), _load("az"), _load("fa")
    assert not any("bildirim" in t.lower() for v in tr.values() for t in _texts(v))
    assert "incidir" in az["cat_bullying"] and not any("təhqir" in t for v in az.values() for t in _texts(v))
    assert "لینک" in fa["url_label"] and "اسکرین‌شات" in fa["file_label"] and fa["call"] == "تماس بگیر"


def test_console_catalogue_is_translated_not_copied():
    """A console string left in English in another language is a missed translation: only names, codes
    and symbols (Tutela, API, URL, TLP, UTC, arrows) may be the same as in English, and words that are
    the same in both languages (Azerbaijani "Status", "Media", Turkish "platform")."""
    en = _load("en", "console")
    same_word = {"Status", "Media", "platform"}
    for lang in LANGUAGES:
        if lang == "en":
            continue
        same = [k for k, v in _load(lang, "console").items()
                if v == en[k] and v not in same_word and re.search(r"[A-Za-z]{4,}", re.sub(r"\{\w+\}|Tutela|TLP|UTC|API|URL|DSA", "", str(v)))]
        assert not same, (lang, same)


def test_console_words_come_in_the_language_with_its_digits():
    t = translator("ru", "console")
    assert t("cases_moved", n=3) == "Перемещено 3 дела." and t("cases_moved", n=5) == "Перемещено 5 дел."
    assert translator("fa", "console")("page_n", n=12) == "صفحه‌ی ۱۲"
    assert translator("tr", "console").maybe("outcome_not_configured", "fallback words") == "fallback words"


def test_console_dates_persian_in_solar_hijri_with_persian_digits():
    from tutela.web.i18n.localise import format_datetime

    moment = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    assert format_datetime(moment, "fa") == "۱۴۰۵/۰۹/۱۴ ۰۹:۳۰"
    assert format_datetime(moment, "ru") == "2026-12-05 09:30"
