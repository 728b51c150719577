"""Intake: a report in, a receipt out, nothing lost in between.

The receipt is returned only after the transaction that holds the report,
its case, its evidence and its audit entry has committed (SQLite runs with
`synchronous=FULL`), so an acknowledged report survives `kill -9`.

Everything slow and lock-free (hashing files, analysing the text, choosing
routes) happens in the request's thread; the write itself (duplicate and
idempotency look-ups, inserts) is handed to the process's group-commit writer
(`tutela.cases.writer`), which commits many reports with one fsync and
releases each request only after that commit.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from sqlalchemy import Connection, select

from tutela.access import NotFound, Principal
from tutela.cases import audit, dedup, lifecycle, routing, triage, vault
from tutela.cases.evidence import FileHashes, hash_file
from tutela.cases.intake_batch import IdempotencyConflict, Prepared, store_batch  # noqa: F401 (re-exported)
from tutela.cases.receiving import receiving_org
from tutela.cases.reference import normalise_reference
from tutela.cases.writer import writer_for
from tutela.config import Settings
from tutela.domain.analysis import TextAnalysis
from tutela.domain.cases import (
    CaseStatus,
    EvidenceFile,
    ReporterMessage,
    ReportIn,
    ReportReceipt,
    ReportStatus,
)
from tutela.storage.db import Database
from tutela.storage.tables.cases import (
    appeals,
    case_events,
    case_notes,
    cases,
    report_status_lookups,
    reports,
)
from tutela.storage.times import as_utc, utc_now
from tutela.storage.upsert import upsert_insert

log = logging.getLogger(__name__)


class PayloadTooLarge(ValueError):
    """A file or body over `Settings.max_upload_bytes` (HTTP 413)."""


def _request_digest(report: ReportIn, hashes: list[FileHashes]) -> str:
    body = report.model_dump(mode="json")
    body["_files"] = [h.sha256 for h in hashes]
    return hashlib.sha256(audit.canonical(body).encode()).hexdigest()


def _notice(report: ReportIn) -> dict:
    """The DSA / CyberTipline-like details kept (encrypted) with the report."""
    fields = (
        "notifier",
        "good_faith",
        "incident_type",
        "incident_at",
        "reported_person",
        "intended_recipient",
        "victim",
        "file_refs",
        "escalate",
        "external_id",
        "conversation",
    )
    data = report.model_dump(mode="json", include=set(fields), exclude_none=True)
    return {k: v for k, v in data.items() if v not in ([], {}, False)}


def submit_report(
    db: Database,
    settings: Settings,
    report: ReportIn,
    *,
    principal: Principal | None = None,
    files: list[EvidenceFile] | None = None,
    idempotency_key: str | None = None,
    analysis: TextAnalysis | None = None,
) -> ReportReceipt:
    """Take a report. `principal=None` is the public, anonymous form: the report goes to the hotline
    with people (`receiving_org`), or waits for one. Returns only after the report is durably stored.

    `analysis`: the reported message's own analysis, for a report the engine files itself
    (`tutela.policy.service.open_case`; when it may stand in is `policy.service.triage_analysis`):
    triage reads it instead of analysing the generated description again."""
    item = prepare(db, settings, report, principal=principal, files=files, idempotency_key=idempotency_key,
                   analysis=analysis)
    return writer_for(db, store_batch).submit(item)


def submit_reports(
    db: Database, settings: Settings, reports: list[tuple[ReportIn, dict[str, Any]]],
) -> list[ReportReceipt | Exception]:
    """Several reports (each with `submit_report`'s keyword arguments), prepared one by one and handed
    to the group writer together, so they share one durable commit: the outbox drainer opening the
    cases of a batch of decisions. Per report its receipt, or the error `submit_report` would raise."""
    out: list[ReportReceipt | Exception | None] = [None] * len(reports)
    ready: list[tuple[int, Prepared]] = []
    for i, (report, kwargs) in enumerate(reports):
        try:
            ready.append((i, prepare(db, settings, report, **kwargs)))
        except Exception as exc:  # noqa: BLE001 - one bad report must not sink the others
            out[i] = exc
    stored = writer_for(db, store_batch).submit_many([item for _, item in ready])
    for (i, _), result in zip(ready, stored, strict=True):
        out[i] = result
    return [r if r is not None else RuntimeError("report not stored") for r in out]


def prepare(
    db: Database,
    settings: Settings,
    report: ReportIn,
    *,
    principal: Principal | None = None,
    files: list[EvidenceFile] | None = None,
    idempotency_key: str | None = None,
    analysis: TextAnalysis | None = None,
) -> Prepared:
    """Check a report and do all the work that needs no lock: hashing, analysis, triage, routes, keys."""
    files = list(files or [])
    idempotency_key = validate(settings, report, principal, files, idempotency_key)

    org_id = principal.org_id if principal is not None else receiving_org(db)
    actor = principal.actor if principal is not None else "public"

    hashes = [hash_file(f.data, f.filename) for f in files]
    digest = _request_digest(report, hashes)
    t = triage_report(db, settings, report, hashes, org_id, analysis=analysis)
    routes = routing.suggest(report.country, t.category, t.priority.value, settings)
    keys = dedup.keys_for(settings, report, [h.sha256 for h in hashes])
    notice = _notice(report)
    at = utc_now()

    return Prepared(
        settings=settings,
        org_id=org_id,
        actor=actor,
        report=report,
        files=files,
        hashes=hashes,
        digest=digest,
        triage=t,
        routes=routes,
        keys=keys,
        notice=notice,
        at=at,
        idempotency_key=idempotency_key,
    )


def validate(
    settings: Settings,
    report: ReportIn,
    principal: Principal | None,
    files: list[EvidenceFile],
    idempotency_key: str | None,
) -> str | None:
    """Refuse what cannot be stored (a scope missing, a file too big, nothing to act on, a bad
    idempotency key) before any work is done; returns the idempotency key, trimmed."""
    if principal is not None:
        principal.require("reports")
    for f in files:
        if len(f.data) > settings.max_upload_bytes:
            raise PayloadTooLarge(
                f"file {f.filename!r} is {len(f.data)} bytes; the limit is {settings.max_upload_bytes} bytes"
            )
    # A child on the public form (no principal) may send a category alone: "I am thinking about hurting
    # myself" is enough to act on, and asking for more words first would stop some from sending at all.
    # A platform or trusted flagger (a principal) must give something a reviewer can act on.
    if principal is not None and not (
        report.description
        or report.urls
        or files
        or report.file_refs
        or report.reported_person
        or report.conversation
    ):
        raise ValueError(
            "a report needs at least one of: description, urls, a file, file_refs, reported_person, "
            "conversation"
        )
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not idempotency_key or len(idempotency_key) > 200:
            raise ValueError("an idempotency key must have 1 to 200 characters")
    return idempotency_key


def triage_report(
    db: Database, settings: Settings, report: ReportIn, hashes: list[FileHashes], org_id: int | None,
    *, analysis: TextAnalysis | None = None,
) -> triage.Triage:
    """Analyse the text and any conversation, match the files against the organisation's hash
    lists, and set priority and category from all of it (and the reporter's own choice).
    A given `analysis` (see `submit_report`) stands for the description's."""
    if analysis is None:
        analysis = triage.analyse(report.description, lang=report.language, settings=settings, db=db,
                                  org_id=org_id)
    hash_banks = _hash_banks(db, hashes, org_id)
    conversation = triage.analyse_conversation(report.conversation)
    t = triage.triage(
        report.category,
        analysis,
        escalate=report.escalate,
        hash_matched=bool(hash_banks),
        conversation=conversation,
    )
    if hash_banks:  # the console shows which list matched: a reviewer weighs a known-CSAM bank differently
        t.analysis["hash_banks"] = hash_banks
    if report.description.strip() and analysis is None:
        # say so on the case: a reviewer must know the text was not machine-checked
        t.reasons.append("text analysis unavailable: triaged on the reporter's choice only")
    return t


def _hash_banks(db: Database, hashes: list[FileHashes], org_id: int | None) -> list[str]:
    """The names of the hash lists any file is on, of those that count for the organisation
    (its own, or one it subscribed to); empty when nothing matched."""
    media = [h.media for h in hashes if h.media is not None]
    if not media:
        return []
    from tutela.hashing import match_hashes

    try:
        return sorted({match.bank for m in media for match in match_hashes(db, m, org_id=org_id)})
    except Exception:  # noqa: BLE001  (a matcher failure must not lose the report)
        log.warning("hash matching failed during intake; the report is kept unmatched", exc_info=True)
        return []


# --- the reporter's side ----------------------------------------------------------


def _find_report(conn: Connection, reference_code: str) -> dict | None:
    code = normalise_reference(reference_code)
    if code is None:
        return None
    row = conn.execute(select(reports).where(reports.c.reference_code == code)).mappings().first()
    return dict(row) if row else None


def report_status(db: Database, reference_code: str) -> ReportStatus | None:
    """Public-safe status: plain words and messages meant for the reporter, nothing internal."""
    with db.connect() as conn:
        rep = _find_report(conn, reference_code)
        if rep is None:
            return None
        case = conn.execute(select(cases).where(cases.c.id == rep["case_id"])).mappings().one()
        notes = conn.execute(
            select(case_notes.c.at, case_notes.c.text)
            .where(
                case_notes.c.case_id == rep["case_id"],
                case_notes.c.for_reporter.is_(True),
                case_notes.c.at >= rep["created_at"],
            )
            .order_by(case_notes.c.at)
        ).all()
        open_appeal = conn.execute(
            select(appeals.c.id).where(appeals.c.report_id == rep["id"], appeals.c.status == "open")
        ).first()
        status = CaseStatus(case["status"])
        # Triage is automatic; "a person is looking at it" only once a signed-in person has done something on
        # the case (an event such as a reopen, or a note); an API key or the system does not count.
        person_acted = status == CaseStatus.TRIAGED and (
            conn.execute(
                select(case_events.c.id)
                .where(case_events.c.case_id == rep["case_id"], case_events.c.actor.like("user:%"))
                .limit(1)
            ).first()
            or conn.execute(
                select(case_notes.c.id)
                .where(case_notes.c.case_id == rep["case_id"], case_notes.c.author.like("user:%"))
                .limit(1)
            ).first()
        ) is not None
    _count_lookup(db, rep["id"])
    stage, words = lifecycle.PUBLIC_STAGE[CaseStatus.ASSIGNED if person_acted else status]
    updated = max([as_utc(case["updated_at"]), *(as_utc(n.at) for n in notes)])
    return ReportStatus(
        reference_code=rep["reference_code"],
        status=words,
        stage=stage,
        messages=[ReporterMessage(at=as_utc(n.at), text=vault.open_field(db.settings, n.text, purpose="case_note") or "")
                  for n in notes],
        updated_at=updated,
        can_appeal=case["status"] == CaseStatus.CLOSED.value and open_appeal is None,
    )


def _count_lookup(db: Database, report_id: int) -> None:
    """Count the reporter's look (per report and day), outside the audit lock: a lookup changes nothing,
    and writing each one as an audit entry let one client slow report intake down."""
    with db.begin() as conn:
        stmt = upsert_insert(conn, report_status_lookups).values(
            report_id=report_id, day=utc_now().date().isoformat(), lookups=1
        )
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["report_id", "day"], set_={"lookups": report_status_lookups.c.lookups + 1}
        ))


def submit_appeal(db: Database, settings: Settings, reference_code: str, reason: str) -> int:
    """The reporter disagrees with the outcome; a supervisor decides (see `appeals.decide_appeal`)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("an appeal needs a reason")
    if len(reason) > 5000:
        raise ValueError("an appeal reason may have at most 5000 characters")
    with audit.writing(db) as conn:
        rep = _find_report(conn, reference_code)
        if rep is None:
            raise NotFound("no report with this reference code")
        case = conn.execute(select(cases.c.status).where(cases.c.id == rep["case_id"])).one()
        if case.status != CaseStatus.CLOSED.value:
            raise ValueError("an appeal is possible once the report has been finished")
        if conn.execute(
            select(appeals.c.id).where(appeals.c.report_id == rep["id"], appeals.c.status == "open")
        ).first():
            raise ValueError("an appeal for this report is already waiting for a decision")
        at = utc_now()
        obj = vault.put(conn, settings, reason.encode(), purpose="appeal")
        appeal_id = int(
            conn.execute(
                appeals.insert(),
                dict(
                    case_id=rep["case_id"],
                    report_id=rep["id"],
                    reason_vault_id=obj,
                    status="open",
                    created_at=at,
                ),
            ).inserted_primary_key[0]
        )
        conn.execute(
            case_events.insert(),
            dict(
                case_id=rep["case_id"],
                at=at,
                actor="reporter",
                event="appeal",
                detail=f"appeal {appeal_id} received",
            ),
        )
        conn.execute(
            case_notes.insert(),
            dict(
                case_id=rep["case_id"],
                at=at,
                author="system",
                org_id=None,
                for_reporter=True,
                text="We have received your appeal. A senior reviewer will look at your report again.",
            ),
        )
        audit.append(
            conn,
            actor="reporter",
            org_id=rep["org_id"],
            action="appeal.submit",
            object_type="case",
            object_id=rep["case_id"],
            details={"appeal_id": appeal_id},
        )
        return appeal_id
