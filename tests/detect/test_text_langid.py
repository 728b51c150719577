"""Offline language identification for the five languages, honest about junk."""

from __future__ import annotations

import pytest

from tutela.detect.langid import identify, identify_many


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("hello, how are you doing today?", "en"),
        ("merhaba, bugün okula gittin mi?", "tr"),
        ("salam, necəsən? mən evdəyəm", "az"),
        ("salam qardas, necesen, men evdeyem", "az"),
        ("Салам, нечәсән? Бу ҝүн мәктәбә ҝетдим", "az"),
        ("سلام، خوبی؟ امروز کجا بودی", "fa"),
        ("привет, как дела? что делаешь?", "ru"),
    ],
)
def test_five_languages(text: str, lang: str) -> None:
    assert identify(text)[0] == lang


@pytest.mark.parametrize("text", ["", "   ", "12345 !!! ???", "\x00\x01\x02", "🙂🙂🙂"])
def test_junk_is_undetermined(text: str) -> None:
    lang, conf = identify(text)
    assert lang == "und"
    assert conf == 0.0


def test_batch_matches_single() -> None:
    texts = ["hello there my friend", "привет друг"]
    assert [lang for lang, _ in identify_many(texts)] == [identify(t)[0] for t in texts]


@pytest.mark.parametrize(("text", "lang"), [
    ("s3n1 0kuld4n s0nr4 g3b3rt1c3m", "tr"),  # leet digits read as letters for the model
    ("sekillerini atmasan hamiya gonderecem, mektebine de", "az"),  # Azerbaijani without its letters
    ("sabah mektebe getirecem hamisini oldurecem", "az"),
    ("meet at 10am on the 2nd floor", "en"),
])
def test_leet_and_letterless_azerbaijani(text: str, lang: str) -> None:
    assert identify(text)[0] == lang


@pytest.mark.parametrize("text", ["send me a pic, dont tell your mom", "where is your school? send me a pic pls"])
def test_short_english_chat_is_not_read_as_french(text: str) -> None:
    assert identify(text)[0] == "en"


@pytest.mark.parametrize(("text", "lang"), [
    ("je ne sais pas ce que tu veux dire", "fr"),
    ("dime donde vives por favor", "es"),
    ("ich weiss nicht was du willst", "de"),
])
def test_other_latin_languages_keep_their_answer(text: str, lang: str) -> None:
    assert identify(text)[0] == lang


def test_script_counts_are_the_code_point_ranges_for_every_character() -> None:
    """`_script_counts` counts in UTF-8 lead bytes; it must agree with the code point ranges it stands for
    (Cyrillic U+0400-04FF, Arabic U+0600-06FF, Latin letters A-Z a-z U+00C0-024F U+018F U+0259)."""
    from tutela.detect.langid import _script_counts

    def in_ranges(c: str, ranges: list[tuple[int, int]]) -> bool:
        return any(lo <= ord(c) <= hi for lo, hi in ranges)

    cyr, ara, lat = [(0x400, 0x4FF)], [(0x600, 0x6FF)], [(0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x259, 0x259)]
    chars = [chr(c) for c in range(0x80, 0x3000)] + ["\U0001F600", "\ud800"]  # an emoji, a lone surrogate
    for k in range(0, len(chars), 97):  # mixed strings: each chunk spans several blocks
        text = "a" + "".join(chars[k:k + 97])
        letters = sum(map(str.isalpha, text))
        expected = tuple(sum(in_ranges(c, r) for c in text) for r in (cyr, ara, lat))
        assert _script_counts(text, letters) == expected, text


@pytest.mark.parametrize("text", [
    # formal Finglish, few chat words: fastText answers English or Portuguese, unsure
    "vezarat e amoozesh elam kard emtehan e nahayi laghv shode, sal e tahsili tamoome, be hame befrestid",
    "kar too torkiye baraye dokhtaraye javoon, mahi 2000 dolar, belit o ja ba ma, be kasi nagoo",
])
def test_long_finglish_with_few_chat_words_is_persian(text: str) -> None:
    assert identify(text)[0] == "fa"


@pytest.mark.parametrize("text", [
    "the ministry announced that final exams are cancelled this year, send it to everyone",
    "bakanlık bu yıl sınavların iptal edildiğini açıkladı, herkese gönderin",
])
def test_english_and_turkish_news_stay_themselves(text: str) -> None:
    assert identify(text)[0] != "fa"


@pytest.mark.parametrize(("text", "lang"), [
    ("u.l.g.u.c.l.a q.o.l.u.m.u k.e.s.i.r.e.m", "az"),  # letters split by dots: read joined, not as Slovenian
    ("j.i.l.e.t.l.e k.o.l.u.m.u k.e.s.i.y.o.r.u.m", "tr"),
])
def test_letters_split_by_dots_are_read_joined(text: str, lang: str) -> None:
    assert identify(text)[0] == lang
