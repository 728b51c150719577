"""The first-stage model: one calibrated linear head per category over hashed n-grams.

The artefact is a compressed `.npz` holding only numbers (pruned float16
coefficients, intercepts, Platt calibration and thresholds), never a pickle:
it stays a few MB, loads in milliseconds and does not break when
scikit-learn changes its internals. `tutela train text` writes it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from tutela.detect.features import featurize
from tutela.domain.taxonomy import Category

ARTEFACT = "text_linear.npz"


@dataclass
class LinearModel:
    """Calibrated linear heads: `predict(normalized_texts)` -> probabilities (n, heads)."""

    heads: tuple[Category, ...]
    coef: sp.csc_matrix  # (n_features, heads)
    intercept: np.ndarray  # (heads,)
    calib: np.ndarray  # (heads, 2): p = sigmoid(a * z + b)
    thresholds: dict[str, float] = field(default_factory=dict)
    lang_thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    # language-specific heads, stored as extra columns after `heads`: name -> (category, languages)
    # e.g. {"cyberbullying@tr": ("cyberbullying", ["tr", "az"])}; they replace the shared head's
    # probability for texts in those languages
    lang_heads: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        w = sp.csr_matrix(self.coef, dtype=np.float32)
        self._w = w
        # Compact dense form for the hot path: only features some head uses get a row (the
        # rest map to a final all-zero row), so a batch is one CSR x dense product, several
        # times faster than sparse x sparse, in ~25 MB instead of 2^20 x heads.
        used = np.flatnonzero(np.diff(w.indptr))
        self._lookup = np.full(w.shape[0], len(used), dtype=np.int32)
        self._lookup[used] = np.arange(len(used), dtype=np.int32)
        dense = np.zeros((len(used) + 1, w.shape[1]), dtype=np.float32)
        dense[:-1] = w[used].toarray()
        self._dense = dense

    def decision(self, x: sp.csr_matrix) -> np.ndarray:
        compact = sp.csr_matrix(
            (x.data, self._lookup[x.indices], x.indptr), shape=(x.shape[0], self._dense.shape[0])
        )
        return (compact @ self._dense).astype(np.float64) + self.intercept

    def predict_features(self, x: sp.csr_matrix) -> np.ndarray:
        z = self.decision(x)
        return 1.0 / (1.0 + np.exp(-(self.calib[:, 0] * z + self.calib[:, 1])))

    def predict(self, normalized: list[str], langs: list[str] | None = None) -> np.ndarray:
        """Probabilities (n, len(heads)); language-specific heads answer for their languages."""
        p = self.predict_features(featurize(normalized))
        out = p[:, : len(self.heads)]
        if langs is not None and self.lang_heads:
            lang_arr = np.asarray(langs)
            for k, (cat, head_langs) in enumerate(self.lang_heads.values()):
                rows = np.isin(lang_arr, head_langs)
                if rows.any():
                    out[rows, self.heads.index(Category(cat))] = p[rows, len(self.heads) + k]
        return out

    def word_scores(self, words: list[str]) -> dict[str, np.ndarray]:
        """Each word's own decision contribution per head, featurised in one batch.

        Explanations say which words pushed a head up; doing it for all the
        flagged texts of a batch at once keeps the cost to one sparse product.
        """
        unique = list(dict.fromkeys(words))
        if not unique:
            return {}
        z = (featurize(unique) @ self._w).toarray()
        return {w: z[k] for k, w in enumerate(unique)}

    def word_contributions(self, normalized: str, head: int, top: int = 3) -> list[tuple[str, float]]:
        """The words whose own features push this head up the most (for explanations)."""
        words = explainable_words(normalized)
        scores = self.word_scores(words)
        ranked = sorted(((w, float(scores[w][head])) for w in words), key=lambda t: -t[1])
        return [(w, s) for w, s in ranked[:top] if s > 0]

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            heads=np.array([h.value for h in self.heads]),
            coef_data=self.coef.data.astype(np.float16),
            coef_indices=self.coef.indices.astype(np.int32),
            coef_indptr=self.coef.indptr.astype(np.int64),
            coef_shape=np.array(self.coef.shape, dtype=np.int64),
            intercept=self.intercept.astype(np.float32),
            calib=self.calib.astype(np.float32),
            thresholds=np.array(json.dumps(self.thresholds)),
            lang_thresholds=np.array(json.dumps(self.lang_thresholds)),
            meta=np.array(json.dumps(self.meta)),
            lang_heads=np.array(json.dumps(self.lang_heads)),
        )

    @classmethod
    def load(cls, path: Path | str) -> LinearModel:
        with np.load(path, allow_pickle=False) as z:
            coef = sp.csc_matrix(
                (z["coef_data"].astype(np.float32), z["coef_indices"], z["coef_indptr"]),
                shape=tuple(int(v) for v in z["coef_shape"]),
            )
            return cls(
                heads=tuple(Category(h) for h in z["heads"]),
                coef=coef,
                intercept=z["intercept"].astype(np.float64),
                calib=z["calib"].astype(np.float64),
                thresholds=json.loads(str(z["thresholds"])),
                lang_thresholds=json.loads(str(z["lang_thresholds"])),
                meta=json.loads(str(z["meta"])),
                lang_heads={k: (v[0], list(v[1])) for k, v in json.loads(str(z["lang_heads"])).items()}
                if "lang_heads" in z.files
                else {},
            )


def explainable_words(normalized: str) -> list[str]:
    return list(dict.fromkeys(w for w in normalized.split() if any(c.isalnum() for c in w)))[:64]


_LOCK = threading.Lock()
_CACHE: dict[str, LinearModel | None] = {}


def default_model_path() -> Path:
    return Path(str(resources.files("tutela.detect") / "models" / ARTEFACT))


def load_default() -> LinearModel | None:
    """The committed model, loaded once per process; None when no artefact is installed."""
    key = "default"
    if key not in _CACHE:
        with _LOCK:
            if key not in _CACHE:
                path = default_model_path()
                _CACHE[key] = LinearModel.load(path) if path.is_file() else None
    return _CACHE[key]


def reset_cache() -> None:
    """Forget loaded models (after `tutela train text` writes new ones in this process)."""
    with _LOCK:
        _CACHE.clear()
