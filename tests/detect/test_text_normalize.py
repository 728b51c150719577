"""Normalisation defeats each evasion trick, and offsets point back at the original text."""

from __future__ import annotations

import pytest

from tutela.detect.normalize import normalize, normalize_text, romanize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sh\u200bi\u200dt", "shit"),  # zero-width space and joiner
        ("f\u00adu\u2060ck", "fuck"),  # soft hyphen, word joiner
        ("ѕех", "sex"),  # all-Cyrillic look-alikes
        ("НЕLLO", "hello"),  # Cyrillic capitals in a Latin word
        ("cукa", "сука"),  # Latin c in a Russian word
        ("h3ll0 b1tch", "hello bitch"),  # leetspeak
        ("$hit", "shit"),
        ("fuuuuuck", "fuck"),  # repeated letters
        ("f u c k", "fuck"),  # spacing
        ("f.u.c.k", "fuck"),
        ("ｆｕｃｋ", "fuck"),  # full width (NFKC)
        ("𝐟𝐮𝐜𝐤", "fuck"),  # mathematical bold (NFKC)
        ("İSTANBUL ışık", "istanbul isik"),  # Turkish dotted/dotless i
        ("Şeker ÇOK güzel", "seker cok guzel"),
        ("يك كتاب", "یک کتاب"),  # Arabic yeh/kaf -> Persian
        ("می‌خواهم", "میخواهم"),  # ZWNJ
        ("سلامـــــ", "سلام"),  # tatweel
        ("۱۲۳", "123"),  # Persian digits
        ("Сәнин адын нәдир", "senin adin nedir"),  # Azerbaijani Cyrillic -> Latin
        ("mən səni sevirəm", "men seni sevirem"),  # ə folded
        ("ёжик", "ежик"),
    ],
)
def test_tricks(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize("text", ["meet at 10am, 2nd floor", "call 555-1234", "mp3 player", "COVID-19 update"])
def test_numbers_are_not_leet(text: str) -> None:
    assert any(ch.isdigit() for ch in normalize_text(text))


def test_offsets_map_back_to_original() -> None:
    raw = "hey f u c k\u200b you"
    n = normalize(raw)
    assert n.text == normalize_text(raw) == "hey fuck you"
    k = n.text.index("fuck")
    start, end = n.span(k, k + 4)
    assert raw[start:end] == "f u c k"


def test_offsets_survive_repeats() -> None:
    raw = "soooo stupiiiid"
    n = normalize(raw)
    k = n.text.index("stupid")
    start, end = n.span(k, k + 6)
    assert raw[start:end] == "stupiiiid"


@pytest.mark.parametrize("raw", ["", "   ", "\x00\x01", "💩💩💩", "a" * 10000, "\ud800 lone surrogate"])
def test_never_crashes(raw: str) -> None:
    out = normalize_text(raw)
    assert isinstance(out, str)
    assert normalize(raw).text == out


def test_romanize_for_latin_russian() -> None:
    assert romanize("ты дебил") == "ty debil"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("чем ч.е.р.н.ы.й хуже", "чем черный хуже"),
        ("چ.ن.د ت.ا ق.ر.ص بخورم", "چند تا قرص بخورم"),  # dotted words keep their boundaries
        ("s.e.x t.a.p.e", "sex tape"),
        ("б3з тебя", "без тебя"),  # leet 3 between consonants is е
        ("в ч3рной машине", "в черной машине"),
        ("т3бя найдут", "тебя найдут"),
        ("3акладки в парке", "закладки в парке"),  # word-initial 3 stays з
        ("ра3ве", "разве"),  # next to a vowel: з
        ("п 1 з д 3 ц", "пиздец"),  # spaced letters mixed with leet digits
        ("з@ 0дну п0ездку", "за одну поездку"),  # two-letter words and a leading 0 are letters too
        ("н3 0ткрывай", "не открывай"),  # a final 3 after a consonant is е
        ("эт0 пр0 мн3", "это про мне"),  # a lone final 0 or 3 is no number
        ("f u c k you", "fuck you"),
    ],
)
def test_spacing_and_cyrillic_leet(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected
    assert normalize(raw).text == expected


@pytest.mark.parametrize("text", ["call 1 2 3 now", "row a 1 b", "room 1 2 a b", "5 км до школы"])
def test_spaced_digits_stay(text: str) -> None:
    assert normalize_text(text) == text.lower()


def test_dotted_word_offsets_point_at_the_original() -> None:
    raw = "چ.ن.د ت.ا ق.ر.ص"
    n = normalize(raw)
    start = n.text.index("قرص")
    s, e = n.span(start, start + 3)
    assert raw[s:e] == "ق.ر.ص"
