"""The sexual-content classifier on generated images: a score in [0, 1],
deterministic, and clean errors for bad input. (Quality on real imagery is
the model publisher's claim, recorded in docs/media.md, not tested here.)"""

from __future__ import annotations

import pytest

from tutela.detect.image import sexual_content_score
from tutela.hashing import MediaError, MediaTooLarge
from tutela.hashing.synthetic import encode, synthetic_image


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_score_range_and_determinism(fmt: str) -> None:
    data = encode(synthetic_image(501, (300, 300)), fmt)
    a = sexual_content_score(data)
    assert 0.0 <= a <= 1.0
    assert sexual_content_score(data) == a


def test_different_images_get_scores() -> None:
    scores = {sexual_content_score(encode(synthetic_image(s), "PNG")) for s in range(3)}
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_bad_input(hostile_files) -> None:  # noqa: ANN001
    for data, _ in hostile_files.values():
        with pytest.raises(MediaError):
            sexual_content_score(data)
    with pytest.raises(MediaTooLarge):
        sexual_content_score(encode(synthetic_image(1), "PNG"), max_bytes=100)
