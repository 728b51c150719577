"""Assignment that balances load: give a case to the eligible reviewer with the fewest open cases.

Eligible: an active person of the case's organisation whose role works cases (`ASSIGNABLE_ROLES`:
analysts and supervisors; admins administer, liaisons and regulators do not review). Load: the
cases assigned to them that are not closed. Ties go to whoever was least recently given a case
(never given one counts as longest ago), then to the lower user id, so the choice is stable and
two supervisors pressing the button see the same answer. The pick and the assignment happen in
one audited transaction (the audit lock serialises writers), so two picks cannot both take the
same "least loaded" reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, func, select

from tutela.access import Principal
from tutela.cases import audit, authz
from tutela.cases.commands import assign_in, each_case
from tutela.cases.queries import detail_after_change
from tutela.config import Settings
from tutela.domain.cases import CaseDetail, CaseStatus
from tutela.storage.db import Database
from tutela.storage.tables.access import users
from tutela.storage.tables.cases import case_events, cases
from tutela.storage.times import as_utc_or_none

ASSIGNABLE_ROLES = ("analyst", "supervisor")


@dataclass(frozen=True)
class Load:
    user_id: int
    email: str
    open_cases: int
    last_assigned_at: datetime | None


def workloads(conn: Connection, org_id: int) -> list[Load]:
    """Every eligible reviewer of the organisation with their load, least loaded first (the pick order)."""
    people = conn.execute(
        select(users.c.id, users.c.email).where(
            users.c.org_id == org_id, users.c.disabled.is_(False), users.c.role.in_(ASSIGNABLE_ROLES)
        )
    ).all()
    if not people:
        return []
    ids = [p.id for p in people]
    open_counts: dict[int, int] = dict(conn.execute(
        select(cases.c.assigned_to, func.count())
        .where(cases.c.org_id == org_id, cases.c.assigned_to.in_(ids), cases.c.status != CaseStatus.CLOSED.value)
        .group_by(cases.c.assigned_to)
    ).all())
    details = {f"to user:{i}": i for i in ids}
    last: dict[str, datetime] = dict(conn.execute(
        select(case_events.c.detail, func.max(case_events.c.at))
        .join(cases, and_(cases.c.id == case_events.c.case_id, cases.c.org_id == org_id))
        .where(case_events.c.event == "assigned", case_events.c.detail.in_(list(details)))
        .group_by(case_events.c.detail)
    ).all())
    loads = [
        Load(p.id, p.email, int(open_counts.get(p.id, 0)), as_utc_or_none(last.get(f"to user:{p.id}")))
        for p in people
    ]
    return sorted(loads, key=lambda x: (x.open_cases, x.last_assigned_at is not None,
                                        x.last_assigned_at or datetime.min, x.user_id))


def _pick(conn: Connection, org_id: int, exclude: int | None) -> int:
    for load in workloads(conn, org_id):
        if load.user_id != exclude:
            return load.user_id
    raise ValueError("nobody is available: the organisation has no other active analyst or supervisor")


def assign_next(db: Database, settings: Settings, principal: Principal, case_id: int) -> CaseDetail:
    """Give one case to the next available reviewer (not the one who has it now). Supervisors and admins."""
    with audit.writing(db) as conn:
        _assign_balanced(conn, principal, case_id)
    return detail_after_change(db, settings, principal, case_id)


def auto_assign(db: Database, principal: Principal, case_ids: list[int]) -> dict[int, str]:
    """Spread several cases over the reviewers, one at a time so each pick sees the ones before it.

    Returns case id -> "user:<id>" or why that case was not assigned; each case succeeds on its own.
    """
    authz.require_permission(principal, "assign")

    return each_case(db, case_ids, lambda conn, cid: f"user:{_assign_balanced(conn, principal, cid)}")


def _assign_balanced(conn: Connection, principal: Principal, case_id: int) -> int:
    """Check the caller may assign this case, pick the least-loaded reviewer and assign; the reviewer's id."""
    access = authz.case_access(conn, principal, case_id, "assign")
    user_id = _pick(conn, access.case["org_id"], access.case["assigned_to"])
    assign_in(conn, principal, case_id, user_id, how="balanced")
    return user_id
