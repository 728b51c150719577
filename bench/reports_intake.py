"""Intake benchmark: sustained reports/s through the HTTP API, then a kill -9 mid-load.

    python bench/reports_intake.py --db sqlite --seconds 20
    python bench/reports_intake.py --db postgres --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test

For each database it:
1. starts `tutela serve` (uvicorn, `--workers`) on a fresh data dir / schema,
2. runs an asyncio + httpx load generator on loopback for `--seconds` and
   reports acknowledged (201) reports per second,
3. starts the load again, kills the whole server process group with SIGKILL
   after `--kill-after` seconds, restarts the server, and checks that every
   reference code it had acknowledged is in the database (zero lost) and that
   the audit chain still verifies.

Test data is invented (example.com URLs, neutral texts). Results are printed
as JSON; copy them into docs/benchmarks.md with the machine and date.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

CATEGORIES = [
    "cyberbullying",
    "fraud",
    "privacy",
    "bullying",
    "scam",
    "asking_for_photos",
    "upsetting_content",
]
TEXTS = [
    "they keep posting mean comments about me under every photo",
    "a message says I won a prize and asks for my password",
    "someone shared my school and phone number in a group",
    "an account I do not know keeps sending me messages",
    "a video in my feed showed something violent and scary",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_env(data_dir: Path, db_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["TUTELA_DATA_DIR"] = str(data_dir)
    env["TUTELA_SECOND_STAGE"] = "false"
    env.pop("TUTELA_CONFIG", None)
    if db_url:
        env["TUTELA_DATABASE_URL"] = db_url
    else:
        env.pop("TUTELA_DATABASE_URL", None)
    return env


def setup_org(env: dict[str, str]) -> str:
    """Create the organisation and key in a child process, with the same settings the server uses."""
    code = (
        "from tutela.config import load_settings; from tutela.storage.db import Database;"
        "from tutela.access import create_org, create_key; s=load_settings(); s.ensure_data_dir();"
        "db=Database(s.effective_database_url); db.create_all(); create_org(db, 'Bench Platform');"
        "print(create_key(db, 'Bench Platform', ['reports', 'cases']))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


SERVER_CMD = "tutela"  # set from --server


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    if SERVER_CMD == "tutela":
        cmd = [sys.executable, "-m", "tutela", "serve", "--port", str(port), "--workers", str(workers)]
    else:  # uvicorn directly, without per-request access logging
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "tutela.api.asgi:app",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    kill(proc)
    raise RuntimeError("server did not start within 60 s")


def session_cpu_seconds(sid: int) -> float:
    """User + system CPU of every live process in the server's session (the server and its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # field 6 (session id), counted after the command name
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def report_body(rng: random.Random) -> dict:
    n = rng.randrange(1_000_000)
    return {
        "category": rng.choice(CATEGORIES),
        "description": rng.choice(TEXTS),
        # one in ten reports repeats an earlier URL, so deduplication is exercised too
        "urls": [f"https://social.example.com/post/{n % 500 if n % 10 == 0 else uuid.uuid4().hex}"],
        "country": rng.choice(["TR", "AZ", "IR", "FR"]),
        "reporter_kind": "platform",
        "good_faith": True,
        "notifier": {"name": "Bench Platform trust and safety", "email": "notices@platform.example"},
    }


async def load(
    port: int, key: str, seconds: float, concurrency: int, acked: list[str], stop: asyncio.Event | None = None
) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    errors = {"http": 0, "conn": 0}
    latencies: list[float] = []
    t_end = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30) as client:

        async def worker(wid: int) -> None:
            rng = random.Random(wid)
            while time.perf_counter() < t_end and not (stop and stop.is_set()):
                t0 = time.perf_counter()
                try:
                    r = await client.post(
                        "/v1/reports",
                        json=report_body(rng),
                        headers=headers | {"Idempotency-Key": uuid.uuid4().hex},
                    )
                except httpx.HTTPError:
                    errors["conn"] += 1
                    if stop is not None:
                        await asyncio.sleep(0.05)
                    continue
                if r.status_code == 201:
                    acked.append(r.json()["reference_code"])
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors["http"] += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - t0
    latencies.sort()
    pct = (
        (lambda q: round(latencies[int(q * (len(latencies) - 1))] * 1000, 1))
        if latencies
        else (lambda q: None)
    )
    return {
        "acknowledged": len(acked),
        "seconds": round(elapsed, 2),
        "reports_per_s": round(len(acked) / elapsed, 1),
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
        "errors": errors,
    }


def client_cpu_seconds() -> float:
    """This process plus finished children (wrk), user + system."""
    own = os.times()
    return own.user + own.system + own.children_user + own.children_system


def wrk_load(port: int, key: str, seconds: float, concurrency: int) -> dict:
    """Sustained load from wrk (C, two threads): far less CPU than a Python client on a 2-core machine."""
    script = Path(__file__).with_suffix(".lua")
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{concurrency}",
            f"-d{int(seconds)}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
            "--",
            key,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT"))
    created, other, p50, p99, duration = line.split()[1:]
    errors = [x[6:] for x in out.stdout.splitlines() if x.startswith("ERROR")]
    return {
        "client": "wrk",
        "acknowledged": int(created),
        "error_samples": errors,
        "seconds": round(float(duration), 2),
        "reports_per_s": round(int(created) / float(duration), 1),
        "p50_ms": float(p50),
        "p99_ms": float(p99),
        "errors": {"http": int(other)},
    }


def count_present(env: dict[str, str], codes: list[str]) -> tuple[int, str]:
    """How many of `codes` are in the database, and the audit verification, read in a fresh process."""
    code = "\n".join(
        [
            "import json, sys",
            "from sqlalchemy import select",
            "from tutela.config import load_settings",
            "from tutela.storage.db import Database",
            "from tutela.storage.tables.cases import reports",
            "from tutela.cases.audit import verify",
            "db = Database.from_settings(load_settings())",
            "want = set(json.load(sys.stdin))",
            "with db.connect() as c:",
            "    have = set(c.execute(select(reports.c.reference_code)).scalars())",
            "print(json.dumps([len(want & have), str(verify(db))]))",
        ]
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, input=json.dumps(codes), capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"checking the database failed:\n{out.stderr}")
    present, audit = json.loads(out.stdout.strip().splitlines()[-1])
    return present, audit


def pg_schema_url(base: str) -> str:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    eng = create_engine(base)
    with eng.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def run_one(kind: str, args: argparse.Namespace) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix=f"tutela-bench-{kind}-"))
    db_url = pg_schema_url(args.pg_url) if kind == "postgres" else None
    env = make_env(data_dir, db_url)
    key = setup_org(env)
    port = free_port()
    result: dict = {"db": kind, "workers": args.workers, "concurrency": args.concurrency}

    proc = start_server(env, port, args.workers)
    try:
        asyncio.run(load(port, key, 2, args.concurrency, []))  # warm-up: imports, models, connections
        sustained: list[str] = []
        cpu0, own0 = session_cpu_seconds(proc.pid), client_cpu_seconds()
        if args.client == "wrk":
            result["sustained"] = wrk_load(port, key, args.seconds, args.concurrency)
            n = result["sustained"]["acknowledged"]
        else:
            result["sustained"] = asyncio.run(load(port, key, args.seconds, args.concurrency, sustained))
            n = len(sustained)
        server_ms = (session_cpu_seconds(proc.pid) - cpu0) * 1000 / max(1, n)
        client_ms = (client_cpu_seconds() - own0) * 1000 / max(1, n)
        result["cpu_ms_per_report"] = {"server": round(server_ms, 2), "load_generator": round(client_ms, 2)}
        # what two cores would sustain if server and load generator had them to themselves
        result["implied_reports_per_s_on_2_idle_cores"] = round(2000 / (server_ms + client_ms), 1)
        result["load_average_1min"] = os.getloadavg()[0]
    finally:
        kill(proc)

    # kill -9 mid-load, restart, check that nothing acknowledged was lost
    proc = start_server(env, port, args.workers)
    acked: list[str] = []
    asyncio.run(load(port, key, 1, 4, acked))  # warm the restarted workers; these count as acknowledged

    async def crash() -> dict:
        stop = asyncio.Event()
        task = asyncio.create_task(load(port, key, args.kill_after + 3, args.concurrency, acked, stop))
        await asyncio.sleep(args.kill_after)
        await asyncio.to_thread(kill, proc)
        await asyncio.sleep(0.5)
        stop.set()
        return await task

    crash_stats = asyncio.run(crash())
    proc = start_server(env, port, args.workers)
    try:
        present, audit = count_present(env, acked + sustained)
        status = (
            httpx.get(f"http://127.0.0.1:{port}/v1/reports/{acked[-1]}/status", timeout=10).status_code
            if acked
            else None
        )
    finally:
        kill(proc)
    result["kill9"] = {
        "acknowledged_before_kill": len(acked),
        "present_after_restart": present - len(sustained),
        "lost": len(acked) + len(sustained) - present,
        "last_ack_status_http": status,
        "audit": audit,
        "load": crash_stats,
    }
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument(
        "--pg-url",
        default=os.environ.get(
            "TUTELA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--kill-after", type=float, default=4)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--client",
        choices=["wrk", "python"],
        default="wrk" if shutil.which("wrk") else "python",
        help="load generator for the sustained phase (the kill -9 phase always uses Python)",
    )
    ap.add_argument(
        "--server",
        choices=["tutela", "uvicorn"],
        default="tutela",
        help="`tutela serve` (access log on) or uvicorn directly without the access log",
    )
    args = ap.parse_args()
    global SERVER_CMD
    SERVER_CMD = args.server
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for kind in kinds:
        print(json.dumps(run_one(kind, args), indent=2), flush=True)


if __name__ == "__main__":
    main()
