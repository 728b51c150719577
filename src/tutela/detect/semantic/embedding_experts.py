"""Embedding experts: for a public source whose texts the sentence embedding reads better than n-grams, a
logistic head on the e5 vector decides that source's categories in its domain (the router's reading).

Why: on Stormfront's forum posts a head on the embedding, trained on the source's own training rows, beat the
engine (its n-gram expert, rules and semantic stage together) on the source's calibration rows (macro-F1 0.759
against 0.740) and held-out rows (0.725 against 0.684), deciding only the rows the router reads as Stormfront
(950 of its 1,021 held-out rows); on nine other sources the same head lost to the engine (OffensEval-TR 0.686
against 0.782, phate 0.690 against 0.777: docs/benchmarks.md, twelfth session), so only sources listed in
`training/embedding_experts.SOURCES` get one. The vector is the one the semantic stage already computed (the
text's first window), so an expert costs a dot product, and nothing where the semantic stage did not run.

`models/embedding_experts.npz` holds, per source, the weights, the intercept, the decision threshold (chosen on
the source's calibration rows) and the category it flags; `tutela train embedding-experts` rebuilds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from tutela.detect.loaded_once import LoadedOnce

ARTEFACT = "embedding_experts.npz"


@dataclass(frozen=True)
class EmbeddingExpert:
    """One source's head: flags `category` where the probability reaches `threshold`."""

    route: str
    category: str
    coef: np.ndarray  # (dim,)
    intercept: float
    threshold: float

    def prob(self, vector: np.ndarray) -> float:
        z = float(np.asarray(vector, dtype=np.float64) @ self.coef.astype(np.float64)) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


def save(experts: list[EmbeddingExpert], path: Path) -> None:
    """Plain arrays (no pickle), in a fixed order, so the same fit gives the same file."""
    experts = sorted(experts, key=lambda e: e.route)
    np.savez(
        path,
        routes=np.array([e.route for e in experts]),
        categories=np.array([e.category for e in experts]),
        coef=np.stack([e.coef.astype(np.float32) for e in experts]) if experts else np.zeros((0, 0), np.float32),
        intercept=np.array([e.intercept for e in experts], dtype=np.float64),
        threshold=np.array([e.threshold for e in experts], dtype=np.float64),
    )


def load(path: Path) -> dict[str, EmbeddingExpert]:
    with np.load(path, allow_pickle=False) as z:
        return {
            str(r): EmbeddingExpert(str(r), str(c), np.asarray(w, dtype=np.float32), float(b), float(t))
            for r, c, w, b, t in zip(z["routes"], z["categories"], z["coef"], z["intercept"], z["threshold"],
                                     strict=True)
        }


def default_path() -> Path:
    return Path(str(resources.files("tutela.detect") / "models" / ARTEFACT))


def _load_committed() -> dict[str, EmbeddingExpert]:
    path = default_path()
    return load(path) if path.is_file() else {}


_DEFAULT: LoadedOnce[dict[str, EmbeddingExpert]] = LoadedOnce(_load_committed)


def load_default() -> dict[str, EmbeddingExpert]:
    """The committed experts by route, once per process; empty when none are installed."""
    return _DEFAULT.get()


def reset_cache() -> None:
    _DEFAULT.reset()
