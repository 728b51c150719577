"""Throughput of the streaming scorer with state in SQLite, and memory with many conversations.

    OMP_NUM_THREADS=1 python bench/conversations_throughput.py [--messages 40000] [--conversations 10000]

Messages are drawn from the written corpus (all languages) and spread over
`--conversations` conversations with distinct participants, so every
conversation and account has its own state row. One process, one core.
Reports messages/s end to end (validation, normalisation, stage scoring,
risk update, write-behind to SQLite with synchronous=FULL, final flush) and
the peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tutela.access import create_org  # noqa: E402
from tutela.conversations import ConversationTracker  # noqa: E402
from tutela.conversations.corpus import load_corpus  # noqa: E402
from tutela.storage.db import Database  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=40_000)
    ap.add_argument("--conversations", type=int, default=10_000)
    ap.add_argument("--cache", type=int, default=20_000, help="LRU cache size (states kept in memory)")
    ap.add_argument("--detector-only", action="store_true", help="time only the per-message stage detector")
    ap.add_argument("--windows", default="default", choices=("default", "on", "off"),
                    help="semantic conversation windows: the tracker's default (on where the encoder runs), or forced")
    args = ap.parse_args()
    windows = {} if args.windows == "default" else {"semantic_windows": args.windows == "on"}

    texts = [m["text"] for c in load_corpus() for m in c["messages"]]
    if args.detector_only:
        from tutela.conversations.detector import default_detector

        det = default_detector()
        c0 = time.process_time()
        for i in range(args.messages):
            det.score(texts[i % len(texts)])
        cpu = time.process_time() - c0
        print(f"detector only: {args.messages / cpu:,.0f} messages per CPU-second")
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.sqlite3")
        db.create_all()
        org = create_org(db, "bench")
        tracker = ConversationTracker(db, org, cache_size=args.cache, **windows)
        tracker.feed("warm-up", {"sender": "w", "text": "warm up", "ts": 0})
        if tracker.windows is not None:  # load the encoder before timing, as a long-running process has
            from tutela.detect.components import component

            component("semantic").score(["warm up"], ["und"], None)
        start_rss = rss_mb()
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(args.messages):
            conv = i % args.conversations
            sender = f"u{conv}-{(i // args.conversations) % 2}"
            tracker.feed(f"c{conv}", {"sender": sender, "text": texts[i % len(texts)], "ts": 1_767_225_600 + i})
        tracker.close()
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"messages: {args.messages}  conversations: {args.conversations}  cache: {args.cache}")
        print(f"wall: {dt:.2f} s  -> {args.messages / dt:,.0f} messages/s (one process)")
        print(f"CPU:  {cpu:.2f} s  -> {args.messages / cpu:,.0f} messages per CPU-second (one core; "
              "the fair figure on a shared machine)")
        print(f"peak RSS: {rss_mb():.0f} MB (after warm-up {start_rss:.0f} MB)")
        if tracker.windows is not None:
            print(f"semantic windows scored: {tracker.windows.scored} ({tracker.windows.scored / args.messages:.1%})")
        size = Path(f"{tmp}/bench.sqlite3").stat().st_size / 1e6
        print(f"database: {size:.1f} MB for {args.conversations} conversations + {2 * args.conversations} accounts")
        db.dispose()


if __name__ == "__main__":
    main()
