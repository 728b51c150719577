"""Stream workers under load: one worker process against two, and a `kill -9` in the middle.

Starts `tutela worker` processes, waits until each has loaded its models and joined the
pool, then pushes messages (1 in `--harmful-every` opens a case; spread over
`--conversations` conversations) into the Redis streams and measures messages decided per
second from the first push (wall clock, and per CPU-second of the workers, which is what a
shared machine can still measure fairly), with the CPU per message of the workers, of their
PostgreSQL backends and of the Redis server. The kill run starts two workers,
`kill -9`s one when about a third is decided, starts a replacement, and counts afterwards:
every message decided exactly once (one `stream_messages` row and one logged decision each),
every harmful one with exactly one case.

    python bench/moderate_load_workers.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --redis redis://127.0.0.1:6379/0 --messages 3000

Not a test; numbers go to docs/benchmarks.md with the machine, date and load.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from moderate_load import CONTEXTS, HARMFUL, WORDS, _cpu_seconds, _drop_schema, _pg_schema  # noqa: E402


def _messages(n: int, harmful_every: int, conversations: int, tag: str) -> list[dict]:
    import random

    rnd = random.Random(7)
    out = []
    for i in range(n):
        conv = f"{tag}-c{i % conversations}"
        if harmful_every and i % harmful_every == harmful_every - 1:
            text, ctx = HARMFUL[(i // harmful_every) % len(HARMFUL)]
            ctx = dict(ctx)
        else:
            text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(4, 10))) + f" {i}"
            ctx = dict(CONTEXTS[i % len(CONTEXTS)])
        ctx["sender"] = {**ctx.get("sender", {}), "id": f"u{i % (conversations * 2)}"}
        ctx["conversation_id"] = conv
        out.append({"id": f"{tag}-{i}", "text": text, "context": ctx})
    return out


def _env(data_dir: Path, prefix: str, app: str) -> dict:
    # the workers' PostgreSQL connections carry `app` as application_name, so their backends can be found
    url = os.environ["TUTELA_DATABASE_URL"]
    return {**os.environ, "TUTELA_DATA_DIR": str(data_dir), "TUTELA_STREAM_PREFIX": prefix,
            "TUTELA_EXTERNAL_WORKERS": "1", "TUTELA_DATABASE_URL": f"{url}&application_name={app}"}


def _worker(data_dir: Path, prefix: str, app: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tutela", "worker"], env=_env(data_dir, prefix, app),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _proc_cpu(pid: int) -> float:
    """User+system CPU seconds of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores; /proc/stat, idle and iowait excluded)."""
    vals = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(vals[:8]) - vals[3] - vals[4]) / os.sysconf("SC_CLK_TCK")


def _backends(db, app: str) -> dict[int, float]:
    """The PostgreSQL backends serving the workers (by application_name) and their CPU so far."""
    from sqlalchemy import text

    with db.connect() as conn:
        pids = [int(p) for (p,) in conn.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = :a"),
                                                {"a": app})]
    return {p: _proc_cpu(p) for p in pids}


def _redis_pid(url: str) -> int | None:
    import redis

    try:
        return int(redis.Redis.from_url(url).info("server")["process_id"])
    except Exception:  # noqa: BLE001 - a remote Redis: its CPU is not readable here
        return None


def _count(db, tag: str) -> int:
    from sqlalchemy import func, select

    from tutela.storage.tables.jobs import stream_messages as sm

    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(sm).where(sm.c.message_id.like(f"{tag}-%")))
                   .scalar())


def _run(db, settings, data_dir: Path, org_id: int, args, tag: str, workers: int, kill: bool = False) -> dict:
    from tutela.jobs.broker import RedisBroker
    from tutela.jobs.streams import ingest

    prefix = f"bench{uuid.uuid4().hex[:8]}"
    s = settings.model_copy(update={"stream_prefix": prefix})
    broker = RedisBroker(args.redis)
    msgs = _messages(args.messages, args.harmful_every, args.conversations, tag)
    app = f"tutela-bench-{prefix}"
    procs = [_worker(data_dir, prefix, app) for _ in range(workers)]
    killed_at = None
    first = None
    cpu = 0.0
    pg_before: dict[int, float] = {}
    redis_pid = _redis_pid(args.redis)
    redis_before = 0.0
    try:
        # every worker loaded its models and joined the pool (`StreamWorker.warm_up`), and the
        # partitions were shared out: only then the backlog goes in and the clock starts, so a
        # worker still loading does not count against the others
        up_by = time.monotonic() + args.timeout
        while broker.r.zcard(f"{prefix}:workers") < workers and time.monotonic() < up_by:
            time.sleep(0.2)
        time.sleep(1.0)
        first = (time.monotonic(), 0)
        busy_before = _machine_busy()
        cpu -= sum(_cpu_seconds(p.pid) for p in procs)
        pg_before = _backends(db, app)
        redis_before = _proc_cpu(redis_pid) if redis_pid else 0.0
        for i in range(0, len(msgs), 500):
            ingest(broker, s, org_id, msgs[i:i + 500])
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            n = _count(db, tag)
            if kill and killed_at is None and n >= args.messages // 3:
                cpu += _cpu_seconds(procs[0].pid)  # (the replacement's start-up is counted: it is the cost)
                os.kill(procs[0].pid, signal.SIGKILL)
                procs[0].wait()
                killed_at = n
                procs[0] = _worker(data_dir, prefix, app)  # the orchestrator restarts it
            if n >= args.messages:
                break
            time.sleep(0.25)
        end = time.monotonic()
        cpu += sum(_cpu_seconds(p.pid) for p in procs)
        busy = _machine_busy() - busy_before
        pg_after = _backends(db, app)
        redis_cpu = (_proc_cpu(redis_pid) - redis_before) if redis_pid else None
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    done = _count(db, tag)
    t0, n0 = first or (end, 0)
    out = {"workers": workers, "messages": args.messages, "decided": done,
           "messages_per_s": round((done - n0) / max(end - t0, 1e-3), 1),
           "worker_cpu_s_after_start": round(cpu, 1),
           "messages_per_cpu_s": round((done - n0) / max(cpu, 1e-3), 1),
           "load_average_after": round(os.getloadavg()[0], 1)}
    # CPU per decided message: the workers', their PostgreSQL backends' (a backend that exited
    # before the end, e.g. a killed worker's, is missing), and the whole Redis server's (shared
    # with anything else using it); ms per message
    decided = max(done - n0, 1)
    pg_cpu = sum(c - pg_before.get(p, 0.0) for p, c in pg_after.items())
    out["cpu_ms_per_message"] = {"workers": round(cpu / decided * 1000, 2), "postgres_backends": round(
        pg_cpu / decided * 1000, 2), "redis_server": None if redis_cpu is None else round(redis_cpu / decided * 1000, 2)}
    # how many cores were busy during the run, and how many of them with something else than the
    # workers, their backends and Redis (this script's pushing and counting, and other jobs)
    span = max(end - t0, 1e-3)
    out["cores_busy"] = round(busy / span, 2)
    out["cores_busy_other_than_workers_postgres_redis"] = round((busy - cpu - pg_cpu - (redis_cpu or 0.0)) / span, 2)
    if kill:
        out["killed_after"] = killed_at
    broker.delete_prefix(prefix)
    return out


def _audit(db, tag: str, harmful: int, timeout: float = 600) -> dict:
    """Counts after the outbox drained: nothing lost, nothing twice."""
    from sqlalchemy import func, select

    from tutela.storage.tables.cases import cases
    from tutela.storage.tables.jobs import outbox
    from tutela.storage.tables.jobs import stream_messages as sm
    from tutela.storage.tables.policy import moderation_decisions as md

    t0 = time.monotonic()
    from tutela.config import load_settings
    from tutela.jobs.drainer import drain

    settings = load_settings()
    while time.monotonic() - t0 < timeout:  # what a worker would still do (a killed one's claims run out)
        drain(db, settings)
        with db.connect() as conn:
            if not conn.execute(select(func.count()).select_from(outbox).where(outbox.c.status == "pending")).scalar():
                break
        time.sleep(1)
    with db.connect() as conn:
        ids = select(sm.c.decision_id).where(sm.c.message_id.like(f"{tag}-%"))
        rows = conn.execute(select(func.count()).select_from(sm).where(sm.c.message_id.like(f"{tag}-%"))).scalar()
        distinct = conn.execute(select(func.count(func.distinct(sm.c.message_id)))
                                .where(sm.c.message_id.like(f"{tag}-%"))).scalar()
        logged = conn.execute(select(func.count()).select_from(md).where(md.c.decision_id.in_(ids))).scalar()
        keys = [f"case:{d}" for (d,) in conn.execute(ids)]
        case_jobs = conn.execute(select(func.count()).select_from(outbox).where(outbox.c.key.in_(keys))).scalar()
        from tutela.storage.tables.cases import idempotency_keys as ik

        # one report per case decision (intake may merge reports of the same text into one case)
        reports = conn.execute(select(func.count()).select_from(ik).where(
            ik.c.key.in_([k.split(":", 1)[1] for k in keys]))).scalar()
        pending = conn.execute(select(func.count()).select_from(outbox).where(outbox.c.status != "done")).scalar()
        n_cases = conn.execute(select(func.count()).select_from(cases)).scalar()
        with_case = sum(1 for (r,) in conn.execute(select(md.c.case_refs).where(md.c.decision_id.in_(ids))) if r)
    return {"stream_messages_rows": rows, "distinct_messages": distinct, "decisions_logged": logged,
            "case_decisions_in_outbox": case_jobs, "outbox_not_done": pending, "cases_in_db": n_cases,
            "reports_for_case_decisions": reports,
            "decisions_with_their_case": with_case, "harmful_pushed": harmful,
            "nothing_lost_nothing_twice": rows == distinct == logged and case_jobs == reports == with_case
            and not pending, "drained_after_s": round(time.monotonic() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postgres", required=True)
    ap.add_argument("--redis", required=True)
    ap.add_argument("--messages", type=int, default=3000)
    ap.add_argument("--harmful-every", type=int, default=32)
    ap.add_argument("--conversations", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--only", choices=["scale", "kill", "all"], default="all")
    args = ap.parse_args()
    schema, url = _pg_schema(args.postgres)
    os.environ["TUTELA_DATABASE_URL"] = url
    os.environ["TUTELA_REDIS_URL"] = args.redis
    result: dict = {}
    try:
        with tempfile.TemporaryDirectory(prefix="tutela-bench-") as tmp:
            data_dir = Path(tmp)
            os.environ["TUTELA_DATA_DIR"] = str(data_dir)
            from tutela.access import create_org
            from tutela.config import load_settings
            from tutela.storage.db import Database

            settings = load_settings(data_dir=data_dir)
            db = Database(url, settings=settings)
            db.create_all()
            org_id = create_org(db, "bench-platform", country="TR")
            harmful = args.messages // args.harmful_every if args.harmful_every else 0
            if args.only in ("scale", "all"):
                result["one_worker"] = _run(db, settings, data_dir, org_id, args, "one", 1)
                result["two_workers"] = _run(db, settings, data_dir, org_id, args, "two", 2)
                result["two_over_one_wall"] = round(result["two_workers"]["messages_per_s"]
                                                    / max(result["one_worker"]["messages_per_s"], 1e-3), 2)
            if args.only in ("kill", "all"):
                result["kill_9"] = _run(db, settings, data_dir, org_id, args, "kill", 2, kill=True)
                result["kill_9"]["counts"] = _audit(db, "kill", harmful)
            db.dispose()
    finally:
        _drop_schema(args.postgres, schema)
    result.update({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                   "machine": f"{os.cpu_count()} cores, shared with parallel jobs"})
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
