"""Fit the semantic stage on the example banks: calibration, heads and thresholds (`tutela train semantic`).

Everything is fitted on out-of-fold scores of the banks themselves, never on a held-out set:
- kNN margins are leave-one-out (a text never counts as its own neighbour, nor its exact duplicates);
- the head's probabilities come from 5-fold cross-validation;
- both are Platt-scaled on those out-of-fold scores, and combined as at run time (`scorer.combine`);
- a target's threshold is the lowest that keeps its out-of-fold false-positive rate on the benign
  lines (look-alikes and ordinary text) at or under `MAX_BENIGN_FPR` and its precision at or above
  `MIN_PRECISION` against the benign lines (a sextortion line scoring for `privacy` too is not a false
  alarm; an ordinary line is), never below `MIN_THRESHOLD`; where no threshold meets both, `FALLBACK_THRESHOLD`.
The fit record (counts, out-of-fold precision, recall and benign false-positive rate per target, the
bank's content hash) goes into the artefact's `meta` and `semantic_metrics.json`.

Deterministic, so a committed artefact can be rebuilt byte for byte from the repo: `train` encodes
every bank line afresh (reusing the previous artefact's vectors made a refit depend on the fit before
it: those are float16 and may come from an older encoder build, new lines float32), the fit runs on
the float16 vectors it stores (what the stage scores with), the meta holds no time stamp and the
file is written with fixed zip dates (`artefact.save`). The encoder's vectors do not depend on batch
composition or thread count (checked 2026-12-06).

Limitation to know: the banks hold translations of the same message in several languages, and
leave-one-out does not hold a message's translations out with it, so out-of-fold recall is
optimistic; the thresholds err high because of the benign-FPR cap, not because of recall.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tutela.detect.semantic.artefact import SemanticArtefact, text_key
from tutela.detect.semantic.bank import Example, content_hash, load_bank
from tutela.detect.semantic.embeddings import embed_examples, encoded_form
from tutela.detect.semantic.encoder import Encoder, get_encoder
from tutela.detect.semantic.scorer import (
    HEAD_GATE,
    HEAD_GATE_BY_TARGET,
    TARGETS,
    Calibrated,
    K,
    combine,
    head_gate,
    knn_margins,
    sigmoid,
    target_masks,
)

MAX_BENIGN_FPR = 0.02
MIN_PRECISION = 0.9
MIN_THRESHOLD = 0.5
FALLBACK_THRESHOLD = 0.9
HEAD_C = 4.0
FOLDS = 5


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    if y.all() or not y.any():
        return 1.0, 0.0
    # standardise first: kNN margins live in a few hundredths, which stalls the solver
    mu, sd = float(z.mean()), float(z.std()) or 1.0
    lr = LogisticRegression(C=100.0, max_iter=1000).fit(((z - mu) / sd).reshape(-1, 1), y)
    a = float(lr.coef_[0, 0]) / sd
    return a, float(lr.intercept_[0]) - a * mu


def _folds(keys: list[str], n_folds: int) -> np.ndarray:
    """Fold of each row by a hash of its text, so duplicates never straddle folds."""
    return np.array([int(k[:8], 16) % n_folds for k in keys])


def _head_oof(emb: np.ndarray, y: np.ndarray, folds: np.ndarray) -> tuple[np.ndarray, object | None]:
    from sklearn.linear_model import LogisticRegression

    z = np.zeros(len(y))
    if y.sum() < 2 or (~y).sum() < 2:
        return np.full(len(y), -10.0), None
    for f in np.unique(folds):
        tr = folds != f
        if y[tr].all() or not y[tr].any():
            z[~tr] = -10.0
            continue
        lr = LogisticRegression(C=HEAD_C, class_weight="balanced", max_iter=2000).fit(emb[tr], y[tr])
        z[~tr] = lr.decision_function(emb[~tr])
    full = LogisticRegression(C=HEAD_C, class_weight="balanced", max_iter=2000).fit(emb, y)
    return z, full


def _threshold(p: np.ndarray, y: np.ndarray, benign: np.ndarray) -> tuple[float, dict]:
    candidates = np.unique(np.round(np.concatenate([p[y], [MIN_THRESHOLD]]), 4))
    best = None
    for t in sorted(c for c in candidates if c >= MIN_THRESHOLD):
        flag = p >= t
        tp = int((flag & y).sum())
        fp = int((flag & benign).sum())  # harm of a neighbouring category is not a false alarm
        fpr = float(fp / max(1, benign.sum()))
        prec = tp / max(1, tp + fp)
        if fpr <= MAX_BENIGN_FPR and prec >= MIN_PRECISION and tp > 0:
            best = float(t)
            break
    t = best if best is not None else FALLBACK_THRESHOLD
    flag = p >= t
    tp, fp = int((flag & y).sum()), int((flag & benign).sum())
    return t, {
        "threshold": round(t, 4),
        "fallback": best is None,
        "positives": int(y.sum()),
        "negatives": int((~y).sum()),
        "oof_precision": round(tp / max(1, tp + fp), 4),
        "oof_recall": round(tp / max(1, int(y.sum())), 4),
        "oof_benign_fpr": round(float((flag & benign).sum() / max(1, benign.sum())), 4),
    }


def fit(
    examples: list[Example], encoder: Encoder | None = None, known: dict[str, np.ndarray] | None = None
) -> SemanticArtefact:
    """Fit calibration, heads and thresholds on a bank; returns the artefact (not yet saved)."""
    if not examples:
        raise ValueError("the example bank is empty: nothing to fit")
    encoder = encoder or get_encoder()
    # the stored precision: thresholds fitted on what the stage will score with, and the same whether a
    # vector was encoded now (float32) or read from an artefact or cache (float16)
    emb = embed_examples(examples, encoder, known).astype(np.float16).astype(np.float32)
    keys = [text_key(encoded_form(e.text, e.lang)) for e in examples]
    harm, neg = target_masks(examples)
    benign = np.array([not e.is_harm for e in examples])

    sims = emb @ emb.T
    key_arr = np.array(keys)
    for i in range(len(examples)):  # leave-one-out: itself and its exact duplicates
        sims[i, key_arr == key_arr[i]] = -1.0  # the lowest cosine: never a neighbour
    margins, _ = knn_margins(sims, harm, neg, K)
    folds = _folds(keys, FOLDS)

    n_t, dim = len(TARGETS), emb.shape[1]
    knn_calib = np.zeros((n_t, 2))
    head_coef = np.zeros((n_t, dim), dtype=np.float32)
    head_intercept = np.full(n_t, -10.0)
    head_calib = np.tile([1.0, 0.0], (n_t, 1))
    thresholds = np.full(n_t, FALLBACK_THRESHOLD)
    record: dict[str, dict] = {}
    for t, name in enumerate(TARGETS):
        rows = harm[t] | neg[t] if name == "disclosure" else np.ones(len(examples), dtype=bool)
        y = harm[t][rows]
        m = np.nan_to_num(margins[rows, t], nan=-1.0)
        knn_calib[t] = _platt(m, y) if y.any() else (1.0, -10.0)
        z, full = _head_oof(emb[rows], y, folds[rows])
        if full is not None:
            head_coef[t] = full.coef_[0]
            head_intercept[t] = full.intercept_[0]
            head_calib[t] = _platt(z, y)
        knn_p = sigmoid(knn_calib[t, 0] * m + knn_calib[t, 1])
        head_p = sigmoid(head_calib[t, 0] * z + head_calib[t, 1]) if full is not None else np.zeros(len(m))
        # the same gate as at run time (scorer.combine), so thresholds are fitted on what will be scored
        p = combine(knn_p, head_p, m, head_gate(name)) if name != "disclosure" else np.maximum(knn_p, head_p)
        thresholds[t], record[name] = _threshold(p, y, benign[rows])
    cal = Calibrated(knn_calib, head_coef, head_intercept, head_calib, thresholds)
    order = sorted(set(keys))
    where = {k: i for i, k in enumerate(keys)}
    meta = {
        "bank_hash": content_hash(examples),
        "encoder": encoder.runtime,
        "examples": len(examples),
        "k": K,
        "head_gate": HEAD_GATE,
        "head_gate_by_target": HEAD_GATE_BY_TARGET,
        "max_benign_fpr": MAX_BENIGN_FPR,
        "min_precision": MIN_PRECISION,
        "targets": record,
    }
    return SemanticArtefact(cal, order, np.array([emb[where[k]] for k in order], dtype=np.float16), meta)


def train(root: Path | None = None, out_dir: Path | None = None) -> tuple[Path, dict]:
    """Fit on the banks under `root` (default: built-in) and write `semantic.npz` + metrics to `out_dir`."""
    from tutela.detect.semantic.artefact import ARTEFACT, default_path, reset_cache

    examples = load_bank(root)
    art = fit(examples, get_encoder())  # every line encoded afresh: see the module's docstring
    out_dir = Path(out_dir) if out_dir is not None else default_path().parent
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ARTEFACT
    art.save(path)
    (out_dir / "semantic_metrics.json").write_text(json.dumps(art.meta, indent=2, sort_keys=True) + "\n")
    reset_cache()
    from tutela.detect.semantic import stage

    stage.reset()
    return path, art.meta
