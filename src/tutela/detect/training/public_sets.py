"""The public sets scored the way the outside check scores them (../shared/EVALUATION.md).

Each set is binary: a row is harmful when its `harm` is, and detected when the engine flags any
category that fits that harm; a harmless row counts as a false flag when it gets any category that
fits one of its set's harms. Score: macro-F1 over harmful / not harmful, or recall where a set has
only harmful rows. Rows with an empty or `other_harm` label fit no category and are left out.
Used by `bench/text_public_sets.py` and by the frozen-slice test.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from tutela.detect.training.data import split_of, text_group

# harm label -> the categories whose flag counts as detecting it (EVALUATION.md)
FITS: dict[str, set[str]] = {
    "harassment": {"cyberbullying", "hate_radicalisation", "violent_content", "sexual_content", "profanity"},
    "hate": {"hate_radicalisation", "cyberbullying", "profanity"},
    "violence": {"violent_content", "cyberbullying"},
    "sexual": {"sexual_content", "sexual_exploitation", "profanity"},
    "self_harm": {"self_harm"},
    "scam": {"fraud"},
    "grooming": {"sexual_exploitation"},
    "disinformation": {"disinformation"},
    "threat": {"violent_content"},
}


def load_sets(data_dir: Path) -> dict[str, list[dict]]:
    csv.field_size_limit(sys.maxsize)
    out: dict[str, list[dict]] = {}
    for path in sorted(data_dir.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            rows = []
            for rec in csv.DictReader(fh):
                harm = (rec.get("harm") or "").strip()
                if harm != "none" and harm not in FITS:
                    continue
                group = rec.get("segment_id") or text_group(rec["text"])
                rows.append({"text": rec["text"], "harm": harm, "split": split_of(group)})
        out[path.stem] = rows
    return out


FLOOR_MARGIN = 0.03


def frozen_slice(rows: list[dict], n: int) -> list[dict]:
    """The first `n` held-out rows of a set in the order of their text's hash: fixed whatever the file order."""
    test = [r for r in rows if r["split"] == "test"]
    return sorted(test, key=lambda r: text_group(r["text"]))[:n]


def macro_f1(pred: np.ndarray, gold: np.ndarray) -> float:
    def f1(p: np.ndarray, g: np.ndarray) -> float:
        tp = float((p & g).sum())
        fp, fn = float((p & ~g).sum()), float((~p & g).sum())
        return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)

    return (f1(pred, gold) + f1(~pred, ~gold)) / 2


def score(pred: np.ndarray, gold: np.ndarray) -> tuple[str, float]:
    if gold.all():
        return "recall", float(pred.mean())
    return "macro-F1", macro_f1(pred, gold)


def set_prediction(rows: list[dict], flags: list[set[str]]) -> np.ndarray:
    """Detected (harmful rows) or falsely flagged (harmless rows), per row of one set."""
    harms = {r["harm"] for r in rows if r["harm"] != "none"}
    fits_any = set().union(*(FITS[h] for h in harms)) if harms else set()
    return np.array([bool(f & (FITS[r["harm"]] if r["harm"] != "none" else fits_any)) for r, f in zip(rows, flags, strict=True)])
