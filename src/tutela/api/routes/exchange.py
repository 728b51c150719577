"""`/v1/exchange/*`: an organisation's exchange identity, keys and partners (scope `exchange`).

Thin: each route calls `tutela.exchange` for the caller's organisation and
turns its errors into their status (`ExchangeError.status`), rendered as
`{"error": ...}` like every other API error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from tutela.access import AccessError, Principal
from tutela.api.deps import get_db, require
from tutela.domain.exchange import Partner, SigningKey
from tutela.domain.inputs import Line
from tutela.exchange import identity, partners
from tutela.exchange.errors import ExchangeError
from tutela.storage.db import Database

router = APIRouter(prefix="/v1/exchange", tags=["exchange"])

T = TypeVar("T")


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an exchange call, its errors as HTTP errors (`ExchangeError` has its status; bad input 422)."""
    try:
        return fn(*args, **kwargs)
    except ExchangeError as exc:
        raise AccessError(str(exc), status=exc.status) from None
    except ValueError as exc:
        raise AccessError(str(exc), status=422) from None


class IdentityOut(BaseModel):
    org: str
    key_id: str
    public_key: str


@router.get("/identity", response_model=IdentityOut)
def get_identity(
    principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> IdentityOut:
    """The organisation's key id and public key, to give to partners (made on first use)."""
    key = call(identity.current_key, db, principal.org_id, actor=principal.actor)
    return IdentityOut(org=principal.org_name, key_id=key.key_id, public_key=key.public_key)


@router.get("/identity/document")
def get_identity_document(
    principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> dict[str, Any]:
    """The signed identity document: every key's status and the endorsements of rotated keys."""
    return call(identity.identity_document, db, principal.org_id)


@router.get("/keys", response_model=list[SigningKey])
def list_keys(
    principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> list[SigningKey]:
    return call(identity.keys, db, principal.org_id)


class RotateIn(BaseModel):
    overlap_days: float = Field(
        default=30.0, ge=0, le=365, description="days the previous key keeps verifying"
    )


@router.post("/keys/rotate", response_model=SigningKey, status_code=201)
def rotate_key(
    body: RotateIn, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> SigningKey:
    from datetime import timedelta

    return call(
        identity.rotate,
        db,
        principal.org_id,
        overlap=timedelta(days=body.overlap_days),
        actor=principal.actor,
    )


class RevokeIn(BaseModel):
    reason: Line = Field(default="", max_length=200)


@router.post("/keys/{key_id}/revoke", response_model=SigningKey)
def revoke_key(
    key_id: str,
    body: RevokeIn,
    principal: Principal = Depends(require("exchange")),
    db: Database = Depends(get_db),
) -> SigningKey:
    return call(identity.revoke, db, principal.org_id, key_id, reason=body.reason, actor=principal.actor)


class PartnerIn(BaseModel):
    name: Line = Field(max_length=200)
    public_key: str = Field(
        max_length=400, description="the partner's Ed25519 public key (base64url, base64 or PEM)"
    )
    url: Line | None = Field(default=None, max_length=500)
    country: Line | None = Field(default=None, max_length=2)
    share_level: Line = Field(default="amber", max_length=20)
    categories: list[Line] = Field(default_factory=list, max_length=50)
    signal_types: list[Line] = Field(default_factory=list, max_length=50)
    countries: list[Line] = Field(default_factory=list, max_length=250)
    may_receive_content: bool = False


class PartnerUpdate(BaseModel):
    url: Line | None = Field(default=None, max_length=500)
    country: Line | None = Field(default=None, max_length=2)
    share_level: Line | None = Field(default=None, max_length=20)
    categories: list[Line] | None = Field(default=None, max_length=50)
    signal_types: list[Line] | None = Field(default=None, max_length=50)
    countries: list[Line] | None = Field(default=None, max_length=250)
    may_receive_content: bool | None = None


@router.get("/partners", response_model=list[Partner])
def list_partners(
    principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> list[Partner]:
    return partners.list_partners(db, principal.org_id)


@router.post("/partners", response_model=Partner, status_code=201)
def add_partner(
    body: PartnerIn, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> Partner:
    return call(
        partners.add_partner,
        db,
        principal.org_id,
        body.name,
        body.public_key,
        url=body.url,
        country=body.country,
        share_level=body.share_level,
        categories=body.categories,
        signal_types=body.signal_types,
        countries=body.countries,
        may_receive_content=body.may_receive_content,
        actor=principal.actor,
    )


@router.get("/partners/{partner}", response_model=Partner)
def get_partner(
    partner: str, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> Partner:
    return call(partners.get_partner, db, principal.org_id, partner)


@router.patch("/partners/{partner}", response_model=Partner)
def update_partner(
    partner: str,
    body: PartnerUpdate,
    principal: Principal = Depends(require("exchange")),
    db: Database = Depends(get_db),
) -> Partner:
    return call(
        partners.update_partner,
        db,
        principal.org_id,
        partner,
        actor=principal.actor,
        **body.model_dump(exclude_none=True),
    )


class PartnerKeyIn(BaseModel):
    public_key: str = Field(max_length=400)


@router.post("/partners/{partner}/keys", response_model=Partner, status_code=201)
def add_partner_key(
    partner: str,
    body: PartnerKeyIn,
    principal: Principal = Depends(require("exchange")),
    db: Database = Depends(get_db),
) -> Partner:
    return call(partners.add_key, db, principal.org_id, partner, body.public_key, actor=principal.actor)


@router.post("/partners/{partner}/revoke", response_model=Partner)
def revoke_partner(
    partner: str,
    body: RevokeIn,
    principal: Principal = Depends(require("exchange")),
    db: Database = Depends(get_db),
) -> Partner:
    return call(
        partners.revoke_partner, db, principal.org_id, partner, reason=body.reason, actor=principal.actor
    )


@router.post("/partners/{partner}/keys/{key_id}/revoke", response_model=Partner)
def revoke_partner_key(
    partner: str,
    key_id: str,
    body: RevokeIn,
    principal: Principal = Depends(require("exchange")),
    db: Database = Depends(get_db),
) -> Partner:
    return call(
        partners.revoke_key, db, principal.org_id, partner, key_id, reason=body.reason, actor=principal.actor
    )
