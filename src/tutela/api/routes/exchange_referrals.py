"""`/v1/exchange/referrals` and `/v1/exchange/witness`: referrals across borders and witnessed audit trails.

Two kinds of caller. An organisation's own tools and people (scope `exchange`)
refer cases, record steps, read timings and send checkpoints. A partner's
instance posts sealed messages to the two inboxes; there the signature is the
credential (`tutela.exchange.sealed`): no API key is shared between
organisations, and a message that does not verify is refused with the reason.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from tutela.access import Principal
from tutela.api.deps import get_db, get_settings, require
from tutela.config import Settings
from tutela.domain.inputs import DbId, Line, Text
from tutela.exchange import referrals as xref
from tutela.exchange import witness
from tutela.exchange.sealed import MAX_BYTES
from tutela.storage.db import Database

router = APIRouter(prefix="/v1/exchange", tags=["exchange referrals"])


class HostingIn(BaseModel):
    host: Line = Field(max_length=253)
    provider: Line | None = Field(default=None, max_length=200)
    country: Line | None = Field(default=None, max_length=2)
    asn: Line | None = Field(default=None, max_length=20)


class ReferAbroadIn(BaseModel):
    case_id: DbId
    partner: Line = Field(max_length=200)
    share_level: Line = Field(default=xref.DEFAULT_SHARE_LEVEL, max_length=20, description="TLP 2.0")
    hosting: list[HostingIn] = Field(default_factory=list, max_length=50)
    include_content: bool = Field(default=False, description="the reports' descriptions; never files or contacts")
    legal_basis: Line | None = Field(default=None, max_length=500, description="required with content")
    note: Text | None = Field(default=None, max_length=2000)


@router.post("/referrals", response_model=xref.CrossBorderReferral, status_code=201)
def refer(
    body: ReferAbroadIn,
    principal: Principal = Depends(require("exchange")),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> xref.CrossBorderReferral:
    return xref.refer_case(
        db, settings, principal, body.case_id, body.partner,
        share_level=body.share_level, hosting=[h.model_dump(exclude_none=True) for h in body.hosting],
        include_content=body.include_content, legal_basis=body.legal_basis, note=body.note,
    )


@router.get("/referrals", response_model=list[xref.CrossBorderReferral])
def list_referrals(
    direction: str = Query("all", pattern="^(all|in|out)$"),
    partner: Annotated[Line | None, Query(max_length=200)] = None,
    case_id: int | None = Query(None, ge=1),
    limit: int = Query(200, ge=1, le=1000),
    principal: Principal = Depends(require("exchange")),
    db: Database = Depends(get_db),
) -> list[xref.CrossBorderReferral]:
    return xref.list_referrals(db, principal, direction=direction, partner=partner, case_id=case_id,
                               limit=limit)


@router.get("/referrals/timings", response_model=list[xref.PartnerTimings])
def timings(principal: Principal = Depends(require("exchange")),
            db: Database = Depends(get_db)) -> list[xref.PartnerTimings]:
    return xref.timings(db, principal)


@router.post("/referrals/deliver")
def deliver(principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db),
            settings: Settings = Depends(get_settings)) -> dict[str, int]:
    """Try every message the partners have not accepted yet again."""
    return xref.deliver_pending(db, settings, principal.org_id)


async def _sealed_body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_BYTES:
        raise HTTPException(413, f"message larger than {MAX_BYTES} bytes")
    return body


class ReferralReceived(BaseModel):
    """The inbox's answer: a referral with its signed receipt, or a step (`already` when it came before)."""

    accepted: bool
    referral: str = Field(description="the referral's uid")
    receipt: dict[str, Any] | None = Field(default=None, description="a referral: the signed `received` step")
    step: str | None = Field(default=None, description="a step: which one")
    already: bool | None = Field(default=None, description="a step received before: the first time stands")


@router.post("/referrals/inbox", response_model=ReferralReceived, response_model_exclude_unset=True)
def inbox(body: bytes = Depends(_sealed_body), db: Database = Depends(get_db),
          settings: Settings = Depends(get_settings)) -> dict[str, Any]:
    """A partner's sealed referral or step. Authenticated by its signature, not by a key."""
    return xref.receive(db, settings, body)


@router.get("/referrals/{referral_id}", response_model=xref.CrossBorderReferral)
def get_referral(referral_id: DbId, principal: Principal = Depends(require("exchange")),
                 db: Database = Depends(get_db)) -> xref.CrossBorderReferral:
    return xref.get_referral(db, principal, referral_id)


class StepIn(BaseModel):
    step: Line = Field(max_length=20, description="acknowledged | actioned | removed | closed")
    outcome: Line | None = Field(default=None, max_length=40, description="with closed: " + ", ".join(xref.OUTCOMES))
    external_ref: Line | None = Field(default=None, max_length=200)


@router.post("/referrals/{referral_id}/steps", response_model=xref.CrossBorderReferral)
def step(referral_id: DbId, body: StepIn, principal: Principal = Depends(require("exchange")),
         db: Database = Depends(get_db), settings: Settings = Depends(get_settings)) -> xref.CrossBorderReferral:
    return xref.record_step(db, settings, principal, referral_id, body.step, outcome=body.outcome,
                            external_ref=body.external_ref)


class CheckpointReceived(BaseModel):
    accepted: bool
    seq: int
    verdict: str = Field(description="how the checkpoint fits those held before (a cut trail says so)")
    problem: str | None


class CheckpointSent(BaseModel):
    """A checkpoint signed and handed over: `verdict` when the partner took it, `error` when not."""

    seq: int
    head: str
    delivered: bool
    message: dict[str, Any] = Field(description="the sealed message, to hand over as a file if need be")
    verdict: str | None = Field(default=None, description="the partner's verdict, when delivered")
    error: str | None = Field(default=None, description="why it was not delivered")


@router.post("/witness/inbox", response_model=CheckpointReceived)
def witness_inbox(body: bytes = Depends(_sealed_body), db: Database = Depends(get_db)) -> dict[str, Any]:
    """A partner's sealed audit checkpoint. Authenticated by its signatures, not by a key."""
    return witness.receive(db, body)


@router.post("/witness/{partner}", response_model=CheckpointSent, response_model_exclude_unset=True)
def witness_send(partner: str, principal: Principal = Depends(require("exchange")),
                 db: Database = Depends(get_db)) -> dict[str, Any]:
    """Sign a checkpoint of this instance's audit trail now and hand it to `partner`."""
    return witness.send(db, principal, partner)


@router.get("/witness", response_model=list[witness.WitnessState])
def witness_state(principal: Principal = Depends(require("exchange")),
                  db: Database = Depends(get_db)) -> list[witness.WitnessState]:
    return witness.state(db, principal)


@router.get("/witness/checkpoints", response_model=list[witness.Witnessed])
def witness_checkpoints(partner: Annotated[Line | None, Query(max_length=200)] = None,
                        principal: Principal = Depends(require("exchange")),
                        db: Database = Depends(get_db)) -> list[witness.Witnessed]:
    return witness.witnessed_checkpoints(db, principal, partner=partner)
