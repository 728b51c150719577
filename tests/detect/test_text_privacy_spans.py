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
