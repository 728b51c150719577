"""Detection: text, conversation and image detectors.

`analyze_text` / `analyze_texts` are the public entry points (see
`tutela.detect.engine`; `finish_texts` finishes texts the fast stage held for the semantic stage); `normalize_text` is the shared evasion-defeating
normalisation (see `tutela.detect.normalize`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["analyze_text", "analyze_texts", "finish_texts", "normalize_text", "warm_up"]


def __getattr__(name: str) -> Any:
    # Lazy, so that importing `tutela.detect.image` (media) does not load text models.
    if name in ("analyze_text", "analyze_texts", "finish_texts", "warm_up"):
        from tutela.detect import engine

        return getattr(engine, name)
    if name == "normalize_text":
        from tutela.detect.normalize import normalize_text

        return normalize_text
    raise AttributeError(f"module 'tutela.detect' has no attribute {name!r}")
