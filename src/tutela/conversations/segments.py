"""A whole-conversation grooming score learnt from PAN 2012 predator chats (en/de/nl).

The stage detector sees one message at a time; predator chats in PAN 2012 are
recognisable over many messages from their vocabulary as a whole. This
model scores the *bag of all messages so far*, and is built so that the bag
updates in O(1): a conversation keeps two numbers, the sum of the weights of
each message's features and the total feature count, and the score is
`sigmoid(bias + sum / sqrt(count))`. Training uses exactly that
normalisation, so streaming and batch give the same score.

Trained by `train_segments` on the part of `../shared/data/text/pan12_grooming_segments.csv`
not held out (segment groups split by a hash of their id, translations kept
with their English original). PAN 2012's licence is unstated.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from tutela.conversations.features import N_FEATURES, feature_ids
from tutela.conversations.patterns import canon

SEGMENT_MODEL_PATH = Path(__file__).resolve().parent / "models" / "segments.npz"
HELDOUT_MOD = 4  # segment groups with crc32(id) % 4 == 0 are held out (25 %)


def is_heldout(segment_id: str) -> bool:
    return zlib.crc32(segment_id.encode()) % HELDOUT_MOD == 0


@dataclass(frozen=True)
class SegmentModel:
    weights: np.ndarray  # (N_FEATURES,) float32
    bias: float
    data: str

    @classmethod
    def load(cls, path: Path = SEGMENT_MODEL_PATH) -> "SegmentModel":
        with np.load(path, allow_pickle=False) as z:
            w = np.zeros(int(z["n_features"]), dtype=np.float32)
            w[z["rows"]] = z["values"].astype(np.float32)
            return cls(w, float(z["bias"]), str(z["data"]))

    def message_terms(self, canonical_text: str) -> tuple[float, int]:
        """(sum of feature weights, feature count) of one message: what the running bag adds."""
        ids = feature_ids(canonical_text)
        if not ids:
            return 0.0, 0
        return float(self.weights[ids].sum()), len(ids)

    def score_terms(self, total: float, count: int) -> float:
        if count <= 0:
            return 0.0
        z = self.bias + total / math.sqrt(count)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def score_messages(self, texts: list[str]) -> float:
        total, count = 0.0, 0
        for t in texts:
            s, n = self.message_terms(canon(t))
            total += s
            count += n
        return self.score_terms(total, count)


@lru_cache(maxsize=2)
def load_segment_model(path: str = str(SEGMENT_MODEL_PATH)) -> SegmentModel | None:
    p = Path(path)
    return SegmentModel.load(p) if p.is_file() else None


def bag_row(texts: list[str]) -> tuple[list[int], list[float]]:
    """The training row for a segment given as messages: counts / sqrt(total features)."""
    counts: dict[int, int] = {}
    total = 0
    for t in texts:
        ids = feature_ids(canon(t))
        total += len(ids)
        for i in ids:
            counts[i] = counts.get(i, 0) + 1
    if not total:
        return [], []
    norm = 1.0 / math.sqrt(total)
    keys = sorted(counts)
    return keys, [counts[k] * norm for k in keys]


def segment_messages(text: str, lang: str) -> list[str]:
    """PAN English segments are one line (message boundaries lost); de/nl keep one message per line."""
    if lang == "en":
        return [text]
    return [line for line in text.split("\n") if line.strip()]


def train_segments(
    csv_path: Path,
    out: Path = SEGMENT_MODEL_PATH,
    c: float = 8.0,
    extra: list[tuple[list[str], int]] | None = None,
    extra_weight: float = 3.0,
) -> dict[str, float]:
    """Fit on the non-held-out PAN segments plus `extra` (messages, label) bags; returns counts.

    The extra bags are the written corpus's TRAIN conversations: PAN's negatives are adult chats,
    so without ordinary teen chats as negatives the model takes teen chat itself for grooming.
    """
    import csv

    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    indptr, indices, data, y = [0], [], [], []
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if is_heldout(r["segment_id"]):
                continue
            keys, vals = bag_row(segment_messages(r["text"], r["lang"]))
            indices.extend(keys)
            data.extend(vals)
            indptr.append(len(indices))
            y.append(1 if r["harm"] == "grooming" else 0)
    n_pan = len(y)
    for texts, label in extra or []:
        keys, vals = bag_row(texts)
        indices.extend(keys)
        data.extend(vals)
        indptr.append(len(indices))
        y.append(label)
    X = csr_matrix((np.array(data, dtype=np.float32), indices, indptr), shape=(len(y), N_FEATURES))
    weights = np.array([1.0] * n_pan + [extra_weight] * (len(y) - n_pan))
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, solver="liblinear")
    clf.fit(X, np.array(y), sample_weight=weights)
    w = clf.coef_[0].astype(np.float32)
    rows = np.flatnonzero(np.abs(w) > 1e-6).astype(np.int32)
    np.savez_compressed(
        out, rows=rows, values=w[rows].astype(np.float16), bias=np.array(float(clf.intercept_[0])),
        n_features=np.array(N_FEATURES),
        data=np.array("PAN 2012 predator identification segments (en/de/nl, licence unstated), "
                      "via ../shared/data/text/pan12_grooming_segments.csv, non-held-out groups"
                      + ("; Tutela written corpus, train split (whole conversations and first halves)" if extra else "")),
    )
    load_segment_model.cache_clear()
    return {"segments": n_pan, "grooming": int(sum(y[:n_pan])), "corpus_bags": len(y) - n_pan}
