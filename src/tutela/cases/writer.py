"""Group commit for intake: many reports, one durable commit, each acknowledged after it.

A durable commit costs an fsync (SQLite `synchronous=FULL`, PostgreSQL WAL
flush) and, because every write takes the audit-chain lock, writers queue
behind each other. Committing reports one by one therefore caps intake at
the disk's fsync rate. Instead, each process runs one writer thread per
database (`storage.groupcommit.GroupWriter`): request threads hand it a prepared
report and wait; the writer takes every report waiting, stores them together
(`intake_batch.store_batch`: a fixed number of statements per batch, which matters
for PostgreSQL round trips) inside the audit chain's lock, commits once, and only
then releases the waiting requests with their results.
"""

from __future__ import annotations

import os
import threading
import weakref

from tutela.storage.db import Database
from tutela.storage.groupcommit import BatchFn, GroupWriter


def _audit_writing(db: Database):  # noqa: ANN202 - the audit chain's write transaction
    from tutela.cases import audit

    return audit.writing(db)


_writers: weakref.WeakKeyDictionary[Database, tuple[int, GroupWriter]] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def writer_for(db: Database, batch_fn: BatchFn) -> GroupWriter:
    """The intake writer of this process for `db` (a forked child gets its own)."""
    pid = os.getpid()
    with _registry_lock:
        found = _writers.get(db)
        if found is None or found[0] != pid:
            found = (pid, GroupWriter(db, batch_fn, _audit_writing, name="tutela-intake-writer"))
            _writers[db] = found
        return found[1]


__all__ = ["GroupWriter", "writer_for"]
