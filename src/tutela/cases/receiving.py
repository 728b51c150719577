"""Who receives the public's reports: a hotline with people in it, and never nobody.

A report from the public form (no credential) belongs to the first organisation of kind `hotline`
(lowest id) that has at least one enabled person. An instance refuses to route public reports to a
hotline with nobody in it: a report in a queue nobody reads is a child nobody answers.

While no hotline has people (a fresh install, or every person disabled), reports are not refused and
not lost: they wait in one organisation Tutela makes for the purpose (kind `holding`, named
`HOLDING_ORG_NAME`; nobody can be added to it), the server says so in its log and at `tutela serve`,
and the moment a hotline has a person they move to that hotline's queue with an event on each case
and an entry in the audit trail (`adopt_waiting`). That happens on the next public report, at server
start-up, and when `tutela admin create-user` adds someone to a hotline.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from tutela.access.keys import HOLDING_KIND
from tutela.cases import audit
from tutela.storage.db import Database
from tutela.storage.tables.access import orgs, users
from tutela.storage.tables.cases import case_events, case_keys, cases, idempotency_keys, reports
from tutela.storage.times import utc_now

log = logging.getLogger(__name__)

#: The organisation public reports wait in while no hotline has people.
HOLDING_ORG_NAME = "Public reports waiting for a hotline"
#: How long a process trusts the hotline it found before looking again (a person may be disabled).
_TRUST_SECONDS = 30.0
SETUP_HINT = (
    'tutela admin create-org "Your Hotline" --kind hotline --country TR; '
    'tutela admin create-user --org "Your Hotline" --email you@example.org --role supervisor'
)

_found: weakref.WeakKeyDictionary[Database, tuple[int, float]] = weakref.WeakKeyDictionary()
_warned: weakref.WeakKeyDictionary[Database, bool] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


@dataclass(frozen=True)
class IntakeState:
    """What an operator needs to know about public intake, for `tutela serve` and the logs."""

    hotline: dict | None  # {"id", "name"} of the hotline receiving public reports, if any
    empty_hotlines: list[str]  # hotlines with nobody in them: refused
    waiting: int  # public reports waiting for a hotline

    def advice(self) -> str | None:
        """One paragraph saying what to do, or None when public reports reach people."""
        if self.hotline is not None:
            return None
        lines = []
        if self.empty_hotlines:
            names = ", ".join(repr(n) for n in self.empty_hotlines)
            lines.append(f"Public reports are not routed to {names}: a hotline needs at least one person. "
                         f"Add one: tutela admin create-user --org {self.empty_hotlines[0]!r} "
                         "--email you@example.org --role supervisor.")
        else:
            lines.append(f"No hotline receives public reports yet. Create one and add a person: {SETUP_HINT}.")
        lines.append(f"Until then reports from /report are kept ({self.waiting} waiting) and move to the "
                     "hotline's queue as soon as it has a person.")
        return " ".join(lines)


def staffed_hotline(db: Database) -> dict | None:
    """The hotline that receives public reports: lowest id of kind hotline with an enabled person."""
    staffed = exists().where(users.c.org_id == orgs.c.id, users.c.disabled.is_(False))
    with db.connect() as conn:
        row = conn.execute(
            select(orgs.c.id, orgs.c.name).where(orgs.c.kind == "hotline", staffed).order_by(orgs.c.id).limit(1)
        ).first()
    return {"id": int(row.id), "name": row.name} if row else None


def _holding_id(db: Database, *, create: bool) -> int | None:
    with db.connect() as conn:
        found = conn.execute(select(orgs.c.id).where(orgs.c.kind == HOLDING_KIND).limit(1)).scalar()
    if found is not None or not create:
        return found
    try:
        with db.begin() as conn:
            return int(conn.execute(orgs.insert().values(
                name=HOLDING_ORG_NAME, kind=HOLDING_KIND, country=None, created_at=utc_now()
            )).inserted_primary_key[0])
    except IntegrityError:  # another process made it first
        return _holding_id(db, create=False)


def intake_state(db: Database) -> IntakeState:
    hotline = staffed_hotline(db)
    staffed = exists().where(users.c.org_id == orgs.c.id, users.c.disabled.is_(False))
    with db.connect() as conn:
        empty = [r.name for r in conn.execute(
            select(orgs.c.name).where(orgs.c.kind == "hotline", ~staffed).order_by(orgs.c.id))]
        holding = conn.execute(select(orgs.c.id).where(orgs.c.kind == HOLDING_KIND).limit(1)).scalar()
        waiting = 0 if holding is None else len(conn.execute(
            select(cases.c.id).where(cases.c.org_id == holding)).all())
    return IntakeState(hotline=hotline, empty_hotlines=empty, waiting=waiting)


def adopt_waiting(db: Database, hotline_id: int) -> int:
    """Move every report waiting in the holding organisation to `hotline_id`; returns how many cases moved.

    One transaction: cases, their reports, deduplication keys and idempotency keys change owner together,
    each case gets a `routed` event, and the audit trail records the move.
    """
    holding = _holding_id(db, create=False)
    if holding is None:
        return 0
    with audit.writing(db) as conn:
        moved = [r.id for r in conn.execute(select(cases.c.id).where(cases.c.org_id == holding))]
        if not moved:
            return 0
        at = utc_now()
        conn.execute(update(cases).where(cases.c.org_id == holding).values(org_id=hotline_id, updated_at=at))
        conn.execute(update(reports).where(reports.c.org_id == holding).values(org_id=hotline_id))
        conn.execute(update(case_keys).where(case_keys.c.org_id == holding).values(org_id=hotline_id))
        conn.execute(update(idempotency_keys).where(idempotency_keys.c.org_id == holding)
                     .values(org_id=hotline_id))
        conn.execute(case_events.insert(), [
            {"case_id": cid, "at": at, "actor": "system", "event": "routed", "from_status": None,
             "to_status": None, "detail": "kept while no hotline had people; now in this hotline's queue"}
            for cid in moved
        ])
        audit.append(conn, actor="system", org_id=hotline_id, action="cases.adopt_waiting",
                     object_type="org", object_id=hotline_id, details={"cases": len(moved)})
    log.warning("%d public report(s) that waited for a hotline are now in the queue of organisation %d",
                len(moved), hotline_id)
    return len(moved)


def receiving_org(db: Database) -> int:
    """The organisation a public report belongs to: the staffed hotline, else the holding organisation."""
    now = time.monotonic()
    cached = _found.get(db)
    if cached is not None and now - cached[1] < _TRUST_SECONDS:
        return cached[0]
    for attempt in range(50):
        try:
            return _resolve(db, now)
        except OperationalError:
            # SQLite refuses a read-then-write transaction while the intake writer commits: try again
            if attempt == 49:
                raise
            time.sleep(0.02)
    raise AssertionError("unreachable")


def _resolve(db: Database, now: float) -> int:
    with _lock:
        hotline = staffed_hotline(db)
        if hotline is not None:
            adopt_waiting(db, hotline["id"])
            _found[db] = (hotline["id"], now)
            _warned.pop(db, None)
            return hotline["id"]
        _found.pop(db, None)
        if not _warned.get(db):
            _warned[db] = True
            log.warning("public report kept, not routed: %s", intake_state(db).advice())
        holding = _holding_id(db, create=True)
        assert holding is not None
        return holding
