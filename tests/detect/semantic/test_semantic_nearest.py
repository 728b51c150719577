"""`nearest.GroupedBank` gives the kNN margins of `scorer.knn_margins` on the float64 product.

Hand-made banks: random unit vectors, queries that sit on bank lines (similarity 1.0, duplicates) or
between near-identical lines (float32 cannot order them), groups smaller than k, a target with no
harmful lines and one with no negatives.
"""

from __future__ import annotations

import numpy as np
import pytest

from tutela.detect.semantic.nearest import GroupedBank
from tutela.detect.semantic.scorer import TARGETS, knn_margins


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _bank(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    m, dim, targets = 600, 32, len(TARGETS)
    emb = _unit(rng.normal(size=(m, dim)))
    emb[1] = _unit(emb[:1] + 1e-7)[0]  # two lines float32 cannot tell apart
    emb[2] = emb[0]  # and a duplicate
    label = rng.integers(0, targets + 1, size=m)  # targets: harmful for one; targets + 1: benign
    harm = np.stack([label == t for t in range(targets)])
    neg = np.stack([label == targets] * targets)
    harm[3] = False  # a target with no harmful lines
    harm[4] = label == 0  # overlaps target 0 ...
    harm[4, :200] = False
    harm[2, :] = False
    harm[2, [5, 9]] = True  # ... and one with fewer harmful lines than k
    neg[1] = False  # and no negatives
    neg[4] = (label == targets) | harm[0]
    return emb, harm, neg


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 3])
def test_margins_equal_the_float64_reference(seed: int, k: int) -> None:
    emb, harm, neg = _bank(seed)
    rng = np.random.default_rng(seed + 10)
    queries = np.concatenate([
        emb[:8],  # on bank lines, ties at 1.0
        _unit(emb[rng.integers(0, len(emb), 40)] + rng.normal(scale=0.05, size=(40, emb.shape[1]))),
        _unit(rng.normal(size=(20, emb.shape[1]))),
    ]).astype(np.float32)
    want, _ = knn_margins(queries.astype(np.float64) @ emb.T, harm, neg, k)
    got = GroupedBank(emb, harm, neg, k).margins(queries)
    assert np.array_equal(np.isnan(want), np.isnan(got))
    assert np.nanmax(np.abs(want - got)) < 1e-12
    assert np.isnan(got[:, 3]).all() and not np.isnan(np.delete(got, 3, axis=1)).any()


def test_a_text_scores_the_same_alone_and_in_a_batch() -> None:
    emb, harm, neg = _bank(4)
    bank = GroupedBank(emb, harm, neg, 3)
    queries = _unit(np.random.default_rng(5).normal(size=(16, emb.shape[1]))).astype(np.float32)
    batch = bank.margins(queries)
    alone = np.concatenate([bank.margins(queries[i:i + 1]) for i in range(len(queries))])
    assert np.array_equal(batch, alone, equal_nan=True)
