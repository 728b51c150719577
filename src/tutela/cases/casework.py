"""Working cases: queues, the case view, transitions, assignment, notes, evidence, holds, appeals.

Every function takes the caller's `Principal`, checks it through `authz`
before touching anything, and writes an audit entry in the same transaction
as the change (views are audited too).
"""

from __future__ import annotations

import json
import weakref
from collections import Counter
from datetime import datetime

from sqlalchemy import Connection, String, cast, func, or_, select, update

from tutela.access import AccessError, Principal
from tutela.cases import audit, authz, lifecycle, vault
from tutela.storage.times import as_utc, as_utc_or_none, utc_now
from tutela.config import Settings
from tutela.domain.cases import (
    AppealView,
    CaseDetail,
    CaseStats,
    CaseStatus,
    CaseSummary,
    Contact,
    EvidenceMeta,
    Flag,
    NoteView,
    Outcome,
    Priority,
    ReferralView,
    ReportView,
    Route,
    TimelineEntry,
)
from tutela.storage.db import Database
from tutela.storage.tables.access import orgs, users
from tutela.storage.tables.cases import (
    appeals,
    case_events,
    case_notes,
    cases,
    custody,
    evidence,
    referrals,
    reports,
)

MAX_NOTE_CHARS = 10_000

#: What the reporter is told, once, when their case closes.
OUTCOME_WORDS: dict[str, str] = {
    Outcome.CONTENT_REMOVED: "The content you reported has been taken down. Thank you for telling us.",
    Outcome.REFERRED_TO_POLICE: "We passed your report to the police, who can act on it. Thank you for telling us.",
    Outcome.REFERRED_TO_SUPPORT: "We passed your report to people who can help and support you.",
    Outcome.ACCOUNT_ACTIONED: "Action was taken against the account you reported. Thank you for telling us.",
    Outcome.NO_VIOLATION: "We looked carefully and did not find something we could act on this time. "
    "If it happens again, please report it again.",
    Outcome.INSUFFICIENT_INFORMATION: "We could not find enough information to act on this time. "
    "If you can, send a new report with a link or a screenshot.",
    Outcome.DUPLICATE: "Someone else reported the same thing and we have dealt with it together.",
}
_DEFAULT_WORDS = "We have finished working on your report. Thank you for telling us."


def _summary(row: dict, at: datetime | None = None) -> CaseSummary:
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
    )


def _visible_filter(principal: Principal):
    referred = select(referrals.c.case_id).where(referrals.c.target_org_id == principal.org_id)
    if authz.sees_own_cases(principal):
        return or_(cases.c.org_id == principal.org_id, cases.c.id.in_(referred))
    return cases.c.id.in_(referred)


#: Queue orders a reviewer may choose: the name in the address -> columns (ties go to the case id).
QUEUE_SORTS = ("priority", "received", "-received", "deadline", "-deadline")


def _search_filter(search: str):
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
    q = select(cases).where(_visible_filter(principal))
    if status == "open":
        q = q.where(cases.c.status != CaseStatus.CLOSED.value)
    elif status is not None:
        q = q.where(cases.c.status == status)
    if priority is not None:
        q = q.where(cases.c.priority == priority)
    if assigned_to is not None:
        q = q.where(cases.c.assigned_to == assigned_to)
    if search is not None:
        q = q.where(_search_filter(search))
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
    return [_summary(dict(r), at) for r in rows]


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
    visible = select(cases.c.id).where(_visible_filter(principal), cases.c.id.in_(case_ids))
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


def _report_view(conn: Connection, settings: Settings | None, row: dict, *, owner: bool = True) -> ReportView:
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


def _evidence_meta(row: dict, settings: Settings | None) -> EvidenceMeta:
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


def _detail(
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
        **_summary(case).model_dump(),
        reports=[_report_view(conn, settings, dict(r), owner=owner) for r in reps],
        evidence=[_evidence_meta(dict(e), settings) for e in evs],
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


def get_case(db: Database, settings: Settings, principal: Principal, case_id: int) -> CaseDetail:
    """The full case for a reviewer; the view itself is audited."""
    bind_settings(db, settings)
    with audit.writing(db) as conn:
        access = authz.case_access(conn, principal, case_id, "read")
        detail = _detail(conn, settings, principal, access)
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


def _set_status(
    conn: Connection,
    case: dict,
    to: CaseStatus,
    actor: str,
    at: datetime,
    *,
    event: str,
    detail: str | None = None,
    extra: dict | None = None,
) -> None:
    values = {
        "status": to.value,
        "updated_at": at,
        "stage_entered_at": at,
        "deadline_at": lifecycle.deadline(case["priority"], to.value, at),
        "closed_at": at if to is CaseStatus.CLOSED else None,
    } | (extra or {})
    conn.execute(update(cases).where(cases.c.id == case["id"]).values(**values))
    conn.execute(
        case_events.insert().values(
            case_id=case["id"],
            at=at,
            actor=actor,
            event=event,
            from_status=case["status"],
            to_status=to.value,
            detail=detail,
        )
    )


def _send_feedback_once(conn: Connection, case_id: int, outcome: str | None, at: datetime) -> bool:
    """Tell the case's reporters the outcome, once: reports already told are not told again."""
    pending = (
        conn.execute(
            select(reports.c.id).where(reports.c.case_id == case_id, reports.c.feedback_sent_at.is_(None))
        )
        .scalars()
        .all()
    )
    if not pending:
        return False
    conn.execute(
        case_notes.insert().values(
            case_id=case_id,
            at=at,
            author="system",
            org_id=None,
            for_reporter=True,
            text=OUTCOME_WORDS.get(outcome, _DEFAULT_WORDS),
        )
    )
    conn.execute(update(reports).where(reports.c.id.in_(pending)).values(feedback_sent_at=at))
    return True


def _transition(
    conn: Connection,
    principal: Principal,
    case_id: int,
    to_status: str,
    *,
    note: str | None,
    outcome: str | None,
    settings: Settings | None = None,
) -> None:
    with_perm = "work"
    access = authz.case_access(conn, principal, case_id, with_perm)
    if access.relation != "owner":
        raise AccessError(f"case {case_id} belongs to another organisation: only its owner moves it", 403)
    case = access.case
    to = lifecycle.check_transition(case["status"], to_status)
    reopen = case["status"] == CaseStatus.CLOSED.value
    if reopen:
        authz.require_permission(principal, "reopen")
    if outcome is not None:
        try:
            outcome = Outcome(outcome).value
        except ValueError:
            raise ValueError(
                f"unknown outcome {outcome!r}; valid: {', '.join(o.value for o in Outcome)}"
            ) from None
        if to is not CaseStatus.CLOSED:
            raise ValueError("an outcome is given when closing a case")
    at = utc_now()
    extra: dict = {}
    if to is CaseStatus.ASSIGNED and case["assigned_to"] is None:
        if principal.user_id is None:
            raise ValueError("to assign a case to someone, use assign with their user id")
        extra["assigned_to"] = principal.user_id
    if to is CaseStatus.TRIAGED and case["status"] == CaseStatus.ASSIGNED.value:
        extra["assigned_to"] = None
    if to is CaseStatus.CLOSED:
        extra["outcome"] = outcome
    event = "reopened" if reopen else to.value
    _set_status(conn, case, to, principal.actor, at, event=event, detail=note, extra=extra)
    if note:
        _insert_note(conn, case_id, principal, note, for_reporter=False, at=at, settings=settings)
    feedback = False
    if to is CaseStatus.CLOSED:
        feedback = _send_feedback_once(conn, case_id, outcome, at)
    audit.append(
        conn,
        actor=principal.actor,
        org_id=principal.org_id,
        action="case.transition",
        object_type="case",
        object_id=case_id,
        details={"from": case["status"], "to": to.value, "outcome": outcome, "feedback_sent": feedback},
    )


def transition(
    db: Database,
    principal: Principal,
    case_id: int,
    to_status: str,
    *,
    note: str | None = None,
    outcome: str | None = None,
    settings: Settings | None = None,
) -> CaseDetail:
    """Move a case along its lifecycle; raises InvalidTransition (a ValueError) for a move not allowed."""
    with audit.writing(db) as conn:
        _transition(conn, principal, case_id, to_status, note=note, outcome=outcome, settings=_settings_of(db))
    return _read_detail(db, principal, case_id, settings)


def _read_detail(db: Database, principal: Principal, case_id: int, settings: Settings | None) -> CaseDetail:
    """The case after a change. Without known settings the vault is not opened: descriptions are left out."""
    s = settings or _settings_of(db)
    with db.connect() as conn:
        access = authz.case_access(conn, principal, case_id, "read")
        return _detail(conn, s, principal, access)


_SETTINGS: weakref.WeakKeyDictionary[Database, Settings] = weakref.WeakKeyDictionary()


def _settings_of(db: Database) -> Settings | None:
    """The settings (and so the vault key) of a database: bound by the caller, or its own."""
    return _SETTINGS.get(db) or db.settings


def bind_settings(db: Database, settings: Settings) -> None:
    """Remember the settings a database is used with, for calls whose signature carries none
    (`transition`, `assign`): they return the case with its decrypted descriptions."""
    _SETTINGS[db] = settings


def bulk_transition(
    db: Database,
    principal: Principal,
    case_ids: list[int],
    to_status: str,
    *,
    note: str | None = None,
    outcome: str | None = None,
) -> dict[int, str]:
    """Move many cases; each succeeds or fails on its own. Returns case id -> 'ok' or the reason."""
    authz.require_permission(principal, "bulk")
    if not case_ids:
        raise ValueError("no case ids given")
    if len(case_ids) > 500:
        raise ValueError("at most 500 cases at once")
    results: dict[int, str] = {}
    for cid in dict.fromkeys(int(c) for c in case_ids):
        try:
            with audit.writing(db) as conn:
                _transition(conn, principal, cid, to_status, note=note, outcome=outcome, settings=_settings_of(db))
            results[cid] = "ok"
        except (AccessError, ValueError) as exc:
            results[cid] = str(exc)
    return results


def assign(
    db: Database, principal: Principal, case_id: int, user_id: int | None, *, settings: Settings | None = None
) -> CaseDetail:
    """Give a case to a person of the organisation (or take it back with None)."""
    with audit.writing(db) as conn:
        perm = "work" if user_id is not None and user_id == principal.user_id else "assign"
        access = authz.case_access(conn, principal, case_id, perm)
        if access.relation != "owner":
            raise AccessError(f"case {case_id} belongs to another organisation", 403)
        case = access.case
        if case["status"] == CaseStatus.CLOSED.value:
            raise lifecycle.InvalidTransition("a closed case cannot be assigned; reopen it first")
        if user_id is not None:
            person = conn.execute(
                select(users.c.org_id, users.c.disabled).where(users.c.id == user_id)
            ).first()
            if person is None or person.org_id != principal.org_id or person.disabled:
                raise ValueError(f"no active person {user_id} in your organisation")
        at = utc_now()
        if user_id is not None and case["status"] == CaseStatus.TRIAGED.value:
            _set_status(
                conn,
                case,
                CaseStatus.ASSIGNED,
                principal.actor,
                at,
                event="assigned",
                detail=f"to user:{user_id}",
                extra={"assigned_to": user_id},
            )
        elif user_id is None and case["status"] == CaseStatus.ASSIGNED.value:
            _set_status(
                conn,
                case,
                CaseStatus.TRIAGED,
                principal.actor,
                at,
                event="unassigned",
                extra={"assigned_to": None},
            )
        else:
            conn.execute(
                update(cases).where(cases.c.id == case_id).values(assigned_to=user_id, updated_at=at)
            )
            conn.execute(
                case_events.insert().values(
                    case_id=case_id,
                    at=at,
                    actor=principal.actor,
                    event="assigned" if user_id else "unassigned",
                    detail=f"to user:{user_id}" if user_id else None,
                )
            )
        audit.append(
            conn,
            actor=principal.actor,
            org_id=principal.org_id,
            action="case.assign",
            object_type="case",
            object_id=case_id,
            details={"user_id": user_id},
        )
    return _read_detail(db, principal, case_id, settings)


def _insert_note(
    conn: Connection, case_id: int, principal: Principal, text: str, *, for_reporter: bool, at: datetime,
    settings: Settings | None,
) -> int:
    """A person's note, sealed with the vault key (`vault.seal_field`): notes name people and places."""
    return int(
        conn.execute(
            case_notes.insert().values(
                case_id=case_id,
                at=at,
                author=principal.actor,
                org_id=principal.org_id,
                text=vault.seal_field(settings, text, purpose="case_note"),
                for_reporter=for_reporter,
            )
        ).inserted_primary_key[0]
    )


def add_note(
    db: Database, principal: Principal, case_id: int, text: str, *, for_reporter: bool = False
) -> NoteView:
    """An internal note, or (owner only) a message the reporter reads on their status page."""
    text = (text or "").strip()
    if not text:
        raise ValueError("a note needs text")
    if len(text) > MAX_NOTE_CHARS:
        raise ValueError(f"a note may have at most {MAX_NOTE_CHARS} characters")
    with audit.writing(db) as conn:
        access = authz.case_access(conn, principal, case_id, "note")
        if for_reporter and access.relation != "owner":
            raise AccessError("only the organisation that owns the case writes to the reporter", 403)
        at = utc_now()
        note_id = _insert_note(conn, case_id, principal, text, for_reporter=for_reporter, at=at,
                               settings=_settings_of(db))
        conn.execute(update(cases).where(cases.c.id == case_id).values(updated_at=at))
        audit.append(
            conn,
            actor=principal.actor,
            org_id=principal.org_id,
            action="case.note",
            object_type="case",
            object_id=case_id,
            details={"note_id": note_id, "for_reporter": for_reporter},
        )
    return NoteView(id=note_id, at=at, author=principal.actor, text=text, for_reporter=for_reporter)


def evidence_content(
    db: Database, settings: Settings, principal: Principal, evidence_id: int
) -> tuple[bytes, str]:
    """Decrypted bytes and content type; every opening goes into custody and the audit trail."""
    authz.require_permission(principal, "evidence")  # before any lookup: 403 says nothing about ids
    with audit.writing(db) as conn:
        row = conn.execute(select(evidence).where(evidence.c.id == evidence_id)).mappings().first()
        if row is None:
            raise AccessError(f"no evidence {evidence_id} visible to your organisation", 404)
        authz.case_access_as(conn, principal, row["case_id"], "evidence",
                             f"no evidence {evidence_id} visible to your organisation")
        if row["deleted_at"] is not None:
            raise AccessError(
                f"evidence {evidence_id} was deleted by retention on "
                f"{as_utc(row['deleted_at']).date().isoformat()}",
                410,
            )
        if row["vault_object_id"] is None:
            raise AccessError(f"evidence {evidence_id} is a hash reference only; there is no file", 404)
        data = vault.get(conn, settings, row["vault_object_id"])
        conn.execute(
            custody.insert().values(
                evidence_id=evidence_id, at=utc_now(), actor=principal.actor, action="viewed", detail=None
            )
        )
        audit.append(
            conn,
            actor=principal.actor,
            org_id=principal.org_id,
            action="evidence.view",
            object_type="evidence",
            object_id=evidence_id,
            details={"case_id": row["case_id"]},
        )
    return data, row["content_type"] or "application/octet-stream"


def custody_chain(db: Database, principal: Principal, evidence_id: int) -> list[dict]:
    authz.require_permission(principal, "evidence")
    with db.connect() as conn:
        row = conn.execute(select(evidence.c.case_id).where(evidence.c.id == evidence_id)).first()
        if row is None:
            raise AccessError(f"no evidence {evidence_id} visible to your organisation", 404)
        authz.case_access_as(conn, principal, row.case_id, "evidence",
                             f"no evidence {evidence_id} visible to your organisation")
        rows = conn.execute(
            select(custody).where(custody.c.evidence_id == evidence_id).order_by(custody.c.id)
        )
        return [{"at": as_utc(r.at), "actor": r.actor, "action": r.action, "detail": r.detail} for r in rows]


def set_legal_hold(
    db: Database, principal: Principal, case_id: int, on: bool, *, reason: str | None = None
) -> None:
    """A legal hold keeps the case's evidence from retention deletion until released."""
    with audit.writing(db) as conn:
        access = authz.case_access(conn, principal, case_id, "hold")
        if access.relation != "owner":
            raise AccessError(f"case {case_id} belongs to another organisation", 403)
        at = utc_now()
        conn.execute(update(cases).where(cases.c.id == case_id).values(legal_hold=on, updated_at=at))
        conn.execute(update(evidence).where(evidence.c.case_id == case_id).values(legal_hold=on))
        ev_ids = conn.execute(select(evidence.c.id).where(evidence.c.case_id == case_id)).scalars().all()
        if ev_ids:
            conn.execute(
                custody.insert(),
                [
                    {
                        "evidence_id": e,
                        "at": at,
                        "actor": principal.actor,
                        "action": "hold_set" if on else "hold_released",
                        "detail": reason,
                    }
                    for e in ev_ids
                ],
            )
        conn.execute(
            case_events.insert().values(
                case_id=case_id,
                at=at,
                actor=principal.actor,
                event="legal_hold" if on else "legal_hold_released",
                detail=reason,
            )
        )
        audit.append(
            conn,
            actor=principal.actor,
            org_id=principal.org_id,
            action="case.legal_hold",
            object_type="case",
            object_id=case_id,
            details={"on": on, "reason": reason},
        )


def list_appeals(db: Database, principal: Principal, *, status: str | None = "open") -> list[AppealView]:
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
    db: Database, principal: Principal, appeal_id: int, upheld: bool, *, note: str | None = None
) -> AppealView:
    """Upheld: the case reopens for a fresh review. Rejected: the reporter is told, and it stays closed."""
    authz.require_permission(principal, "appeal")
    with audit.writing(db) as conn:
        row = conn.execute(select(appeals).where(appeals.c.id == appeal_id)).mappings().first()
        if row is None:
            raise AccessError(f"no appeal {appeal_id}", 404)
        access = authz.case_access_as(conn, principal, row["case_id"], "appeal", f"no appeal {appeal_id}")
        if access.relation != "owner":
            raise AccessError(f"no appeal {appeal_id}", 404)
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
            _set_status(
                conn,
                case,
                CaseStatus.TRIAGED,
                principal.actor,
                at,
                event="reopened",
                detail=f"appeal {appeal_id} upheld",
                extra={"outcome": None},
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
            _insert_note(conn, row["case_id"], principal, note, for_reporter=False, at=at,
                         settings=_settings_of(db))
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


def case_stats(db: Database, principal: Principal) -> CaseStats:
    """Aggregates without content. A regulator sees every organisation; others their own."""
    authz.require_permission(principal, "stats")
    with db.connect() as conn:
        kind = conn.execute(select(orgs.c.kind).where(orgs.c.id == principal.org_id)).scalar()
        everyone = principal.role == "regulator" or kind == "regulator"
        where = [] if everyone else [cases.c.org_id == principal.org_id]

        def counts(col) -> dict[str, int]:
            rows = conn.execute(select(col, func.count()).where(*where).group_by(col)).all()
            return {str(k): int(n) for k, n in rows}

        by_status = counts(cases.c.status)
        overdue = conn.execute(
            select(func.count())
            .select_from(cases)
            .where(*where, cases.c.status != CaseStatus.CLOSED.value, cases.c.deadline_at < utc_now())
        ).scalar_one()
        rq = select(referrals.c.status, func.count()).group_by(referrals.c.status)
        if not everyone:
            rq = rq.where(referrals.c.org_id == principal.org_id)
        ref_counts = Counter({str(k): int(n) for k, n in conn.execute(rq).all()})
        return CaseStats(
            total=sum(by_status.values()),
            by_status=by_status,
            by_priority=counts(cases.c.priority),
            by_category=counts(cases.c.category),
            overdue=int(overdue),
            referrals_by_status=dict(ref_counts),
        )


__all__ = [
    "add_note",
    "assign",
    "bind_settings",
    "bulk_transition",
    "case_stats",
    "custody_chain",
    "decide_appeal",
    "evidence_content",
    "get_case",
    "list_appeals",
    "list_queue",
    "queue_facts",
    "referral_view",
    "set_legal_hold",
    "transition",
]
