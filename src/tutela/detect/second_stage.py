"""Second stage placeholder, replaced once the embedding heads are trained."""

from __future__ import annotations


def refine(probs, normalized, live, model, col) -> None:  # noqa: ANN001
    return None
