"""Appeals against a closed case's outcome: the owner's list, and a supervisor's decision."""

from __future__ import annotations

from sqlalchemy import select, update

from tutela.access import NotFound, Principal
from tutela.cases import audit, authz
from tutela.cases.commands import insert_note, set_status
from tutela.config import Settings
from tutela.domain.cases import AppealView, CaseStatus
from tutela.storage.db import Database
from tutela.storage.tables.cases import appeals, case_notes, cases
from tutela.storage.times import as_utc, as_utc_or_none, utc_now


def list_appeals(db: Database, principal: Principal, *, status: str | None = "open") -> list[AppealView]:
    """The owner's appeals (open ones unless `status` says otherwise), oldest first."""
    authz.require_permission(principal, "appeal")
    q = select(appeals).join(cases, cases.c.id == appeals.c.case_id).where(cases.c.org_id == principal.org_id)
    if status:
        q = q.where(appeals.c.status == status)
    with db.connect() as conn:
        rows = conn.execute(q.order_by(appeals.c.id)).mappings().all()
    return [
        AppealView(
            id=r["id"],
            case_id=r["case_id"],
            status=r["status"],
            created_at=as_utc(r["created_at"]),
            decided_at=as_utc_or_none(r["decided_at"]),
        )
        for r in rows
    ]


def decide_appeal(
    db: Database, settings: Settings, principal: Principal, appeal_id: int, upheld: bool, *, note: str | None = None
) -> AppealView:
    """Upheld: the case reopens for a fresh review. Rejected: the reporter is told, and it stays closed."""
    authz.require_permission(principal, "appeal")
    with audit.writing(db) as conn:
        row = conn.execute(select(appeals).where(appeals.c.id == appeal_id)).mappings().first()
        if row is None:
            raise NotFound(f"no appeal {appeal_id}")
        access = authz.case_access_as(conn, principal, row["case_id"], "appeal", f"no appeal {appeal_id}")
        if access.relation != "owner":
            raise NotFound(f"no appeal {appeal_id}")
        if row["status"] != "open":
            raise ValueError(f"appeal {appeal_id} was already decided ({row['status']})")
        at = utc_now()
        status = "upheld" if upheld else "rejected"
        conn.execute(
            update(appeals)
            .where(appeals.c.id == appeal_id)
            .values(status=status, decided_at=at, decided_by=principal.actor)
        )
        case = access.case
        if upheld and case["status"] == CaseStatus.CLOSED.value:
            set_status(
                conn,
                case,
                CaseStatus.TRIAGED,
                principal.actor,
                at,
                event="reopened",
                detail=f"appeal {appeal_id} upheld",
                extra={"outcome": None, "outcome_key": None, "outcome_ground": None},
            )
            text = "Your appeal was accepted. We are looking at your report again."
        else:
            text = "We reviewed your appeal carefully and our decision stays the same."
        conn.execute(
            case_notes.insert().values(
                case_id=row["case_id"], at=at, author="system", org_id=None, for_reporter=True, text=text
            )
        )
        if note:
            insert_note(conn, row["case_id"], principal, note, for_reporter=False, at=at,
                         settings=settings)
        audit.append(
            conn,
            actor=principal.actor,
            org_id=principal.org_id,
            action="appeal.decide",
            object_type="case",
            object_id=row["case_id"],
            details={"appeal_id": appeal_id, "status": status},
        )
    return AppealView(
        id=appeal_id,
        case_id=row["case_id"],
        status=status,
        created_at=as_utc(row["created_at"]),
        decided_at=at,
    )
