"""Training: the per-message stage model and the risk threshold.

`tutela train-conversations` (or `python -m tutela.conversations.train`):

1. Stage model: one logistic regression per stage over hashed n-grams
   (`features.py`), trained on every message of the TRAIN split of the
   written corpus (groomer lines carry their stage; children's replies,
   small talk and ordinary conversations are negatives) plus ordinary and
   abusive texts from `../shared/data/text` as extra negatives, so that
   everyday language and plain insults do not look like grooming. Saved as
   `models/stages.npz` (only the rows of features ever seen; no pickles).
2. Risk threshold: tuned on the TRAIN split only, with out-of-fold stage
   scores (each line scored by a model that never saw it), so the threshold
   is not fitted to memorised lines. Saved as `models/risk.json`.

The held-out split is never looked at here.
"""

from __future__ import annotations

import csv
import json
import random
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from tutela.conversations.corpus import load_corpus
from tutela.conversations.detector import MODEL_PATH, StageDetector, StageModel
from tutela.conversations.features import N_FEATURES, feature_ids
from tutela.conversations.patterns import canon
from tutela.conversations.risk import PARAMS_PATH, RiskParams
from tutela.domain.conversation import STAGES

SHARED_TEXT = Path(__file__).resolve().parents[4] / "shared" / "data" / "text"

# (file, lang, harm values to take, how many)
NEGATIVE_SOURCES: list[tuple[str, str, tuple[str, ...], int]] = [
    ("sms_spam_collection.csv", "en", ("none",), 800),
    ("formspring_cyberbullying.csv", "en", ("none",), 400),
    ("cyberbullying_tweets.csv", "en", ("none", "harassment"), 600),
    ("turkish_sms_collection.csv", "tr", ("none",), 600),
    ("offenseval_tr_2020.csv", "tr", ("none", "harassment"), 1000),
    ("pars_offensive.csv", "fa", ("none", "harassment"), 1000),
    ("pars_off.csv", "fa", ("none",), 600),
    ("russe_detox_2022.csv", "ru", ("none", "harassment"), 1000),
    ("russian_distorted_toxicity.csv", "ru", ("none",), 500),
]


def shared_negatives(shared: Path = SHARED_TEXT, seed: int = 7) -> tuple[list[str], list[str]]:
    """Short everyday and abusive texts (no grooming), and the files they came from."""
    rng = random.Random(seed)
    texts: list[str] = []
    used: list[str] = []
    for name, _lang, harms, n in NEGATIVE_SOURCES:
        path = shared / name
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            rows = [r["text"] for r in csv.DictReader(fh) if r.get("harm") in harms and 0 < len(r["text"]) <= 300]
        rng.shuffle(rows)
        texts.extend(rows[:n])
        used.append(name)
    return texts, used


def corpus_examples(convs: list[dict[str, Any]], with_bank: bool = True) -> list[tuple[str, frozenset[str]]]:
    """Distinct messages with their stage labels: the train conversations plus every train-split
    stage line of the banks (some are written but not used in any conversation)."""
    from tutela.conversations.corpus import LANGS
    from tutela.conversations.corpus.build import stage_lines

    seen: dict[str, frozenset[str]] = {}
    if with_bank:
        for lang in LANGS:
            for text, stage in stage_lines(lang, "train"):
                seen[text] = seen.get(text, frozenset()) | {stage}
    for conv in convs:
        for m in conv["messages"]:
            labels = frozenset(m.get("stages", []))
            seen[m["text"]] = seen.get(m["text"], frozenset()) | labels
    return list(seen.items())


def _matrix(texts: list[str]):  # noqa: ANN202
    from scipy.sparse import csr_matrix

    indptr, indices, data = [0], [], []
    for t in texts:
        ids = feature_ids(canon(t))
        indices.extend(ids)
        v = 1.0 / np.sqrt(len(ids)) if ids else 0.0
        data.extend([v] * len(ids))
        indptr.append(len(indices))
    return csr_matrix((np.array(data, dtype=np.float32), indices, indptr), shape=(len(texts), N_FEATURES))


def fit_stage_model(examples: list[tuple[str, frozenset[str]]], c: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    X = _matrix([t for t, _ in examples])
    W = np.zeros((N_FEATURES, len(STAGES)), dtype=np.float32)
    b = np.full(len(STAGES), -10.0, dtype=np.float32)
    for k, stage in enumerate(STAGES):
        y = np.array([1 if stage.value in labels else 0 for _, labels in examples])
        if y.sum() == 0:
            continue
        clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="liblinear")
        clf.fit(X, y)
        W[:, k] = clf.coef_[0]
        b[k] = clf.intercept_[0]
    return W, b


def save_model(W: np.ndarray, b: np.ndarray, data: str, path: Path = MODEL_PATH) -> None:
    rows = np.flatnonzero(np.abs(W).max(axis=1) > 1e-6).astype(np.int32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        rows=rows,
        values=W[rows].astype(np.float16),
        bias=b,
        stages=np.array([s.value for s in STAGES]),
        n_features=np.array(N_FEATURES),
        data=np.array(data),
    )


class _FixedScores(StageDetector):
    """Out-of-fold scores by text; phrases for texts the folds never covered."""

    def __init__(self, scores: dict[str, list[float]]) -> None:
        super().__init__(model_path=None)
        self._scores = scores

    def analyse(self, text: str) -> tuple[list[float], float, int]:
        base = super().analyse(text)
        s = self._scores.get(text)
        return (s, base[1], base[2]) if s is not None else base


def out_of_fold_scores(
    examples: list[tuple[str, frozenset[str]]], extra_neg: list[str], folds: int = 3
) -> dict[str, list[float]]:
    from tutela.conversations.patterns import match_stages

    fold_of = {t: zlib.crc32(t.encode()) % folds for t, _ in examples}
    scores: dict[str, list[float]] = {}
    for f in range(folds):
        train = [e for e in examples if fold_of[e[0]] != f] + [(t, frozenset()) for t in extra_neg]
        W, b = fit_stage_model(train)
        model = StageModel(W, b, "fold")
        for t, _ in examples:
            if fold_of[t] == f:
                c = canon(t)
                scores[t] = [max(p, m) for p, m in zip(match_stages(c), model.scores(feature_ids(c)), strict=True)]
    return scores


def tune_threshold(
    convs: list[dict[str, Any]], detector: StageDetector, base: RiskParams, log: Callable[[str], None] = print
) -> RiskParams:
    """Pick the alert threshold (and escalation bonus) on the train split.

    Objective, in order: no false alert on ordinary chats, most grooming
    conversations alerted before their sexual/coercive stage, then most
    alerted at all; ties go to the higher threshold (fewer false alerts on
    unseen chats).
    """
    from tutela.conversations.evaluate import evaluate

    best: tuple[tuple[float, ...], RiskParams] | None = None
    grid = [(esc, floor, seg) for esc in (0.2, 0.3) for floor in (base.stage_min, 0.3) for seg in (0.0, 1.0)]
    for esc, floor, seg in grid:
        for thr in np.arange(0.50, 0.91, 0.025):
            params = replace(base, threshold=round(float(thr), 3), escalation=esc, soft_floor=floor, seg_weight=seg)
            r = evaluate(convs, detector, params)["all"]
            key = (-r["false_alerts"], r["early"], r["recall"], params.threshold)
            if best is None or key > best[0]:
                best = (key, params)
    assert best is not None
    log(f"tuned: threshold={best[1].threshold} escalation={best[1].escalation} soft_floor={best[1].soft_floor} seg_weight={best[1].seg_weight} "
        f"(false alerts {-best[0][0]}, early {best[0][1]}, recall {best[0][2]})")
    return best[1]


def train(
    shared: Path = SHARED_TEXT,
    model_path: Path = MODEL_PATH,
    params_path: Path = PARAMS_PATH,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    pan = shared / "pan12_grooming_segments.csv"
    if pan.is_file():
        from tutela.conversations.segments import SEGMENT_MODEL_PATH, train_segments

        counts = train_segments(pan, model_path.parent / SEGMENT_MODEL_PATH.name)
        log(f"segment model: {counts['segments']} PAN 2012 segments ({counts['grooming']} grooming), "
            "held-out groups excluded")
    else:
        log(f"{pan} not found: keeping the existing segment model")
    convs = load_corpus(split="train")
    examples = corpus_examples(convs)
    negatives, used = shared_negatives(shared)
    log(f"corpus: {len(convs)} train conversations, {len(examples)} distinct messages; "
        f"shared negatives: {len(negatives)} from {len(used)} files")
    data = "Tutela written corpus (train split, en/tr/az/fa/ru)"
    if used:
        data += "; negatives from ../shared/data/text: " + ", ".join(used)
    oof = out_of_fold_scores(examples, negatives)
    params = tune_threshold(convs, _FixedScores(oof), RiskParams(), log)
    W, b = fit_stage_model(examples + [(t, frozenset()) for t in negatives])
    save_model(W, b, data, model_path)
    params_path.write_text(json.dumps(
        {"threshold": params.threshold, "escalation": params.escalation, "soft_floor": params.soft_floor,
         "seg_weight": params.seg_weight, "tuned_on": "train split of the written corpus, out-of-fold stage scores"}, indent=2) + "\n")
    log(f"wrote {model_path} ({model_path.stat().st_size // 1024} KiB) and {params_path}")
    return {"threshold": params.threshold, "escalation": params.escalation, "soft_floor": params.soft_floor,
            "seg_weight": params.seg_weight, "data": data}


if __name__ == "__main__":
    train()
