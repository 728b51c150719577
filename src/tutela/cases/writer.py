"""Group commit for intake: many reports, one durable commit, each acknowledged after it.

A durable commit costs an fsync (SQLite `synchronous=FULL`, PostgreSQL WAL
flush) and, because every write takes the audit-chain lock, writers queue
behind each other. Committing reports one by one therefore caps intake at
the disk's fsync rate. Instead, each process runs one writer thread per
database: request threads hand it a prepared report and wait; the writer
takes every report waiting, stores them together (`intake_batch.store_batch`:
a fixed number of statements per batch, which matters for PostgreSQL round
trips), commits once, and only then releases the waiting requests with their
results. If the batch fails, the transaction is rolled back and every report
of the batch is tried again in a transaction of its own, so one bad report
never sinks the others and nothing half-written is kept. Nothing is acknowledged
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


BatchFn = Callable[[Connection, list[Any]], list[Any]]


class GroupWriter:
    """Commits items in batches with `batch_fn(conn, items) -> [result or Exception per item]`."""

    def __init__(self, db: Database, batch_fn: BatchFn) -> None:
        self._db = weakref.ref(db)
        self._batch_fn = batch_fn
        self._queue: queue.Queue[tuple[Any, Future]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, item: Any, timeout: float = 60.0) -> Any:
        fut: Future = Future()
        self._queue.put((item, fut))
        self._ensure_thread()
        return fut.result(timeout=timeout)

    def submit_many(self, items: list[Any], timeout: float = 60.0) -> list[Any]:
        """Hand over several items at once (so they share a commit); per item its result or its error."""
        futs: list[Future] = []
        for item in items:
            fut: Future = Future()
            self._queue.put((item, fut))
            futs.append(fut)
        if futs:
            self._ensure_thread()
        out: list[Any] = []
        for fut in futs:
            try:
                out.append(fut.result(timeout=timeout))
            except Exception as exc:  # noqa: BLE001 - each item's error is its caller's to handle
                out.append(exc)
        return out

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

    def _commit(self, batch: list[tuple[Any, Future]]) -> None:
        from tutela.cases import audit

        db = self._db()
        if db is None:
            for _, fut in batch:
                fut.set_exception(RuntimeError("the database was closed"))
            return
        try:
            with audit.writing(db) as conn:
                results = self._batch_fn(conn, [item for item, _ in batch])
        except Exception as exc:  # noqa: BLE001  (rolled back: nothing of this batch is stored)
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
            else:
                for one in batch:  # find the culprit: every item alone, in its own transaction
                    self._commit([one])
            return
        for (_, fut), result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                fut.set_exception(result)
            else:
                fut.set_result(result)


_writers: weakref.WeakKeyDictionary[Database, tuple[int, GroupWriter]] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def writer_for(db: Database, batch_fn: BatchFn) -> GroupWriter:
    """The writer of this process for `db` (a forked child gets its own)."""
    pid = os.getpid()
    with _registry_lock:
        found = _writers.get(db)
        if found is None or found[0] != pid:
            found = (pid, GroupWriter(db, batch_fn))
            _writers[db] = found
        return found[1]
