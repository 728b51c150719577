"""The audit trail: append-only, keyed hash chain, verifiable, with signed checkpoints.

Every view and change of a case, report, evidence or referral appends one
entry. Each entry stores the hash of the one before it, and its own hash is an
HMAC-SHA256, under a key kept outside the database (`audit_keys`), of a
canonical JSON of its fields. So changing, deleting or re-ordering any entry
breaks the chain at that point, and someone who can write to the database but
does not hold the key cannot recompute the chain after an edit. `verify` finds it.

Three more promises close the gaps a chain alone leaves:
- the `audit_head` row names the newest entry; verification fails when it is
  missing while entries exist, or when entries are missing before or after it;
- signed checkpoints (`checkpoints`), written to a file outside the database
  after the first entry and then every `Settings.audit_checkpoint_every`
  entries (and on `tutela audit checkpoint`), catch the newest entries deleted
  together with the head, or both tables emptied;
- chains begun before the key existed (older databases) are kept: their
  entries are checked by the old unkeyed rule (plain SHA-256) up to an
  `audit.keyed` marker entry, appended by the first writer that holds the key;
  from the marker on, every entry must carry the keyed hash.

Concurrency: every write transaction in `tutela.cases` starts by updating
the single `audit_head` row (`writing`). That takes the database's write lock
on SQLite (so a transaction never has to upgrade a stale read snapshot) and a
row lock on PostgreSQL, which serialises appends: two writers can never chain
onto the same predecessor. The audit entry commits or rolls back together
with the change it records; a checkpoint is written only after the commit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import weakref
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError

from tutela.cases.audit_keys import AuditKeys, audit_keys
from tutela.config import Settings
from tutela.storage.db import Database
from tutela.storage.tables.cases import audit_head, audit_log
from tutela.storage.times import utc_now

log = logging.getLogger(__name__)

GENESIS = "0" * 64
#: The entry that ends a chain's unkeyed (legacy) part: it and every later entry carry keyed hashes.
KEYED_MARKER = "audit.keyed"
_FIELDS = ("seq", "at", "actor", "org_id", "action", "object_type", "object_id", "details", "prev_hash")

_ready: weakref.WeakSet[Database] = weakref.WeakSet()
_ready_lock = threading.Lock()


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept; the exact bytes that get hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _payload(entry: dict[str, Any]) -> bytes:
    return canonical({k: entry[k] for k in _FIELDS}).encode("utf-8")


def keyed_hash(keys: AuditKeys, entry: dict[str, Any]) -> str:
    """The hash every entry carries now: HMAC-SHA256 under the audit key."""
    return keys.mac(_payload(entry))


def legacy_hash(entry: dict[str, Any]) -> str:
    """The unkeyed SHA-256 that entries written before the audit key carry (checked, never written)."""
    return hashlib.sha256(_payload(entry)).hexdigest()


def _settings(db: Database) -> Settings:
    if db.settings is None:
        raise RuntimeError(
            "the audit trail needs the instance's settings (its key and data dir): "
            "build the database with Database.from_settings(settings) or Database(url, settings=...)"
        )
    return db.settings


@dataclass
class _Head:
    """The chain's head as one write transaction sees and moves it."""

    seq: int
    last_hash: str
    keys: AuditKeys
    start_seq: int
    dirty: bool = False


def _ensure_head(db: Database, keys: AuditKeys) -> None:
    """Once per process and database: make the head row, and mark where an unkeyed chain becomes keyed."""
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
        marked = None
        with _locked(db, keys) as conn:
            head: _Head = conn.info["audit_head"]
            if head.seq and _newest_is_legacy(conn, head, keys):
                append(
                    conn, actor="system:audit", action=KEYED_MARKER, object_type="audit",
                    details={"key_id": keys.key_id, "legacy_entries": head.seq},
                )
                marked = (head.seq, head.last_hash)
        if marked:
            _checkpoint_quietly(_settings(db), keys, *marked)
        _ready.add(db)


def _newest_is_legacy(conn: Connection, head: _Head, keys: AuditKeys) -> bool:
    row = conn.execute(select(audit_log).where(audit_log.c.seq == head.seq)).mappings().first()
    if row is None or row["hash"] != head.last_hash:
        log.error("the audit head does not match entry %s: run `tutela audit verify`", head.seq)
        return False
    entry = dict(row)
    if keyed_hash(keys, entry) == entry["hash"]:
        return False
    if legacy_hash(entry) == entry["hash"]:
        return True
    log.error("audit entry %s is not chained with this instance's audit key (id %s): "
              "run `tutela audit verify`", head.seq, keys.key_id)
    return False


@contextmanager
def _locked(db: Database, keys: AuditKeys) -> Iterator[Connection]:
    with db.begin_write() as conn:
        conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq))
        row = conn.execute(select(audit_head.c.seq, audit_head.c.last_hash).where(audit_head.c.id == 1)).one()
        head = conn.info["audit_head"] = _Head(int(row.seq), row.last_hash, keys, int(row.seq))
        try:
            yield conn
            if head.dirty:
                conn.execute(update(audit_head).where(audit_head.c.id == 1).values(
                    seq=head.seq, last_hash=head.last_hash))
        finally:
            conn.info.pop("audit_head", None)


@contextmanager
def writing(db: Database) -> Iterator[Connection]:
    """A write transaction that holds the audit lock from its first statement.

    The chain's head is read once here and written back once before commit, so a
    transaction that appends many entries (a group commit) pays for it once. After
    the commit, a checkpoint is written when the chain has just begun or crossed a
    multiple of `audit_checkpoint_every`.
    """
    settings = _settings(db)
    keys = audit_keys(settings)
    _ensure_head(db, keys)
    with _locked(db, keys) as conn:
        head: _Head = conn.info["audit_head"]
        yield conn
    every = settings.audit_checkpoint_every
    if head.dirty and (head.start_seq == 0 or head.seq // every > head.start_seq // every):
        _checkpoint_quietly(settings, keys, head.seq, head.last_hash)


def _checkpoint_quietly(settings: Settings, keys: AuditKeys, seq: int, last_hash: str) -> None:
    """Write a checkpoint; a failure is logged, never raised: the change it follows is already committed."""
    from tutela.cases import checkpoints

    try:
        checkpoints.write(settings, keys, seq, last_hash)
    except OSError:
        log.exception("could not write the audit checkpoint for entry %s", seq)


def _head_of(conn: Connection) -> _Head:
    head = conn.info.get("audit_head")
    if head is None:
        raise RuntimeError("audit.append must run inside audit.writing(db)")
    return head


def _row(seq: int, prev: str, e: dict[str, Any]) -> dict[str, Any]:
    return {
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
    head = _head_of(conn)
    entry = _row(head.seq + 1, head.last_hash, dict(
        actor=actor, action=action, object_type=object_type, object_id=object_id, org_id=org_id,
        details=details,
    ))
    entry["hash"] = keyed_hash(head.keys, entry)
    conn.execute(audit_log.insert(), entry)
    head.seq, head.last_hash, head.dirty = entry["seq"], entry["hash"], True
    return entry["seq"]


def append_many(conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Append several entries (each with the keyword arguments of `append`) in one statement."""
    head = _head_of(conn)
    rows = []
    seq, prev = head.seq, head.last_hash
    for e in entries:
        seq += 1
        row = _row(seq, prev, e)
        row["hash"] = prev = keyed_hash(head.keys, row)
        rows.append(row)
    if rows:
        conn.execute(audit_log.insert(), rows)
        head.seq, head.last_hash, head.dirty = seq, prev, True


def checkpoint(db: Database) -> dict[str, Any]:
    """Write a signed checkpoint of the chain as it stands now (`tutela audit checkpoint`); returns it."""
    settings = _settings(db)
    keys = audit_keys(settings)
    _ensure_head(db, keys)
    with _locked(db, keys) as conn:
        head: _Head = conn.info["audit_head"]
    from tutela.cases import checkpoints

    return checkpoints.write(settings, keys, head.seq, head.last_hash)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None
    legacy: int = 0  # entries written before the audit key, checked by the old unkeyed rule
    checkpoints: int = 0  # signed checkpoints the chain was held against
    org_counts: dict[int | None, int] = field(default_factory=dict, compare=False, repr=False)

    def __str__(self) -> str:
        if not self.ok:
            where = f"at entry {self.broken_seq}" if self.broken_seq is not None else "outside the chain"
            return f"audit trail BROKEN {where}: {self.reason} ({self.checked} verified before it)"
        text = f"audit trail intact: {self.checked} entries verified"
        if self.legacy:
            text += (f"; the first {self.legacy} were written before the audit key existed and are "
                     "checked by the old unkeyed rule (they prove order, not that nobody recomputed them)")
        return text + f"; {self.checkpoints} signed checkpoint(s) match"


def verify(db: Database, *, checkpoints_file: Path | None = None, batch: int = 5000) -> VerifyResult:
    """Walk the chain from the start, then hold it against its head and its signed checkpoints.

    Returns the first thing that does not hold: an entry (edited, missing, re-ordered, hashed
    without the key), the head (missing, or entries missing after it), or a checkpoint (the chain
    is shorter than one attested, or differs from it, or the checkpoint file itself was edited).
    """
    from tutela.cases import checkpoints as cps

    settings = _settings(db)
    keys = audit_keys(settings)
    cp_path = checkpoints_file or cps.path(settings)
    attested, cp_problem = cps.read(cp_path, keys)
    wanted = {cp.seq for cp in attested}
    seen_at: dict[int, str] = {}
    orgs: Counter[int | None] = Counter()
    prev, checked, legacy, keyed = GENESIS, 0, 0, False

    def broken(seq: int | None, reason: str) -> VerifyResult:
        return VerifyResult(False, checked, seq, reason, legacy, 0, dict(orgs))

    with db.connect() as conn:
        head = conn.execute(
            select(audit_head.c.seq, audit_head.c.last_hash).where(audit_head.c.id == 1)
        ).first()
        bound = None if head is None else int(head.seq)  # later entries are concurrent writers' (or not ours)
        last_seq = 0
        while True:
            q = select(audit_log).where(audit_log.c.seq > last_seq).order_by(audit_log.c.seq).limit(batch)
            if bound is not None:
                q = q.where(audit_log.c.seq <= bound)
            rows = conn.execute(q).mappings().all()
            if not rows:
                break
            for row in rows:
                entry = dict(row)
                seq = entry["seq"]
                if seq != checked + 1:
                    return broken(checked + 1, f"entry {checked + 1} is missing")
                if entry["prev_hash"] != prev:
                    return broken(seq, "does not link to the entry before it")
                if keyed_hash(keys, entry) == entry["hash"]:
                    if not keyed and checked and entry["action"] != KEYED_MARKER:
                        return broken(seq, "keyed entries follow unkeyed ones without the "
                                           f"'{KEYED_MARKER}' marker")
                    keyed = True
                elif legacy_hash(entry) == entry["hash"]:
                    if keyed:
                        return broken(seq, "it is hashed without the audit key although the chain is keyed "
                                           "before it: it was rewritten by someone who does not hold the key")
                    legacy += 1
                else:
                    return broken(seq, "its content does not match its hash (or it was chained with another "
                                       f"audit key than this instance's, id {keys.key_id})")
                prev = entry["hash"]
                checked = last_seq = seq
                orgs[entry["org_id"]] += 1
                if seq in wanted:
                    seen_at[seq] = prev
        newest = conn.execute(select(func.max(audit_log.c.seq))).scalar()
        head_now = conn.execute(select(audit_head.c.seq).where(audit_head.c.id == 1)).scalar()

    if head is None:
        if checked:
            return broken(None, f"the audit_head row is missing although {checked} entries exist: "
                                "it was deleted")
    elif head.seq > checked:
        return broken(checked + 1, f"entries {checked + 1} to {head.seq} were removed "
                                   f"(the head names {head.seq})")
    elif head.last_hash != prev:
        return broken(checked, "the head does not name the newest entry: the head or the chain was edited")
    if newest is not None and (head_now is None or newest > head_now):
        return broken(int(newest), "entries exist after the head: they were added outside the audit trail")
    if cp_problem:
        return broken(None, cp_problem)
    for cp in attested:
        if cp.seq > checked:
            return broken(checked + 1, f"the checkpoint of {cp.at} (line {cp.line} of {cp_path}) attests "
                                       f"{cp.seq} entries, the chain has {checked}: entries were removed")
        if seen_at.get(cp.seq) != cp.head:
            return broken(cp.seq, f"entry {cp.seq} is not the one the checkpoint of {cp.at} signed: "
                                  "the chain was rewritten")
    if keyed and not attested:
        return broken(None, f"no signed checkpoint at {cp_path} although the chain has keyed entries: the "
                            "file was deleted, or this machine does not write them (pass --checkpoints)")
    return VerifyResult(True, checked, legacy=legacy, checkpoints=len(attested), org_counts=dict(orgs))


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
