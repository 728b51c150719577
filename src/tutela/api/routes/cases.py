"""`/v1/cases`: the queue, the case, its lifecycle, notes, evidence, holds, appeals and exports.

Thin: every route parses, calls `tutela.cases.service`, renders. Access is
decided in the engine (organisation, role or scope), so the web console and
the API enforce the same rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from tutela.access import Forbidden, Principal
from tutela.api.deps import current_principal, get_db, get_settings
from tutela.api.limits import MAX_BULK_CASES
from tutela.cases import service
from tutela.config import Settings
from tutela.domain.cases import AppealView, CaseDetail, CaseStats, CaseSummary, NoteView
from tutela.domain.inputs import DbId, Line, Text
from tutela.storage.db import Database

router = APIRouter(prefix="/v1", tags=["cases"])


@router.get("/cases", response_model=list[CaseSummary])
def queue(
    status: Annotated[
        Line | None, Query(max_length=40, description="a status, or 'open' for every status but closed")
    ] = None,
    priority: Annotated[Line | None, Query(max_length=40)] = None,
    assigned_to: DbId | None = None,
    limit: int = Query(100, ge=1, le=1000),
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
) -> list[CaseSummary]:
    """Cases you may see, most urgent first, then nearest deadline."""
    return service.list_queue(db, principal, status=status, priority=priority, assigned_to=assigned_to, limit=limit)


@router.get("/cases/stats", response_model=CaseStats)
def stats(principal: Principal = Depends(current_principal), db: Database = Depends(get_db)) -> CaseStats:
    """Aggregates only (what a regulator may see)."""
    return service.case_stats(db, principal)


@router.get("/cases/{case_id}", response_model=CaseDetail)
def case(
    case_id: DbId,
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> CaseDetail:
    return service.get_case(db, settings, principal, case_id)


class TransitionIn(BaseModel):
    to_status: Line = Field(max_length=40, description="received | triaged | assigned | referred | actioned | closed")
    note: Text | None = Field(default=None, max_length=10_000)
    outcome: Line | None = Field(default=None, max_length=80, description="when closing: content_removed, no_violation, ...")


@router.post("/cases/{case_id}/transition", response_model=CaseDetail)
def move(
    case_id: DbId,
    body: TransitionIn,
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> CaseDetail:
    return service.transition(
        db, settings, principal, case_id, body.to_status, note=body.note, outcome=body.outcome
    )


class BulkIn(TransitionIn):
    case_ids: list[DbId] = Field(min_length=1, max_length=MAX_BULK_CASES)


class BulkResult(BaseModel):
    results: dict[str, str] = Field(description="case id -> 'ok' or why that case did not move")
    ok: int
    failed: int


@router.post("/cases/bulk-transition", response_model=BulkResult)
def bulk(
    body: BulkIn,
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> BulkResult:
    results = service.bulk_transition(
        db, settings, principal, body.case_ids, body.to_status, note=body.note, outcome=body.outcome
    )
    return BulkResult(
        results={str(k): v for k, v in results.items()},
        ok=sum(1 for v in results.values() if v == "ok"),
        failed=sum(1 for v in results.values() if v != "ok"),
    )


class AssignIn(BaseModel):
    user_id: DbId | None = Field(description="a person of your organisation; null to unassign")


@router.post("/cases/{case_id}/assign", response_model=CaseDetail)
def assign(
    case_id: DbId,
    body: AssignIn,
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> CaseDetail:
    return service.assign(db, settings, principal, case_id, body.user_id)


class NoteIn(BaseModel):
    text: Text = Field(min_length=1, max_length=10_000)
    for_reporter: bool = False


@router.post("/cases/{case_id}/notes", response_model=NoteView, status_code=201)
def note(
    case_id: DbId,
    body: NoteIn,
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> NoteView:
    return service.add_note(db, settings, principal, case_id, body.text, for_reporter=body.for_reporter)


class HoldIn(BaseModel):
    on: bool = True
    reason: Text | None = Field(default=None, max_length=500)


class HoldOut(BaseModel):
    case_id: int
    legal_hold: bool


@router.post("/cases/{case_id}/legal-hold", response_model=HoldOut)
def legal_hold(
    case_id: DbId,
    body: HoldIn,
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
) -> HoldOut:
    service.set_legal_hold(db, principal, case_id, body.on, reason=body.reason)
    return HoldOut(case_id=case_id, legal_hold=body.on)


_FILE = {200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
               "description": "the file, as an attachment"}}


@router.get("/evidence/{evidence_id}", response_class=Response, responses=_FILE)
async def evidence(
    evidence_id: DbId,
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> Response:
    """The decrypted file, as an attachment that browsers will not render inline."""
    data, ctype = await run_in_threadpool(service.evidence_content, db, settings, principal, evidence_id)
    return Response(
        data,
        media_type=ctype,
        headers={
            "Content-Disposition": f'attachment; filename="evidence-{evidence_id}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


class CustodyEntry(BaseModel):
    at: datetime
    actor: str
    action: str = Field(description="received, viewed, hold_set, hold_released, deleted, ...")
    detail: str | None = None


@router.get("/evidence/{evidence_id}/custody", response_model=list[CustodyEntry])
def custody(
    evidence_id: DbId, principal: Principal = Depends(current_principal), db: Database = Depends(get_db)
) -> list[CustodyEntry]:
    return [CustodyEntry(**row) for row in service.custody_chain(db, principal, evidence_id)]


@router.get("/appeals", response_model=list[AppealView])
def appeals(
    status: Annotated[Line | None, Query(max_length=40)] = "open",
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
) -> list[AppealView]:
    return service.list_appeals(db, principal, status=status)


class DecisionIn(BaseModel):
    upheld: bool
    note: Text | None = Field(default=None, max_length=10_000)


@router.post("/appeals/{appeal_id}/decision", response_model=AppealView)
def decide(
    appeal_id: DbId,
    body: DecisionIn,
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> AppealView:
    return service.decide_appeal(db, settings, principal, appeal_id, body.upheld, note=body.note)


_EXPORT = {200: {"content": {"application/xml": {"schema": {"type": "string"}},
                             "application/json": {"schema": {"type": "object"}}},
                 "description": "the export, as an attachment"}}


@router.get("/cases/{case_id}/export/{fmt}", response_class=Response, responses=_EXPORT)
def export(
    case_id: DbId,
    fmt: Line,
    format: str = Query("xml", pattern="^(xml|json)$"),
    reporter_email: Annotated[Line | None, Query(max_length=320)] = None,
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> Response:
    """`cybertipline` (XML, or JSON with ?format=json) or `dsa` (statement of reasons, no personal data)."""
    from tutela.cases.exports import export_case

    out = export_case(db, settings, principal, case_id, fmt, format=format, reporter_email=reporter_email)
    return Response(
        out.content,
        media_type=out.media_type,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )


class AuditCheck(BaseModel):
    ok: bool
    entries_of_your_organisation: int | None = Field(default=None, description="when ok")
    reason: str | None = Field(default=None, description="when not ok")


@router.get("/audit/verify", response_model=AuditCheck, response_model_exclude_none=True)
def audit_verify(
    principal: Principal = Depends(current_principal), db: Database = Depends(get_db)
) -> AuditCheck:
    """Whether the audit trail holds (organisation administrators), and how many of its entries are theirs.

    The chain is one for the whole instance, so its length and the position of a break would tell
    one organisation how busy the others are: an organisation sees only ok or not and its own count.
    The operator gets the full answer from `tutela audit verify`.
    """
    from tutela.cases.audit import verify

    if not (principal.has("admin") or principal.role == "admin"):
        raise Forbidden("verifying the audit trail needs the 'admin' scope or role")
    result = verify(db)
    if not result.ok:
        return AuditCheck(ok=False, reason="the audit trail failed verification; the operator sees where and why "
                                           "with `tutela audit verify`")
    return AuditCheck(ok=True, entries_of_your_organisation=result.org_counts.get(principal.org_id, 0))
