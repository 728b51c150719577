"""A searchable bank: examples, their embeddings and the masks the scorer needs, ready to score texts.

The built-in index is built once per process. An organisation's own examples make an index of
their own (built-in plus theirs, kNN only: the head stays as fitted), cached by the org's example
version so an added or removed example takes effect on the next call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from tutela.detect.semantic.bank import Example
from tutela.detect.semantic.encoder import Encoder, windows
from tutela.detect.semantic.scorer import TARGETS, Calibrated, K, knn_margins, target_masks

NEIGHBOURS = 3


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A written example close to the text: the explanation of a semantic score."""

    text: str
    category: str
    label: str
    sub: str | None
    lang: str
    similarity: float
    source: str

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "category": self.category,
            "label": self.label,
            "sub": self.sub,
            "lang": self.lang,
            "similarity": round(self.similarity, 4),
            "source": self.source,
        }


@dataclass
class SemanticResult:
    """Scores per target (TARGETS order), which targets pass their threshold, and the evidence."""

    scores: np.ndarray  # (targets,) combined calibrated probability
    flagged: list[str]
    neighbours: dict[str, list[Neighbour]]  # per flagged target: nearest harmful examples


class BankIndex:
    def __init__(self, examples: list[Example], embeddings: np.ndarray, calibrated: Calibrated) -> None:
        if len(examples) != len(embeddings):
            raise ValueError("one embedding per example")
        self.examples = examples
        self.emb_t = np.ascontiguousarray(embeddings.astype(np.float32).T)  # (dim, m)
        self.harm, self.neg = target_masks(examples)
        self.calibrated = calibrated

    def extended(self, extra: list[Example], extra_emb: np.ndarray) -> BankIndex:
        if not extra:
            return self
        emb = np.concatenate([self.emb_t.T, extra_emb.astype(np.float32)])
        return BankIndex(self.examples + extra, emb, self.calibrated)

    def score_embeddings(self, emb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(combined probabilities (n, targets), similarities (n, m), nearest harmful index (n, targets))."""
        sims = emb @ self.emb_t
        margins, nearest = knn_margins(sims, self.harm, self.neg, K)
        combined, _, _ = self.calibrated.score(emb, margins)
        return combined, sims, nearest

    def score(self, texts: list[str], encoder: Encoder, thresholds: np.ndarray | None = None) -> list[SemanticResult]:
        """Score normalised texts; a long text is scored per window and its strongest window counts."""
        spans: list[tuple[int, int]] = []
        flat: list[str] = []
        for t in texts:
            w = windows(t)
            spans.append((len(flat), len(flat) + len(w)))
            flat.extend(w)
        thr = self.calibrated.thresholds if thresholds is None else thresholds
        if not flat:
            return [SemanticResult(np.zeros(len(TARGETS)), [], {}) for _ in texts]
        emb = encoder.encode(flat)
        combined, sims, _ = self.score_embeddings(emb)
        out: list[SemanticResult] = []
        for a, b in spans:
            if a == b:
                out.append(SemanticResult(np.zeros(len(TARGETS)), [], {}))
                continue
            block = combined[a:b]
            best_row = a + np.argmax(block, axis=0)  # per target, the window that scored highest
            scores = block.max(axis=0)
            flagged = [TARGETS[t] for t in np.flatnonzero(np.round(scores, 4) >= thr)]
            neighbours: dict[str, list[Neighbour]] = {}
            for name in flagged:
                t = TARGETS.index(name)
                row = sims[best_row[t]]
                cols = np.flatnonzero(self.harm[t])
                top = cols[np.argsort(-row[cols])[:NEIGHBOURS]]
                neighbours[name] = [self._neighbour(j, float(row[j])) for j in top]
            out.append(SemanticResult(scores, flagged, neighbours))
        return out

    def _neighbour(self, j: int, sim: float) -> Neighbour:
        e = self.examples[j]
        return Neighbour(e.text, e.category, e.label, e.sub, e.lang, sim, e.source)


_LOCK = threading.Lock()
_ORG_CACHE: dict[int, tuple[object, BankIndex]] = {}


def org_index(base: BankIndex, org_id: int, version: object, build: callable) -> BankIndex:  # type: ignore[valid-type]
    """The index for one organisation, rebuilt only when its example `version` changed."""
    with _LOCK:
        hit = _ORG_CACHE.get(org_id)
        if hit is not None and hit[0] == version and hit[1].calibrated is base.calibrated:
            return hit[1]
    index = build()
    with _LOCK:
        _ORG_CACHE[org_id] = (version, index)
    return index


def forget_org(org_id: int | None = None) -> None:
    with _LOCK:
        if org_id is None:
            _ORG_CACHE.clear()
        else:
            _ORG_CACHE.pop(org_id, None)
