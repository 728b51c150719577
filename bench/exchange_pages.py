"""CPU per signal of each side of a feed, in one process, without HTTP (issue 14's profile).

Two SQLite instances: the source publishes N PDQ entries as a feed (`feed.sync`), builds and signs every
page for the receiver (`bundles.page_bytes`), and the receiver checks and applies each page as received
bytes (`bundles.accept(raw=...)`), staged and swapped in as a pull's full sync is (`--upsert`: page by
page into the live rows, as an incremental pull or a file import is). Prints CPU-seconds (process time) and microseconds a signal of the
three steps; with `--profile`, cProfile's top functions of the two page steps (process-time timer, so the
figures hold on a shared machine).

    PYTHONPATH=src python bench/exchange_pages.py --signals 50000 [--page 10000] [--profile] [--upsert]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from exchange_sync import cpu_seconds, partnered_pair, random_pdq


@contextmanager
def measured(label: str, n: int, profile: bool) -> Iterator[None]:
    """CPU-seconds and microseconds a signal of the block, and with `profile` cProfile's top functions."""
    prof = cProfile.Profile(time.process_time) if profile else None
    c = cpu_seconds()
    if prof:
        prof.enable()
    yield
    if prof:
        prof.disable()
    spent = cpu_seconds() - c
    print(f"{label}: {spent:.2f} CPU-s, {spent / n * 1e6:.0f} us a signal")
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--signals", type=int, default=50_000)
    ap.add_argument("--page", type=int, default=10_000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--upsert", action="store_true", help="apply each page to the live rows (no staging)")
    args = ap.parse_args()

    from tutela.exchange import bundles, feed, gcpause, partners, resync
    from tutela.hashing import banks
    from tutela.storage.times import utc_now

    n = args.signals
    with tempfile.TemporaryDirectory() as tmp:
        _sa, _sb, da, dbb, a, b = partnered_pair(Path(tmp), "http://x")
        banks.create_bank(da, a, "known")
        banks.add_entries(da, "known", random_pdq(n), org_id=a)
        col = feed.ensure_collection(da, a, "known")
        to = partners.get_partner(da, a, "az-platform")
        print(f"{n:,} signals, pages of {args.page:,}; load average {os.getloadavg()[0]:.1f}")

        with measured("publish (feed.sync)", n, False):
            feed.sync(da, col.id)

        pages, after = [], 0
        with measured("source pages (read, STIX, canonical JSON, sign)", n, args.profile):
            while True:
                wire = bundles.page_bytes(da, a, col, after=after, limit=args.page, to=to)
                pages.append(wire.data)
                after = wire.next
                if not wire.more:
                    break

        started, run = utc_now(), resync.Run()
        with measured("receiver (parse, verify, check, apply)", n, args.profile):
            for wire in pages:
                with gcpause.paused():  # as the pull does
                    bundles.accept(dbb, b, None, raw=wire, partner="tr-hotline", resync_started=started,
                                   allow_older=True, staged=None if args.upsert else run)
        da.dispose()
        dbb.dispose()


if __name__ == "__main__":
    main()
