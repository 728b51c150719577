"""False-flag rate and recall of the engine on the DEV split of the written challenge sets.

    OMP_NUM_THREADS=1 PYTHONPATH=src python bench/challenge_dev.py [--stages fast|auto|deep] [--show-errors]
    OMP_NUM_THREADS=1 PYTHONPATH=src python bench/challenge_dev.py --split heldout --stages auto [--round 2]

Reads only lines with `"split": "dev"` by default (so rules are tuned on those only). `--split heldout`
is for the closing measurement of a piece of work, once, and never with `--show-errors`: held-out
lines must not be looked at one by one. Per language: benign lines (`ordinary`, `tricky_benign`) with any flag (false-flag rate),
harmful lines (`harmful`, `disguised`) with any flag (recall) and with one of their own categories
flagged (category recall). Lines carry `round` from their second writing round on (round 2: 40 a
language, written 2026-12-06 after round 1's held-out lines had been run once); `--round N` keeps
one round; `--langs en,tr` some languages; `--parity even|odd` one half of them by id (tune on one half,
check on the other). `--show-errors` prints the false flags and misses to tune rules on.

`--save FILE` keeps each line's flags; `--against FILE` (a `--save` of another code or setting on the same lines)
prints what a change did line by line: benign lines newly flagged or cleared, harmful lines caught in their category
or lost (on the held-out split only the counts). This is how a rule is checked against every dev line before it lands:

    python bench/challenge_dev.py --stages auto --save before.json          # on main
    python bench/challenge_dev.py --stages auto --against before.json       # with the change
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from tutela.config import Settings  # noqa: E402
from tutela.detect import analyze_texts  # noqa: E402
from tutela.domain.languages import language_codes  # noqa: E402

LANGS = language_codes()
BENIGN = {"ordinary", "tricky_benign"}


def _why(out: Any, fast: Any) -> str:
    """Each flag with what raised it: `fraud<semantic>`, `cyberbullying<model>`, `profanity<lexicon>`.

    A flag the fast-stage run lacks came from the semantic stage; a fast flag is put down to the rule
    detectors whose own score reaches the rule threshold, else to the model's head.
    """
    rules: dict[str, set[str]] = {}
    for e in fast.explanations or []:
        if e.detector != "model" and e.score >= 0.5:
            rules.setdefault(e.category.value, set()).add(e.detector)
    fast_flags = {c.value for c in fast.flags}
    parts = []
    for c in sorted(c.value for c in out.flags):
        src = "semantic" if c not in fast_flags else ",".join(sorted(rules.get(c, {"model"})))
        parts.append(f"{c}<{src}>")
    return " ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stages", default="fast", choices=("fast", "auto", "deep"))
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--split", default="dev", choices=("dev", "heldout"))
    ap.add_argument("--round", default=None,
                    help="only lines of these writing rounds, comma-separated (1: the first lines, without a `round` "
                         "key; 2: ...; 5t: lines the tuners wrote; 39d,41d: two dev rounds)")
    ap.add_argument("--langs", default=",".join(LANGS), help="comma-separated languages (default: all)")
    ap.add_argument("--parity", default=None, choices=("even", "odd"),
                    help="only lines whose id number is even (odd): one half of a round to tune on, the other to check")
    ap.add_argument("--save", type=Path, default=None, help="write each line's flags to this JSON file")
    ap.add_argument("--against", type=Path, default=None,
                    help="a --save of the same lines: print the lines whose outcome changed")
    args = ap.parse_args()
    if args.split == "heldout" and args.show_errors:
        ap.error("--show-errors is for the dev split only: held-out lines are never read one by one")
    folder = Path(__file__).parent / "challenge"
    saved: dict[str, list[str]] = {}  # id -> the line's flags
    lines: dict[str, dict[str, Any]] = {}
    print(f"{'lang':4} {'benign':>6} {'false%':>7} {'harmful':>7} {'recall':>7} {'cat-rec':>7}")
    for lang in args.langs.split(","):
        rows = [json.loads(line) for line in (folder / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [r for r in rows if r.get("split") == args.split]
        if args.round is not None:
            rows = [r for r in rows if str(r.get("round", 1)) in args.round.split(",")]
        if args.parity is not None:
            rows = [r for r in rows if int(r["id"].rsplit("-", 1)[1]) % 2 == (args.parity == "odd")]
        res = analyze_texts([r["text"] for r in rows], settings=Settings(), stages=args.stages, explain=args.show_errors)
        fast = (analyze_texts([r["text"] for r in rows], settings=Settings(), stages="fast")
                if args.show_errors else res)
        benign = false = harmful = caught = cat = 0
        for r, out, fout in zip(rows, res, fast, strict=True):
            flags = set(out.flags) if hasattr(out, "flags") else set(out["flags"])
            saved[r["id"]] = sorted(str(c) for c in flags)
            lines[r["id"]] = r
            if r["kind"] in BENIGN:
                benign += 1
                false += bool(flags)
                if flags and args.show_errors:
                    print(f"  FALSE {r['id']} {_why(out, fout)} {r['text']!r}")
            else:
                harmful += 1
                caught += bool(flags)
                cat += bool(flags & set(r["categories"]))
                if args.show_errors and not flags:
                    print(f"  MISS  {r['id']} {r['categories']} {r['text']!r}")
                elif args.show_errors and not flags & set(r["categories"]):
                    print(f"  CAT   {r['id']} {r['categories']} got {_why(out, fout)} {r['text']!r}")
        print(f"{lang:4} {benign:6d} {100 * false / max(benign, 1):6.1f}% {harmful:7d} "
              f"{caught / max(harmful, 1):7.2f} {cat / max(harmful, 1):7.2f}")
    if args.save is not None:
        args.save.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
    if args.against is not None:
        _changes(json.loads(args.against.read_text(encoding="utf-8")), saved, lines, show=args.split == "dev")


def _outcome(row: dict[str, Any], flags: list[str]) -> bool:
    """A benign line flagged at all; a harmful line caught in one of its own categories."""
    return bool(flags) if row["kind"] in BENIGN else bool(set(flags) & set(row["categories"]))


def _changes(before: dict[str, list[str]], after: dict[str, list[str]], lines: dict[str, dict[str, Any]],
             show: bool) -> None:
    """Print the lines whose outcome differs from `before` (a `--save`), and the counts; `show=False` (held-out
    lines) prints the counts only."""
    counts = {"benign newly flagged": 0, "benign cleared": 0, "harmful now caught": 0, "harmful lost": 0}
    for rid, row in sorted(lines.items()):
        if rid not in before:
            continue
        was, now = _outcome(row, before[rid]), _outcome(row, after[rid])
        if was == now:
            continue
        if row["kind"] in BENIGN:
            what = "benign newly flagged" if now else "benign cleared"
        else:
            what = "harmful now caught" if now else "harmful lost"
        counts[what] += 1
        if show:
            print(f"  {what.upper():21} {rid} {before[rid]} -> {after[rid]} {row['text']!r}")
    print("against the saved run: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
