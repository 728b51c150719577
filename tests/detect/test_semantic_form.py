"""The semantic stage reads text with its letters kept (evasion still undone)."""

from __future__ import annotations

import pytest

from tutela.detect.normalize import normalize_text, semantic_text


@pytest.mark.parametrize(
    ("text", "lang", "form"),
    [
        ("Şikayət edirəm, götür bunu", None, "şikayət edirəm, götür bunu"),  # letters kept
        ("шикајәт едирәм", None, "şikayət edirəm"),  # Azerbaijani Cyrillic -> Latin with its letters
        ("мүәллим деди китабы ҝөтүр", None, "müəllim dedi kitabı götür"),
        ("шикаят", "az", "şikayat"),  # no Azerbaijani-only letter, but the caller knows the language
        ("шикаят", None, "шикаят"),  # otherwise Cyrillic stays Cyrillic (Russian)
        ("İSTANBUL'da ılık", None, "istanbul'da ılık"),
        ("h3ll0 s e x", None, "hello sex"),  # leetspeak and spaced letters undone
        ("s\u200bex ѕех", None, "sex sex"),  # zero-width space and Cyrillic look-alikes
        ("يك كتاب ۱۲", None, "یک کتاب 12"),  # Persian letter variants and digits unified
    ],
)
def test_semantic_form(text: str, lang: str | None, form: str) -> None:
    assert semantic_text(text, lang) == form


def test_fast_form_still_folds() -> None:
    assert normalize_text("Şikayət götür") == "sikayet gotur"
