"""The audit trail: append-only, hash-chained, verifiable.

Every view and change of a case, report, evidence or referral appends one
entry. Each entry stores the hash of the one before it, and its own hash is
SHA-256 over a canonical JSON of its fields, so changing, deleting or
re-ordering any entry breaks the chain at that point; `verify` finds it.

Concurrency: every write transaction in `tutela.cases` starts by updating
the single `audit_head` row (`writing`). That takes the database's write lock
on SQLite (so a transaction never has to upgrade a stale read snapshot) and a
row lock on PostgreSQL, which serialises appends: two writers can never chain
onto the same predecessor. The audit entry commits or rolls back together
with the change it records.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from tutela.storage.db import Database
from tutela.storage.tables.cases import audit_head, audit_log
from tutela.storage.times import utc_now

GENESIS = "0" * 64

_ready: weakref.WeakSet[Database] = weakref.WeakSet()
_ready_lock = threading.Lock()


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept; the exact bytes that get hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(entry: dict[str, Any]) -> str:
    fields = {
        k: entry[k]
        for k in (
            "seq",
            "at",
            "actor",
            "org_id",
            "action",
            "object_type",
            "object_id",
            "details",
            "prev_hash",
        )
    }
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


def _ensure_head(db: Database) -> None:
    if db in _ready:
        return
    with _ready_lock:
        if db in _ready:
            return
        try:
            with db.begin() as conn:
                if conn.execute(select(audit_head.c.id).where(audit_head.c.id == 1)).first() is None:
                    conn.execute(audit_head.insert(), dict(id=1, seq=0, last_hash=GENESIS))
        except IntegrityError:
            pass  # another process created it first
        _ready.add(db)


@contextmanager
def writing(db: Database) -> Iterator[Connection]:
    """A write transaction that holds the audit lock from its first statement.

    The chain's head is read once here and written back once before commit, so a
    transaction that appends many entries (a group commit) pays for it once.
    """
    _ensure_head(db)
    with db.begin() as conn:
        conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq))
        head = conn.execute(
            select(audit_head.c.seq, audit_head.c.last_hash).where(audit_head.c.id == 1)
        ).one()
        conn.info["audit_head"] = [int(head.seq), head.last_hash, False]
        try:
            yield conn
            seq, last_hash, dirty = conn.info["audit_head"]
            if dirty:
                conn.execute(
                    update(audit_head).where(audit_head.c.id == 1).values(seq=seq, last_hash=last_hash)
                )
        finally:
            conn.info.pop("audit_head", None)


def append(
    conn: Connection,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: Any = None,
    org_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Append one entry inside a `writing` transaction; returns its sequence number."""
    head = conn.info.get("audit_head")
    if head is None:
        raise RuntimeError("audit.append must run inside audit.writing(db)")
    entry = {
        "seq": head[0] + 1,
        "at": utc_now().isoformat(timespec="microseconds"),
        "actor": actor,
        "org_id": org_id,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "details": canonical(details or {}),
        "prev_hash": head[1],
    }
    entry["hash"] = entry_hash(entry)
    conn.execute(audit_log.insert(), dict(**entry))
    head[:] = [entry["seq"], entry["hash"], True]
    return entry["seq"]


def append_many(conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Append several entries (each with the keyword arguments of `append`) in one statement."""
    head = conn.info.get("audit_head")
    if head is None:
        raise RuntimeError("audit.append_many must run inside audit.writing(db)")
    rows = []
    seq, prev = head[0], head[1]
    for e in entries:
        seq += 1
        row = {
            "seq": seq,
            "at": utc_now().isoformat(timespec="microseconds"),
            "actor": e["actor"],
            "org_id": e.get("org_id"),
            "action": e["action"],
            "object_type": e["object_type"],
            "object_id": None if e.get("object_id") is None else str(e["object_id"]),
            "details": canonical(e.get("details") or {}),
            "prev_hash": prev,
        }
        row["hash"] = prev = entry_hash(row)
        rows.append(row)
    if rows:
        conn.execute(audit_log.insert(), rows)
        head[:] = [seq, prev, True]


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"audit trail intact: {self.checked} entries verified"
        return f"audit trail BROKEN at entry {self.broken_seq}: {self.reason} ({self.checked} verified before it)"


def verify(db: Database, *, batch: int = 5000) -> VerifyResult:
    """Walk the chain from the start; report the first entry that does not hold."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    with db.connect() as conn:
        last_seq = 0
        while True:
            rows = (
                conn.execute(
                    select(audit_log).where(audit_log.c.seq > last_seq).order_by(audit_log.c.seq).limit(batch)
                )
                .mappings()
                .all()
            )
            if not rows:
                break
            for row in rows:
                entry = dict(row)
                if entry["seq"] != expected_seq:
                    return VerifyResult(False, checked, expected_seq, f"entry {expected_seq} is missing")
                if entry["prev_hash"] != prev:
                    return VerifyResult(False, checked, entry["seq"], "does not link to the entry before it")
                if entry_hash(entry) != entry["hash"]:
                    return VerifyResult(False, checked, entry["seq"], "its content does not match its hash")
                prev = entry["hash"]
                expected_seq += 1
                checked += 1
                last_seq = entry["seq"]
        head = conn.execute(
            select(audit_head.c.seq, audit_head.c.last_hash).where(audit_head.c.id == 1)
        ).first()
    if head is not None and (head.seq != checked or head.last_hash != prev):
        return VerifyResult(False, checked, checked + 1, "entries after this point were removed")
    return VerifyResult(True, checked)


def entries(
    db: Database, *, object_type: str | None = None, object_id: Any = None, limit: int = 200
) -> list[dict]:
    """Read entries back (newest first), e.g. for a case's access history."""
    q = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if object_type:
        q = q.where(audit_log.c.object_type == object_type)
    if object_id is not None:
        q = q.where(audit_log.c.object_id == str(object_id))
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]
