"""Every registered detector's own examples: adding a detector (or a lexicon file) adds its tests."""

from __future__ import annotations

import pytest

from tutela.detect.detectors import detector_classes
from tutela.detect.normalize import normalize_text

CASES = [
    pytest.param(name, ex, id=f"{name}-{ex.lang}-{ex.category.value if ex.category else 'none'}-{i}")
    for name, cls in sorted(detector_classes().items())
    for i, ex in enumerate(cls.examples())
]


def test_every_detector_brings_examples() -> None:
    for name, cls in detector_classes().items():
        assert cls.examples(), f"detector {name} has no examples"


@pytest.mark.parametrize(("name", "example"), CASES)
def test_detector_example(name: str, example) -> None:
    det = detector_classes()[name]()
    hits = det.find(example.text, normalize_text(example.text), example.lang)
    combined: dict = {}
    for h in hits:
        assert 0.0 <= h.score <= 1.0
        combined[h.category] = 1 - (1 - combined.get(h.category, 0.0)) * (1 - h.score)
    flagged = {c for c, s in combined.items() if s >= 0.5}
    if example.category is None:
        assert not flagged, f"{example.text!r} should not be flagged, got {hits}"
    else:
        assert example.category in flagged, f"{example.text!r} should flag {example.category}, got {hits}"
