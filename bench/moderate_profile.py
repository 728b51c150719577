"""CPU per `POST /v1/moderate` request, in process, with an optional profile.

The wall-clock load test (`bench/moderate_load.py`) needs a quiet machine; this one does not. It
builds the app as `tutela serve` does (lifespan included, so the outbox drainer runs in a thread as
in the embedded default), sends N requests through the ASGI interface (no socket, no HTTP parser, no client library)
with `--concurrency` of them in flight, and reports CPU milliseconds per request for the whole
process (every thread: the event loop, the decision-log writer, the outbox drainer opening cases).
The traffic is `bench/moderate_load.py`'s (`--mix`, `--harmful-every`).

    OMP_NUM_THREADS=1 python bench/moderate_profile.py --requests 3000 --harmful-every 32
    OMP_NUM_THREADS=1 python bench/moderate_profile.py --requests 3000 --profile 25   # top 25 by own time

Not a test; figures go to docs/benchmarks.md with the machine, the date and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from moderate_load import MIXES, _setup, message, word_lists  # noqa: E402


def _bodies(n: int, args: argparse.Namespace, seed: int = 7) -> list[bytes]:
    """The same kind of sequence the wrk script sends (`moderate_load.message`)."""
    rnd = random.Random(seed)
    contexts, lists = MIXES[args.mix], word_lists(args.mixed_languages)
    return [json.dumps(dict(zip(("text", "context"), message(rnd, i, contexts, args.harmful_every, lists),
                                strict=True))).encode() for i in range(1, n + 1)]


def _count_semantic() -> dict[str, int]:
    """Wrap the entry points the server uses (the fast stage on the loop, `finish_texts` on the semantic
    thread) so the run can say how many texts reached the semantic stage."""
    import tutela.detect as detect

    counts = {"texts": 0, "semantic": 0, "calls": 0}
    inner, inner_finish = detect.analyze_texts, detect.finish_texts

    def counting(*a, **kw):  # noqa: ANN002, ANN003, ANN202
        out = inner(*a, **kw)
        counts["calls"] += 1
        counts["texts"] += len(out)
        counts["semantic"] += sum("semantic" in r.stages for r in out)
        return out

    def counting_finish(*a, **kw):  # noqa: ANN002, ANN003, ANN202
        out = inner_finish(*a, **kw)
        counts["semantic"] += sum("semantic" in r.stages for r in out)
        return out

    detect.analyze_texts = counting
    detect.finish_texts = counting_finish
    return counts


async def _call(app, key: str, body: bytes) -> tuple[int, bytes]:  # noqa: ANN001
    """One request straight through the ASGI interface: what uvicorn hands the app, minus the socket."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/v1/moderate", "raw_path": b"/v1/moderate", "root_path": "", "query_string": b"",
        "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                    (b"authorization", f"Bearer {key}".encode()), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {},
    }
    sent = False
    status, chunks = 0, []

    async def receive() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def _drive(app, key: str, bodies: list[bytes], concurrency: int) -> list[float]:  # noqa: ANN001
    lat: list[float] = []
    it = iter(bodies)

    async def worker() -> None:
        for body in it:
            t0 = time.perf_counter()
            status, out = await _call(app, key, body)
            if status != 200:
                raise RuntimeError(out.decode())
            lat.append(time.perf_counter() - t0)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return lat


#: `--breakdown`: where the event loop's CPU goes, as disjoint parts of the profile (module path, function).
#: With `--semantic-thread off` the semantic stage runs on the loop too, so the profile holds all of it.
PARTS = {
    "fast stage (analyze_texts, on the loop)": [("detect/engine.py", "analyze_texts")],
    "semantic: encoder (tokenizer + ONNX Runtime forward)": [("semantic/e5_ort.py", "query")],
    "semantic: glue (bank, kNN, head, merge, results)": [("detect/engine.py", "finish_texts")],
    "auth (API key)": [("access/keys.py", "authenticate_key")],
    "JSON body -> pydantic": [("pydantic/main.py", "model_validate_json")],
    "policy (facts, rules, decision, nudges)": [("policy/service.py", "prepare")],
    "decision log row + queue": [("policy/service.py", "finish")],
    "decision -> JSON": [("pydantic/main.py", "model_dump_json")],
}


def _breakdown(prof: cProfile.Profile, requests: int) -> dict[str, float]:
    """ms of the profiled thread's CPU a request per part (PARTS), the rest as "ASGI, middleware, loop".
    cProfile's own cost inflates the Python-heavy parts: read the shares, not the absolute figures."""
    stats = pstats.Stats(prof).stats  # (file, line, name) -> (cc, nc, tottime, cumtime, callers)
    total = sum(v[2] for v in stats.values())
    cum = {}
    for (path, _, name), v in stats.items():
        for part, names in PARTS.items():
            if any(path.endswith(f) and name == n for f, n in names):
                cum[part] = cum.get(part, 0.0) + v[3]
    enc = "semantic: encoder (tokenizer + ONNX Runtime forward)"
    glue = "semantic: glue (bank, kNN, head, merge, results)"
    if glue in cum:  # finish_texts includes the encoder's forward
        cum[glue] -= cum.get(enc, 0.0)
    out = {part: round(cum.get(part, 0.0) * 1000 / requests, 3) for part in PARTS}
    out["ASGI, middleware, event loop, the rest"] = round((total - sum(cum.values())) * 1000 / requests, 3)
    out["total (profiled thread)"] = round(total * 1000 / requests, 3)
    return out


def _thread_cpu(prefix: str) -> float:
    """CPU seconds (user+system) of this process's threads whose name starts with `prefix`, from /proc."""
    import threading

    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for t in threading.enumerate():
        if t.name.startswith(prefix) and t.native_id is not None:
            try:
                fields = Path(f"/proc/self/task/{t.native_id}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
            except (OSError, IndexError, ValueError):
                pass
    return total


async def _run(args: argparse.Namespace, data_dir: Path, key: str) -> dict:
    from tutela.api.app import create_app
    from tutela.config import load_settings
    from tutela.policy.log import flush_all

    app = create_app(load_settings(data_dir=data_dir), warm=True)  # as `tutela serve` starts a worker
    async with app.router.lifespan_context(app):
        await _drive(app, key, _bodies(200, args, seed=1), args.concurrency)  # warm
        flush_all()
        bodies = _bodies(args.requests, args)
        counts = _count_semantic()
        prof = cProfile.Profile(time.thread_time) if args.profile or args.breakdown else None  # the event loop thread's own CPU
        batcher = getattr(app.state, "moderate_batcher", None)
        rounds0 = (batcher.semantic_batches, batcher.semantic_items) if batcher is not None else (0, 0)
        sem0 = _thread_cpu("tutela-semantic")
        cpu0, t0 = time.process_time(), time.perf_counter()
        if prof:
            prof.enable()
        lat = await _drive(app, key, bodies, args.concurrency)
        flush_all()
        if prof:
            prof.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
        sem_cpu = _thread_cpu("tutela-semantic") - sem0
        rounds = (batcher.semantic_batches - rounds0[0], batcher.semantic_items - rounds0[1]) if batcher else (0, 0)
        # wait for the cases to be opened by the drainer thread, and count their CPU too
        from tutela.jobs.drainer import drain

        drain(app.state.db, app.state.settings, timeout=60)
        cpu_all = time.process_time() - cpu0
    lat.sort()
    result = {
        "mix": args.mix + (" --mixed-languages" if args.mixed_languages else ""),
        "semantic_stage": app.state.settings.semantic_stage, "harmful_every": args.harmful_every,
        "semantic_thread": batcher.threaded if batcher is not None else None,
        "requests": len(lat), "texts_through_the_semantic_stage": counts["semantic"],
        "concurrency": args.concurrency,
        "cpu_ms_per_request": round(cpu * 1000 / len(lat), 3),
        "cpu_ms_per_request_with_cases_opened": round(cpu_all * 1000 / len(lat), 3),
        "semantic_thread_cpu_ms_per_request": round(sem_cpu * 1000 / len(lat), 3),
        "semantic_thread_mean_batch": round(rounds[1] / rounds[0], 1) if rounds[0] else 0.0,
        "event_loop_mean_batch": round(counts["texts"] / counts["calls"], 1) if counts["calls"] else 0.0,
        "in_process_p50_ms": round(lat[len(lat) // 2] * 1000, 1),
        "in_process_p99_ms": round(lat[int(0.99 * len(lat))] * 1000, 1),
        "wall_s": round(wall, 2), "load_average": os.getloadavg()[0],
    }
    if prof and args.breakdown:
        result["event_loop_breakdown_ms_per_request"] = _breakdown(prof, len(lat))
    if prof and args.profile:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(args.profile)
        s.write("\n--- cumulative ---\n")
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(args.profile)
        result["profile"] = s.getvalue()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--mix", choices=sorted(MIXES), default="realistic")
    ap.add_argument("--harmful-every", type=int, default=32)
    ap.add_argument("--mixed-languages", action="store_true", help="the first version's word salad")
    ap.add_argument("--semantic-thread", choices=["auto", "on", "off"], default="auto",
                    help="finish semantic-stage texts on a thread (on) or on the event loop (off); auto: as a "
                         "server with --workers 1 decides (a thread where there are cores to spare)")
    ap.add_argument("--breakdown", action="store_true",
                    help="profile the event loop and split its CPU by part (fast stage, semantic stage, auth, ...)")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="print the top N functions")
    args = ap.parse_args()
    if args.semantic_thread != "auto":
        os.environ["TUTELA_SEMANTIC_THREAD"] = "true" if args.semantic_thread == "on" else "false"
    with tempfile.TemporaryDirectory(prefix="tutela-prof-") as tmp:
        key = _setup(Path(tmp))
        result = asyncio.run(_run(args, Path(tmp), key))
    profile = result.pop("profile", None)
    print(json.dumps(result, indent=2))
    if profile:
        print(profile)


if __name__ == "__main__":
    main()
