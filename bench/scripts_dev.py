"""Scripts and evasion (`challenge/scripts/dev.jsonl`): language id, the normalised text, and the flags.

    OMP_NUM_THREADS=1 PYTHONPATH=src python bench/scripts_dev.py [--stages fast|auto|deep] [--show]

Lines written per form a child or an offender types: Finglish (Persian in Latin letters, with 3/7
for ع/ح), Russian translit, Cyrillic leetspeak (`3ашлю`), Azerbaijani in Cyrillic or without its
letters, Turkish and English leetspeak, emoji standing for words (🔪, 🍃❄️, 💸, 📸🍑). Per line:
whether language id names the language it is in, the text the fast stage reads (`normalize_text`,
after the way back to the native script where the text is romanised) and the text the semantic stage
reads (`semantic_text` of the native form), and whether one of the line's categories is flagged
(benign lines: no flag). Dev lines only: they show where the normalisation or the lists still fail.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

from tutela.detect import analyze_texts  # noqa: E402
from tutela.detect.langid import identify  # noqa: E402
from tutela.detect.normalize import normalize_text, semantic_text  # noqa: E402
from tutela.detect.translit import to_native  # noqa: E402

PATH = Path(__file__).parent / "challenge" / "scripts" / "dev.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stages", default="auto", choices=("fast", "auto", "deep"))
    ap.add_argument("--show", action="store_true", help="every line with its forms and flags")
    args = ap.parse_args()
    rows = [json.loads(line) for line in PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    results = analyze_texts([r["text"] for r in rows], stages=args.stages)
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # lines, lang ok, harmful, caught, benign ok
    for r, a in zip(rows, results, strict=True):
        lang, _ = identify(r["text"])
        native = to_native(r["text"], lang) if lang in ("fa", "ru") else None
        fast_form = normalize_text(native or r["text"])
        sem_form = semantic_text(native or r["text"], lang)
        hit = bool(set(r["categories"]) & set(a.flags)) if r["categories"] else not a.flags
        key = f"{r['lang']}/{r['form'].removesuffix('_benign')}"
        row = per[key]
        row[0] += 1
        row[1] += lang == r["lang"]
        if r["categories"]:
            row[2] += 1
            row[3] += hit
        else:
            row[4] += hit
        if args.show:
            mark = "ok " if hit else ("MISS" if r["categories"] else "FALSE")
            print(f"{r['id']} {mark:5} lang {lang}{'' if lang == r['lang'] else '(!)'} want {r['categories']} "
                  f"got {a.flags} stages {a.stages}\n    text: {r['text']}\n    fast: {fast_form}\n    sem:  {sem_form}")
    print(f"{'lang/form':22} {'lines':>5} {'lang id':>7} {'harmful caught':>14} {'benign clean':>12}")
    tot = [0, 0, 0, 0, 0]
    for key in sorted(per):
        v = per[key]
        tot = [a + b for a, b in zip(tot, v, strict=True)]
        print(f"{key:22} {v[0]:5} {v[1]:7} {f'{v[3]}/{v[2]}':>14} {f'{v[4]}/{v[0] - v[2]}':>12}")
    print(f"{'all':22} {tot[0]:5} {tot[1]:7} {f'{tot[3]}/{tot[2]}':>14} {f'{tot[4]}/{tot[0] - tot[2]}':>12}")


if __name__ == "__main__":
    main()
