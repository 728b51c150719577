"""`/v1/referrals`: refer a case to agencies and track what they did."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from tutela.access import Principal
from tutela.api.deps import current_principal, get_db, get_settings
from tutela.cases import service
from tutela.config import Settings
from tutela.domain.cases import ReferralView
from tutela.domain.inputs import DbId, Line, Text
from tutela.storage.db import Database

router = APIRouter(prefix="/v1", tags=["referrals"])


class ReferIn(BaseModel):
    agency_ids: list[Line] | None = Field(
        default=None, max_length=100, description="default: every route suggested for the case"
    )
    note: Text | None = Field(default=None, max_length=2000)


@router.post("/cases/{case_id}/referrals", response_model=list[ReferralView], status_code=201)
def refer(
    case_id: DbId,
    body: ReferIn,
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> list[ReferralView]:
    return service.refer(db, settings, principal, case_id, body.agency_ids, note=body.note)


@router.get("/referrals", response_model=list[ReferralView])
def referrals(
    direction: str = Query("all", pattern="^(all|incoming|outgoing)$"),
    status: Annotated[Line | None, Query(max_length=40)] = None,
    limit: int = Query(200, ge=1, le=1000),
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
) -> list[ReferralView]:
    return service.list_referrals(db, principal, direction=direction, status=status, limit=limit)


class ReferralStatusIn(BaseModel):
    status: Line = Field(max_length=40,
                         description="sent | acknowledged | content_removed | removal_verified | declined")
    external_ref: Line | None = Field(default=None, max_length=200, description="the agency's own reference")


@router.post("/referrals/{referral_id}/status", response_model=ReferralView)
def update(
    referral_id: DbId,
    body: ReferralStatusIn,
    principal: Principal = Depends(current_principal),
    db: Database = Depends(get_db),
) -> ReferralView:
    return service.update_referral(db, principal, referral_id, body.status, external_ref=body.external_ref
    )
