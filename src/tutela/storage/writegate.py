"""One writer at a time on an SQLite file, in the order they come, the request path first.

SQLite lets one transaction write at a time. A writer that finds the lock taken
does not queue: its busy handler sleeps and tries again, 1, 2, 5, 10 ... then
100 ms at a time, and whoever tries at the moment the lock is free gets it. Under
load (two `tutela serve` workers, each with its decision-log writer, its outbox
drainer and its intake writer, on two busy cores) a case decision's commit
waited 8 ms at the median and 0.7-1.6 s at the worst in that lottery while each
transaction held the lock for a few milliseconds (docs/benchmarks.md, "Case path
tail"). The busy handler cannot be replaced from Python, so the writers of the hot
paths queue here first, on an `flock` of a file beside the database, which wakes
a waiter as soon as the holder lets go, in any thread or process.

Two kinds of writer: `urgent` ones (a request waits for the commit: a decision
that opens a case) and the others (the decision log's batches, the outbox
drainer, case intake), which let every urgent writer that is waiting go first:
an urgent writer holds a shared lock on a second file while it waits and
writes; another writer takes the gate only when it can then also take that file
exclusively (`_behind_urgent`). An urgent writer so waits for the transaction
under way and for the other urgent ones, not for a queue of batches. Under a
steady stream of urgent writers the others wait; they are the ones nobody waits for.

The gate only orders writers; what keeps two transactions from writing at once
is still SQLite's own lock. Writers that do not pass the gate (rare commands,
migrations) still work: they meet SQLite's lock and its busy handler as before. The gate is re-entrant within
a thread. PostgreSQL (row locks, no database-wide write lock) and in-memory
SQLite need no gate.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

_gates: dict[str, WriteGate] = {}
_gates_lock = threading.Lock()


class WriteGate:
    """The two lock files of one database. Each holder locks through descriptors of its own (an
    `flock` belongs to an open file, so two threads sharing one descriptor would hold it together);
    descriptors are reused from a free list, never one per thread for good."""

    def __init__(self, path: Path) -> None:
        self.gate_path = path.with_name(path.name + "-gate")
        self.urgent_path = path.with_name(path.name + "-gate-urgent")
        self._mine = threading.local()
        self._reset()

    def _reset(self) -> None:
        # a forked child must not lock through its parent's open files (they would hold them together)
        self._pid = os.getpid()
        self._free: list[tuple[int, int]] = []
        self._free_lock = threading.Lock()

    def _open(self, path: Path) -> int:
        # files of their own: an fcntl lock is lost when any descriptor of its file closes, so the
        # database file, which SQLite locks with fcntl, is never opened here
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def _take(self) -> tuple[int, int]:
        with self._free_lock:
            if self._free:
                return self._free.pop()
        return self._open(self.gate_path), self._open(self.urgent_path)

    @contextmanager
    def held(self, *, urgent: bool = False) -> Iterator[None]:
        if self._pid != os.getpid():
            self._reset()
            self._mine = threading.local()
        if getattr(self._mine, "depth", 0):  # this thread holds it already
            self._mine.depth += 1
            try:
                yield
            finally:
                self._mine.depth -= 1
            return
        gate, waiting = self._take()
        try:
            if urgent:
                fcntl.flock(waiting, fcntl.LOCK_SH)  # "an urgent writer waits": the others hold back
                fcntl.flock(gate, fcntl.LOCK_EX)
            else:
                _behind_urgent(gate, waiting)
            self._mine.depth = 1
            yield
        finally:
            self._mine.depth = 0
            fcntl.flock(gate, fcntl.LOCK_UN)  # unlocking what is not held is no error
            fcntl.flock(waiting, fcntl.LOCK_UN)
            with self._free_lock:
                self._free.append((gate, waiting))


def _behind_urgent(gate: int, waiting: int) -> None:
    """Take the gate as a writer that lets urgent ones go first: wait until none is waiting, queue,
    and if one came meanwhile (it holds `waiting` shared and queues behind us), give the gate back
    and start again, so an urgent writer waits for at most the transaction under way."""
    while True:
        fcntl.flock(waiting, fcntl.LOCK_EX)  # blocks while an urgent writer waits or writes
        fcntl.flock(waiting, fcntl.LOCK_UN)
        fcntl.flock(gate, fcntl.LOCK_EX)
        try:
            fcntl.flock(waiting, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fcntl.flock(gate, fcntl.LOCK_UN)
            continue
        fcntl.flock(waiting, fcntl.LOCK_UN)
        return


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if not u.drivername.startswith("sqlite"):
        return None
    name = u.database
    if not name or name == ":memory:" or name.startswith("file:") or u.query.get("mode") == "memory":
        return None
    return Path(name).resolve()


def gate_for(url: str) -> WriteGate | None:
    """The gate of the database at `url`, one per file and process; None where it needs none."""
    path = _sqlite_file(url)
    if path is None:
        return None
    with _gates_lock:
        gate = _gates.get(str(path))
        if gate is None:
            gate = _gates[str(path)] = WriteGate(path)
        return gate


def held(gate: WriteGate | None, *, urgent: bool = False) -> AbstractContextManager[None]:
    return nullcontext() if gate is None else gate.held(urgent=urgent)


__all__ = ["WriteGate", "gate_for", "held"]
