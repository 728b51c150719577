"""A feed of hash signals synced between two Tutela instances on loopback (issue 14 targets).

The source runs in its own process (uvicorn, its own data dir and SQLite database), so the two
instances use the machine's two cores as two servers would; the receiver pulls in this process.

1. the source holds N PDQ signals in one bank and offers it (the feed is built from the bank first:
   "publish", timed on its own);
2. full sync: the receiver pulls from an empty checkpoint (timed: the target is N = 1,000,000 in < 60 s);
   wall time, CPU-seconds of each side (the source process read from /proc) and the load average;
3. incremental: the source adds 1,000 signals, the receiver pulls again (target < 1 s), several
   rounds, median and range;
4. deletion: the source deletes a signal; after one pull the receiver no longer matches it;
5. churn: rounds of 10,000 additions and 10,000 deletions at the source; the receiver's rows and its
   process's peak memory stay with the live signals, not with the history.

    PYTHONPATH=src python bench/exchange_sync.py --signals 1000000
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import secrets
import socket
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _source(data: str, port: int, ready: mp.Event) -> None:  # type: ignore[valid-type]
    import uvicorn

    from tutela.api.app import create_app
    from tutela.config import Settings
    from tutela.storage.db import Database

    s = Settings(data_dir=Path(data), secret_key="bench-source")
    db = Database.from_settings(s)
    server = uvicorn.Server(uvicorn.Config(create_app(s, db), host="127.0.0.1", port=port, log_level="warning"))
    ready.set()
    server.run()


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _proc_cpu(pid: int) -> float:
    """CPU-seconds (user + system) of another process so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load() -> str:
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def random_pdq(n: int) -> list[tuple[str, str]]:
    return [("pdq", secrets.token_hex(32)) for _ in range(n)]


def partnered_pair(tmp: Path, source_url: str) -> tuple[Any, Any, Any, Any, int, int]:
    """Two instances in `tmp`, each the other's partner: a hotline in Türkiye (the source, reachable at
    `source_url`) and a platform in Azerbaijan. (source settings, receiver settings, their databases, org ids)."""
    from tutela.access import create_org
    from tutela.config import Settings
    from tutela.exchange import identity, partners
    from tutela.storage.db import Database

    sa = Settings(data_dir=tmp / "source", secret_key="bench-source")
    sb = Settings(data_dir=tmp / "receiver", secret_key="bench-receiver")
    sa.ensure_data_dir()
    sb.ensure_data_dir()
    da, dbb = Database.from_settings(sa), Database.from_settings(sb)
    a = create_org(da, "tr-hotline", kind="hotline", country="TR")
    b = create_org(dbb, "az-platform", kind="platform", country="AZ")
    partners.add_partner(da, a, "az-platform", identity.current_key(dbb, b).public_key)
    partners.add_partner(dbb, b, "tr-hotline", identity.current_key(da, a).public_key, url=source_url)
    return sa, sb, da, dbb, a, b


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--signals", type=int, default=1_000_000)
    ap.add_argument("--page", type=int, default=None, help="signals a page (default: the client's choice)")
    ap.add_argument("--incremental-rounds", type=int, default=5)
    ap.add_argument("--churn-rounds", type=int, default=3)
    args = ap.parse_args()

    from sqlalchemy import func, select

    from tutela.exchange import feed, transport
    from tutela.hashing import banks
    from tutela.storage.db import Database
    from tutela.storage.tables.exchange import exchange_received, exchange_signals
    from tutela.storage.tables.media import hash_entries

    with tempfile.TemporaryDirectory() as tmp:
        port = _port()
        url = f"http://127.0.0.1:{port}"
        sa, _sb, da, dbb, a, b = partnered_pair(Path(tmp), url)

        t = time.perf_counter()
        banks.create_bank(da, a, "known")
        values = random_pdq(args.signals)
        banks.add_entries(da, "known", values, org_id=a)
        print(f"setup: {args.signals:,} PDQ entries in the source bank in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        col = feed.ensure_collection(da, a, "known")
        feed.sync(da, col.id)
        print(f"publish: feed of {args.signals:,} signals built from the bank in {time.perf_counter() - t:.1f} s")
        da.dispose()

        ready = mp.get_context("spawn").Event()
        proc = mp.get_context("spawn").Process(target=_source, args=(str(sa.data_dir), port, ready), daemon=True)
        proc.start()
        ready.wait(60)
        import httpx

        for _ in range(200):
            try:
                httpx.get(url + "/taxii2/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        try:
            rss0 = _rss_mb()
            print(f"before the full sync: {_load()}")
            t, c, cs = time.perf_counter(), cpu_seconds(), _proc_cpu(proc.pid)
            (full,) = transport.pull(dbb, b, "tr-hotline", page_size=args.page)
            wall, cpu, src_cpu = time.perf_counter() - t, cpu_seconds() - c, _proc_cpu(proc.pid) - cs
            print(f"full sync: {full['added']:,} signals in {full['pages']} pages, {wall:.1f} s wall "
                  f"({full['added'] / wall:,.0f} signals/s); receiver {cpu:.1f} CPU-s "
                  f"({cpu / full['added'] * 1e6:.0f} us a signal), source {src_cpu:.1f} CPU-s "
                  f"({src_cpu / full['added'] * 1e6:.0f} us a signal); {_load()}; "
                  f"receiver peak RSS {_rss_mb():.0f} MB (before {rss0:.0f} MB)")

            da = Database.from_settings(sa)
            walls, cpus, src_cpus = [], [], []
            for _ in range(args.incremental_rounds):
                banks.add_entries(da, "known", random_pdq(1000), org_id=a)
                t, c, cs = time.perf_counter(), cpu_seconds(), _proc_cpu(proc.pid)
                (inc,) = transport.pull(dbb, b, "tr-hotline", page_size=args.page)
                walls.append(time.perf_counter() - t)
                cpus.append(cpu_seconds() - c)
                src_cpus.append(_proc_cpu(proc.pid) - cs)
                assert inc["added"] == 1000, inc
            print(f"incremental: 1,000 new signals a pull, {len(walls)} pulls: wall median "
                  f"{statistics.median(walls):.3f} s (min {min(walls):.3f}, max {max(walls):.3f}); "
                  f"receiver median {statistics.median(cpus):.3f} CPU-s, source median "
                  f"{statistics.median(src_cpus):.3f} CPU-s (the source builds the feed of the new entries "
                  f"inside the pull); {_load()}")

            gone = values[0][1]
            banks.remove_entries(da, "known", [gone], org_id=a)
            t = time.perf_counter()
            (dele,) = transport.pull(dbb, b, "tr-hotline", page_size=args.page)
            with dbb.connect() as conn:
                still = conn.execute(select(func.count()).select_from(hash_entries).where(
                    hash_entries.c.value == gone)).scalar()
            print(f"deletion: removed {dele['removed']} in one pull ({time.perf_counter() - t:.3f} s); "
                  f"the receiver's banks hold it {still} times")

            def rows() -> tuple[int, int, int]:
                with dbb.connect() as conn:
                    r = conn.execute(select(func.count()).select_from(exchange_received)).scalar()
                    e = conn.execute(select(func.count()).select_from(hash_entries)).scalar()
                with da.connect() as conn:
                    s = conn.execute(select(func.count()).select_from(exchange_signals)).scalar()
                return int(r), int(e), int(s)

            print(f"before churn: receiver rows {rows()[0]:,}, receiver bank entries {rows()[1]:,}, "
                  f"source feed rows {rows()[2]:,}")
            for round_ in range(args.churn_rounds):
                fresh = random_pdq(10_000)
                banks.add_entries(da, "known", fresh, org_id=a)
                transport.pull(dbb, b, "tr-hotline", page_size=args.page)
                banks.remove_entries(da, "known", [v for _, v in fresh], org_id=a)
                t = time.perf_counter()
                (r,) = transport.pull(dbb, b, "tr-hotline", page_size=args.page)
                rr, ee, ss = rows()
                print(f"churn round {round_ + 1}: +10,000 then -10,000 at the source; receiver rows {rr:,}, "
                      f"bank entries {ee:,}, peak RSS {_rss_mb():.0f} MB; source feed rows {ss:,} "
                      f"(tombstones kept until purged)")
        finally:
            proc.terminate()
            proc.join(10)


if __name__ == "__main__":
    main()
