"""Written challenge chats (`challenge/chats/<lang>.jsonl`): alerted in time, and false alerts.

    OMP_NUM_THREADS=1 PYTHONPATH=src python bench/chats_challenge.py [--show] [--windows on|off]
    OMP_NUM_THREADS=1 PYTHONPATH=src python bench/chats_challenge.py --split heldout [--round 2]

Scores every chat the way `tutela scan-conversations` does (one tracker, default settings, ages only
where the platform would send them) and reads `first_alert_at`, as the outside evaluation does.
A harmful chat (grooming, gift grooming, sextortion) counts as caught when it alerts at or before
`harm_at`, the index of the first harmful request or threat; late when it alerts after; a benign chat
(coach, relative, teacher, same-age teens, parent) that alerts at any point is a false alert.
Only the dev split is read by default; `--split heldout` is for a closing measurement, never with
`--show`: held-out chats are not looked at one by one. The chats differ from the training corpus
(`src/tutela/conversations/corpus`): written as whole, realistic chats, not assembled from stage lines.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from tutela.conversations.batch import score_record  # noqa: E402
from tutela.conversations.tracker import ConversationTracker  # noqa: E402
from tutela.domain.languages import language_codes  # noqa: E402

FOLDER = Path(__file__).parent / "challenge" / "chats"


def load(split: str, round_: str | None = None) -> dict[str, list[dict]]:
    """Chats of one split (and one writing round, where given; the first round has no `round`)."""
    out: dict[str, list[dict]] = {}
    for lang in language_codes():
        path = FOLDER / f"{lang}.jsonl"
        if path.is_file():
            with path.open(encoding="utf-8") as fh:
                out[lang] = [c for c in map(json.loads, fh) if c["split"] == split
                             and (round_ is None or str(c.get("round", 1)) == round_)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="dev", choices=("dev", "heldout"))
    ap.add_argument("--round", default=None,
                    help="only the chats of one writing round (1, 2, ...; a dev-only round by its name, e.g. 11d)")
    ap.add_argument("--show", action="store_true", help="per chat: alert index against harm index (dev only)")
    ap.add_argument("--windows", default="default", choices=("default", "on", "off"),
                    help="semantic conversation windows: the tracker's default, or forced on/off")
    args = ap.parse_args()
    if args.split == "heldout" and args.show:
        ap.error("--show is for the dev split only")
    wanted = None if args.windows == "default" else args.windows == "on"
    kwargs = {} if wanted is None else {"semantic_windows": wanted}
    tracker = ConversationTracker(cache_size=1_000_000, **kwargs)
    print(f"split {args.split}, semantic windows {'on' if tracker.windows is not None else 'off'}")
    print(f"{'lang':4} {'harmful':>7} {'in time':>7} {'late':>4} {'missed':>6} {'benign':>6} {'false':>5}")
    cpu0, wall0, n_msgs = time.process_time(), time.perf_counter(), 0
    totals = [0, 0, 0, 0, 0, 0]
    for lang, chats in load(args.split, args.round).items():
        row = [0, 0, 0, 0, 0, 0]
        for chat in chats:
            res = score_record(chat, tracker=tracker)
            tracker.forget(res.conversation_id)
            n_msgs += len(chat["messages"])
            at, harm = res.first_alert_at, chat["harm_at"]
            if chat["kind"] == "benign":
                row[4] += 1
                row[5] += at is not None
                verdict = "FALSE ALERT" if at is not None else "ok"
            else:
                row[0] += 1
                row[1] += at is not None and at <= harm
                row[2] += at is not None and at > harm
                row[3] += at is None
                verdict = "ok" if at is not None and at <= harm else ("LATE" if at is not None else "MISSED")
            if args.show:
                print(f"   {chat['id']:8} {chat['kind']:14} alert@{at!s:4} harm@{harm!s:4} risk {res.risk:.2f} "
                      f"{verdict:11} {chat['scenario']}  stages={[s.value for s in res.stages]} flags={res.flags}")
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        print(f"{lang:4} {row[0]:7} {row[1]:7} {row[2]:4} {row[3]:6} {row[4]:6} {row[5]:5}")
    print(f"{'all':4} {totals[0]:7} {totals[1]:7} {totals[2]:4} {totals[3]:6} {totals[4]:6} {totals[5]:5}")
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{n_msgs} messages, {cpu:.1f} CPU-s, {wall:.1f} s wall, load {os.getloadavg()[0]:.2f}, "
          f"peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
