"""Rescans: stored hashes searched again against (new) banks, as id-range jobs.

When a partner shares a new list, content seen before it arrived should be
checked too. A rescan job names

- a source of stored hashes (`SOURCES`): `bank:<id or name>` (a bank holding
  a platform's past uploads, usually disabled so it matches nothing itself)
  or `evidence` (case evidence with a PDQ);
- the banks to search (their entries of the signal type at the time a range
  starts) and the radius.

It is cut into id ranges when created (`create_rescan`). Each range has a
checkpoint (`next_id`) and a lease; `run_rescan_range` processes one range
in chunks: read stored hashes by id, search them in one batch against an
index of the target banks, then write the hits and move the checkpoint in
one transaction. Stopping (`stop_rescan`, a stop event, a crash) loses at
most the chunk in flight, which is redone on resume; no hit is written
twice. Ranges are independent, so any number of workers can share a job:

    job = create_rescan(db, "bank:uploads-2026", ["partner-list"])
    # in each worker (the scale workers, or `tutela rescan resume`):
    while (r := claim_range(db, job, worker="w1")) is not None:
        run_rescan_range(db, job, r.start_id, r.end_id, worker="w1")

The direction is chosen for memory: the target banks (thousands to
millions of entries) are indexed, the stored hashes (up to billions) are
streamed, so a worker's memory is the index of the new list plus one chunk.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection

from tutela.hashing.banks import BankError, get_bank
from tutela.hashing.index import HashIndex
from tutela.hashing.signals import get_signal
from tutela.hashing.signals.base import Matching
from tutela.storage.db import Database
from tutela.storage.tables.cases import evidence
from tutela.storage.tables.media import hash_entries
from tutela.storage.tables.rescans import rescan_hits, rescan_jobs, rescan_ranges
from tutela.storage.times import utc_now

#: ids per range when a job is cut (a range is the unit a worker claims)
RANGE_SIZE = 1_000_000
#: stored hashes read, searched and checkpointed together
CHUNK = 50_000
#: how long a claim holds without a checkpoint before another worker may take the range
LEASE_SECONDS = 120


class RescanError(ValueError):
    """A rescan that cannot be created or run: unknown source, bank or job."""


# -- sources of stored hashes --------------------------------------------------
@dataclass(frozen=True)
class Source:
    """Where stored hashes come from: (id, value) rows in id order."""

    name: str
    bounds: Callable[[Connection], tuple[int | None, int | None]]
    rows: Callable[[Connection, int, int, int], list[Any]]


def _bank_source(db: Database, ref: str, signal: str) -> Source:
    try:
        bank = get_bank(db, int(ref) if ref.isdigit() else ref)
    except BankError as exc:
        raise RescanError(str(exc)) from None
    where = and_(hash_entries.c.bank_id == bank.id, hash_entries.c.signal_type == signal)

    def bounds(conn: Connection) -> tuple[int | None, int | None]:
        lo, hi = conn.execute(select(func.min(hash_entries.c.id), func.max(hash_entries.c.id)).where(where)).one()
        return lo, hi

    def rows(conn: Connection, start: int, end: int, limit: int) -> list[Any]:
        return conn.execute(
            select(hash_entries.c.id, hash_entries.c.value)
            .where(where, hash_entries.c.id >= start, hash_entries.c.id < end)
            .order_by(hash_entries.c.id).limit(limit)
        ).all()

    return Source(f"bank:{bank.id}", bounds, rows)


def _evidence_source(signal: str) -> Source:
    if signal != "pdq":
        raise RescanError("the evidence source holds PDQ only")
    where = and_(evidence.c.pdq.is_not(None), evidence.c.deleted_at.is_(None))

    def bounds(conn: Connection) -> tuple[int | None, int | None]:
        lo, hi = conn.execute(select(func.min(evidence.c.id), func.max(evidence.c.id)).where(where)).one()
        return lo, hi

    def rows(conn: Connection, start: int, end: int, limit: int) -> list[Any]:
        return conn.execute(
            select(evidence.c.id, evidence.c.pdq)
            .where(where, evidence.c.id >= start, evidence.c.id < end).order_by(evidence.c.id).limit(limit)
        ).all()

    return Source("evidence", bounds, rows)


def resolve_source(db: Database, name: str, signal: str) -> Source:
    """`bank:<id or name>` or `evidence`."""
    if name.startswith("bank:"):
        return _bank_source(db, name[5:], signal)
    if name == "evidence":
        return _evidence_source(signal)
    raise RescanError(f"unknown source {name!r}; use bank:<id or name> or evidence")


# -- jobs ------------------------------------------------------------------------
@dataclass(frozen=True)
class RangeInfo:
    id: int
    start_id: int
    end_id: int
    next_id: int
    status: str


@dataclass
class RangeResult:
    """What one call of `run_rescan_range` did."""

    status: str  # done | stopped | busy | lost_lease
    scanned: int = 0
    hits: int = 0
    seconds: float = 0.0
    next_id: int = 0


def create_rescan(db: Database, source: str, banks: list[str | int], *, signal: str = "pdq",
                  radius: int | None = None, range_size: int = RANGE_SIZE, actor: str | None = None) -> int:
    """Create a job (status pending) cut into id ranges; returns its id."""
    sig = get_signal(signal)
    if sig.matching is not Matching.HAMMING:
        raise RescanError(f"rescans search Hamming signals; {sig.name} is exact (a database join does that)")
    if not banks:
        raise RescanError("name at least one bank to search")
    try:
        infos = [get_bank(db, b) for b in banks]
    except BankError as exc:
        raise RescanError(str(exc)) from None
    r = int(radius) if radius is not None else max(sig.threshold(b) for b in infos)
    if not 0 <= r <= 64:
        raise RescanError("radius must be between 0 and 64")
    if range_size < 1:
        raise RescanError("range size must be positive")
    src = resolve_source(db, source, sig.name)
    now = utc_now()
    with db.begin() as conn:
        lo, hi = src.bounds(conn)
        lo, hi = (int(lo), int(hi)) if lo is not None else (0, -1)
        job_id = int(conn.execute(rescan_jobs.insert().values(
            source=src.name, signal_type=sig.name, bank_ids=sorted({b.id for b in infos}), radius=r,
            status="pending", first_id=lo, last_id=hi, created_by=(actor or "operator")[:80],
            created_at=now, updated_at=now,
        )).inserted_primary_key[0])
        ranges = [
            {"job_id": job_id, "start_id": s, "end_id": min(s + range_size, hi + 1), "next_id": s,
             "status": "pending", "scanned": 0, "hits": 0, "seconds": 0.0, "updated_at": now}
            for s in range(lo, hi + 1, range_size)
        ]
        if ranges:
            conn.execute(rescan_ranges.insert(), ranges)
        else:
            conn.execute(update(rescan_jobs).where(rescan_jobs.c.id == job_id).values(status="done"))
    return job_id


def _job(conn: Connection, job_id: int) -> Any:
    row = conn.execute(select(rescan_jobs).where(rescan_jobs.c.id == job_id)).first()
    if row is None:
        raise RescanError(f"no rescan job {job_id}")
    return row


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


def claim_range(db: Database, job_id: int, *, worker: str | None = None,
                lease_s: int = LEASE_SECONDS) -> RangeInfo | None:
    """Claim the next unfinished range nobody holds (or whose lease ran out); None when none is left."""
    worker = worker or default_worker()
    while True:
        now = utc_now()
        free = or_(rescan_ranges.c.claimed_by.is_(None), rescan_ranges.c.lease_until < now,
                   rescan_ranges.c.claimed_by == worker)
        with db.begin() as conn:
            if _job(conn, job_id).status in ("stopped", "done"):
                return None
            row = conn.execute(
                select(rescan_ranges).where(rescan_ranges.c.job_id == job_id, rescan_ranges.c.status != "done", free)
                .order_by(rescan_ranges.c.start_id).limit(1)
            ).first()
            if row is None:
                return None
            got = conn.execute(
                update(rescan_ranges).where(rescan_ranges.c.id == row.id, rescan_ranges.c.status != "done", free)
                .values(claimed_by=worker, lease_until=now + timedelta(seconds=lease_s), status="running",
                        updated_at=now)
            ).rowcount
        if got == 1:
            return RangeInfo(row.id, row.start_id, row.end_id, row.next_id, "running")
        # another worker took it between our read and write: look again


_index_cache: dict[tuple[str, int], tuple[int, HashIndex]] = {}
_cache_lock = threading.Lock()


def _target_index(db: Database, job: Any) -> HashIndex:
    """An index of the job's banks' entries (cached per process while they do not change)."""
    where = and_(hash_entries.c.bank_id.in_(list(job.bank_ids)), hash_entries.c.signal_type == job.signal_type)
    with db.connect() as conn:
        version = int(conn.execute(
            select(func.coalesce(func.max(hash_entries.c.id), 0) * 1_000_003 + func.count()).where(where)
        ).scalar_one())
    key = (db.url, int(job.id))
    with _cache_lock:
        cached = _index_cache.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        idx = HashIndex(job.signal_type, radius=int(job.radius))
        with db.connect() as conn:
            rows = conn.execute(select(hash_entries.c.id, hash_entries.c.value).where(where)
                                .order_by(hash_entries.c.id)).all()
        if rows:
            idx.add(idx.to_words([r[1] for r in rows]), np.asarray([r[0] for r in rows], dtype=np.int64))
            idx.compact()
        _index_cache[key] = (version, idx)
        return idx


def run_rescan_range(db: Database, job_id: int, start: int, end: int, *, worker: str | None = None,
                     stop: threading.Event | None = None, chunk: int = CHUNK,
                     lease_s: int = LEASE_SECONDS) -> RangeResult:
    """Process one range [start, end) of a job from its checkpoint. Safe to call from any worker:
    it claims the range (a live claim of another worker makes it return `busy`), renews the lease
    with every checkpoint, and returns `stopped` when `stop` is set or the job was stopped."""
    worker = worker or default_worker()
    with db.connect() as conn:
        job = _job(conn, job_id)
        rng = conn.execute(select(rescan_ranges).where(
            rescan_ranges.c.job_id == job_id, rescan_ranges.c.start_id == start, rescan_ranges.c.end_id == end
        )).first()
    if rng is None:
        raise RescanError(f"job {job_id} has no range [{start}, {end})")
    if rng.status == "done":
        return RangeResult("done", next_id=int(rng.next_id))
    now = utc_now()
    with db.begin() as conn:
        got = conn.execute(update(rescan_ranges).where(
            rescan_ranges.c.id == rng.id, rescan_ranges.c.status != "done",
            or_(rescan_ranges.c.claimed_by.is_(None), rescan_ranges.c.lease_until < now,
                rescan_ranges.c.claimed_by == worker),
        ).values(claimed_by=worker, lease_until=now + timedelta(seconds=lease_s), status="running",
                 updated_at=now)).rowcount
        if got == 1 and job.status == "pending":
            conn.execute(update(rescan_jobs).where(rescan_jobs.c.id == job_id, rescan_jobs.c.status == "pending")
                         .values(status="running", updated_at=now))
    if got != 1:
        return RangeResult("busy", next_id=int(rng.next_id))
    src = resolve_source(db, job.source, job.signal_type)
    index = _target_index(db, job)
    result = RangeResult("stopped", next_id=int(rng.next_id))
    position = int(rng.next_id)
    while position < end:
        if stop is not None and stop.is_set():
            break
        t0 = time.perf_counter()
        with db.connect() as conn:
            if conn.execute(select(rescan_jobs.c.status).where(rescan_jobs.c.id == job_id)).scalar_one() == "stopped":
                break
            rows = src.rows(conn, position, end, chunk)
        new_position = int(rows[-1][0]) + 1 if len(rows) == chunk else end
        hits: list[dict[str, int]] = []
        if rows:
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            qi, eids, dist = index.search_words(index.to_words([r[1] for r in rows]))
            hits = [{"job_id": job_id, "source_id": int(s), "entry_id": int(e), "distance": int(d)}
                    for s, e, d in zip(ids[qi].tolist(), eids.tolist(), dist.tolist(), strict=True)]
        now = utc_now()
        with db.begin() as conn:
            moved = conn.execute(update(rescan_ranges).where(
                rescan_ranges.c.id == rng.id, rescan_ranges.c.claimed_by == worker,
                rescan_ranges.c.next_id == position,
            ).values(
                next_id=new_position, scanned=rescan_ranges.c.scanned + len(rows),
                hits=rescan_ranges.c.hits + len(hits), seconds=rescan_ranges.c.seconds + (time.perf_counter() - t0),
                lease_until=now + timedelta(seconds=lease_s), updated_at=now,
                status="done" if new_position >= end else "running",
                claimed_by=None if new_position >= end else worker,
            )).rowcount
            if moved != 1:  # another worker took the range over (our lease ran out): nothing written
                return RangeResult("lost_lease", result.scanned, result.hits, result.seconds, position)
            if hits:
                conn.execute(rescan_hits.insert(), hits)
        result.scanned += len(rows)
        result.hits += len(hits)
        result.seconds += time.perf_counter() - t0
        position = new_position
    result.next_id = position
    if position >= end:
        result.status = "done"
        _finish_if_complete(db, job_id)
    else:
        with db.begin() as conn:
            conn.execute(update(rescan_ranges).where(rescan_ranges.c.id == rng.id, rescan_ranges.c.claimed_by == worker)
                         .values(claimed_by=None, lease_until=None, status="pending", updated_at=utc_now()))
    return result


def _finish_if_complete(db: Database, job_id: int) -> None:
    with db.begin() as conn:
        left = conn.execute(select(func.count()).select_from(rescan_ranges).where(
            rescan_ranges.c.job_id == job_id, rescan_ranges.c.status != "done")).scalar_one()
        if left == 0:
            conn.execute(update(rescan_jobs).where(rescan_jobs.c.id == job_id)
                         .values(status="done", updated_at=utc_now()))


def run_rescan(db: Database, job_id: int, *, worker: str | None = None, stop: threading.Event | None = None,
               chunk: int = CHUNK, on_progress: Callable[[RangeResult], None] | None = None) -> dict[str, Any]:
    """Run a job's ranges one after another in this process until none is left
    (or it is stopped); returns `rescan_status`. Several processes may run it at once."""
    worker = worker or default_worker()
    while not (stop is not None and stop.is_set()):
        r = claim_range(db, job_id, worker=worker)
        if r is None:
            break
        res = run_rescan_range(db, job_id, r.start_id, r.end_id, worker=worker, stop=stop, chunk=chunk)
        if on_progress is not None:
            on_progress(res)
        if res.status != "done":
            break
    return rescan_status(db, job_id)


def stop_rescan(db: Database, job_id: int) -> None:
    """Ask every worker on the job to stop after its current chunk (checkpoints are kept)."""
    with db.begin() as conn:
        if _job(conn, job_id).status != "done":
            conn.execute(update(rescan_jobs).where(rescan_jobs.c.id == job_id)
                         .values(status="stopped", updated_at=utc_now()))


def resume_rescan(db: Database, job_id: int, *, take_over: bool = False) -> None:
    """Make a stopped job runnable again. `take_over` also frees ranges still
    claimed by a worker (one known to be dead: otherwise their lease runs out)."""
    with db.begin() as conn:
        job = _job(conn, job_id)
        if job.status == "done":
            return
        conn.execute(update(rescan_jobs).where(rescan_jobs.c.id == job_id)
                     .values(status="pending", updated_at=utc_now()))
        if take_over:
            conn.execute(update(rescan_ranges).where(rescan_ranges.c.job_id == job_id,
                                                     rescan_ranges.c.status != "done")
                         .values(claimed_by=None, lease_until=None, status="pending"))


def rescan_status(db: Database, job_id: int) -> dict[str, Any]:
    """Progress of a job: ids covered, hashes scanned, hits, and throughput per worker-second."""
    with db.connect() as conn:
        job = _job(conn, job_id)
        rows = conn.execute(select(rescan_ranges).where(rescan_ranges.c.job_id == job_id)
                            .order_by(rescan_ranges.c.start_id)).all()
    span = max(0, int(job.last_id) - int(job.first_id) + 1)
    covered = sum(int(r.next_id) - int(r.start_id) for r in rows)
    scanned = sum(int(r.scanned) for r in rows)
    seconds = sum(float(r.seconds) for r in rows)
    return {
        "job": int(job.id), "status": job.status, "source": job.source, "signal_type": job.signal_type,
        "banks": list(job.bank_ids), "radius": int(job.radius),
        "progress": round(covered / span, 4) if span else 1.0,
        "ranges": {"total": len(rows), "done": sum(r.status == "done" for r in rows),
                   "running": sum(r.status == "running" and r.claimed_by is not None for r in rows)},
        "scanned": scanned, "hits": sum(int(r.hits) for r in rows), "work_seconds": round(seconds, 2),
        "per_second": round(scanned / seconds) if seconds else None,
    }


def list_rescans(db: Database) -> list[dict[str, Any]]:
    with db.connect() as conn:
        ids = [int(r[0]) for r in conn.execute(select(rescan_jobs.c.id).order_by(rescan_jobs.c.id)).all()]
    return [rescan_status(db, i) for i in ids]


def rescan_hits_of(db: Database, job_id: int, *, limit: int = 1000, offset: int = 0) -> list[dict[str, int]]:
    with db.connect() as conn:
        rows = conn.execute(select(rescan_hits.c.source_id, rescan_hits.c.entry_id, rescan_hits.c.distance)
                            .where(rescan_hits.c.job_id == job_id).order_by(rescan_hits.c.id)
                            .limit(limit).offset(offset)).all()
    return [{"source_id": int(a), "entry_id": int(b), "distance": int(c)} for a, b, c in rows]


__all__ = [
    "CHUNK", "LEASE_SECONDS", "RANGE_SIZE", "RangeInfo", "RangeResult", "RescanError", "claim_range",
    "create_rescan", "list_rescans", "rescan_hits_of", "rescan_status", "resume_rescan", "run_rescan",
    "run_rescan_range", "stop_rescan",
]
