"""The durable outbox: slow work a decision asks for, committed with the decision, done by workers.

    request:  one transaction { decision log row, outbox row }  -> answer
    worker:   claim rows -> handler(key, payload) -> mark done (payload cleared)
              (a kind with a batch handler: the claimed rows together, marked done in one transaction)

A crash loses nothing: the row is in the database before the request is
answered. A crash does nothing twice: every row has a unique `key`, which is
also the idempotency key its handler passes on (a case is opened with
`idempotency_key=<decision id>`, so a second run finds the first case and
returns it). A claim is a lease (`claimed_until`): a worker killed mid-row
leaves it claimed until the lease runs out, then another worker takes it.
Failures are retried with exponential backoff; after `MAX_ATTEMPTS` a row is
`dead` and stays for an operator (`tutela worker --dead`).

Claiming works the same on SQLite and PostgreSQL: one conditional UPDATE
stamps a fresh claim token on rows nobody holds, then the rows with that
token are read back. PostgreSQL re-checks the condition after a row lock
wait, so two workers never get the same row.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, or_, select, update

from tutela.config import Settings
from tutela.storage.db import Database
from tutela.storage.tables.jobs import outbox
from tutela.storage.times import utc_now

log = logging.getLogger(__name__)

#: After this many failed attempts a row is `dead` (kept, not retried).
MAX_ATTEMPTS = 8
#: Backoff caps at this many seconds between attempts.
MAX_BACKOFF_S = 300.0
#: How long a claim holds before another worker may take the row over.
CLAIM_S = 60.0
_PURPOSE = "outbox"


class Permanent(Exception):
    """A failure a retry will not change (the receiver refused): the row is dead at once."""


class OutboxError(Exception):
    """A payload that cannot be opened (wrong vault key, tampered): retried, then dead."""


@dataclass(frozen=True)
class Job:
    """One claimed outbox row."""

    id: int
    kind: str
    key: str
    org_id: int | None
    payload: dict[str, Any]
    attempts: int


def _seal(settings: Settings | None, payload: dict[str, Any]) -> str:
    from tutela.cases.vault import seal_field

    text = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    return seal_field(settings, text, purpose=_PURPOSE) or text


def _open(settings: Settings | None, value: str | None) -> dict[str, Any]:
    from tutela.cases.vault import FIELD_PREFIX, open_field

    if value is None:
        return {}
    text = open_field(settings, value, purpose=_PURPOSE)
    if text is None or (value.startswith(FIELD_PREFIX) and text.startswith("[sealed:")):
        raise OutboxError("the outbox payload cannot be opened with the loaded vault key")
    return json.loads(text)


def new_row(settings: Settings | None, kind: str, key: str, payload: dict[str, Any], *,
            org_id: int | None = None) -> dict[str, Any]:
    """A pending row for `outbox.insert()`, its payload sealed with the vault key (it may carry
    preserved message text). For a key nobody can have used yet (a fresh decision id): a second
    row with the same key is refused by the unique constraint."""
    now = utc_now()
    return {"kind": kind, "key": key, "org_id": org_id, "payload": _seal(settings, payload), "status": "pending",
            "attempts": 0, "available_at": now, "created_at": now}


def enqueue(
    conn: Connection, settings: Settings | None, kind: str, key: str, payload: dict[str, Any], *,
    org_id: int | None = None,
) -> bool:
    """Add work inside the caller's transaction; False when work with this key is already there."""
    # keys are decision or message ids: a second writer of the same key is a replay of the same
    # work, and the unique constraint turns a race between two of them into an error, never a twin
    if conn.execute(select(outbox.c.id).where(outbox.c.key == key)).first() is not None:
        return False
    # one cached statement; `.values(**row)` compiled a new one per call
    conn.execute(outbox.insert(), new_row(settings, kind, key, payload, org_id=org_id))
    return True


def claim(db: Database, settings: Settings | None, worker: str, *, limit: int = 50,
          kinds: tuple[str, ...] | None = None, claim_s: float = CLAIM_S) -> list[Job]:
    """Take up to `limit` due rows nobody holds (or whose holder's claim ran out), oldest first."""
    now = utc_now()
    token = f"{worker[:20]}:{uuid.uuid4().hex[:16]}"
    free = or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now)
    due = and_(outbox.c.status == "pending", outbox.c.available_at <= now, free)
    if kinds:
        due = and_(due, outbox.c.kind.in_(kinds))
    with db.begin_write() as conn:
        ids = [r.id for r in conn.execute(select(outbox.c.id).where(due).order_by(outbox.c.id).limit(limit))]
        if not ids:
            return []
        conn.execute(update(outbox).where(outbox.c.id.in_(ids), due).values(
            claim=token, claimed_until=now + timedelta(seconds=claim_s)))
        rows = conn.execute(select(outbox).where(outbox.c.claim == token).order_by(outbox.c.id)).mappings().all()
    jobs = []
    for r in rows:
        try:
            payload = _open(settings, r["payload"])
        except (OutboxError, ValueError) as exc:
            fail(db, r["id"], token, r["attempts"], exc)
            continue
        jobs.append(Job(r["id"], r["kind"], r["key"], r["org_id"], payload, r["attempts"]))
    return jobs


def complete(db: Database, job: Job, result: str | None = None, *, conn: Connection | None = None) -> None:
    """Mark done and drop the payload (it may hold message text that is now in the case vault)."""
    complete_many(db, [(job, result)], conn=conn)


def complete_many(db: Database, done: list[tuple[Job, str | None]], *, conn: Connection | None = None) -> None:
    """`complete` for several rows in one transaction (one cached statement, executed for each row)."""
    if not done:
        return
    stmt = update(outbox).where(outbox.c.id == bindparam("b_id")).values(
        status="done", done_at=bindparam("b_at"), payload=None, claim=None, claimed_until=None,
        result=bindparam("b_result"), attempts=bindparam("b_attempts"))
    now = utc_now()
    rows = [{"b_id": job.id, "b_at": now, "b_result": (result or "")[:500] or None, "b_attempts": job.attempts + 1}
            for job, result in done]
    if conn is not None:
        conn.execute(stmt, rows)
        return
    with db.begin_write() as c:
        c.execute(stmt, rows)


def backoff_s(attempts: int) -> float:
    """1 s, 2 s, 4 s ... up to `MAX_BACKOFF_S`, with ±20 % jitter so retries do not arrive in step."""
    return min(MAX_BACKOFF_S, 2.0 ** max(attempts - 1, 0)) * random.uniform(0.8, 1.2)


def fail(db: Database, job_id: int, token: str | None, attempts: int, error: BaseException | str) -> str:
    """Record a failed attempt: retried later, or `dead` after `MAX_ATTEMPTS`. Returns the new status."""
    attempts += 1
    status = "dead" if attempts >= MAX_ATTEMPTS or isinstance(error, Permanent) else "pending"
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    with db.begin_write() as conn:
        conn.execute(update(outbox).where(outbox.c.id == job_id).values(
            status=status, attempts=attempts, claim=None, claimed_until=None, last_error=message[:500],
            available_at=utc_now() + timedelta(seconds=backoff_s(attempts))))
    log.warning("outbox job %d failed (attempt %d, now %s): %s", job_id, attempts, status, message[:200])
    return status


def depth(db: Database) -> dict[str, int]:
    """Rows per status (pending, done, dead)."""
    with db.connect() as conn:
        rows = conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all()
    return {status: int(n) for status, n in rows}


def oldest_pending_age_s(db: Database) -> float:
    """Seconds the oldest pending row has waited (the outbox's lag); 0 when empty."""
    with db.connect() as conn:
        oldest = conn.execute(select(func.min(outbox.c.created_at)).where(outbox.c.status == "pending")).scalar()
    if oldest is None:
        return 0.0
    from tutela.storage.times import as_utc

    return max(0.0, (utc_now() - as_utc(oldest)).total_seconds())


def purge_done(db: Database, older_than_s: float = 7 * 86400) -> int:
    """Delete done rows older than `older_than_s` (their keys are no longer needed: a case's own
    idempotency key keeps a late replay from opening a second one)."""
    cutoff = utc_now() - timedelta(seconds=older_than_s)
    with db.begin() as conn:
        res = conn.execute(delete(outbox).where(outbox.c.status == "done", outbox.c.done_at < cutoff))
    return int(res.rowcount or 0)


def retry_dead(db: Database) -> int:
    """Put every dead row back in the queue (after an operator fixed the cause)."""
    with db.begin() as conn:
        res = conn.execute(update(outbox).where(outbox.c.status == "dead").values(
            status="pending", attempts=0, available_at=utc_now(), last_error=None))
    return int(res.rowcount or 0)


__all__ = ["CLAIM_S", "Job", "MAX_ATTEMPTS", "OutboxError", "Permanent", "backoff_s", "claim", "complete", "complete_many", "depth", "enqueue",
           "new_row",
           "fail", "oldest_pending_age_s", "purge_done", "retry_dead"]
