"""Fit the embedding experts (`detect/semantic/embedding_experts.py`) on the public sets' training rows.

Each listed source gets a logistic regression (scikit-learn, C = 4, balanced classes) on the e5 vector of each
training row's first window in its semantic form, as the semantic stage reads it at run time, and a decision
threshold: the one that gives the best macro-F1 on the source's calibration rows. Held-out rows are never read.
Deterministic for a given encoder (lbfgs, no shuffling), so the same data gives the same file on one machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tutela.detect.semantic.embedding_experts import ARTEFACT, EmbeddingExpert, save

#: Sources that get an expert, with the category it flags and the language of their texts. Only sources whose
#: calibration rows the embedding head read better than the engine (docs/benchmarks.md, twelfth session).
SOURCES: dict[str, tuple[str, str]] = {"stormfront_hate_en": ("hate_radicalisation", "en")}
C = 4.0


def vectors(texts: list[str], lang: str) -> np.ndarray:
    """The e5 vectors of the texts' first windows in their semantic form (what `index.score` reads first)."""
    from tutela.detect.normalize import semantic_text
    from tutela.detect.semantic.encoder import get_encoder, windows

    firsts = [(windows(semantic_text(t, lang)) or ["."])[0] for t in texts]
    return np.asarray(get_encoder().encode(firsts), dtype=np.float64)


def fit_source(rows: list[dict], category: str, lang: str, route: str) -> tuple[EmbeddingExpert, dict[str, Any]]:
    from sklearn.linear_model import LogisticRegression

    from tutela.detect.training.public_sets import macro_f1

    train = [r for r in rows if r["split"] == "train"]
    calib = [r for r in rows if r["split"] == "calib"]
    if not train or not calib:
        raise ValueError(f"{route}: needs training and calibration rows")
    y = np.array([r["harm"] != "none" for r in train])
    if y.all() or not y.any():
        raise ValueError(f"{route}: needs harmful and harmless training rows")
    model = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
    model.fit(vectors([r["text"] for r in train], lang), y)
    p = model.predict_proba(vectors([r["text"] for r in calib], lang))[:, 1]
    gold = np.array([r["harm"] != "none" for r in calib])
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    scores = [macro_f1(p >= t, gold) for t in grid]
    best = int(np.argmax(scores))
    expert = EmbeddingExpert(route, category, model.coef_[0].astype(np.float32), float(model.intercept_[0]),
                             float(grid[best]))
    return expert, {"train_rows": len(train), "calib_rows": len(calib), "threshold": float(grid[best]),
                    "calib_macro_f1": round(scores[best], 4)}


def train(data_dir: Path, out_dir: Path) -> tuple[Path, dict[str, Any]]:
    """Fit every source of `SOURCES` found in `data_dir` and write `out_dir/embedding_experts.npz`."""
    from tutela.detect.training.public_sets import load_sets

    sets = load_sets(data_dir)
    experts, meta = [], {}
    for route, (category, lang) in SOURCES.items():
        if route not in sets:
            raise ValueError(f"{route}.csv not found in {data_dir}")
        expert, meta[route] = fit_source(sets[route], category, lang, route)
        experts.append(expert)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ARTEFACT
    save(experts, path)
    return path, meta
