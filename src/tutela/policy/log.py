"""The decision log: one row per decision, ready to become a DSA statement of reasons.

Privacy by design: a row holds the decision, the actions, the ground (harm
category), the facts (rule ids, the evidence strings with scores, never the
message text) and keyed hashes of the platform's ids, so a log dump does not
say who wrote what.

Writes are batched from one background thread per process: a moderation call
only appends to a queue, and the writer inserts everything queued in one
transaction every `interval` seconds. That keeps the database out of the
request's latency (the `/v1/moderate` target), at the price that decisions of
the last fraction of a second are lost if the process is killed; `flush()` (or
`sync=True`) writes before returning where that matters.

A decision that must not be lost (one that opens a case: its row goes with an
outbox row) is handed to `commit` instead: a thread of its own commits every
such decision waiting in one transaction, one fsync (group commit), ahead of
this writer's batches at the database's write gate (`storage.writegate`), and
each caller is released only after that commit. Before, each case decision
committed alone on a pool thread, queued with the batches and the outbox drainer
for SQLite's write lock, and that wait was most of the case path's p99
(docs/benchmarks.md, "Case path tail").
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table

from tutela.config import Settings
from tutela.storage.db import Database
from tutela.storage.groupcommit import GroupWriter
from tutela.storage.keyfiles import create_once, read_secret
from tutela.storage.tables.policy import moderation_decisions

log = logging.getLogger(__name__)

_KEYS: dict[str, bytes] = {}


def _key(settings: Settings | None) -> bytes:
    if settings is None:
        return b"tutela-unkeyed"
    if settings.identifier_salt:
        return settings.identifier_salt.encode()
    path = Path(settings.data_dir) / "decision-log.key"
    cached = _KEYS.get(str(path))
    if cached is not None:
        return cached
    if not path.exists():
        settings.ensure_data_dir()
        create_once(path, secrets.token_bytes(32))  # whole, or another worker's (storage/keyfiles.py)
    key = read_secret(path)
    _KEYS[str(path)] = key
    return key


def keyed_ref(settings: Settings | None, kind: str, value: str | None) -> str | None:
    """HMAC-SHA256 of a platform id: stable for counting repeat offenders, not reversible by guessing."""
    if not value:
        return None
    return hmac.new(_key(settings), f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()[:40]


def _insert_durable(conn: Connection, items: list[tuple[dict[str, Any] | None, list[tuple[Table, dict[str, Any]]]]],
                    ) -> list[None]:
    """`commit`'s batch: the decision rows, then the other tables' rows, one statement per table."""
    rows = [row for row, _ in items if row is not None]
    if rows:
        conn.execute(moderation_decisions.insert(), rows)
    by_table: dict[Table, list[dict[str, Any]]] = {}
    for _, also in items:
        for table, r in also:
            by_table.setdefault(table, []).append(r)
    for table, trows in by_table.items():
        conn.execute(table.insert(), trows)
    return [None] * len(items)


def _begin_urgent(db: Database) -> AbstractContextManager[Connection]:
    return db.begin_write(urgent=True)


class DecisionLog:
    """A buffer and a writer thread for one database, and a committer for the decisions that must
    be durable before they are answered.

    The request path only appends to a deque (atomic under the GIL, no lock,
    no wake-up of the writer: waking a thread per request costs more than the
    decision itself). The writer wakes every `interval` seconds and inserts
    whatever has accumulated in one transaction. `commit` goes to a thread of its
    own (`storage.groupcommit`), so it never waits behind the writer's batch.
    """

    def __init__(self, db: Database, *, interval: float = 0.05, max_batch: int = 5000) -> None:
        self.db = db
        self.interval = interval
        self.max_batch = max_batch
        self._buf: deque[dict[str, Any]] = deque()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._inflight = 0
        self.written = 0
        self.failed = 0
        self.committer = GroupWriter(db, _insert_durable, _begin_urgent, name="tutela-decision-commit")

    def _ensure_thread(self) -> None:
        t = self._thread
        if t is not None and t.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop = False
                self._thread = threading.Thread(target=self._run, name="tutela-decision-log", daemon=True)
                self._thread.start()

    def write(self, row: dict[str, Any], *, sync: bool = False) -> None:
        if sync:
            self._insert([row])
            self.written += 1
            return
        self._buf.append(row)
        self._ensure_thread()

    def commit(self, row: dict[str, Any] | None, also: Sequence[tuple[Table, dict[str, Any]]] = ()) -> Future[None]:
        """Commit `row` and `also` (rows of other tables, e.g. an outbox row) now; the future is done
        once they are durable, or holds the error. The decisions waiting are committed together (one
        transaction, one fsync), ahead of the other writers waiting at the write gate."""
        return self.committer.submit_future((row, list(also)))

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        with self.db.begin_write() as conn:
            conn.execute(moderation_decisions.insert(), rows)

    def _drain(self) -> None:
        while self._buf:
            n = min(len(self._buf), self.max_batch)
            self._inflight = n  # counted before popping, so flush() never sees a false zero
            batch = [self._buf.popleft() for _ in range(n)]
            try:
                self._insert(batch)
                self.written += len(batch)
            except Exception:  # noqa: BLE001 - logging must never take the server down
                self.failed += len(batch)
                log.exception("could not write %d decision log rows", len(batch))
            finally:
                self._inflight = 0

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(self.interval)
            self._wake.clear()
            self._drain()
        self._drain()

    def pending(self) -> int:
        return len(self._buf) + self._inflight

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything buffered so far is written; True when it was."""
        deadline = time.monotonic() + timeout
        if self._buf:
            self._ensure_thread()
        while self.pending():
            self._wake.set()
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def close(self) -> None:
        self.flush()
        self._stop = True
        self._wake.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=5)


_logs: dict[str, DecisionLog] = {}
_logs_lock = threading.Lock()


def decision_log(db: Database) -> DecisionLog:
    """The process's log writer for this database."""
    found = _logs.get(db.url)
    if found is None or found.db is not db:
        with _logs_lock:
            found = _logs.get(db.url)
            if found is None or found.db is not db:
                if found is not None:
                    found.close()
                found = _logs[db.url] = DecisionLog(db)
    return found


def flush_all(timeout: float = 10.0) -> None:
    for dl in list(_logs.values()):
        dl.flush(timeout)


atexit.register(flush_all)


__all__ = ["DecisionLog", "decision_log", "flush_all", "keyed_ref"]
