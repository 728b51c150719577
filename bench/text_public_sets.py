"""Per-set quality on our held-out split of the public sets, scored the way the outside check scores them.

    OMP_NUM_THREADS=1 python bench/text_public_sets.py [--data DIR] [--stages fast|auto] [--no-baseline] [--json F]

Each set is binary (../shared/EVALUATION.md): a row is harmful when its `harm` is, and detected when
the engine flags any category that fits that harm. Score: macro-F1 over harmful / not harmful (recall
where a set has only harmful rows). Beside it, the one-dataset baseline the issue names: a character
n-gram (2-5, within word boundaries) TF-IDF logistic regression trained on that set's own training
split alone. Rows are our held-out 10% (split by normalised text; never trained or tuned on), or with
`--split calib` the calibration 10% (for tuning; figures run high, see --help); rows with an empty or
`other_harm` label are left out, as they fit no category.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tutela.config import Settings  # noqa: E402
from tutela.detect import analyze_texts  # noqa: E402
from tutela.detect.training.public_sets import (  # noqa: E402
    FLOOR_MARGIN,
    frozen_slice,
    load_sets,
    score,
    set_prediction,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "text"


def baseline(rows: list[dict], test: list[dict]) -> np.ndarray | None:
    """Char n-gram TF-IDF + logistic regression trained on this set's training rows alone."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train = [r for r in rows if r["split"] == "train"]
    y = np.array([r["harm"] != "none" for r in train])
    if len(set(y.tolist())) < 2:
        return None
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=300_000)
    x = vec.fit_transform([r["text"][:5000] for r in train])
    clf = LogisticRegression(C=4.0, max_iter=2000)
    clf.fit(x, y)
    return clf.predict(vec.transform([r["text"][:5000] for r in test])).astype(bool)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=SHARED)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--sets", nargs="*", default=None, help="only these set names")
    ap.add_argument("--slice", type=int, default=0,
                    help="only the first N held-out rows of each set (by hash): the frozen slice the CI test runs")
    ap.add_argument("--floors", type=Path, default=None,
                    help="write per-set floors (score - 0.03) for tests/detect/test_text_public_slice.py here")
    ap.add_argument("--split", default="test", choices=["test", "calib"],
                    help="test: our held-out 10%% (report; run once before and once after a change); calib: the "
                    "calibration 10%% (validation for tuning: the experts' Platt scaling and thresholds are fitted "
                    "on it, so its figures run high)")
    ap.add_argument("--stages", default="auto", choices=["fast", "auto", "deep"],
                    help="fast: n-gram model and rules only; auto: what `tutela scan` runs (no ages: semantic too)")
    args = ap.parse_args()
    if not args.data.is_dir():
        sys.exit(f"needs the shared data at {args.data}")
    sets = load_sets(args.data)
    settings = Settings()
    report: dict[str, dict] = {}
    print("| set | rows | harmful | measure | Tutela | one-set char n-gram LR | ahead? |")
    print("|---|---|---|---|---|---|---|")
    t0 = time.perf_counter()
    for name, rows in sets.items():
        if args.sets and name not in args.sets:
            continue
        if args.slice and args.split != "test":
            sys.exit("--slice is a slice of the held-out split")
        test = frozen_slice(rows, args.slice) if args.slice else [r for r in rows if r["split"] == args.split]
        if not test:
            continue
        gold = np.array([r["harm"] != "none" for r in test])
        res = analyze_texts([r["text"] for r in test], settings=settings, explain=False, stages=args.stages)
        pred = set_prediction(test, [{c.value for c in a.flags} for a in res])
        measure, ours = score(pred, gold)
        base = None if args.no_baseline else baseline(rows, test)
        theirs = None if base is None else score(base, gold)[1]
        ahead = "" if theirs is None else ("yes" if ours > theirs else "no")
        print(f"| {name} | {len(test)} | {int(gold.sum())} | {measure} | {ours:.3f} | "
              f"{'' if theirs is None else f'{theirs:.3f}'} | {ahead} |", flush=True)
        report[name] = {"rows": len(test), "harmful": int(gold.sum()), "measure": measure, "tutela": round(ours, 4),
                        "baseline": None if theirs is None else round(theirs, 4)}
    print(f"\n{time.perf_counter() - t0:.0f} s")
    if args.floors:
        floors = {k: round(v["tutela"] - FLOOR_MARGIN, 3) for k, v in report.items()}
        args.floors.write_text(json.dumps(floors, indent=1, sort_keys=True) + "\n")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
