"""Reading cases: the queue (filters, search, order, paging), what a queue row shows, and the
full case. Every read is audited, the queue view included.
"""

from __future__ import annotations

from sqlalchemy import String, cast, func, or_, select

from tutela.access import Principal
from tutela.cases import audit, authz
from tutela.cases.views import case_detail, summary
from tutela.config import Settings
from tutela.domain.cases import CaseDetail, CaseStatus, CaseSummary, Priority
from tutela.storage.db import Database
from tutela.storage.tables.cases import cases, evidence, referrals, reports
from tutela.storage.times import utc_now


def visible_filter(principal: Principal):
    """Cases the caller may see: its own (when its role sees them) and those referred to its organisation."""
    referred = select(referrals.c.case_id).where(referrals.c.target_org_id == principal.org_id)
    if authz.sees_own_cases(principal):
        return or_(cases.c.org_id == principal.org_id, cases.c.id.in_(referred))
    return cases.c.id.in_(referred)


#: Queue orders a reviewer may choose: the name in the address -> columns (ties go to the case id).
QUEUE_SORTS = ("priority", "received", "-received", "deadline", "-deadline")


def search_filter(search: str):
    """Cases with a report of that reference code, a URL containing the text, or a file with that
    hash (sha256, md5 or PDQ; a prefix of at least 8 hex digits is enough), or `#12` for case 12."""
    text = search.strip()
    if text.startswith("#") and text[1:].isdigit():
        return cases.c.id == int(text[1:])
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    by_report = select(reports.c.case_id).where(
        or_(
            func.upper(reports.c.reference_code) == text.upper(),
            cast(reports.c.urls, String).like(like, escape="\\"),
        )
    )
    conditions = [cases.c.id.in_(by_report)]
    hexed = text.lower()
    if len(hexed) >= 8 and all(c in "0123456789abcdef" for c in hexed):
        prefix = hexed + "%"
        conditions.append(
            cases.c.id.in_(
                select(evidence.c.case_id).where(
                    or_(evidence.c.sha256.like(prefix), evidence.c.md5.like(prefix), evidence.c.pdq.like(prefix))
                )
            )
        )
    return or_(*conditions)


def list_queue(
    db: Database,
    principal: Principal,
    *,
    status: str | None = None,
    priority: str | None = None,
    assigned_to: int | None = None,
    limit: int = 100,
    offset: int = 0,
    search: str | None = None,
    sort: str = "priority",
) -> list[CaseSummary]:
    """Cases the caller may see, most urgent first, then nearest deadline (or as `sort` asks).

    `search` finds a reference code, a URL (or part of one), a file hash or `#case-id`.
    """
    authz.require_permission(principal, "read")
    if status is not None and status not in {s.value for s in CaseStatus} | {"open"}:
        raise ValueError(f"unknown status {status!r}; valid: open, {', '.join(s.value for s in CaseStatus)}")
    if priority is not None and priority not in {p.value for p in Priority}:
        raise ValueError(f"unknown priority {priority!r}; valid: {', '.join(p.value for p in Priority)}")
    if sort not in QUEUE_SORTS:
        raise ValueError(f"unknown sort {sort!r}; valid: {', '.join(QUEUE_SORTS)}")
    limit = max(1, min(int(limit), 1000))
    offset = max(0, int(offset))
    search = (search or "").strip()[:300] or None
    q = select(cases).where(visible_filter(principal))
    if status == "open":
        q = q.where(cases.c.status != CaseStatus.CLOSED.value)
    elif status is not None:
        q = q.where(cases.c.status == status)
    if priority is not None:
        q = q.where(cases.c.priority == priority)
    if assigned_to is not None:
        q = q.where(cases.c.assigned_to == assigned_to)
    if search is not None:
        q = q.where(search_filter(search))
    by_deadline = (cases.c.deadline_at.is_(None), cases.c.deadline_at)
    order = {
        "priority": (cases.c.priority_rank, *by_deadline),
        "received": (cases.c.created_at.desc(),),
        "-received": (cases.c.created_at,),
        "deadline": by_deadline,
        "-deadline": (cases.c.deadline_at.is_(None), cases.c.deadline_at.desc()),
    }[sort]
    q = q.order_by(*order, cases.c.id).limit(limit).offset(offset)
    with audit.writing(db) as conn:  # a queue view is a view too: audited, with what was asked
        rows = conn.execute(q).mappings().all()
        audit.append(
            conn,
            actor=principal.actor,
            org_id=principal.org_id,
            action="queue.view",
            object_type="queue",
            details={"status": status, "priority": priority, "assigned_to": assigned_to, "cases": len(rows),
                     "search": bool(search), "offset": offset, "sort": sort},
        )
    at = utc_now()
    return [summary(dict(r), at) for r in rows]


def queue_facts(db: Database, principal: Principal, case_ids: list[int]) -> dict[int, dict]:
    """What a queue row shows besides the case itself, for cases the caller may see: the first
    report's reference code, the reports' languages, whether there is an image or video, and the
    hash lists a file matched. No content: only what a reviewer needs to choose what to open."""
    authz.require_permission(principal, "read")
    if not case_ids:
        return {}
    facts: dict[int, dict] = {
        cid: {"reference_code": None, "languages": [], "media": False, "hash_banks": []} for cid in case_ids
    }
    visible = select(cases.c.id).where(visible_filter(principal), cases.c.id.in_(case_ids))
    with db.connect() as conn:
        for r in conn.execute(
            select(reports.c.case_id, reports.c.reference_code, reports.c.language, reports.c.analysis)
            .where(reports.c.case_id.in_(visible))
            .order_by(reports.c.id)
        ):
            f = facts[r.case_id]
            f["reference_code"] = f["reference_code"] or r.reference_code
            if r.language and r.language not in f["languages"]:
                f["languages"].append(r.language)
            for bank in (r.analysis or {}).get("hash_banks", []):
                if bank not in f["hash_banks"]:
                    f["hash_banks"].append(bank)
        for r in conn.execute(
            select(evidence.c.case_id).where(
                evidence.c.case_id.in_(visible),
                evidence.c.deleted_at.is_(None),
                or_(evidence.c.content_type.like("image/%"), evidence.c.content_type.like("video/%")),
            )
        ):
            facts[r.case_id]["media"] = True
    return facts


def get_case(db: Database, settings: Settings, principal: Principal, case_id: int) -> CaseDetail:
    """The full case for a reviewer; the view itself is audited."""
    with audit.writing(db) as conn:
        access = authz.case_access(conn, principal, case_id, "read")
        detail = case_detail(conn, settings, principal, access)
        audit.append(
            conn,
            actor=principal.actor,
            org_id=principal.org_id,
            action="case.view",
            object_type="case",
            object_id=case_id,
            details={"access": access.relation},
        )
    return detail


def detail_after_change(db: Database, settings: Settings, principal: Principal, case_id: int) -> CaseDetail:
    """The case as its changer sees it right after a change (the change itself is the audited act)."""
    with db.connect() as conn:
        access = authz.case_access(conn, principal, case_id, "read")
        return case_detail(conn, settings, principal, access)
