"""Does a speed change to the fast stage keep its answers? Snapshot them, change the code, compare.

    OMP_NUM_THREADS=1 python bench/fast_equivalence.py --save /tmp/fast_before.json   # before the change
    OMP_NUM_THREADS=1 python bench/fast_equivalence.py --check /tmp/fast_before.json  # after it

Messages: ~10,000 public messages of the TRAIN split of shared/data/text (never the test split, which the
speed and quality benches report on), every language, short and long, plus the challenge sets' dev lines
(never the held-out ones) and our seed messages. `analyze_texts(stages="fast")` runs on them in batches of
1,000 with explanations, and the answers compared are each text's language and its confidence, every
score (within `--tol`), its flags, the rule hits behind its explanations and whether the `auto` cascade
would send it on (`deferred`). Exit status 1 on any difference. Not a test: the data are not in the repo.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from tutela.detect import analyze_texts  # noqa: E402
from tutela.detect.training.data import default_data_dir, load_public, load_seed  # noqa: E402

CHALLENGE = Path(__file__).parent / "challenge"


def messages(n: int) -> list[str]:
    """`n` train-split public messages (any length), the challenge dev lines and the seed messages."""
    rng = random.Random(1)
    rows = [r.text for r in load_public(default_data_dir()) if r.split == "train"]
    out = rng.sample(rows, min(n, len(rows)))
    for path in sorted(CHALLENGE.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and (item := json.loads(line)).get("split") == "dev":
                out.append(item["text"])
    return out + [r.text for r in load_seed()]


def snapshot(texts: list[str]) -> list[dict]:
    """Each text's fast-stage answer, in a form JSON keeps and `compare` reads."""
    out: list[dict] = []
    for k in range(0, len(texts), 1000):
        deferred: list[int] = []
        part = analyze_texts(texts[k:k + 1000], stages="fast", deferred=deferred)
        picked = set(deferred)
        for i, r in enumerate(part):
            out.append({"lang": r.lang, "conf": r.lang_confidence, "scores": {c.value: s for c, s in r.scores.items()},
                        "flags": [c.value for c in r.flags], "deferred": i in picked,
                        "explanations": [e.model_dump(mode="json") for e in r.explanations]})
    return out


def compare(before: list[dict], after: list[dict], tol: float) -> list[str]:
    """Every difference beyond `tol` between two snapshots of the same texts, as lines to print."""
    diffs: list[str] = []
    for i, (a, b) in enumerate(zip(before, after, strict=True)):
        for key in ("lang", "flags", "deferred"):
            if a[key] != b[key]:
                diffs.append(f"{i}: {key} {a[key]} -> {b[key]}")
        if abs(a["conf"] - b["conf"]) > tol:
            diffs.append(f"{i}: lang confidence {a['conf']} -> {b['conf']}")
        diffs += [f"{i}: {c} {s} -> {b['scores'][c]}" for c, s in a["scores"].items() if abs(s - b["scores"][c]) > tol]
        if a["explanations"] != b["explanations"]:
            diffs.append(f"{i}: explanations differ")
    return diffs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--tol", type=float, default=1e-4)
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the snapshot here")
    group.add_argument("--check", type=Path, help="compare against the snapshot saved here")
    args = ap.parse_args()
    texts = messages(args.n)
    now = snapshot(texts)
    if args.save:
        args.save.write_text(json.dumps(now), encoding="utf-8")
        print(f"saved {len(now)} answers to {args.save}")
        return
    diffs = compare(json.loads(args.check.read_text(encoding="utf-8")), now, args.tol)
    for line in diffs[:50]:
        print(line)
    print(f"{len(now)} texts, {len(diffs)} differences")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
