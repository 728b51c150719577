"""Oversight at scale: metrics, register and the dashboard with a million cases in PostgreSQL.

    python bench/oversight_scale.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test --cases 1000000

1. a fresh schema; a synthetic history of `--cases` cases (reports, referrals, appeals, notices,
   decisions; `tutela.oversight.synthetic`) written with bulk inserts in chunks;
2. the first rollup (`rollup.refresh` over every case: what an existing database pays once);
3. the read path, repeated: `metrics` with no filter (with the kept answers cleared before each call:
   the first question after a change; and kept), with platform + period, with category + country +
   language; `register` (overdue, a platform); the whole `/oversight` page for a regulator (signed
   in, through the ASGI app); median and 95th percentile wall time, CPU per call in Python and in
   the bench's own PostgreSQL backends (read from /proc: the server is local), the load average;
4. an incremental refresh after 1,000 cases change (referrals answered), and its cost per case.

`--keep` leaves the schema (and `--schema NAME` reuses one) so the read path can be measured again
without writing the history again. Prints JSON; copy it into docs/benchmarks.md with the machine,
date and load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tutela.access import Principal
from tutela.config import Settings
from tutela.oversight import cache, measures, register, rollup, synthetic
from tutela.storage.db import Database
from tutela.storage.tables.cases import referrals
from tutela.storage.times import utc_now


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


APP_NAME = "tutela-oversight-bench"


def pg_cpu(db: Database) -> float | None:
    """CPU seconds used so far by this bench's PostgreSQL backends (the server is local: /proc), or None."""
    try:
        with db.connect() as conn:
            pids = list(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = :a"),
                                     {"a": APP_NAME}).scalars())
        total = 0
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def timed(fn, repeat: int, db: Database | None = None) -> dict[str, float | None]:
    """Median and 95th percentile wall time of `repeat` calls, and CPU per call: this process
    (Python) and, for PostgreSQL, the bench's own backends."""
    walls = []
    c0, p0 = cpu(), (pg_cpu(db) if db is not None else None)
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t)
    c1, p1 = cpu(), (pg_cpu(db) if db is not None else None)
    walls.sort()
    p95 = walls[min(len(walls) - 1, max(0, -(-95 * len(walls) // 100) - 1))]
    return {"p50_ms": round(statistics.median(walls) * 1000, 1), "p95_ms": round(p95 * 1000, 1),
            "min_ms": round(walls[0] * 1000, 1), "max_ms": round(walls[-1] * 1000, 1),
            "py_cpu_ms": round((c1 - c0) / repeat * 1000, 1),
            "pg_cpu_ms": round((p1 - p0) / repeat * 1000, 1) if p0 is not None and p1 is not None else None,
            "load_1m": round(os.getloadavg()[0], 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg-url", default=os.environ.get("TUTELA_TEST_POSTGRES_URL",
                                                       "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--decisions-per-case", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--schema", default=None, help="reuse this schema (skips writing the history)")
    ap.add_argument("--keep", action="store_true", help="leave the schema for another run")
    ap.add_argument("--rebuild", action="store_true", help="with --schema: time the first rollup again from nothing")
    ap.add_argument("--reads-only", action="store_true", help="skip the incremental refresh at the end")
    ap.add_argument("--load-only", action="store_true", help="write the history and stop (implies --keep)")
    args = ap.parse_args()

    schema = args.schema or f"bench_oversight_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg_url)
    fresh = args.schema is None
    if fresh:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in args.pg_url else "?"
    data_dir = Path(tempfile.mkdtemp(prefix="oversight-bench-"))
    settings = Settings(data_dir=data_dir, secret_key="bench-secret", database_url=None)
    db = Database(f"{args.pg_url}{sep}options=-csearch_path%3D{schema}&application_name={APP_NAME}",
                  settings=settings)
    out: dict[str, object] = {"cases": args.cases, "schema": schema}
    try:
        if fresh:
            db.create_all()
        world = synthetic.make_orgs(db, prefix="Bench")
        if fresh:
            t, c = time.perf_counter(), cpu()
            start = utc_now() - timedelta(days=args.days + 1)  # a history that ends before now
            written = synthetic.load(db, world, n_cases=args.cases, start=start, days=args.days, chunk=20_000,
                                     decisions_per_case=args.decisions_per_case)
            out["load"] = {"rows": written, "wall_s": round(time.perf_counter() - t, 1),
                           "cpu_s": round(cpu() - c, 1)}
            print(json.dumps(out["load"]), file=sys.stderr, flush=True)
            if args.load_only:
                with db.begin() as conn:
                    conn.execute(text("ANALYZE"))
                print(json.dumps(out, indent=2))
                return
        if args.rebuild or not rollup.has_run(db):
            t, c, p = time.perf_counter(), cpu(), pg_cpu(db)
            load0 = os.getloadavg()
            counts = rollup.rebuild(db) if args.rebuild else rollup.refresh(db)
            wall = time.perf_counter() - t
            p1 = pg_cpu(db)
            out["first_rollup"] = {"counts": counts, "wall_s": round(wall, 1), "py_cpu_s": round(cpu() - c, 1),
                                   "pg_cpu_s": round(p1 - p, 1) if p is not None and p1 is not None else None,
                                   "cases_per_wall_s": round(counts["cases"] / wall),
                                   "load_before": load0, "load_after": os.getloadavg()}
            print(json.dumps(out["first_rollup"]), file=sys.stderr, flush=True)
        rollup.refresh(db)  # as a running server keeps it: current, with a version
        with db.connect() as conn:
            out["rollup_rows"] = conn.execute(text("SELECT count(*) FROM oversight_rollup")).scalar()
            out["case_rows"] = conn.execute(text("SELECT count(*) FROM cases")).scalar()
            conn.execute(text("ANALYZE"))
        reg = Principal(world.regulator, "Bench Regulator", frozenset({"oversight"}), role="regulator", user_id=1)
        plat = Principal(world.platforms[1], "Bench Platform B", frozenset({"oversight"}), key_id="bench")
        last = utc_now() - timedelta(days=30)
        period_from, period_to = (last - timedelta(days=60)).strftime("%Y-%m"), last.strftime("%Y-%m")
        def uncached(fn):
            def run():
                cache.clear()  # the sums from the rollups, as the first question after a change
                return fn()
            return run

        reads = {
            "metrics_all_uncached": uncached(lambda: measures.metrics(db, reg)),
            "metrics_all": lambda: measures.metrics(db, reg),
            "metrics_platform_quarter": lambda: measures.metrics(
                db, reg, measures.Filters(platform=world.platforms[2], month_from=period_from, month_to=period_to)),
            "metrics_category_country_language": lambda: measures.metrics(
                db, reg, measures.Filters(category="sexual_exploitation", country="TR", language="tr")),
            "metrics_as_platform": lambda: measures.metrics(db, plat),
            "register_overdue": lambda: register.register(db, reg, register.RegisterFilters(status="overdue")),
            "register_as_platform": lambda: register.register(db, plat),
        }
        out["reads"] = {name: timed(fn, args.repeat, db) for name, fn in reads.items()}
        out["dashboard"] = dashboard(db, settings, world, args.repeat)
        if args.reads_only:
            out["load_average"] = os.getloadavg()
            print(json.dumps(out, indent=2))
            return
        # incremental: 1,000 referrals answered now
        now = utc_now()
        with db.begin() as conn:
            ids = list(conn.execute(select(referrals.c.id).where(referrals.c.acknowledged_at.is_(None))
                                    .limit(1000)).scalars())
            conn.execute(update(referrals).where(referrals.c.id.in_(ids)).values(
                status="acknowledged", acknowledged_at=referrals.c.sent_at + timedelta(hours=5), updated_at=now))
        t, c = time.perf_counter(), cpu()
        counts = rollup.refresh(db)
        out["incremental_refresh"] = {"changed_referrals": len(ids), "counts": counts,
                                      "wall_s": round(time.perf_counter() - t, 2), "cpu_s": round(cpu() - c, 2)}
        t = time.perf_counter()
        rollup.refresh(db)
        out["idle_refresh_ms"] = round((time.perf_counter() - t) * 1000, 1)
        out["load_average"] = os.getloadavg()
    finally:
        db.dispose()
        if not (args.keep or args.load_only):
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    print(json.dumps(out, indent=2))


def dashboard(db: Database, settings: Settings, world: synthetic.World, repeat: int) -> dict[str, object]:
    """The whole page for a signed-in regulator, through the app (template, charts, register)."""
    from fastapi.testclient import TestClient

    from tutela.access.people import create_user
    from tutela.api.app import create_app

    email = f"reg-{uuid.uuid4().hex[:6]}@bench.example"
    create_user(db, "Bench Regulator", email, "a long bench password", "regulator")
    with TestClient(create_app(settings, db)) as client:
        page = client.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"csrf_token": token, "email": email, "password": "a long bench password"})
        rollup.refresh_if_stale(db, wait=True)
        res = {}
        for name, params, clear in (("all_uncached", {}, True), ("all", {}, False),
                                    ("fa_category_uncached", {"lang": "fa", "category": "trafficking", "country": "TR"},
                                     True)):
            status = []

            def get(params=params, status=status, clear=clear) -> None:
                if clear:
                    cache.clear()
                r = client.get("/oversight", params=params)
                status.append(r.status_code)

            res[name] = timed(get, repeat, db)
            res[name]["status"] = sorted(set(status))
    return res


if __name__ == "__main__":
    main()
