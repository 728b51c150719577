"""Changing cases: lifecycle transitions (one or many), assignment, notes and legal holds.

Every function takes the caller's `Principal`, checks it through `authz` before touching
anything, and writes its audit entry in the same transaction as the change. `settings` is the
caller's: notes are sealed with its vault key, and the case returned is read with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, select, update

from tutela.access import AccessError, Forbidden, Principal
from tutela.cases import audit, authz, lifecycle, outcomes, vault
from tutela.cases.queries import detail_after_change
from tutela.config import Settings
from tutela.domain.cases import CaseDetail, CaseStatus, NoteView, Outcome
from tutela.storage.db import Database
from tutela.storage.tables.access import users
from tutela.storage.tables.cases import case_events, case_notes, cases, custody, evidence, reports
from tutela.storage.times import utc_now

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


def set_status(
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
    """Move `case` to `to` at `at`, restarting its stage clock and deadline, with its timeline event."""
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
    settings: Settings,
) -> None:
    """One transition inside the caller's transaction: checks, the move, the note, the reporter's feedback."""
    access = authz.case_access(conn, principal, case_id, "work")
    if access.relation != "owner":
        raise Forbidden(f"case {case_id} belongs to another organisation: only its owner moves it")
    case = access.case
    to = lifecycle.check_transition(case["status"], to_status)
    reopen = case["status"] == CaseStatus.CLOSED.value
    if reopen:
        authz.require_permission(principal, "reopen")
    chosen = None
    if outcome is not None:
        if to is not CaseStatus.CLOSED:
            raise ValueError("an outcome is given when closing a case")
        chosen = outcomes.resolve(conn, case["org_id"], outcome)  # the organisation's own list
        outcome = chosen.kind.value
    at = utc_now()
    extra: dict = {}
    if to is CaseStatus.ASSIGNED and case["assigned_to"] is None:
        if principal.user_id is None:
            raise ValueError("to assign a case to someone, use assign with their user id")
        extra["assigned_to"] = principal.user_id
    if to is CaseStatus.TRIAGED and case["status"] == CaseStatus.ASSIGNED.value:
        extra["assigned_to"] = None
    if to is CaseStatus.CLOSED:
        extra |= {"outcome": outcome, "outcome_key": chosen.key if chosen else None,
                  "outcome_ground": chosen.ground if chosen else None}
    event = "reopened" if reopen else to.value
    set_status(conn, case, to, principal.actor, at, event=event, detail=note, extra=extra)
    if note:
        insert_note(conn, case_id, principal, note, for_reporter=False, at=at, settings=settings)
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
        details={"from": case["status"], "to": to.value, "outcome": outcome, "feedback_sent": feedback}
        | ({"outcome_key": chosen.key, "ground": chosen.ground} if chosen else {}),
    )


def transition(
    db: Database,
    settings: Settings,
    principal: Principal,
    case_id: int,
    to_status: str,
    *,
    note: str | None = None,
    outcome: str | None = None,
) -> CaseDetail:
    """Move a case along its lifecycle; raises InvalidTransition (a ValueError) for a move not allowed."""
    with audit.writing(db) as conn:
        _transition(conn, principal, case_id, to_status, note=note, outcome=outcome, settings=settings)
    return detail_after_change(db, settings, principal, case_id)


def bulk_transition(
    db: Database,
    settings: Settings,
    principal: Principal,
    case_ids: list[int],
    to_status: str,
    *,
    note: str | None = None,
    outcome: str | None = None,
) -> dict[int, str]:
    """Move many cases; each succeeds or fails on its own. Returns case id -> 'ok' or the reason."""
    authz.require_permission(principal, "bulk")

    def move(conn: Connection, cid: int) -> str:
        _transition(conn, principal, cid, to_status, note=note, outcome=outcome, settings=settings)
        return "ok"

    return each_case(db, case_ids, move)


MAX_CASES_AT_ONCE = 500


def each_case(db: Database, case_ids: list[int], act: Callable[[Connection, int], str]) -> dict[int, str]:
    """Run `act` on each distinct case in its own audited transaction, so one refusal stops nothing else.

    Returns case id -> what `act` answered, or why that case was refused (an access or input error).
    """
    if not case_ids:
        raise ValueError("no case ids given")
    if len(case_ids) > MAX_CASES_AT_ONCE:
        raise ValueError(f"at most {MAX_CASES_AT_ONCE} cases at once")
    results: dict[int, str] = {}
    for cid in dict.fromkeys(int(c) for c in case_ids):
        try:
            with audit.writing(db) as conn:
                results[cid] = act(conn, cid)
        except (AccessError, ValueError) as exc:
            results[cid] = str(exc)
    return results


def assign(
    db: Database, settings: Settings, principal: Principal, case_id: int, user_id: int | None
) -> CaseDetail:
    """Give a case to a person of the organisation (or take it back with None)."""
    with audit.writing(db) as conn:
        assign_in(conn, principal, case_id, user_id)
    return detail_after_change(db, settings, principal, case_id)


def assign_in(
    conn: Connection, principal: Principal, case_id: int, user_id: int | None, *, how: str | None = None
) -> None:
    """`assign` inside the caller's transaction (`balancing` picks the person first); `how` goes to the audit."""
    perm = "work" if user_id is not None and user_id == principal.user_id else "assign"
    access = authz.case_access(conn, principal, case_id, perm)
    if access.relation != "owner":
        raise Forbidden(f"case {case_id} belongs to another organisation")
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
        set_status(
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
        set_status(
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
        details={"user_id": user_id} | ({"how": how} if how else {}),
    )


def insert_note(
    conn: Connection, case_id: int, principal: Principal, text: str, *, for_reporter: bool, at: datetime,
    settings: Settings,
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
    db: Database, settings: Settings, principal: Principal, case_id: int, text: str, *, for_reporter: bool = False
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
            raise Forbidden("only the organisation that owns the case writes to the reporter")
        at = utc_now()
        note_id = insert_note(conn, case_id, principal, text, for_reporter=for_reporter, at=at,
                              settings=settings)
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


def set_legal_hold(
    db: Database, principal: Principal, case_id: int, on: bool, *, reason: str | None = None
) -> None:
    """A legal hold keeps the case's evidence from retention deletion until released."""
    with audit.writing(db) as conn:
        access = authz.case_access(conn, principal, case_id, "hold")
        if access.relation != "owner":
            raise Forbidden(f"case {case_id} belongs to another organisation")
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
