"""The loop that empties the outbox.

`tutela worker` runs it in its own process; `tutela serve` runs it as a
thread when no external worker is configured (`TUTELA_EXTERNAL_WORKERS` unset),
so the embedded default (one `serve`, SQLite, nothing else) still opens
cases. Both are the same code, and any number may run at once: claims keep
them off each other's rows.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from tutela.config import Settings
from tutela.jobs import metrics, outbox
from tutela.jobs.handlers import handler_for
from tutela.storage.db import Database

log = logging.getLogger(__name__)

_wakers: dict[str, threading.Event] = {}


def worker_name(role: str = "worker") -> str:
    """Host, process id and role: unique per process, and says where a claim came from."""
    return f"{role}@{socket.gethostname()[:40]}:{os.getpid()}"


def nudge(db: Database) -> None:
    """Wake this process's drainer for `db` now (a row was just committed), instead of at its next poll."""
    ev = _wakers.get(db.url)
    if ev is not None:
        ev.set()


def run_job(db: Database, settings: Settings, job: outbox.Job) -> bool:
    """Carry out one claimed row; True when done. A failure is recorded for a retry (or dead)."""
    fn = handler_for(job.kind)
    try:
        if fn is None:
            raise LookupError(f"no handler for outbox kind {job.kind!r}")
        with metrics.Timer(f"outbox:{job.kind}"):
            result = fn(db, settings, job)
        outbox.complete(db, job, result)
        metrics.OUTBOX_PROCESSED.labels(kind=job.kind, outcome="done").inc()
        return True
    except Exception as exc:  # noqa: BLE001 - one bad row must not stop the others
        log.warning("outbox %s %d failed", job.kind, job.id, exc_info=True)
        status = outbox.fail(db, job.id, None, job.attempts, exc)
        metrics.OUTBOX_PROCESSED.labels(kind=job.kind, outcome="dead" if status == "dead" else "retry").inc()
        return False


def drain_once(db: Database, settings: Settings, *, worker: str | None = None, limit: int = 50) -> int:
    """Claim and run one batch of due rows; the number carried out."""
    jobs = outbox.claim(db, settings, worker or worker_name(), limit=limit)
    return sum(run_job(db, settings, j) for j in jobs)


def drain(db: Database, settings: Settings, *, timeout: float = 30.0) -> int:
    """Run batches until nothing is due (or `timeout`): for tests, the CLI and shutdown."""
    done, deadline = 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = drain_once(db, settings)
        done += n
        if n == 0:
            break
    return done


class OutboxDrainer:
    """A thread that drains the outbox: woken by `nudge`, else polling every `poll_s`."""

    def __init__(self, db: Database, settings: Settings, *, poll_s: float = 0.5, role: str = "serve") -> None:
        self.db = db
        self.settings = settings
        self.poll_s = poll_s
        self.name = worker_name(role)
        self._stop = threading.Event()
        self._wake = _wakers.setdefault(db.url, threading.Event())
        self._thread: threading.Thread | None = None

    def start(self) -> OutboxDrainer:
        self._thread = threading.Thread(target=self.run, name="tutela-outbox", daemon=True)
        self._thread.start()
        return self

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                n = drain_once(self.db, self.settings, worker=self.name)
            except Exception:  # noqa: BLE001 - the database may be away for a moment
                log.warning("outbox drainer: could not claim", exc_info=True)
                metrics.ERRORS.labels(where="outbox:claim").inc()
                n = 0
            if n == 0:
                self._wake.wait(self.poll_s)
                self._wake.clear()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)


__all__ = ["OutboxDrainer", "drain", "drain_once", "nudge", "run_job", "worker_name"]
