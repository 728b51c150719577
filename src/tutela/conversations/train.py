"""Training: the whole-conversation model, the per-message stage model and the risk constants.

`tutela train conversations` (or `python -m tutela.conversations.train`):

1. Whole-conversation model (`segments.py`): PAN 2012 training groups plus the written
   train conversations as bags; its decision value by cross-validated F0.5 on PAN.
2. Stage model: one logistic regression per stage over hashed n-grams
   (`features.py`), trained on every message of the TRAIN split of the
   written corpus (groomer lines carry their stage; children's replies,
   small talk and ordinary conversations are negatives) plus ordinary and
   abusive texts from `../shared/data/text` and short chat turns as extra
   negatives, so that everyday language and plain insults do not look like
   grooming. Saved as `models/stages.npz` (only the rows of features ever
   seen; no pickles).
3. Risk constants, on the TRAIN split only, with out-of-fold scores (each
   line scored by a stage model that never saw it, each conversation by a
   whole-conversation model trained without its fold): the alert threshold
   and escalation for early alerts without false alerts on the written
   corpus, then how far the whole-conversation model may damp stage cues in
   long chats, for the best out-of-fold F0.5 on PAN's training groups at no
   cost on the written corpus. Saved as `models/risk.json`.

The held-out splits (written corpus and PAN) are never looked at here.
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
from tutela.conversations.features import N_FEATURES, feature_ids, message_norm
from tutela.conversations.patterns import canon
from tutela.conversations.risk import PARAMS_PATH, RiskParams
from tutela.conversations.segments import SegTerms
from tutela.domain.conversation import STAGES

FALSE_ALERT_COST = 5  # one false alert on an ordinary chat weighs as much as five caught conversations
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


# Short turns that end or bounce a chat in every language: on their own they say nothing about
# grooming, but words like "u" are frequent in groomer lines, so the model must see them as negatives.
SHORT_TURNS: tuple[str, ...] = (
    "u", "u?", "and u?", "hbu", "wbu", "u there?", "k", "ok", "okay", "lol", "lmao", "haha", "hi", "hey", "yo",
    "sup", "nm u", "same", "idk", "ya", "yeah", "no", "nope", "sure", "cool", "nice", "brb", "gtg", "bye", "cya",
    "thx", "ty", "np", "what?", "why?", "how?", "where?", "who?", "really?", "omg", "wow", "hmm", "?", "??", ":)",
    "sen?", "sen", "ya sen?", "tamam", "ok sen", "hee", "evet", "hayır", "naber", "iyi sen", "sən?", "bəs sən?",
    "yaxşı", "hə", "yox", "salam", "تو؟", "تو چی؟", "باشه", "آره", "نه", "سلام", "خوبی؟", "خوبم تو؟",
    "а ты?", "ты?", "ок", "ага", "да", "нет", "привет", "норм", "и ты", "ладно", "пока", "ну", "чё",
)


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
        v = message_norm(len(ids)) if ids else 0.0
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

    def analyse(self, text: str) -> tuple[list[float], SegTerms]:
        base = super().analyse(text)
        s = self._scores.get(text)
        return (s, base[1]) if s is not None else base


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


class _FoldDetector(_FixedScores):
    """Out-of-fold stage scores plus a whole-conversation model trained without this fold."""

    def __init__(self, scores: dict[str, list[float]], seg_model: Any) -> None:
        super().__init__(scores)
        self.segment_model = seg_model


def _fold_of_conv(conv: dict[str, Any], folds: int = 3) -> int:
    return zlib.crc32(conv["id"].encode()) % folds


def corpus_bags(convs: list[dict[str, Any]]) -> list[tuple[list[str], int]]:
    bags: list[tuple[list[str], int]] = []
    for conv in convs:
        texts = [m["text"] for m in conv["messages"]]
        label = 1 if conv["kind"] == "grooming" else 0
        bags += [(texts, label), (texts[: max(1, len(texts) // 2)], label)]
    return bags


def fold_detectors(
    convs: list[dict[str, Any]], oof: dict[str, list[float]], pan: Path | None, folds: int = 3,
    cut: float | None = None,
) -> list[tuple[list[dict[str, Any]], StageDetector]]:
    """Per fold of conversations: those conversations and a detector that never saw them."""
    import tempfile

    from tutela.conversations.segments import SegmentModel, train_segments

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for f in range(folds):
            held = [c for c in convs if _fold_of_conv(c, folds) == f]
            seg = None
            if pan is not None:
                path = Path(tmp) / f"seg{f}.npz"
                train_segments(pan, path, extra=corpus_bags([c for c in convs if _fold_of_conv(c, folds) != f]), cut=cut)
                seg = SegmentModel.load(path)
            out.append((held, _FoldDetector(oof, seg)))
    return out


Folds = list[tuple[list[dict[str, Any]], StageDetector]]


def fold_counts(folds: Folds, params: RiskParams) -> tuple[int, int, int, int]:
    """Over all folds: (alerted grooming, early alerts, false alerts, grooming conversations)."""
    from tutela.conversations.evaluate import evaluate

    caught = early = false = groom = 0
    for convs, detector in folds:
        r = evaluate(convs, detector, params)["all"]
        caught += round(r["recall"] * r["grooming"])
        early += r["early"]
        false += r["false_alerts"]
        groom += r["grooming"]
    return caught, early, false, groom


def tune_threshold(
    folds: list[tuple[list[dict[str, Any]], StageDetector]],
    base: RiskParams,
    log: Callable[[str], None] = print,
    keep_segment: bool = False,
) -> RiskParams:
    """Pick the alert threshold and the other risk constants on the train split.

    Objective: early alerts (before the sexual/coercive stage) plus alerted grooming
    conversations, minus FALSE_ALERT_COST for every alerted ordinary chat; ties go to the
    higher threshold (fewer false alerts on unseen chats). A hard "no false alert" rule was
    tried first: with 100 ordinary training chats one borderline chat then decided the
    threshold, which swung between 0.75 and 0.875 from one corpus rebuild to the next.
    """
    best: tuple[tuple[float, ...], RiskParams] | None = None
    seg_options = ((base.seg_weight, base.seg_min_features),) if keep_segment else (
        (0.0, 150.0), (1.0, 150.0), (1.0, 400.0))
    grid = [(0.2, floor, seg, feats, um) for floor in (base.stage_min, 0.3) for seg, feats in seg_options
            for um in (1.0, 1.3)]
    for esc, floor, seg, feats, um in grid:
        for thr in np.arange(0.55, 0.96, 0.025):
            params = replace(base, threshold=round(float(thr), 3), escalation=esc, soft_floor=floor, seg_weight=seg,
                             seg_min_features=feats, unknown_minor=um)
            caught, early, fa, _ = fold_counts(folds, params)
            key = (early + caught - FALSE_ALERT_COST * fa, -fa, params.threshold)
            if best is None or key > best[0]:
                best = (key, params)
    assert best is not None
    b = best[1]
    log(f"tuned: threshold={b.threshold} escalation={b.escalation} soft_floor={b.soft_floor} "
        f"seg_weight={b.seg_weight} seg_min_features={b.seg_min_features} unknown_minor={b.unknown_minor} "
        f"(utility {best[0][0]}, out-of-fold false alerts {-best[0][1]})")
    return best[1]


def written_utility(folds: Folds, params: RiskParams) -> int:
    """The tuning objective on the written corpus (see `tune_threshold`)."""
    caught, early, fa, _ = fold_counts(folds, params)
    return early + caught - FALSE_ALERT_COST * fa


def pan_fold_detectors(
    pan: Path, stage_model: Path, cut: float, convs: list[dict[str, Any]]
) -> list[tuple[list[dict[str, Any]], StageDetector]]:
    """PAN training segments per cross-validation fold, each with a detector whose
    whole-conversation model never saw that fold (the stage model never sees PAN at all)."""
    import tempfile

    from tutela.conversations.evaluate import CachedDetector
    from tutela.conversations.segments import (
        CV_FOLDS,
        SegmentModel,
        is_heldout,
        pan_fold,
        segment_messages,
        train_segments,
    )

    by_fold: dict[int, list[dict[str, Any]]] = {f: [] for f in range(CV_FOLDS)}
    with pan.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if is_heldout(r["segment_id"]):
                continue
            texts = segment_messages(r["text"], r["lang"])
            by_fold[pan_fold(r["segment_id"])].append({
                "id": r["segment_id"], "lang": r["lang"],
                "kind": "grooming" if r["harm"] == "grooming" else "ordinary",
                "messages": [{"sender": "pan", "text": t} for t in texts],
            })
    out = []
    bags = corpus_bags(convs)
    with tempfile.TemporaryDirectory() as tmp:
        for f in range(CV_FOLDS):
            path = Path(tmp) / f"pan{f}.npz"
            train_segments(pan, path, extra=bags, cut=cut, exclude=lambda sid, f=f: pan_fold(sid) == f)
            det = StageDetector(model_path=stage_model, segment_model_path=None)
            det.segment_model = SegmentModel.load(path)
            out.append((by_fold[f], CachedDetector(det)))
    return out


def pan_f05(folds: Folds, params: RiskParams) -> float:
    """Segment F0.5 over all folds (an alert at any message counts)."""
    from tutela.conversations.evaluate import f_beta

    tp, _, fp, groom = fold_counts(folds, params)
    fn = groom - tp
    return f_beta(tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)


def tune_gate(
    written: list[tuple[list[dict[str, Any]], StageDetector]],
    pan: list[tuple[list[dict[str, Any]], StageDetector]],
    base: RiskParams,
    log: Callable[[str], None] = print,
) -> RiskParams:
    """How far the whole-conversation model may overrule stage cues in long conversations.

    Chosen for the best out-of-fold F0.5 on PAN's training segments (adult sexual chat is PAN's
    hardest negative: it carries the same cue phrases as grooming), among the settings that cost
    nothing on the written corpus's tuning objective.
    """
    floor = written_utility(written, base)
    best = (pan_f05(pan, base), base)
    log(f"gate off: PAN out-of-fold F0.5 {best[0]:.3f}, written utility {floor}")
    for seg_min in sorted({base.seg_min_features, 600.0, 800.0}):
        for veto in (0.2, 0.35, 0.5):
            for gate in (800.0, 1500.0, 2500.0):
                params = replace(base, seg_veto=veto, seg_min_features=seg_min,
                                 seg_gate_features=max(gate, seg_min + 100))
                if written_utility(written, params) < floor:
                    continue
                f = pan_f05(pan, params)
                if f > best[0] + 1e-9:
                    best = (f, params)
    log(f"gate: seg_veto={best[1].seg_veto} seg_gate_features={best[1].seg_gate_features} "
        f"seg_min_features={best[1].seg_min_features} (PAN out-of-fold F0.5 {best[0]:.3f})")
    return best[1]


def train(
    shared: Path = SHARED_TEXT,
    model_path: Path = MODEL_PATH,
    params_path: Path = PARAMS_PATH,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    pan = shared / "pan12_grooming_segments.csv"
    cut: float | None = None
    if pan.is_file():
        from tutela.conversations.segments import SEGMENT_MODEL_PATH, train_segments

        counts = train_segments(pan, model_path.parent / SEGMENT_MODEL_PATH.name,
                                extra=corpus_bags(load_corpus(split="train")))
        cut = float(counts["cut"])
        log(f"segment model: {counts['segments']} PAN 2012 segments ({counts['grooming']} grooming), "
            f"held-out groups excluded, plus {counts['corpus_bags']} written train conversations/halves; "
            f"decision value {cut:+.1f}, cross-validated F0.5 {counts['cv_f05']:.3f}")
    else:
        log(f"{pan} not found: keeping the existing segment model")
    convs = load_corpus(split="train")
    examples = corpus_examples(convs)
    negatives, used = shared_negatives(shared)
    negatives = negatives + list(SHORT_TURNS)
    log(f"corpus: {len(convs)} train conversations, {len(examples)} distinct messages; "
        f"shared negatives: {len(negatives)} from {len(used)} files")
    data = "Tutela written corpus (train split, en/tr/az/fa/ru)"
    if used:
        data += "; negatives from ../shared/data/text: " + ", ".join(used)
    W, b = fit_stage_model(examples + [(t, frozenset()) for t in negatives])
    save_model(W, b, data, model_path)
    oof = out_of_fold_scores(examples, negatives)
    folds = fold_detectors(convs, oof, pan if pan.is_file() else None, cut=cut)
    params = tune_threshold(folds, RiskParams(), log)
    if pan.is_file() and cut is not None and params.seg_weight > 0:
        params = tune_gate(folds, pan_fold_detectors(pan, model_path, cut, convs), params, log)
        if params.seg_veto > 0:  # the damping spares ordinary chats too: tune the threshold again under it,
            # keeping the whole-conversation model's say that the PAN step relied on
            params = tune_threshold(folds, params, log, keep_segment=True)
    tuned = {"threshold": params.threshold, "escalation": params.escalation, "soft_floor": params.soft_floor,
             "seg_weight": params.seg_weight, "seg_min_features": params.seg_min_features,
             "seg_gate_features": params.seg_gate_features, "seg_veto": params.seg_veto,
             "unknown_minor": params.unknown_minor}
    params_path.write_text(json.dumps(
        {**tuned, "tuned_on": "train split of the written corpus, out-of-fold stage and conversation scores; "
                              "gate: out-of-fold PAN 2012 training segments"},
        indent=2) + "\n")
    log(f"wrote {model_path} ({model_path.stat().st_size // 1024} KiB) and {params_path}")
    return {**tuned, "data": data}


def train_to(shared: Path, out_dir: Path, log: Callable[[str], None] = print) -> dict[str, Any]:
    """`train` into `out_dir` (stages.npz, segments.npz, risk.json): the component contract's
    `train(data_dir, out_dir)`. Point the `conversation_models` setting at `out_dir` to use them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pan_segments = shared / "pan12_grooming_segments.csv"
    if not pan_segments.is_file():
        from tutela.conversations.segments import SEGMENT_MODEL_PATH

        target = out_dir / SEGMENT_MODEL_PATH.name
        if SEGMENT_MODEL_PATH.is_file() and target.resolve() != SEGMENT_MODEL_PATH.resolve():
            import shutil  # no PAN data here: the folder keeps a complete set with the shipped segment model

            shutil.copyfile(SEGMENT_MODEL_PATH, target)
    return train(shared, out_dir / MODEL_PATH.name, out_dir / PARAMS_PATH.name, log)


if __name__ == "__main__":
    train()
