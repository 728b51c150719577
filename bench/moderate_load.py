"""Load test for `POST /v1/moderate` (text messages) on loopback.

Starts `tutela serve` (N workers, a listening socket each, httptools + uvloop,
access log off; `--shared-socket`: uvicorn's worker mode on one socket) on a fresh data dir, creates an organisation and a
`moderate` key, then drives it with `wrk` (a Lua script that POSTs a rotating
set of chat messages with child/adult contexts) and prints requests/s,
latency percentiles and errors. Falls back to a Python asyncio generator
(`--tool python`) where wrk is not installed (`apt-get install wrk`).

    python bench/moderate_load.py --duration 20 --connections 64 --workers 2

Scale-out (issue 15): `--postgres URL` runs against PostgreSQL (a fresh schema, dropped after),
`--external-worker` starts one `tutela worker` beside the server (the server then only commits
the decision and its outbox row), and `--compare` measures the all-ordinary run and the
1-in-`--harmful-every` run back to back on the same server, then waits for the outbox to empty
and counts decisions, outbox rows and cases (nothing lost, nothing twice).

Short and bounded on purpose: the machine is shared. Not a test: numbers go
to docs/benchmarks.md with the machine and date.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: Everyday chat words in the five languages (written for this bench). The first version drew every
#: sentence from one list of all five languages' words (`WORDS`, `--mixed-languages` keeps it): a word
#: salad no one writes, which the language identifier and the romanisation step misread, and with five
#: Persian words, nearly every Persian-heavy salad said "school ..." (a partial personal-information
#: match, so an uncertain score the cascade sends to the semantic stage whoever is writing). By default
#: now a message is in one language, 4 to 10 words from that language's ~25.
LANG_WORDS = {
    "en": "did you finish the maths homework see you tomorrow at school lets play minecraft tonight what time is "
          "practice ok sure lol mum says dinner bus late match won nice game haha later call me after",
    "tr": "ödevi bitirdin mi yarın okulda görüşürüz maç akşam sinema tamam olur haha annem yemek çağırıyor "
          "otobüs geç kaldı oyun güzeldi sonra ararım hadi gel",
    "az": "tapşırığı sabah məktəbdə görüşək oyun tamam yaxşı anam çağırır yemək avtobus gecikdi oyun gözəl idi "
          "sonra zəng edərəm gəl gedək axşam",
    "fa": "تکلیف ریاضی فردا مدرسه بازی باشه حتما مامانم صدام میکنه شام اتوبوس دیر کرد بازی خوب بود بعدا "
          "زنگ میزنم بیا بریم امشب فیلم",
    "ru": "фильм завтра школе домашку играем вечером ладно хорошо мама зовёт ужинать автобус опоздал игра "
          "классная потом позвоню давай пошли сегодня",
}
#: The first version's word list, drawn from as one (`--mixed-languages`; also `bench/moderate_load_workers.py`).
WORDS = (
    "did you finish the maths homework see you tomorrow at school lets play minecraft tonight what time is "
    "practice ödevi bitirdin mi yarın okulda görüşürüz maç akşam sinema tapşırığı sabah məktəbdə görüşək "
    "oyun تکلیف ریاضی فردا مدرسه بازی фильм завтра школе домашку играем вечером"
).split()
#: The first mix of this bench (`--mix quarter`): a quarter of the messages adult-to-minor.
CONTEXTS = [
    {"sender": {"age": 12}, "recipient": {"age": 12}, "connected": True, "channel": "dm"},
    {"sender": {"age": 15}, "recipient": {"age": 14}, "connected": True, "country": "TR"},
    {"sender": {"age": 34}, "recipient": {"age": 13}, "connected": False, "country": "AZ"},
    {"sender": {"age": 30}, "recipient": {"age": 31}, "connected": True},
]


def _realistic() -> list[dict]:
    """40 contexts in the proportions of a platform that knows its users' ages and sends them: most
    chat is between adults or between children; a minority goes from adults to minors (3 in 40,
    7.5 %), which the detection cascade must send to the semantic stage (issue 12)."""
    adult_adult = [{"sender": {"age": 20 + i}, "recipient": {"age": 25 + i % 7}, "connected": i % 4 != 0}
                   for i in range(18)]
    minor_minor = [{"sender": {"age": 11 + i % 6}, "recipient": {"age": 12 + i % 5}, "connected": True,
                    "channel": "dm" if i % 2 else "group", "country": "TR" if i % 3 == 0 else None}
                   for i in range(15)]
    minor_adult = [{"sender": {"age": 14 + i}, "recipient": {"age": 38 + i}, "connected": True} for i in range(4)]
    adult_minor = [{"sender": {"age": 34 + i}, "recipient": {"age": 13 + i}, "connected": i == 0, "country": "AZ"}
                   for i in range(3)]
    mix = adult_adult + minor_minor + minor_adult + adult_minor
    # interleave, so every stretch of requests has the same proportions
    order = sorted(range(len(mix)), key=lambda k: (k * 17) % len(mix))
    return [{k: v for k, v in mix[k].items() if v is not None} for k in order]


#: `--mix`: who writes to whom. `realistic` (default): ages known, 7.5 % adult-to-minor;
#: `quarter`: the first mix, 25 % adult-to-minor; `unknown-ages`: no ages at all (a platform that
#: sends none, so the cascade must treat every message as possibly adult-to-minor).
MIXES = {
    "realistic": _realistic(),
    "quarter": CONTEXTS,
    "unknown-ages": [{"connected": True}, {"channel": "dm"}, {"country": "TR"}, {}],
}
#: Harmful messages (about 1 request in `--harmful-every`): they fire rules, nudges and open cases.
HARMFUL = [
    ("don't tell your mom about us, it's our little secret", {"sender": {"age": 34}, "recipient": {"age": 12}}),
    ("you are an ugly loser and nobody likes you", {"sender": {"age": 14}, "recipient": {"age": 13}}),
    ("my number is +90 532 123 45 67, text me", {"sender": {"age": 11}, "recipient": {"age": 30}}),
]
MESSAGES = [(" ".join(WORDS[i:i + 6]), CONTEXTS[i % len(CONTEXTS)]) for i in range(0, 40, 6)] + HARMFUL

LUA = """
local langs = {%s}
local contexts = {%s}
local harmful = {%s}
local harmful_every = %d
local i = 0
math.randomseed(%d)
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %s"}
request = function()
  i = i + 1
  local body
  if harmful_every > 0 and i %% harmful_every == 0 then
    body = harmful[(i / harmful_every) %% #harmful + 1]
  else
    local words = langs[math.random(#langs)]
    local n = math.random(4, 10)
    local t = {}
    for k = 1, n do t[k] = words[math.random(#words)] end
    body = '{"text": "' .. i .. " " .. table.concat(t, " ") .. '", "context": ' .. contexts[i %% #contexts + 1] .. '}'
  end
  return wrk.format("POST", "/v1/moderate", headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("JSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"p50_us\\": %%d, \\"p90_us\\": %%d, " ..
    "\\"p99_us\\": %%d, \\"max_us\\": %%d, \\"connect\\": %%d, \\"read\\": %%d, \\"write\\": %%d, \\"status\\": %%d, " ..
    "\\"timeout\\": %%d}\\n", summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def word_lists(mixed_languages: bool = False) -> list[list[str]]:
    """The vocabularies a message draws its words from: one language each, or the old single salad."""
    return [WORDS] if mixed_languages else [w.split() for w in LANG_WORDS.values()]


def message(rnd: Any, i: int, contexts: list[dict], harmful_every: int, lists: list[list[str]]) -> tuple[str, dict]:
    """The i-th message (1-based) the load sends, as the Lua script makes it: 1 in `harmful_every` harmful,
    else the counter and a fresh random sentence in one language, with the i-th context of the mix. The
    counter (which makes every text unique, so nothing can come from a cache) goes first: after the last
    word it made "... школе 425" a school number, a personal-information match no chat message has."""
    if harmful_every and i % harmful_every == 0:
        return HARMFUL[(i // harmful_every) % len(HARMFUL)]
    words = rnd.choice(lists)
    text = f"{i} " + " ".join(rnd.choice(words) for _ in range(rnd.randint(4, 10)))
    return text, contexts[i % len(contexts)]


def _bodies() -> list[str]:
    return [json.dumps({"text": t, "context": c}) for t, c in MESSAGES]


def _cpu_seconds(pid: int) -> float:
    """User+system CPU of a process and its children (the uvicorn workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def _threads_cpu(pid: int) -> dict[int, dict[int, float]]:
    """CPU seconds of every thread of the server's worker processes (children of `pid`), by worker and
    thread id: the worker's main thread is its event loop, its busiest other thread the semantic stage's."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, dict[int, float]] = {}
    try:
        workers = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return out
    for w in workers:
        try:
            tids = [int(t) for t in os.listdir(f"/proc/{w}/task")]
        except OSError:
            continue
        for t in tids:
            try:
                fields = Path(f"/proc/{w}/task/{t}/stat").read_text().rsplit(")", 1)[1].split()
                out.setdefault(w, {})[t] = (int(fields[11]) + int(fields[12])) / tick
            except (OSError, IndexError, ValueError):
                pass
    return out


def _threads_split(before: dict[int, dict[int, float]], after: dict[int, dict[int, float]], requests: int) -> dict:
    """ms of CPU a request, summed over the workers: event loops (main threads), the busiest other thread of
    each worker (the semantic thread under `auto`), and every other thread (decision log, outbox, pool)."""
    loop = busiest = rest = 0.0
    for w, threads in after.items():
        used = {t: c - before.get(w, {}).get(t, 0.0) for t, c in threads.items()}
        loop += used.pop(w, 0.0)
        if used:
            top = max(used.values())
            busiest += top
            rest += sum(used.values()) - top
    n = max(1, requests)
    per_worker = sorted(sum(c - before.get(w, {}).get(t, 0.0) for t, c in threads.items()) for w, threads in after.items())
    return {"event_loops": round(loop * 1000 / n, 3), "busiest_other_threads": round(busiest * 1000 / n, 3),
            "other_threads": round(rest * 1000 / n, 3),
            "workers_cpu_s": [round(c, 2) for c in per_worker]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup(data_dir: Path) -> str:
    os.environ["TUTELA_DATA_DIR"] = str(data_dir)
    from tutela.access import create_key, create_org
    from tutela.config import load_settings
    from tutela.storage.db import Database

    if os.environ.get("TUTELA_DATABASE_URL"):
        db = Database(os.environ["TUTELA_DATABASE_URL"], settings=load_settings(data_dir=data_dir))
        db.create_all()
    else:
        db = Database.from_settings(load_settings(data_dir=data_dir))
    create_org(db, "bench-platform", country="TR")
    key = create_key(db, "bench-platform", ["moderate"])
    db.dispose()
    return key


def _pg_schema(url: str) -> tuple[str, str]:
    """A fresh schema on the PostgreSQL at `url`: (its name, a URL whose search_path is it)."""
    import uuid

    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    return schema, f"{url}{sep}options=-csearch_path%3D{schema}"


def _drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _start_worker(data_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "TUTELA_DATA_DIR": str(data_dir)}
    return subprocess.Popen([sys.executable, "-m", "tutela", "worker", "--no-streams"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _counts(data_dir: Path, timeout: float = 300) -> dict:
    """Wait for the outbox to empty, then count what the run left behind."""
    from sqlalchemy import func, select

    from tutela.config import load_settings
    from tutela.storage.db import Database
    from tutela.storage.tables.cases import cases
    from tutela.storage.tables.jobs import outbox
    from tutela.storage.tables.policy import moderation_decisions as md

    url = os.environ.get("TUTELA_DATABASE_URL") or f"sqlite:///{data_dir / 'tutela.sqlite3'}"
    db = Database(url, settings=load_settings(data_dir=data_dir))
    t0 = time.monotonic()
    with db.connect() as conn:
        while time.monotonic() - t0 < timeout:
            left = conn.execute(select(func.count()).select_from(outbox).where(outbox.c.status == "pending")).scalar()
            conn.commit()
            if not left:
                break
            time.sleep(0.5)
        out = {
            "drained_after_s": round(time.monotonic() - t0, 1),
            "decisions_logged": conn.execute(select(func.count()).select_from(md)).scalar(),
            "outbox_rows": conn.execute(select(func.count()).select_from(outbox)).scalar(),
            "outbox_done": conn.execute(select(func.count()).select_from(outbox)
                                        .where(outbox.c.status == "done")).scalar(),
            "cases": conn.execute(select(func.count()).select_from(cases)).scalar(),
            "decisions_with_a_case": sum(1 for (refs,) in conn.execute(select(md.c.case_refs)) if refs),
        }
    db.dispose()
    out["nothing_lost_nothing_twice"] = out["outbox_rows"] == out["outbox_done"] == out["cases"] \
        == out["decisions_with_a_case"]
    return out


def _start(data_dir: Path, port: int, workers: int, shared_socket: bool = False) -> subprocess.Popen:
    """`tutela serve` (a listening socket per worker, api/listeners.py), or with `shared_socket` uvicorn's own
    worker mode on one socket, as `tutela serve` ran before 2026-12-07."""
    # TUTELA_WORKERS as `tutela serve --workers N` sets it: where the semantic stage runs follows from it
    env = {**os.environ, "TUTELA_DATA_DIR": str(data_dir), "TUTELA_WORKERS": str(workers)}
    if not shared_socket:
        cmd = [sys.executable, "-m", "tutela", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]
        return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cmd = [sys.executable, "-m", "uvicorn", "tutela.api.asgi:app", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--http", "httptools", "--loop", "uvloop", "--no-access-log",
           "--log-level", "warning"]
    return subprocess.Popen(cmd, env=env)


def _wait(port: int, key: str, timeout: float = 300) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            # warm every worker: models and the policy load lazily on the first request
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
                for body in _bodies() * 20:
                    r = c.post("/v1/moderate", content=body,
                               headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
                    r.raise_for_status()
            return
        except (httpx.TransportError, httpx.HTTPStatusError):
            time.sleep(0.3)
    raise RuntimeError("server did not come up")


def _lua(key: str, harmful_every: int, contexts: list[dict], lists: list[list[str]]) -> str:
    def q(x: str) -> str:
        return "[[" + x + "]]"

    return LUA % (
        ", ".join("{" + ", ".join(q(w) for w in words) + "}" for words in lists),
        ", ".join(q(json.dumps(c)) for c in contexts),
        ", ".join(q(json.dumps({"text": t, "context": c})) for t, c in HARMFUL),
        harmful_every, 7, key,
    )


def run_wrk(port: int, key: str, duration: int, connections: int, threads: int, harmful_every: int,
            contexts: list[dict], lists: list[list[str]]) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(_lua(key, harmful_every, contexts, lists))
        script = fh.name
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s", "--latency", "-s", script,
           f"http://127.0.0.1:{port}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    os.unlink(script)
    m = re.search(r"^JSON (\{.*\})$", out, re.M)
    assert m, out
    raw = json.loads(m.group(1))
    errors = raw["connect"] + raw["read"] + raw["write"] + raw["status"] + raw["timeout"]
    return {
        "tool": f"wrk -t{threads} -c{connections} -d{duration}s --timeout 10s --latency, Lua POST script: a fresh random "
                f"sentence per request, 1 in {harmful_every or 'no'} harmful",
        "requests": raw["requests"], "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": raw["p50_us"] / 1000, "p90_ms": raw["p90_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000, "errors": errors, "non_2xx": raw["status"], "raw_output": out,
    }


async def _py_load(port: int, key: str, duration: int, connections: int, harmful_every: int,
                   contexts: list[dict], lists: list[list[str]]) -> dict:
    import random

    import httpx

    rnd = random.Random(7)
    bodies = [json.dumps(dict(zip(("text", "context"), message(rnd, i, contexts, harmful_every, lists),
                                  strict=True))) for i in range(1, 4097)]
    lat: list[float] = []
    errors = 0
    stop = time.monotonic() + duration
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    async def worker(i: int, c: httpx.AsyncClient) -> None:
        nonlocal errors
        n = i
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                r = await c.post("/v1/moderate", content=bodies[n % len(bodies)], headers=headers)
                if r.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            lat.append(time.perf_counter() - t0)
            n += 1

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=10) as c:
        t0 = time.monotonic()
        await asyncio.gather(*(worker(i, c) for i in range(connections)))
        elapsed = time.monotonic() - t0
    lat.sort()

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2)

    return {"tool": f"python httpx asyncio, {connections} connections, {duration}s", "requests": len(lat),
            "rps": round(len(lat) / elapsed, 1), "p50_ms": pct(0.5), "p90_ms": pct(0.9), "p99_ms": pct(0.99),
            "max_ms": pct(1.0), "errors": errors}


def _load(args: argparse.Namespace, port: int, key: str, harmful_every: int, server: subprocess.Popen,
          worker: subprocess.Popen | None) -> dict:
    cpu0 = _cpu_seconds(server.pid)
    threads0 = _threads_cpu(server.pid)
    wcpu0 = _cpu_seconds(worker.pid) if worker else 0.0
    if args.tool == "wrk":
        result = run_wrk(port, key, args.duration, args.connections, args.threads, harmful_every,
                         MIXES[args.mix], word_lists(args.mixed_languages))
    else:
        result = asyncio.run(_py_load(port, key, args.duration, args.connections, harmful_every, MIXES[args.mix],
                                      word_lists(args.mixed_languages)))
    cpu = _cpu_seconds(server.pid) - cpu0
    result["server_cpu_ms_per_request"] = round(cpu * 1000 / max(1, result["requests"]), 3)
    result["server_threads_cpu_ms_per_request"] = _threads_split(threads0, _threads_cpu(server.pid),
                                                                 result["requests"])
    if worker:
        result["worker_cpu_s_during_load"] = round(_cpu_seconds(worker.pid) - wcpu0, 2)
    result["load_average_after"] = os.getloadavg()[0]
    result.pop("raw_output", None)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1, help="wrk threads")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes")
    ap.add_argument("--shared-socket", action="store_true",
                    help="uvicorn's worker mode on one socket instead of `tutela serve`'s socket per worker")
    ap.add_argument("--tool", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    ap.add_argument("--harmful-every", type=int, default=32, help="every Nth request is harmful (0: never)")
    ap.add_argument("--mix", choices=list(MIXES), default="realistic",
                    help="who writes to whom: realistic (ages known, 7.5%% adult-to-minor; default), quarter "
                         "(the first mix, 25%% adult-to-minor), unknown-ages (no ages sent at all)")
    ap.add_argument("--mixed-languages", action="store_true",
                    help="draw each message from all five languages' words at once, as the first version did")
    ap.add_argument("--postgres", metavar="URL", help="run against this PostgreSQL (a fresh schema, dropped after)")
    ap.add_argument("--external-worker", action="store_true",
                    help="one `tutela worker` process carries out the outbox (serve gets TUTELA_EXTERNAL_WORKERS=1)")
    ap.add_argument("--compare", action="store_true",
                    help="run all-ordinary, then 1 in --harmful-every, on the same server; count cases after")
    ap.add_argument("--semantic-thread", choices=["auto", "on", "off"], default="auto",
                    help="finish semantic-stage texts on a thread of their own (on) or on the event loop (off); "
                         "auto: a thread only where a worker has cores to spare (policy/batching.py)")
    ap.add_argument("--json", action="store_true", help="print only the JSON result")
    args = ap.parse_args()
    schema = None
    if args.postgres:
        schema, os.environ["TUTELA_DATABASE_URL"] = _pg_schema(args.postgres)
    if args.external_worker:
        os.environ["TUTELA_EXTERNAL_WORKERS"] = "1"
    if args.semantic_thread != "auto":
        os.environ["TUTELA_SEMANTIC_THREAD"] = "true" if args.semantic_thread == "on" else "false"
    try:
        with tempfile.TemporaryDirectory(prefix="tutela-bench-") as tmp:
            data_dir = Path(tmp)
            key = _setup(data_dir)
            port = _free_port()
            server = _start(data_dir, port, args.workers, args.shared_socket)
            worker = _start_worker(data_dir) if args.external_worker else None
            try:
                _wait(port, key)
                if args.compare:
                    result = {"ordinary": _load(args, port, key, 0, server, worker),
                              f"one_in_{args.harmful_every}_harmful": _load(args, port, key, args.harmful_every,
                                                                             server, worker)}
                    a, b = result["ordinary"], result[f"one_in_{args.harmful_every}_harmful"]
                    result["p99_ratio"] = round(b["p99_ms"] / max(a["p99_ms"], 1e-3), 2)
                    result["rps_ratio"] = round(b["rps"] / max(a["rps"], 1e-3), 2)
                else:
                    result = _load(args, port, key, args.harmful_every, server, worker)
                result["after_the_load"] = _counts(data_dir)
            finally:
                for p in (server, worker):
                    if p is None:
                        continue
                    p.terminate()
                    try:
                        p.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        p.kill()
    finally:
        if schema:
            _drop_schema(args.postgres, schema)
    result.update({"server": (f"uvicorn {args.workers} workers on one shared socket" if args.shared_socket else
                              f"tutela serve, {args.workers} workers, a socket each")
                             + ", httptools, uvloop, no access log"
                             + (", plus 1 `tutela worker`" if args.external_worker else ", outbox drained in-process"),
                   "database": "PostgreSQL" if args.postgres else "SQLite",
                   "traffic": f"--mix {args.mix}" + (" --mixed-languages" if args.mixed_languages else "")
                              + f", semantic stage {os.environ.get('TUTELA_SEMANTIC_STAGE') or 'auto'}"
                              + f", semantic thread {args.semantic_thread}",
                   "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                   "machine": f"{os.cpu_count()} cores {os.uname().machine}, load average before "
                              f"{os.getloadavg()[0]:.1f} (shared with parallel jobs)"})
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
