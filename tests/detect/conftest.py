"""Shared by the tests under tests/detect: how the phrase lexicons score a text, the way the rules component reads it,
and the conversation stage detector."""

from __future__ import annotations

import pytest

from tutela.conversations.detector import StageDetector
from tutela.detect.detectors.lexicon import LexiconDetector
from tutela.detect.normalize import normalize_text
from tutela.detect.translit import to_native
from tutela.domain.taxonomy import Category

#: a rule score at or above this flags on its own
RULE = 0.5


def folded(text: str, lang: str) -> str:
    """The text as the detectors read it: Finglish and translit in their own script, then normalised."""
    native = to_native(text, lang) if lang in ("fa", "ru") else None
    return normalize_text(native or text)


def lexicon_score(text: str, lang: str, category: Category) -> float:
    """The lexicon's noisy-or score of `category` (as the rules component combines its hits)."""
    left = 1.0
    for h in LexiconDetector().find(text, folded(text, lang), lang):
        if h.category is category:
            left *= 1.0 - h.score
    return 1.0 - left


def detector_score(detector: object, text: str, lang: str, category: Category) -> float:
    """One detector's strongest hit for `category` on the text as written (normalised, not written back)."""
    hits = detector.find(text, normalize_text(text), lang)  # type: ignore[attr-defined]
    return max((h.score for h in hits if h.category is category), default=0.0)


@pytest.fixture(scope="session")
def stages() -> StageDetector:
    """One stage detector for the tests that score a message's grooming stages (it holds no per-chat state)."""
    return StageDetector()
