"""The harm verifier's second opinion the other way (`index.CONFIRM_ABOVE`): where it is sure a text is harmful, a
category the text reads nearer its harmful lines than its benign ones passes at `CONFIRM_SHARE` of its
threshold. Checked on the seed bank with a stand-in verifier whose reading the test sets, and thresholds placed
around the text's own score, so the rule is tested, not the fitted numbers."""

from __future__ import annotations

import numpy as np

from tutela.detect.semantic.encoder import get_encoder
from tutela.detect.semantic.index import (
    CONFIRM_ABOVE,
    CONFIRM_SHARE,
    CONFIRM_SURE_ABOVE,
    CONFIRM_SURE_SHARE,
    BankIndex,
)
from tutela.detect.semantic.scorer import TARGETS


class _Reads:
    """A verifier that reads every text as harmful with one probability."""

    def __init__(self, p: float) -> None:
        self.p = p

    def prob(self, emb: np.ndarray) -> np.ndarray:
        return np.full(len(emb), self.p)


def _with(index: BankIndex, p: float) -> BankIndex:
    return BankIndex(index.examples, index.grouped.bank64[index._position].astype(np.float32), index.calibrated,
                     _Reads(p))


def _case(index: BankIndex) -> tuple[str, int, float]:
    """A harmful seed line and a category it reads nearer the harmful lines of (margin > 0), with its score."""
    enc = get_encoder()
    for e in index.examples:
        if not e.is_harm:
            continue
        r = _with(index, 0.5).score([e.text], enc)[0]
        t = TARGETS.index(e.category)
        if r.margins is not None and r.margins[t] > 0 and r.scores[t] > 0.01:
            return e.text, t, float(r.scores[t])
    raise AssertionError("no harmful seed line reads nearer its harmful lines")


def test_a_sure_verifier_lets_a_near_category_pass_at_part_of_its_threshold(seed_index: BankIndex) -> None:
    text, t, score = _case(seed_index)
    thr = np.array(seed_index.calibrated.thresholds, dtype=float)
    thr[t] = score / ((1 + CONFIRM_SHARE) / 2)  # the score sits between the confirmed bar and the threshold
    enc = get_encoder()
    sure = _with(seed_index, CONFIRM_ABOVE).score([text], enc, thr)[0]
    unsure = _with(seed_index, CONFIRM_ABOVE - 0.05).score([text], enc, thr)[0]
    assert TARGETS[t] in sure.flagged and sure.scores[t] >= thr[t]  # a flag reads at its threshold
    assert TARGETS[t] not in unsure.flagged and unsure.scores[t] == score


def test_below_the_share_or_nearer_the_benign_lines_nothing_is_confirmed(seed_index: BankIndex) -> None:
    text, t, score = _case(seed_index)
    enc = get_encoder()
    thr = np.array(seed_index.calibrated.thresholds, dtype=float)
    thr[t] = score / (CONFIRM_SHARE * 0.9)  # the score is under the confirmed bar
    assert TARGETS[t] not in _with(seed_index, CONFIRM_SURE_ABOVE - 0.01).score([text], enc, thr)[0].flagged
    # a category the text reads nearer the benign lines of, with the same bar placement that confirmed above
    r = _with(seed_index, 0.5).score([text], enc)[0]
    benign_side = [k for k in range(len(TARGETS) - 1) if r.margins[k] <= 0 and r.scores[k] > 0]
    assert benign_side, "every category reads nearer its harmful lines"
    k = benign_side[0]
    thr = np.array(seed_index.calibrated.thresholds, dtype=float)
    thr[k] = r.scores[k] / ((1 + CONFIRM_SHARE) / 2)
    assert TARGETS[k] not in _with(seed_index, 0.99).score([text], enc, thr)[0].flagged


def test_a_surer_verifier_confirms_at_a_smaller_share(seed_index: BankIndex) -> None:
    text, t, score = _case(seed_index)
    enc = get_encoder()
    thr = np.array(seed_index.calibrated.thresholds, dtype=float)
    thr[t] = score / ((CONFIRM_SURE_SHARE + CONFIRM_SHARE) / 2)  # between the two bars
    assert TARGETS[t] in _with(seed_index, CONFIRM_SURE_ABOVE).score([text], enc, thr)[0].flagged
    assert TARGETS[t] not in _with(seed_index, CONFIRM_SURE_ABOVE - 0.01).score([text], enc, thr)[0].flagged
    thr[t] = score / (CONFIRM_SURE_SHARE * 0.9)  # under the surer bar too
    assert TARGETS[t] not in _with(seed_index, 1.0).score([text], enc, thr)[0].flagged
