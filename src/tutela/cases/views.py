"""Case views built from rows: the queue summary, a report as a reviewer sees it, evidence
metadata, referrals and the full case detail.

Reading only; the callers (`queries`, `commands`, `exports`) check access and audit. Sealed fields
open with the `settings` passed in; with `None` (no key at hand) they are left out, never guessed.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, or_, select

from tutela.access import Principal
from tutela.cases import authz, lifecycle, vault
from tutela.config import Settings
from tutela.domain.cases import (
    CaseDetail,
    CaseStatus,
    CaseSummary,
    Contact,
    EvidenceMeta,
    Flag,
    NoteView,
    Priority,
    ReferralView,
    ReportView,
    Route,
    TimelineEntry,
)
from tutela.storage.tables.cases import case_events, case_notes, evidence, referrals, reports
from tutela.storage.times import as_utc, as_utc_or_none, utc_now


def summary(row: dict, at: datetime | None = None) -> CaseSummary:
    at = at or utc_now()
    deadline = as_utc_or_none(row["deadline_at"])
    return CaseSummary(
        id=row["id"],
        org_id=row["org_id"],
        status=CaseStatus(row["status"]),
        priority=Priority(row["priority"]),
        category=row["category"],
        country=row["country"],
        report_count=row["report_count"],
        assigned_to=row["assigned_to"],
        created_at=as_utc(row["created_at"]),
        updated_at=as_utc(row["updated_at"]),
        stage_entered_at=as_utc(row["stage_entered_at"]),
        deadline_at=deadline,
        overdue=deadline is not None and deadline < at,
        legal_hold=bool(row["legal_hold"]),
        outcome=row["outcome"],
        outcome_key=row.get("outcome_key"),
        outcome_ground=row.get("outcome_ground"),
    )


def report_view(conn: Connection, settings: Settings | None, row: dict, *, owner: bool = True) -> ReportView:
    description = vault.get_text(conn, settings, row["description_vault_id"]) if settings else None
    contact_text = vault.get_text(conn, settings, row["contact_vault_id"]) if settings and owner else None
    notice_text = vault.get_text(conn, settings, row["notice_vault_id"]) if settings else None
    analysis = row["analysis"] or {}
    flags = []
    for e in analysis.get("explanations", []):
        span = None
        if description is not None and e.get("start") is not None and e.get("end") is not None:
            span = description[e["start"] : e["end"]]
        flags.append(Flag(**e, text=span))
    return ReportView(
        id=row["id"],
        reference_code=row["reference_code"],
        created_at=as_utc(row["created_at"]),
        category=row["category"],
        category_key=row["category_key"],
        reporter_kind=row["reporter_kind"],
        anonymous=row["anonymous"],
        has_contact=row["contact_vault_id"] is not None,
        contact=Contact.model_validate_json(contact_text) if contact_text else None,
        description=description,
        urls=row["urls"] or [],
        country=row["country"],
        language=row["language"],
        notice=json.loads(notice_text) if notice_text else {},
        analysis_flags=analysis.get("flags", []),
        analysis_scores=analysis.get("scores", {}),
        explanations=flags,
        signals=analysis.get("signals") or {},
        stages=analysis.get("stages") or [],
        conversation_risk=analysis.get("conversation") or {},
        feedback_sent_at=as_utc_or_none(row["feedback_sent_at"]),
    )


def evidence_meta(row: dict, settings: Settings | None) -> EvidenceMeta:
    return EvidenceMeta(
        id=row["id"],
        report_id=row["report_id"],
        kind=row["kind"],
        filename=vault.open_field(settings, row["filename"], purpose="evidence.filename"),
        content_type=row["content_type"],
        size=row["size"],
        md5=row["md5"],
        sha256=row["sha256"],
        pdq=row["pdq"],
        legal_hold=row["legal_hold"],
        deleted_at=as_utc_or_none(row["deleted_at"]),
        created_at=as_utc(row["created_at"]),
    )


def referral_view(row: dict) -> ReferralView:
    return ReferralView(
        id=row["id"],
        case_id=row["case_id"],
        agency_id=row["agency_id"],
        agency_name=row["agency_name"],
        agency_kind=row["agency_kind"],
        target_org_id=row["target_org_id"],
        status=row["status"],
        external_ref=row["external_ref"],
        created_at=as_utc(row["created_at"]),
        sent_at=as_utc_or_none(row["sent_at"]),
        acknowledged_at=as_utc_or_none(row["acknowledged_at"]),
        content_removed_at=as_utc_or_none(row["content_removed_at"]),
        removal_verified_at=as_utc_or_none(row["removal_verified_at"]),
        declined_at=as_utc_or_none(row["declined_at"]),
    )


def case_detail(
    conn: Connection, settings: Settings | None, principal: Principal, access: authz.CaseAccess
) -> CaseDetail:
    case = access.case
    cid = case["id"]
    owner = access.relation == "owner"
    reps = (
        conn.execute(select(reports).where(reports.c.case_id == cid).order_by(reports.c.id)).mappings().all()
    )
    evs = (
        conn.execute(select(evidence).where(evidence.c.case_id == cid).order_by(evidence.c.id))
        .mappings()
        .all()
    )
    nq = select(case_notes).where(case_notes.c.case_id == cid).order_by(case_notes.c.id)
    if not owner:
        nq = nq.where(or_(case_notes.c.org_id == principal.org_id, case_notes.c.for_reporter.is_(True)))
    notes = conn.execute(nq).mappings().all()
    rq = select(referrals).where(referrals.c.case_id == cid).order_by(referrals.c.id)
    if not owner:
        rq = rq.where(referrals.c.target_org_id == principal.org_id)
    refs = conn.execute(rq).mappings().all()
    events = conn.execute(
        select(case_events).where(case_events.c.case_id == cid).order_by(case_events.c.id)
    ).all()
    return CaseDetail(
        **summary(case).model_dump(),
        reports=[report_view(conn, settings, dict(r), owner=owner) for r in reps],
        evidence=[evidence_meta(dict(e), settings) for e in evs],
        notes=[
            NoteView(
                id=n["id"],
                at=as_utc(n["at"]),
                author=n["author"],
                text=vault.open_field(settings, n["text"], purpose="case_note") or "",
                for_reporter=n["for_reporter"],
            )
            for n in notes
        ],
        referrals=[referral_view(dict(r)) for r in refs],
        timeline=[
            TimelineEntry(
                at=as_utc(e.at),
                actor=e.actor,
                event=e.event,
                from_status=e.from_status,
                to_status=e.to_status,
                detail=e.detail,
            )
            for e in events
        ],
        routes=[Route(**r) for r in (case["routes"] or [])] if owner else [],
        deadlines=lifecycle.describe_limits(case["priority"]),
        access=access.relation,
    )
