"""Privacy entities come back with exact spans of the original text, in every language."""

from __future__ import annotations

import pytest

from tutela import analyze_text
from tutela.domain.taxonomy import Category


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("call her on +90 532 123 45 67 tonight", "+90 532 123 45 67"),
        ("nömrəm 050 123 45 67, zəng et", "050 123 45 67"),
        ("شماره من 0912 345 6789 هست", "0912 345 6789"),
        ("мой номер 8 (916) 123-45-67", "8 (916) 123-45-67"),
        ("write to little.star2013@example.com", "little.star2013@example.com"),
        ("we are at 40.4093, 49.8671 now", "40.4093, 49.8671"),
        # Azerbaijani in Cyrillic, read in its Latin letters for matching: the span is the Cyrillic text
        ("онун еви Нәсими күчәси 8-дәдир, ахшам ора ҝедәк", "Нәсими күчәси 8"),
        ("мән 12 јашындајам, 45 нөмрәли мәктәбдә охујурам", "45 нөмрәли мәктәбдә"),
    ],
)
def test_entity_span(text: str, entity: str, settings) -> None:
    r = analyze_text(text, settings=settings)
    assert Category.PRIVACY in r.flags
    spans = {text[e.start : e.end] for e in r.explanations if e.category is Category.PRIVACY and e.start is not None}
    assert entity in spans, spans


def test_school_with_age_is_stronger_than_school_alone(settings) -> None:
    alone = analyze_text("Riverside Primary School has a new library", settings=settings)
    with_age = analyze_text("I'm 12 and I go to Riverside Primary School", settings=settings)
    assert with_age.scores[Category.PRIVACY] > alone.scores[Category.PRIVACY]
    assert Category.PRIVACY in with_age.flags
    assert Category.PRIVACY not in alone.flags


def test_plain_numbers_are_not_phones(settings) -> None:
    for text in ["I scored 1234567 points", "the year 2024 was 365 days", "order #12-34-56"]:
        assert Category.PRIVACY not in analyze_text(text, settings=settings).flags, text


def test_the_word_gates_find_exactly_the_texts_that_hold_one_of_their_words() -> None:
    """`_any_of` writes a word list as a trie; it must answer what `any(w in text for w in words)` does,
    including a word inside another (`ig ` in `big `, `st.` after `insta`) and words that share a start."""
    from tutela.detect.detectors.privacy import (
        _ADDRESS_WORDS,
        _SCHOOL_WORDS,
        _SOCIAL_WORDS,
        PrivacyDetector,
        _any_of,
    )

    texts = [e.text.lower() for e in PrivacyDetector.examples()]
    lists = (_ADDRESS_WORDS, _SCHOOL_WORDS, _SOCIAL_WORDS, ("ab", "abc", "abd", "b"))
    for words in lists:  # each word alone, cut short by a letter, and inside other text
        texts += [w for w in words] + [w[:-1] for w in words] + [f"x{w}y" for w in words]
    for words in lists:
        gate = _any_of(words)
        for text in texts:
            assert (gate.search(text) is not None) == any(w in text for w in words), (words[:3], text)


def test_any_case_cues_answer_what_ignorecase_would() -> None:
    """`_AnyCase` reads lower-cased text with a case-sensitive pattern for speed; it must still find a cue typed
    in capitals, including the Turkish İ and ı, which re's IGNORECASE equates with i (and İ lowers to two
    characters), and a cue of the pattern's own ı found in text typed with i."""
    import re

    from tutela.detect.detectors.privacy import _AnyCase

    cue = _AnyCase(r"velilere|yardım hattı|\bfair\b|родительское собрание")
    reference = re.compile(r"velilere|yardım hattı|\bfair\b|родительское собрание", re.IGNORECASE)
    texts = ["VELİLERE ACİL DUYURU", "VELILERE", "velılere", "YARDIM HATTI 183", "yardim hatti", "YARDİM HATTİ",
             "School FAIR on Saturday", "fairy tale", "РОДИТЕЛЬСКОЕ СОБРАНИЕ в 18:00", "veli toplantısı"]
    for text in texts:
        assert cue.found(text) == (reference.search(text) is not None), text
    assert [cue.found(t) for t in texts] == [True, True, True, True, True, True, True, False, True, False]


def test_cyrillic_azerbaijani_public_event_address_stays_weak(settings) -> None:
    """The Latin reading brings the public-event words with it (`шәнлик`, `дәвәт`), not only the addresses."""
    r = analyze_text("мәктәбин шәнлији шәнбә ҝүнү, үнван: Низами күчәси 5, һамы дәвәтлидир", settings=settings)
    assert Category.PRIVACY not in r.flags


def test_prefiltered_whereabouts_cues_find_what_their_patterns_find() -> None:
    """`_WithStarts` skips `_HOME` and `_WEEKDAY` where none of their possible starts occurs; where one does, the
    answer must be the pattern's own, and a text with none must be skipped, not searched."""
    from tutela.detect.detectors.privacy import _HOME, _WEEKDAY, PrivacyDetector
    from tutela.detect.normalize import normalize_text

    texts = [normalize_text(e.text) for e in PrivacyDetector.examples()] + [
        "she lives near the park", "their house is the blue house on the corner", "kosedeki mavi ev onlarin",
        "evleri orada", "tinin yanindaki bina", "она живет в красном доме", "خونه‌شون سر کوچه است",
        "pe tuesdays 2pm", "cumartesi 14te", "в пятницу в 5", "جمعه ساعت ۵", "what a great goal", "gg ez",
    ]
    for cue in (_HOME, _WEEKDAY):
        assert cue._starts is not None  # every branch's start is known: the skip is on
        found = 0
        for text in texts:
            own = cue._re.search(text)
            assert (own and own.span()) == ((m := cue.search(text)) and m.span()), text
            found += own is not None
        assert found >= 5
    assert _HOME._starts.search("nice one mate") is None
