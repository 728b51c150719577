"""Sharded matching: a Hamming index split by content across shards.

Why by content (entry id), not by hash prefix: a near neighbour can differ
from the query in any bit, so a prefix split would have to ask most shards
anyway, and unevenly. Split by `entry id % n`, every shard holds 1/n of every
bank, a query goes to all n shards (each an exact search of its part) and the
answers are concatenated: exact, balanced, and a shard's memory is 1/n.

Each shard is an `IndexFollower` over its part: it tails the database's log
(new entry ids, and the append-only removal log) instead of rebuilding, and
saves its index with the log position so a restart reads only what changed.
Refreshes are jittered (each interval drawn from [0.5, 1.5] x the period,
and the first one too), so a fleet of shards started together does not hit
the database together; HMA's whole-index rebuild made every pod reload at
once, which is what this avoids.

Two shard sets with one interface (`search(signal, values, radius)`):

- `LocalShards`: n followers in this process (tests, or one big machine
  splitting work over threads).
- `RemoteShards`: n shard servers (`tutela matcher --shard i/n`, see
  `serve_shard`), each a process on this or another machine, queried over
  HTTP in parallel. A shard that does not answer makes the query fail
  (`ShardError`): a match that silently skipped a shard would be a false
  "no match", so this fails closed.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from tutela.hashing.banks import all_banks
from tutela.hashing.follower import IndexFollower, Shard
from tutela.hashing.signals import SIGNALS
from tutela.hashing.signals.base import SignalType, hamming_signals
from tutela.storage.db import Database

log = logging.getLogger(__name__)

#: mean seconds between a shard's catch-ups with the database log
REFRESH_PERIOD = 2.0
#: largest request body a shard server reads (queries are 64 hex digits each)
MAX_BODY = 4 << 20

Hits = tuple[np.ndarray, np.ndarray, np.ndarray]


class ShardError(RuntimeError):
    """A shard did not answer: the query cannot be answered completely."""


class ShardSet(Protocol):
    def search(self, signal: str, values: Sequence[str], radius: int, *, fresh: bool = False) -> Hits:
        """(query index, entry id, distance) over every shard."""
        ...

    def stats(self) -> list[dict[str, Any]]:
        ...


def jittered(period: float) -> float:
    """A refresh interval drawn from [0.5, 1.5] x period."""
    return period * (0.5 + random.random())  # noqa: S311 - spreading load, not security


def _merge(parts: list[Hits]) -> Hits:
    parts = [p for p in parts if len(p[0])]
    if not parts:
        e = np.empty(0, dtype=np.int64)
        return e, e, e
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))  # type: ignore[return-value]


class _ShardState:
    """One shard's followers (one per Hamming signal) and its refresh clock."""

    def __init__(self, db: Database, shard: Shard, folder: Path | None, radius_for: dict[str, int],
                 period: float) -> None:
        self.db = db
        self.shard = shard
        self.radius_for = radius_for
        self.period = period
        self.followers = {
            s.name: IndexFollower(db, s, shard=shard, folder=folder) for s in hamming_signals()
        }
        self.next_refresh = time.monotonic() + jittered(period)

    def refresh(self, *, force: bool = False) -> None:
        if not force and time.monotonic() < self.next_refresh:
            return
        banks = all_banks(self.db)
        for name, f in self.followers.items():
            sig = SIGNALS[name]
            wanted = max([_default_radius(sig)] + [sig.threshold(b) for b in banks])
            f.sync(max(wanted, self.radius_for.get(name, 0)))
        self.next_refresh = time.monotonic() + jittered(self.period)

    def search(self, signal: str, words: np.ndarray, radius: int) -> Hits:
        f = self.followers.get(signal)
        if f is None:
            raise ValueError(f"{signal!r} is not a Hamming signal type")
        return f.search_words(words, radius)


def _default_radius(sig: type[SignalType]) -> int:
    return max(sig.default_threshold, 31 if sig.name == "pdq" else 0)


class LocalShards:
    """n shards in this process; `search` asks each in turn and merges."""

    def __init__(self, db: Database, count: int, *, folder: Path | None = None,
                 radius_for: dict[str, int] | None = None, period: float = REFRESH_PERIOD) -> None:
        self.shards = [_ShardState(db, Shard(i, count), folder, radius_for or {}, period) for i in range(count)]
        for s in self.shards:
            s.refresh(force=True)

    def search(self, signal: str, values: Sequence[str], radius: int, *, fresh: bool = False) -> Hits:
        words = _to_words(signal, values)
        parts = []
        for s in self.shards:
            s.refresh(force=fresh)
            parts.append(s.search(signal, words, radius))
        return _merge(parts)

    def search_words(self, signal: str, words: np.ndarray, radius: int) -> Hits:
        """Like `search` with uint64 [n, 4] queries (no refresh check: for benchmarks and hot loops)."""
        return _merge([s.search(signal, words, radius) for s in self.shards])

    def stats(self) -> list[dict[str, Any]]:
        return [{"shard": str(s.shard), **{n: f.stats() for n, f in s.followers.items()}} for s in self.shards]


def _to_words(signal: str, values: Sequence[str]) -> np.ndarray:
    from tutela.hashing.index import HashIndex

    return HashIndex(signal, radius=0).to_words(values)


class RemoteShards:
    """Shard servers at `urls` (http://host:port), asked in parallel."""

    def __init__(self, urls: Sequence[str], *, timeout: float = 5.0) -> None:
        if not urls:
            raise ValueError("no shard URLs")
        self.urls = [u.rstrip("/") for u in urls]
        self.timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=len(self.urls), thread_name_prefix="tutela-shard")

    def _post(self, url: str, payload: bytes) -> Hits:
        req = urllib.request.Request(f"{url}/search", data=payload, method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - operator-configured URL
                body = json.loads(resp.read())
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ShardError(f"shard {url} did not answer: {exc}") from exc
        return (np.asarray(body["qi"], dtype=np.int64), np.asarray(body["ids"], dtype=np.int64),
                np.asarray(body["dist"], dtype=np.int64))

    def search(self, signal: str, values: Sequence[str], radius: int, *, fresh: bool = False) -> Hits:
        payload = json.dumps({"signal": signal, "values": list(values), "radius": int(radius),
                              "fresh": bool(fresh)}).encode()
        futures = [self._pool.submit(self._post, u, payload) for u in self.urls]
        return _merge([f.result() for f in futures])

    def stats(self) -> list[dict[str, Any]]:
        out = []
        for u in self.urls:
            try:
                with urllib.request.urlopen(f"{u}/stats", timeout=self.timeout) as resp:  # noqa: S310
                    out.append(json.loads(resp.read()))
            except (urllib.error.URLError, OSError, ValueError) as exc:
                out.append({"url": u, "error": str(exc)})
        return out

    def close(self) -> None:
        self._pool.shutdown(wait=False)


# -- the shard server ------------------------------------------------------------
class ShardServer:
    """One shard over HTTP on a local socket: POST /search, GET /stats.

    A background thread refreshes the shard on its jittered clock; a request
    with `"fresh": true` catches up first (read-your-writes for a caller that
    just changed a bank). Meant for a private network between the API
    processes and the shards: it answers only hash queries (entry ids and
    distances, no bank data) and binds to 127.0.0.1 unless told otherwise."""

    def __init__(self, db: Database, shard: Shard, *, host: str = "127.0.0.1", port: int = 0,
                 folder: Path | None = None, radius_for: dict[str, int] | None = None,
                 period: float = REFRESH_PERIOD) -> None:
        self.state = _ShardState(db, shard, folder, radius_for or {}, period)
        self.state.refresh(force=True)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        state, lock = self.state, self._lock

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet: one line per query is noise
                return

            def _send(self, status: int, body: dict[str, Any]) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.path == "/stats":
                    self._send(200, {"shard": str(state.shard),
                                     **{n: f.stats() for n, f in state.followers.items()}})
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self) -> None:  # noqa: N802
                if self.path != "/search":
                    self._send(404, {"error": "not found"})
                    return
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    if not 0 < length <= MAX_BODY:
                        raise ValueError(f"body must be 1..{MAX_BODY} bytes")
                    req = json.loads(self.rfile.read(length))
                    signal, values, radius = str(req["signal"]), list(req["values"]), int(req["radius"])
                    words = _to_words(signal, values)
                    if req.get("fresh"):
                        with lock:
                            state.refresh(force=True)
                    qi, ids, dist = state.search(signal, words, radius)
                except (ValueError, KeyError, TypeError) as exc:
                    self._send(400, {"error": str(exc)})
                    return
                self._send(200, {"qi": qi.tolist(), "ids": ids.tolist(), "dist": dist.tolist()})

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True

    @property
    def address(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def _refresher(self) -> None:
        while not self._stop.wait(max(0.05, self.state.next_refresh - time.monotonic())):
            try:
                with self._lock:
                    self.state.refresh()
            except Exception:  # a database hiccup must not kill the shard: retry on the next tick
                log.exception("shard %s: refresh failed", self.state.shard)
                self.state.next_refresh = time.monotonic() + jittered(self.state.period)

    def serve_forever(self) -> None:
        threading.Thread(target=self._refresher, name="tutela-shard-refresh", daemon=True).start()
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self._stop.set()
            for f in self.state.followers.values():
                f.save(only_if_changed=True)

    def shutdown(self) -> None:
        self._stop.set()
        self.httpd.shutdown()


__all__ = ["REFRESH_PERIOD", "LocalShards", "RemoteShards", "ShardError", "ShardServer", "ShardSet", "jittered"]
