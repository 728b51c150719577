"""`/v1/outcomes` and balanced assignment: the review tools' doors for machines and scripts.

Thin, like every route: the engine (`tutela.cases.outcomes`, `tutela.cases.balancing`) checks the
role or scope and audits. The outcome list is read by anyone who reads cases (so an integration can
offer the same choices) and changed only with an admin's credential.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from tutela.access import Principal
from tutela.api.deps import current_principal, get_db, get_settings
from tutela.api.limits import MAX_BULK_CASES
from tutela.cases import service
from tutela.cases.outcomes import MAX_OUTCOMES, OrgOutcome
from tutela.config import Settings
from tutela.domain.cases import CaseDetail
from tutela.domain.inputs import DbId
from tutela.storage.db import Database

router = APIRouter(prefix="/v1", tags=["cases"])


@router.get("/outcomes", response_model=list[OrgOutcome])
def outcomes(principal: Principal = Depends(current_principal), db: Database = Depends(get_db)) -> list[OrgOutcome]:
    """Your organisation's outcomes for closing a case, in form order (the defaults until an admin sets a list)."""
    return service.list_outcomes(db, principal)


class OutcomesIn(BaseModel):
    outcomes: list[OrgOutcome] = Field(min_length=1, max_length=MAX_OUTCOMES)


@router.put("/outcomes", response_model=list[OrgOutcome])
def set_outcomes(
    body: OutcomesIn, principal: Principal = Depends(current_principal), db: Database = Depends(get_db)
) -> list[OrgOutcome]:
    """Replace the list (admin key). Cases already closed keep the outcome and DSA ground they closed with."""
    return service.set_outcomes(db, principal, body.outcomes)


@router.delete("/outcomes", response_model=list[OrgOutcome])
def reset_outcomes(principal: Principal = Depends(current_principal), db: Database = Depends(get_db)) -> list[OrgOutcome]:
    """Go back to the default list (admin key)."""
    return service.reset_outcomes(db, principal)


@router.post("/cases/{case_id}/assign-next", response_model=CaseDetail)
def assign_next(
    case_id: DbId,
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> CaseDetail:
    """Give the case to the analyst or supervisor with the fewest open cases (ties: least recently assigned)."""
    return service.assign_next(db, settings, principal, case_id)


class AutoAssignIn(BaseModel):
    case_ids: list[DbId] = Field(min_length=1, max_length=MAX_BULK_CASES)


class AutoAssignOut(BaseModel):
    results: dict[str, str] = Field(description="case id -> 'user:<id>' it went to, or why it was not assigned")


@router.post("/cases/auto-assign", response_model=AutoAssignOut)
def auto_assign(
    body: AutoAssignIn, principal: Principal = Depends(current_principal), db: Database = Depends(get_db)
) -> AutoAssignOut:
    """Share several cases out among the reviewers, each pick seeing the ones before it."""
    return AutoAssignOut(results={str(k): v for k, v in service.auto_assign(db, principal, body.case_ids).items()})
