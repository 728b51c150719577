"""CPU per signal of each side of a feed, in one process, without HTTP (issue 14's profile).

Two SQLite instances: the source publishes N PDQ entries as a feed (`feed.sync`), builds and signs every
page for the receiver (`bundles.page_wire`), and the receiver checks and applies each page as received
bytes (`bundles.accept(raw=...)`). Prints CPU-seconds (process time) and microseconds a signal of the
three steps; with `--profile`, cProfile's top functions of the two page steps (process-time timer, so the
figures hold on a shared machine).

    PYTHONPATH=src python bench/exchange_pages.py --signals 50000 [--page 10000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import secrets
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--signals", type=int, default=50_000)
    ap.add_argument("--page", type=int, default=10_000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    from tutela.access import create_org
    from tutela.config import Settings
    from tutela.exchange import bundles, feed, identity, partners
    from tutela.hashing import banks
    from tutela.storage.db import Database
    from tutela.storage.times import utc_now

    n = args.signals
    with tempfile.TemporaryDirectory() as tmp:
        sa = Settings(data_dir=Path(tmp) / "source", secret_key="bench-source")
        sb = Settings(data_dir=Path(tmp) / "receiver", secret_key="bench-receiver")
        sa.ensure_data_dir()
        sb.ensure_data_dir()
        da, dbb = Database.from_settings(sa), Database.from_settings(sb)
        a = create_org(da, "tr-hotline", kind="hotline", country="TR")
        b = create_org(dbb, "az-platform", kind="platform", country="AZ")
        partners.add_partner(da, a, "az-platform", identity.current_key(dbb, b).public_key)
        partners.add_partner(dbb, b, "tr-hotline", identity.current_key(da, a).public_key, url="http://x")
        banks.create_bank(da, a, "known")
        banks.add_entries(da, "known", [("pdq", secrets.token_hex(32)) for _ in range(n)], org_id=a)
        col = feed.ensure_collection(da, a, "known")
        to = partners.get_partner(da, a, "az-platform")
        print(f"{n:,} signals, pages of {args.page:,}; load average {os.getloadavg()[0]:.1f}")

        c = _cpu()
        feed.sync(da, col.id)
        print(f"publish (feed.sync): {_cpu() - c:.2f} CPU-s, {(_cpu() - c) / n * 1e6:.0f} us a signal")

        prof = cProfile.Profile(time.process_time) if args.profile else None
        pages, after = [], 0
        c = _cpu()
        if prof:
            prof.enable()
        while True:
            env, wire = bundles.page_wire(da, a, col, after=after, limit=args.page, to=to)
            pages.append(wire)
            after = env["body"]["next"]
            if not env["body"]["more"]:
                break
        if prof:
            prof.disable()
        spent = _cpu() - c
        print(f"source pages (read, STIX, canonical JSON, sign): {spent:.2f} CPU-s, {spent / n * 1e6:.0f} us a signal")
        if prof:
            pstats.Stats(prof).sort_stats("tottime").print_stats(15)

        prof = cProfile.Profile(time.process_time) if args.profile else None
        started = utc_now()
        c = _cpu()
        if prof:
            prof.enable()
        for wire in pages:
            bundles.accept(dbb, b, None, raw=wire, partner="tr-hotline", resync_started=started, allow_older=True)
        if prof:
            prof.disable()
        spent = _cpu() - c
        print(f"receiver (parse, verify, check, apply): {spent:.2f} CPU-s, {spent / n * 1e6:.0f} us a signal")
        if prof:
            pstats.Stats(prof).sort_stats("tottime").print_stats(15)
        da.dispose()
        dbb.dispose()


if __name__ == "__main__":
    main()
