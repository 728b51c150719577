"""Scoring a text against example banks, in the manner of Roblox's Sentinel, plus a learned head.

For every target (the 12 harm categories and the `disclosure` signal):

- **kNN margin**: mean cosine similarity of the text to its `k` nearest harmful examples of that
  target minus the mean similarity to its `k` nearest non-harmful ones (every benign line: the
  look-alikes of every category and the ordinary text; for `disclosure` also the harm written by
  offenders, which is harm but not a child's own words). A new example (an organisation's own)
  changes this at once, with no retraining.
- **head**: a logistic regression over the embedding, trained on the banks, which generalises
  past the nearest neighbours.

Each part is Platt-calibrated on out-of-fold scores of the banks (`fit.py`), and the semantic score
of a target is the larger of the two calibrated probabilities, with one gate (`combine`): for the 12
categories the head counts only where the text is not clearly nearer the benign lines than the harmful
ones (kNN margin at least `HEAD_GATE`). The head is a linear direction over the whole embedding and
picks up style as well as meaning (Latin-script Russian, Azerbaijani without its letters, a warning
about a scam that shares the scam's words); the nearest examples are the evidence that the text reads
like a warning, a school notice or ordinary chat. On the written dev lines this gate took the semantic
stage's false flags on benign text from 14 to 4 of 184 while it still caught 140 of 141 harmful lines. This module is the arithmetic only:
no I/O, no encoder, so it is cheap to test with hand-made vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutela.detect.semantic.bank import CATEGORY_IDS, DISCLOSURE, Example

TARGETS: tuple[str, ...] = (*CATEGORY_IDS, DISCLOSURE)
K = 3
# the head's vote is dropped where the k nearest benign lines are this much closer than the k nearest
# harmful ones (cosine, e5-small: paraphrases sit ~0.03-0.05 apart from mere topic neighbours). -0.01 until
# 2026-12-06 round 4: at -0.005 the dev lines' benign false flags went from 14 to 8 of 400 (five languages)
# and the harmful lines missed from 34 to 37 of 343; the head's false flags sat at margins -0.003..-0.008
HEAD_GATE = -0.005
# Self-harm's head reads mood rather than intent: on benign rows of the public sets (SMS, tweets, Russian
# comments, 2026-12-06) it flagged "проспал весь день и совершенно не выспался", "I'm not coming over, do
# whatever you want", "У него 43 размер, как и у меня" at margins -0.004..+0.000, while the dev lines it alone
# caught sat at +0.003..+0.010. There it counts only where the text is at least as near a written harmful line
# as a benign one.
HEAD_GATE_BY_TARGET = {"self_harm": 0.0}
# disclosure is not gated: its negatives include the offenders' own harmful lines, which a child's
# report of them is close to by design
_GATED = np.array([name != DISCLOSURE for name in TARGETS])


def head_gate(name: str) -> float:
    """The kNN margin from which `name`'s head counts (`HEAD_GATE`, `HEAD_GATE_BY_TARGET`)."""
    return HEAD_GATE_BY_TARGET.get(name, HEAD_GATE)


_GATES = np.array([head_gate(name) for name in TARGETS])


def combine(knn: np.ndarray, head: np.ndarray, margins: np.ndarray, gate_at: float | None = None) -> np.ndarray:
    """The semantic score: max(kNN, head), the head gated by the kNN margin (see the module docstring).

    Works on (n, targets) arrays, each target at its own gate, or on one target's column when `knn`, `head`
    and `margins` are (n,) and the caller gives that target's gate (`fit.py` passes one target at a time)."""
    at = (_GATES if head.ndim == 2 else HEAD_GATE) if gate_at is None else gate_at
    gate = np.nan_to_num(margins, nan=-1.0) >= at
    if head.ndim == 2:
        gate = gate | ~_GATED
    return np.maximum(knn, np.where(gate, head, 0.0))


def target_masks(examples: list[Example]) -> tuple[np.ndarray, np.ndarray]:
    """(harm, negative) boolean masks, each (targets, n_examples)."""
    n = len(examples)
    harm = np.zeros((len(TARGETS), n), dtype=bool)
    neg = np.zeros((len(TARGETS), n), dtype=bool)
    benign = np.array([not e.is_harm for e in examples], dtype=bool)
    cats = np.array([e.category for e in examples])
    disc = np.array([e.is_disclosure for e in examples], dtype=bool)
    is_harm = ~benign
    for t, name in enumerate(TARGETS):
        if name == DISCLOSURE:
            harm[t] = disc
            neg[t] = benign | (is_harm & ~disc)
        else:
            harm[t] = is_harm & (cats == name)
            neg[t] = benign
    return harm, neg


@dataclass(frozen=True)
class Columns:
    """Each target's harmful columns, and its negative columns as one of a few shared sets (the 12
    categories share every benign line): the masks as indices, found once per bank. Looking them up on
    every call (26 scans of the mask and 13 packings of the bank's size) was ~0.3 ms of the ~0.8 a call
    of one text spent in `knn_margins` (the semantic thread's small batches, docs/benchmarks.md "h15two")."""

    harm: tuple[np.ndarray, ...]
    negs: tuple[np.ndarray, ...]
    neg_of: tuple[int, ...]  # per target, which of `negs`

    @classmethod
    def of(cls, harm: np.ndarray, neg: np.ndarray) -> Columns:
        keys: dict[bytes, int] = {}
        negs: list[np.ndarray] = []
        neg_of: list[int] = []
        for t in range(len(TARGETS)):
            key = np.packbits(neg[t]).tobytes()
            if key not in keys:
                keys[key] = len(negs)
                negs.append(np.flatnonzero(neg[t]))
            neg_of.append(keys[key])
        return cls(tuple(np.flatnonzero(harm[t]) for t in range(len(TARGETS))), tuple(negs), tuple(neg_of))


def _topk_mean(sims: np.ndarray, cols: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the k largest similarities among the columns `cols`, and the argmax column, per row."""
    n = sims.shape[0]
    if not len(cols):
        return np.full(n, np.nan), np.full(n, -1)
    sub = sims[:, cols]
    kk = min(k, len(cols))
    if kk == len(cols):
        top = sub
    else:
        top = np.partition(sub, -kk, axis=1)[:, -kk:]
    best = cols[np.argmax(sub, axis=1)]
    return top.mean(axis=1), best


def knn_margins(sims: np.ndarray, harm: np.ndarray, neg: np.ndarray, k: int = K,
                columns: Columns | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(margins (n, targets), nearest harmful example index (n, targets), -1 where none). `columns`:
    the masks' `Columns`, when the caller keeps them (a bank scored many times)."""
    cols = Columns.of(harm, neg) if columns is None else columns
    n = sims.shape[0]
    margins = np.full((n, len(TARGETS)), np.nan)
    nearest = np.full((n, len(TARGETS)), -1, dtype=np.int64)
    benign = [np.nan_to_num(_topk_mean(sims, c, k)[0], nan=0.0) for c in cols.negs]  # each shared set once
    for t in range(len(TARGETS)):
        h, best = _topk_mean(sims, cols.harm[t], k)
        margins[:, t] = h - benign[cols.neg_of[t]]
        nearest[:, t] = best
    return margins, nearest


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass
class Calibrated:
    """Platt-calibrated kNN margins and head, thresholds per target (all arrays indexed by TARGETS)."""

    knn_calib: np.ndarray  # (targets, 2): p = sigmoid(a * margin + b)
    head_coef: np.ndarray  # (targets, dim)
    head_intercept: np.ndarray  # (targets,)
    head_calib: np.ndarray  # (targets, 2)
    thresholds: np.ndarray  # (targets,)

    def knn_prob(self, margins: np.ndarray) -> np.ndarray:
        p = sigmoid(self.knn_calib[:, 0] * np.nan_to_num(margins, nan=-1.0) + self.knn_calib[:, 1])
        return np.where(np.isnan(margins), 0.0, p)

    def head_prob(self, emb: np.ndarray) -> np.ndarray:
        z = emb.astype(np.float64) @ self.head_coef.T.astype(np.float64) + self.head_intercept  # see BankIndex
        return sigmoid(self.head_calib[:, 0] * z + self.head_calib[:, 1])

    def score(self, emb: np.ndarray, margins: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(combined, knn, head) probabilities, each (n, targets)."""
        knn = self.knn_prob(margins)
        head = self.head_prob(emb)
        return combine(knn, head, margins), knn, head
