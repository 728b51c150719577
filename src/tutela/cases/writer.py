"""Group commit for intake: many reports, one durable commit, each acknowledged after it.

A durable commit costs an fsync (SQLite `synchronous=FULL`, PostgreSQL WAL
flush) and, because every write takes the audit-chain lock, writers queue
behind each other. Committing reports one by one therefore caps intake at
the disk's fsync rate. Instead, each process runs one writer thread per
database: request threads hand it a job (a function that writes one report
on a connection) and wait; the writer takes every job waiting, runs each in
turn, commits once, and only then releases the waiting requests with their
results. If any job fails, the whole transaction is rolled back and every job
of the batch is run again in a transaction of its own, so one bad report never
sinks the others and nothing half-written is kept. Nothing is acknowledged
before the commit that holds it.
"""

from __future__ import annotations

import os
import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy import Connection

from tutela.storage.db import Database

T = TypeVar("T")

MAX_BATCH = 128
IDLE_EXIT_S = 10.0


class GroupWriter:
    def __init__(self, db: Database) -> None:
        self._db = weakref.ref(db)
        self._queue: queue.Queue[tuple[Callable[[Connection], Any], Future]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, job: Callable[[Connection], T], timeout: float = 60.0) -> T:
        fut: Future = Future()
        self._queue.put((job, fut))
        self._ensure_thread()
        return fut.result(timeout=timeout)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="tutela-intake-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_EXIT_S)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)

    def _commit(self, batch: list[tuple[Callable[[Connection], Any], Future]]) -> None:
        from tutela.cases import audit

        db = self._db()
        if db is None:
            for _, fut in batch:
                fut.set_exception(RuntimeError("the database was closed"))
            return
        if len(batch) > 1:
            try:
                results = []
                with audit.writing(db) as conn:
                    for job, _ in batch:
                        results.append(job(conn))
            except Exception:  # noqa: BLE001  (rolled back; retried one by one below)
                pass
            else:
                for (_, fut), value in zip(batch, results, strict=True):
                    fut.set_result(value)
                return
        for job, fut in batch:
            try:
                with audit.writing(db) as conn:
                    value = job(conn)
            except Exception as exc:  # noqa: BLE001  (handed to the waiting request)
                fut.set_exception(exc)
            else:
                fut.set_result(value)


_writers: "weakref.WeakKeyDictionary[Database, tuple[int, GroupWriter]]" = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def writer_for(db: Database) -> GroupWriter:
    """The writer of this process for `db` (a forked child gets its own)."""
    pid = os.getpid()
    with _registry_lock:
        found = _writers.get(db)
        if found is None or found[0] != pid:
            found = (pid, GroupWriter(db))
            _writers[db] = found
        return found[1]
