"""The oversight catalogues: the same keys in every language, placeholders kept, Persian digits."""

from __future__ import annotations

import re

from tutela.oversight.words import catalogue, words
from tutela.web.i18n import LANGUAGES


def test_every_language_has_every_key_and_placeholder():
    en = catalogue("en")
    for lang in LANGUAGES:
        cat = catalogue(lang)
        assert set(cat) == set(en), lang
        for key, text in en.items():
            assert re.findall(r"{\w+}", cat[key]) == re.findall(r"{\w+}", text), (lang, key)
            assert cat[key].strip(), (lang, key)


def test_numbers_in_the_language():
    assert re.fullmatch("۱۲[,٬]۳۴۵", words("fa").num(12345))  # Persian digits, the locale's grouping
    assert words("fa").pct(0.5) == "۵۰.۰%"
    assert words("fa").hours(3.25) == "۳.۲ ساعت" or words("fa").hours(3.25) == "۳.۳ ساعت"
    assert words("en").num(12345) == "12,345"
    assert words("fa").rtl and not words("ru").rtl
    assert words("xx").lang == "en"
    assert words("tr").num(None) == "gizlendi"
