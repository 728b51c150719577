"""Quality of grooming detection: the written corpus per language, and PAN 2012 segments.

    OMP_NUM_THREADS=1 python bench/conversations_quality.py [--shared ../shared/data/text]

1. Written conversations (`src/tutela/conversations/corpus`), per language and split:
   precision, recall and F0.5 of conversation alerts (grooming vs ordinary), how many
   grooming conversations were alerted *before* their first sexual, image-request or
   threat message, and the median number of messages to the first alert.
2. PAN 2012 segments held out from training (segment groups with crc32(id) % 4 == 0,
   translations kept with their English original): segment-level F0.5 of
   (a) the whole-conversation model alone (`segments.py`, threshold 0.5) and
   (b) the full conversation scorer, a segment fed as one conversation (English: one
   message, as PAN's English segments lost their message boundaries; German/Dutch: one
   message per line), read two ways: the alert after the last message, and an alert at any
   message (`first_alert_at` set, what `tutela scan-conversations` reports). PAN has no
   sender ids, so every line is attributed to one sender, which makes (b) pessimistic.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import tutela.conversations.tracker as _tracker  # noqa: E402
from tutela.conversations.batch import score_conversation  # noqa: E402
from tutela.conversations.corpus import LANGS, load_corpus  # noqa: E402
from tutela.conversations.evaluate import evaluate, f_beta  # noqa: E402
from tutela.conversations.segments import is_heldout, load_segment_model, segment_messages  # noqa: E402
from tutela.conversations.tracker import ConversationTracker  # noqa: E402


def default_params():  # noqa: ANN201
    return _tracker.default_params()

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "text"


def prf(pairs: list[tuple[bool, bool]]) -> tuple[float, float, float]:
    tp = sum(1 for p, g in pairs if p and g)
    fp = sum(1 for p, g in pairs if p and not g)
    fn = sum(1 for p, g in pairs if g and not p)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return prec, rec, f_beta(prec, rec)


def written(windows: bool | None = None) -> None:
    print(f"## Written conversations (alerts per conversation; semantic windows {windows})\n")
    print("| split | lang | grooming | ordinary | precision | recall | F0.5 | alerted before sexual/coercive stage "
          "| false alerts | median messages to first alert |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for split in ("heldout", "train"):
        res = evaluate(load_corpus(split=split), semantic_windows=windows)
        for lang in (*LANGS, "all"):
            r = res[lang]
            print(f"| {split} | {lang} | {r['grooming']} | {r['ordinary']} | {r['precision']:.3f} | {r['recall']:.3f} "
                  f"| {r['f05']:.3f} | {r['early']}/{r['grooming']} | {r['false_alerts']} "
                  f"| {r['median_messages_to_alert']} |")
    print()


def pan(shared: Path) -> None:
    path = shared / "pan12_grooming_segments.csv"
    if not path.is_file():
        print(f"PAN 2012 segments not found at {path}; skipped")
        return
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if is_heldout(r["segment_id"])]
    seg = load_segment_model()
    params = default_params()
    print(f"## PAN 2012 held-out segments ({len(rows)} rows)\n")
    print("| lang | segments | grooming | segment model P / R / F0.5 | full scorer, alert at the end P / R / F0.5 "
          "| full scorer, alerted at any message P / R / F0.5 |")
    print("|---|---|---|---|---|---|")
    results: dict[str, list[tuple[bool, bool, bool, bool]]] = {}
    for r in rows:
        msgs = segment_messages(r["text"], r["lang"])
        truth = r["harm"] == "grooming"
        p_seg = seg.score_messages(msgs) >= 0.5 if seg is not None else False
        res = score_conversation([{"sender": "pan", "text": m} for m in msgs], r["id"],
                                 tracker=ConversationTracker(params=params))
        full = res.alert
        ever = res.first_alert_at is not None
        results.setdefault(r["lang"], []).append((p_seg, full, ever, truth))
        results.setdefault("all", []).append((p_seg, full, ever, truth))
    for lang in ("en", "de", "nl", "all"):
        rs = results.get(lang, [])
        if not rs:
            continue
        a = prf([(s, t) for s, _, _, t in rs])
        b = prf([(f, t) for _, f, _, t in rs])
        c = prf([(e, t) for _, _, e, t in rs])
        print(f"| {lang} | {len(rs)} | {sum(t for *_, t in rs)} | {a[0]:.3f} / {a[1]:.3f} / {a[2]:.3f} "
              f"| {b[0]:.3f} / {b[1]:.3f} / {b[2]:.3f} | {c[0]:.3f} / {c[1]:.3f} / {c[2]:.3f} |")
    print()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--seg-weight", type=float, default=None,
                    help="override the tuned weight of the whole-conversation model (0 = stage risk only)")
    ap.add_argument("--windows", default="default", choices=("default", "on", "off"),
                    help="semantic conversation windows: the tracker's default, or forced on/off")
    args = ap.parse_args()
    if args.seg_weight is not None:
        import dataclasses

        import tutela.conversations.tracker as tr

        tr._params_cache = dataclasses.replace(tr.default_params(), seg_weight=args.seg_weight)
    p = default_params()
    print(f"alert threshold {p.threshold}, escalation {p.escalation}, soft floor {p.soft_floor}, "
          f"segment weight {p.seg_weight}\n")
    written(None if args.windows == "default" else args.windows == "on")
    pan(args.shared)


if __name__ == "__main__":
    main()
