"""Rules that dev round 31d (2026-12-07) showed missing, each beside a look-alike. Lines written for this test."""

from __future__ import annotations

import pytest

from tutela.detect import analyze_text
from tutela.detect.detectors.lexicon import LexiconDetector
from tutela.detect.detectors.privacy import PrivacyDetector
from tutela.detect.engine import _unleeted
from tutela.detect.normalize import normalize_text
from tutela.domain.taxonomy import Category

from .conftest import RULE
from .conftest import detector_score as _score


def test_finglish_in_leetspeak_or_dotted_letters_is_read_in_persian_script() -> None:
    # the digits and the dots hid the words from the Persian phrase list when the Latin letters were written back
    assert Category.PROFANITY in analyze_text("to ye p3d4rs4g1, k.o.s.k.h.o.l", stages="fast").flags
    assert not analyze_text("ye 3 ta pizza sefaresh bedim? saat 8 khoobe", stages="fast").flags


@pytest.mark.parametrize(("original", "rewritten"), [
    ("p3dars4g", True),  # a digit inside a word
    ("k.o.s.k.h.o.l", True),  # dotted letters
    ("salam chetori, saat 8 miam", False),  # a number on its own is not leetspeak
    ("privet kak dela", False),
])
def test_only_leet_or_spaced_text_is_written_back_from_its_normal_form(original: str, rewritten: bool) -> None:
    assert (_unleeted(original, normalize_text(original)) != original) is rewritten


@pytest.mark.parametrize(("text", "swearing"), [
    ("s.ktir git o.ç. a.q.", True),
    ("a.q. bu ne maç", True),
    ("saat 3'te A.Ş. binasında toplantı var", False),  # a company's abbreviation
])
def test_turkish_swearing_abbreviated_with_dots(text: str, swearing: bool) -> None:
    assert (_score(LexiconDetector(), text, "tr", Category.PROFANITY) >= RULE) is swearing


@pytest.mark.parametrize(("text", "personal"), [
    ("the message going round the parents whatsapp isn't new, it's a hoax", False),
    ("add her on whatsapp lily_09 she lives on Mill Road", True),
    ("Birthday party for Sam (6) on Sunday 3pm, 9 Example Road courtyard. All kids in the building welcome!", False),
    ("sam lives at 9 Example Road, ring the bell when his mum is out", True),
])
def test_a_contraction_after_a_platform_and_a_building_party(text: str, personal: bool) -> None:
    assert (_score(PrivacyDetector(), text, "en", Category.PRIVACY) >= RULE) is personal
