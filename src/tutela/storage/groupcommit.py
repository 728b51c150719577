"""Group commit: many callers' writes, one durable commit, each caller released after it.

A durable commit costs an fsync (SQLite `synchronous=FULL`, PostgreSQL WAL
flush) and, on SQLite, a turn at the database's one write lock, so writers that
commit one by one queue behind each other. Instead, one thread per writer takes
every item waiting, stores them together with `batch_fn(conn, items)` in one
transaction, commits once, and only then answers each caller's future with its
result. No timer: under load the items that arrive during a commit make the next
one. If the batch fails, the transaction is rolled back and every item is tried
again in a transaction of its own, so one bad item never sinks the others and
nothing half-written is kept. Nothing is acknowledged before the commit that holds it.

Used by case intake (`cases.writer`, inside the audit chain's lock) and by the
decisions that open a case (`policy.log.DecisionLog.commit`).
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection

from tutela.storage.db import Database

MAX_BATCH = 128
IDLE_EXIT_S = 10.0

BatchFn = Callable[[Connection, list[Any]], list[Any]]
BeginFn = Callable[[Database], AbstractContextManager[Connection]]


class GroupWriter:
    """Commits items in batches with `batch_fn(conn, items) -> [result or Exception per item]`, each
    batch in the transaction `begin(db)` opens."""

    def __init__(self, db: Database, batch_fn: BatchFn, begin: BeginFn, *, name: str = "tutela-group-writer") -> None:
        self._db = weakref.ref(db)
        self._batch_fn = batch_fn
        self._begin = begin
        self._name = name
        self._queue: queue.Queue[tuple[Any, Future]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.batches = 0  # commits made (the benchmarks report the mean batch)
        self.items = 0

    def submit_future(self, item: Any) -> Future:
        """Hand one item over; its future is done after the commit that holds it (or holds its error)."""
        fut: Future = Future()
        self._queue.put((item, fut))
        self._ensure_thread()
        return fut

    def submit(self, item: Any, timeout: float = 60.0) -> Any:
        return self.submit_future(item).result(timeout=timeout)

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
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
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
        db = self._db()
        if db is None:
            for _, fut in batch:
                _settle(fut, exc=RuntimeError("the database was closed"))
            return
        try:
            with self._begin(db) as conn:
                results = self._batch_fn(conn, [item for item, _ in batch])
        except Exception as exc:  # noqa: BLE001  (rolled back: nothing of this batch is stored)
            if len(batch) == 1:
                _settle(batch[0][1], exc=exc)
            else:
                for one in batch:  # find the culprit: every item alone, in its own transaction
                    self._commit([one])
            return
        self.batches += 1
        self.items += len(batch)
        for (_, fut), result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                _settle(fut, exc=result)
            else:
                _settle(fut, result)


def _settle(fut: Future, result: Any = None, *, exc: BaseException | None = None) -> None:
    """Answer a caller once; one that gave up (cancelled its future) is told nothing."""
    if fut.done() or not fut.set_running_or_notify_cancel():
        return
    if exc is None:
        fut.set_result(result)
    else:
        fut.set_exception(exc)


__all__ = ["IDLE_EXIT_S", "MAX_BATCH", "GroupWriter"]
