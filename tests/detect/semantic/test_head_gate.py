"""The head's vote is gated by the kNN margin, self-harm's at its own line (`scorer.HEAD_GATE_BY_TARGET`)."""

from __future__ import annotations

import numpy as np

from tutela.detect.semantic.scorer import HEAD_GATE, TARGETS, combine, head_gate


def _one(name: str, margin: float) -> float:
    n = len(TARGETS)
    knn, head, margins = np.zeros((1, n)), np.zeros((1, n)), np.full((1, n), -1.0)
    t = TARGETS.index(name)
    knn[0, t], head[0, t], margins[0, t] = 0.1, 0.9, margin
    return float(combine(knn, head, margins)[0, t])


def test_the_head_counts_from_the_gate_and_not_below() -> None:
    assert _one("fraud", HEAD_GATE) == 0.9
    assert _one("fraud", HEAD_GATE - 0.001) == 0.1


def test_self_harm_head_needs_the_text_at_least_as_near_a_harmful_line() -> None:
    assert head_gate("self_harm") > HEAD_GATE
    assert _one("self_harm", HEAD_GATE) == 0.1  # mood near the benign lines: the head is not enough
    assert _one("self_harm", head_gate("self_harm")) == 0.9


def test_one_column_is_gated_at_the_gate_the_caller_gives() -> None:
    knn, head, m = np.array([0.1, 0.1]), np.array([0.9, 0.9]), np.array([-0.002, 0.001])
    assert combine(knn, head, m, head_gate("self_harm")).tolist() == [0.1, 0.9]
    assert combine(knn, head, m).tolist() == [0.9, 0.9]
