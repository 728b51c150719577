"""The experts' out-of-fold operating point (`training/train.OOF_HARMFUL_CALIB`), on small data made here.

Why: the threshold taken from out-of-fold decisions is only honest if no row's decision comes from a
model that saw that row, and the calibration-fitted threshold it is compared with must be judged on
rows it was not fitted on, or the comparison flatters the old threshold.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

pytest.importorskip("sklearn")

from tutela.detect.training.train import _fair_calib_score, best_macro_threshold, macro_f1, out_of_fold  # noqa: E402


def _data(n: int = 240, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int8)
    x = sp.random(n, 400, density=0.03, format="csr", random_state=seed)
    x = sp.hstack([x, sp.csr_matrix(y.reshape(-1, 1) * rng.random((n, 1)))]).tocsr()  # one telling feature
    return x, y, [f"g{i}" for i in range(n)]


@pytest.mark.parametrize("learner", ["nb-lr C=30", "lr C=10", "mean of nb-lr C=3 and lr-idf C=3"])
def test_a_rows_out_of_fold_decision_ignores_its_own_label(learner: str) -> None:
    x, y, groups = _data()
    z = out_of_fold(x, y, groups, learner)
    flipped = y.copy()
    flipped[7] = 1 - flipped[7]
    z2 = out_of_fold(x, flipped, groups, learner)
    assert z[7] == pytest.approx(z2[7])
    assert not np.allclose(z, z2)  # other folds did learn from row 7


def test_fair_score_does_not_exceed_the_in_sample_one() -> None:
    rng = np.random.default_rng(1)
    y = (rng.random(300) < 0.2).astype(np.int8)
    p = np.clip(0.3 * y + 0.7 * rng.random(300), 0, 1)
    in_sample = macro_f1(p >= best_macro_threshold(p, y), y)
    fair = _fair_calib_score(p, y, draws=20)
    assert 0.5 < fair <= in_sample
