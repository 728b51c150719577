"""A whole-conversation grooming score learnt from PAN 2012 predator chats (en/de/nl).

The stage detector sees one message at a time; predator chats in PAN 2012 are
recognisable over many messages from their vocabulary as a whole. This
model scores the *bag of all messages so far*, and is built so that the bag
updates in O(1): a conversation keeps three numbers, the sum of the
(IDF-weighted) weights of each message's features, the sum of their squared
IDF weights, and the feature count. The score is
`sigmoid(bias - cut + sum / sqrt(sum of squared idf))`: a TF-IDF bag with a
length normalisation that can be updated one message at a time, each feature
further scaled by its naive-Bayes log-count ratio (NB-SVM) before the logistic
regression; both scalings are folded into the stored weights. Training uses
exactly that normalisation, so streaming and batch give the same score.

`cut` is the decision value chosen by grouped cross-validation for the best
F0.5 on PAN's training groups, so a score of 0.5 is the model's own decision
boundary (F0.5 weighs precision twice as much as recall, as the PAN 2012
competition did).

Trained by `train_segments` on the part of `../shared/data/text/pan12_grooming_segments.csv`
not held out (segment groups split by a hash of their id, translations kept
with their English original). PAN 2012's licence is unstated.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tutela.conversations.features import N_FEATURES, feature_ids, text_windows
from tutela.conversations.patterns import canon

SEGMENT_MODEL_PATH = Path(__file__).resolve().parent / "models" / "segments.npz"
HELDOUT_MOD = 4  # segment groups with crc32(id) % 4 == 0 are held out (25 %)
CV_FOLDS = 5

SegTerms = tuple[float, float, int]  # (sum of weights, sum of squared idf, feature count)
NO_TERMS: SegTerms = (0.0, 0.0, 0)


def is_heldout(segment_id: str) -> bool:
    return zlib.crc32(segment_id.encode()) % HELDOUT_MOD == 0


def pan_fold(segment_id: str) -> int:
    """Cross-validation fold of a training segment group (translations stay with their original)."""
    return zlib.crc32(segment_id.encode()) % CV_FOLDS


@dataclass(frozen=True)
class SegmentModel:
    weights: np.ndarray  # (N_FEATURES,) float32, already multiplied by each feature's idf
    idf2: np.ndarray  # (N_FEATURES,) float32, squared idf (unseen features: the largest idf)
    bias: float  # intercept minus the cross-validated decision value
    data: str

    @classmethod
    def load(cls, path: Path = SEGMENT_MODEL_PATH) -> SegmentModel:
        with np.load(path, allow_pickle=False) as z:
            n = int(z["n_features"])
            if "idf" not in z.files:
                raise ValueError(f"{path} is an older segment model without idf weights; retrain it")
            w = np.zeros(n, dtype=np.float32)
            w[z["rows"]] = z["values"].astype(np.float32)
            idf = np.full(n, float(z["idf_unseen"]), dtype=np.float32)
            idf[z["idf_rows"]] = z["idf"].astype(np.float32)
            return cls(w, idf * idf, float(z["bias"]) - float(z["cut"]), str(z["data"]))

    def ids_terms(self, ids: list[int]) -> SegTerms:
        if not ids:
            return NO_TERMS
        return float(self.weights[ids].sum()), float(self.idf2[ids].sum()), len(ids)

    def message_terms(self, canonical_text: str) -> SegTerms:
        """What one message adds to the running bag (its windows, when it is long)."""
        s = q = 0.0
        n = 0
        for piece in text_windows(canonical_text):
            ds, dq, dn = self.ids_terms(feature_ids(piece))
            s, q, n = s + ds, q + dq, n + dn
        return s, q, n

    def score_terms(self, total: float, norm: float) -> float:
        if norm <= 0:
            return 0.0
        z = self.bias + total / math.sqrt(norm)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def score_messages(self, texts: list[str]) -> float:
        s = q = 0.0
        for t in texts:
            ds, dq, _ = self.message_terms(canon(t))
            s, q = s + ds, q + dq
        return self.score_terms(s, q)


@lru_cache(maxsize=2)
def load_segment_model(path: str = str(SEGMENT_MODEL_PATH)) -> SegmentModel | None:
    p = Path(path)
    return SegmentModel.load(p) if p.is_file() else None


def bag_ids(texts: list[str]) -> list[list[int]]:
    """Each message's (or long message window's) distinct feature ids."""
    return [feature_ids(piece) for t in texts for piece in text_windows(canon(t))]


def segment_messages(text: str, lang: str) -> list[str]:
    """PAN English segments are one line (message boundaries lost); de/nl keep one message per line."""
    if lang == "en":
        return [text]
    return [line for line in text.split("\n") if line.strip()]


def _idf(bags: list[list[list[int]]]) -> np.ndarray:
    df = np.zeros(N_FEATURES, dtype=np.float64)
    for bag in bags:
        seen: set[int] = set()
        for ids in bag:
            seen.update(ids)
        if seen:
            df[list(seen)] += 1
    return (np.log((1 + len(bags)) / (1 + df)) + 1).astype(np.float32)


def _matrix(bags: list[list[list[int]]], idf: np.ndarray):  # noqa: ANN202
    from scipy.sparse import csr_matrix

    indptr, indices, data = [0], [], []
    for bag in bags:
        acc: dict[int, float] = {}
        q = 0.0
        for ids in bag:
            for i in ids:
                v = float(idf[i])
                acc[i] = acc.get(i, 0.0) + v
                q += v * v
        if q > 0:
            inv = 1.0 / math.sqrt(q)
            keys = sorted(acc)
            indices.extend(keys)
            data.extend(acc[k] * inv for k in keys)
        indptr.append(len(indices))
    return csr_matrix((np.array(data, dtype=np.float32), indices, indptr), shape=(len(bags), N_FEATURES))


def log_count_ratio(X, y: np.ndarray, alpha: float = 1.0) -> np.ndarray:  # noqa: ANN001
    """Naive-Bayes log-count ratio per feature (how much likelier in grooming bags than in others).

    Scaling the bag by it before the logistic regression (NB-SVM, Wang & Manning 2012) lets rare but
    telling n-grams speak louder; 5-fold F0.5 on PAN's training groups rose from about 0.959 to 0.969.
    The scaling folds into the stored weights, so streaming stays O(1).
    """
    present = (X > 0).astype(np.float64)
    pos = np.asarray(present[y == 1].sum(axis=0)).ravel() + alpha
    neg = np.asarray(present[y == 0].sum(axis=0)).ravel() + alpha
    return np.log((pos / pos.sum()) / (neg / neg.sum())).astype(np.float32)


def f05(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float(((pred == 1) & (y == 1)).sum())
    fp = float(((pred == 1) & (y == 0)).sum())
    fn = float(((pred == 0) & (y == 1)).sum())
    if tp == 0:
        return 0.0
    p, r = tp / (tp + fp), tp / (tp + fn)
    return 1.25 * p * r / (0.25 * p + r)


def choose_cut(y: np.ndarray, decision: np.ndarray) -> float:
    """The decision value with the best F0.5, averaged over its neighbours so one segment can't decide it."""
    grid = np.round(np.arange(-2.0, 2.01, 0.1), 2)
    f = np.array([f05(y, (decision >= t).astype(int)) for t in grid])
    smooth = np.convolve(f, np.ones(5) / 5, mode="same")
    return float(grid[int(np.argmax(smooth))])


def train_segments(
    csv_path: Path,
    out: Path = SEGMENT_MODEL_PATH,
    c: float = 16.0,
    extra: list[tuple[list[str], int]] | None = None,
    extra_weight: float = 3.0,
    cut: float | None = None,
    exclude: Callable[[str], bool] | None = None,
) -> dict[str, float]:
    """Fit on the non-held-out PAN segments plus `extra` (messages, label) bags; returns counts.

    The extra bags are the written corpus's TRAIN conversations: PAN's negatives are adult chats,
    so without ordinary teen chats as negatives the model takes teen chat itself for grooming.
    The decision value is chosen on out-of-fold PAN scores (folds by segment group) unless `cut`
    gives it (tuning trains fold models with the full model's cut). `exclude` leaves out further
    segment ids (a tuning fold).
    """
    import csv

    from sklearn.linear_model import LogisticRegression

    bags: list[list[list[int]]] = []
    y: list[int] = []
    groups: list[int] = []
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if is_heldout(r["segment_id"]) or (exclude is not None and exclude(r["segment_id"])):
                continue
            bags.append(bag_ids(segment_messages(r["text"], r["lang"])))
            y.append(1 if r["harm"] == "grooming" else 0)
            groups.append(pan_fold(r["segment_id"]))
    n_pan = len(y)
    for texts, label in extra or []:
        bags.append(bag_ids(texts))
        y.append(label)
    idf = _idf(bags)
    X = _matrix(bags, idf)
    Y = np.array(y)
    weights = np.array([1.0] * n_pan + [extra_weight] * (len(y) - n_pan))

    from scipy.sparse import diags

    def fit(mask: np.ndarray) -> tuple[LogisticRegression, Any]:
        scale = diags(log_count_ratio(X[mask], Y[mask]))
        clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, solver="liblinear")
        return clf.fit(X[mask] @ scale, Y[mask], sample_weight=weights[mask]), scale

    cv_f05 = None
    if cut is None:
        g = np.array(groups + [-1] * (len(y) - n_pan))
        oof = np.zeros(n_pan)
        scored = np.zeros(n_pan, dtype=bool)
        for f in range(CV_FOLDS):
            held = g == f
            if not held.any() or len(set(Y[~held])) < 2:
                continue  # tiny data: a fold with nothing to score or one class to learn from
            clf, scale = fit(~held)
            oof[held[:n_pan]] = clf.decision_function(X[:n_pan][held[:n_pan]] @ scale)
            scored[held[:n_pan]] = True
        cut = choose_cut(Y[:n_pan][scored], oof[scored]) if scored.any() else 0.0
        cv_f05 = f05(Y[:n_pan][scored], (oof[scored] >= cut).astype(int))
    clf, scale = fit(np.ones(len(y), dtype=bool))
    w = clf.coef_[0].astype(np.float32) * scale.diagonal().astype(np.float32) * idf
    rows = np.flatnonzero(np.abs(w) > 1e-6).astype(np.int32)
    unseen = float(idf.max())
    idf_rows = np.flatnonzero(np.abs(idf - unseen) > 1e-6).astype(np.int32)
    np.savez_compressed(
        out, rows=rows, values=w[rows].astype(np.float16), bias=np.array(float(clf.intercept_[0])),
        cut=np.array(cut), idf_rows=idf_rows, idf=idf[idf_rows].astype(np.float16), idf_unseen=np.array(unseen),
        n_features=np.array(N_FEATURES),
        data=np.array("PAN 2012 predator identification segments (en/de/nl, licence unstated), "
                      "via ../shared/data/text/pan12_grooming_segments.csv, non-held-out groups"
                      + ("; Tutela written corpus, train split (whole conversations and first halves)" if extra else "")),
    )
    load_segment_model.cache_clear()
    return {"segments": n_pan, "grooming": int(sum(y[:n_pan])), "corpus_bags": len(y) - n_pan,
            "cut": cut, "cv_f05": cv_f05}
