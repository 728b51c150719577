"""`tutela scheduler`: periodic work, run by exactly one process.

Two leases keep it single: the role's lease ("scheduler", renewed every
tick, taken over `LEASE_S` after its holder died) says which process runs
tasks at all, and each task's own row ("task:<name>", its interval as ttl)
says when it last ran, so even a restart or a second scheduler that somehow
held the role would not run a task twice within its interval.

Tasks are a registry: an area adds its periodic work with `task(...)`
(the exchange registers its pulls and tombstone purge here; an interval may
be a function of the settings).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from tutela.config import Settings
from tutela.jobs import metrics
from tutela.jobs.lease import Lease
from tutela.storage.db import Database

log = logging.getLogger(__name__)

ROLE = "scheduler"
LEASE_S = 30.0
TICK_S = 5.0


@dataclass(frozen=True)
class Task:
    name: str
    #: seconds between runs, or a function of the settings (an operator's setting); 0 or less: off
    every_s: float | Callable[[Settings], float]
    run: Callable[[Database, Settings], object]
    why: str

    def interval(self, settings: Settings) -> float:
        return float(self.every_s(settings) if callable(self.every_s) else self.every_s)


TASKS: dict[str, Task] = {}


def task(
    name: str, every_s: float | Callable[[Settings], float], why: str
) -> Callable[[Callable[[Database, Settings], object]], Callable]:
    def wrap(fn: Callable[[Database, Settings], object]) -> Callable:
        TASKS[name] = Task(name, every_s, fn, why)
        return fn

    return wrap


@task("retention", 6 * 3600, "delete evidence, contacts and texts past their retention rules")
def _retention(db: Database, settings: Settings) -> object:
    from tutela.cases import retention

    return retention.run(db, settings)


@task("audit-checkpoint", 3600, "sign a checkpoint of the audit chain, so deleted tail entries show")
def _audit_checkpoint(db: Database, settings: Settings) -> object:
    from tutela.cases import audit

    return audit.checkpoint(db)


@task("outbox-purge", 3600, "delete outbox rows done more than a week ago")
def _outbox_purge(db: Database, settings: Settings) -> object:
    from tutela.jobs import outbox

    return outbox.purge_done(db)


@task("exchange-pull", lambda s: s.exchange_pull_every_s,
      "pull every partner with a URL and send it the feedback waiting (exchange_pull_every_s)")
def _exchange_pull(db: Database, settings: Settings) -> object:
    from tutela.exchange import periodic

    return periodic.pull_all(db, settings)


@task("exchange-tombstone-purge", 24 * 3600, "drop feed deletions older than exchange_tombstone_days")
def _exchange_tombstones(db: Database, settings: Settings) -> object:
    from tutela.exchange import periodic

    return periodic.purge_tombstones(db, settings)


class Scheduler:
    def __init__(self, db: Database, settings: Settings, holder: str, *, lease_s: float = LEASE_S,
                 tick_s: float = TICK_S, tasks: dict[str, Task] | None = None) -> None:
        self.db = db
        self.settings = settings
        self.holder = holder
        self.lease = Lease(db, ROLE, holder, ttl_s=lease_s)
        self.tick_s = tick_s
        self.tasks = TASKS if tasks is None else tasks
        self._stop = threading.Event()
        self.ran: list[str] = []

    def tick(self) -> list[str]:
        """One round: hold the role, then run each task that is due. Returns the tasks run."""
        if not self.lease.acquire():
            return []
        ran = []
        for t in list(self.tasks.values()):
            if self._stop.is_set() or not self.lease.acquire():
                break
            every = t.interval(self.settings)
            if every <= 0:
                continue
            if not Lease(self.db, f"task:{t.name}", self.holder, ttl_s=every).acquire(renew=False):
                continue
            try:
                with metrics.Timer(f"scheduler:{t.name}"):
                    t.run(self.db, self.settings)
                metrics.SCHEDULER_RUNS.labels(task=t.name, outcome="ok").inc()
            except Exception:  # noqa: BLE001 - one failing task must not stop the others
                log.exception("scheduled task %s failed", t.name)
                metrics.SCHEDULER_RUNS.labels(task=t.name, outcome="error").inc()
            ran.append(t.name)
        self.ran += ran
        return ran

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - the database may be away for a moment
                log.warning("scheduler tick failed", exc_info=True)
            self._stop.wait(self.tick_s)
        try:
            self.lease.release()
        except Exception:  # noqa: BLE001
            pass

    def stop(self) -> None:
        self._stop.set()


__all__ = ["ROLE", "Scheduler", "TASKS", "Task", "task"]
