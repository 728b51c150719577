"""`/v1/exchange/*` (scope `exchange`) and the partners' door `/taxii2/*` + `/v1/exchange/inbox`.

Thin: each route calls `tutela.exchange`; its errors read over HTTP through
`tutela.api.errors`, in the one error shape. The organisation's door takes an API key; the partners' door takes
no key: a partner signs each request with its exchange key
(`transport.caller`) or delivers a signed envelope (the inbox), and what it
gets back is signed and addressed to it.

TAXII 2.1 shape: discovery `/taxii2/`, `/taxii2/api/collections/`, and
`/taxii2/api/collections/{id}/objects/?added_after=<checkpoint>&limit=<n>`
(`next` is accepted as a synonym of `added_after`). Checkpoints are feed
positions, not timestamps: strictly ordered, never skipping a change. The
objects page comes wrapped in the signed envelope (its `body` holds `more`,
`next` and the STIX bundle), because a detached signature must travel with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field, PlainSerializer

from tutela.access import Principal
from tutela.api.deps import get_db, require
from tutela.domain.exchange import Partner, SigningKey
from tutela.domain.inputs import Line
from tutela.exchange import identity, partners
from tutela.storage.db import Database

#: the organisation's own door (API key with scope `exchange`)
org_router = APIRouter(prefix="/v1/exchange", tags=["exchange"])
#: the partners' door: TAXII 2.1-shaped collections, answered to signed requests (no API key)
taxii = APIRouter(prefix="/taxii2", tags=["exchange"])

#: A time as these routes have always written it: Python's `isoformat()` (`+00:00`, not pydantic's `Z`).
IsoTime = Annotated[datetime, PlainSerializer(lambda t: t.isoformat(), return_type=str)]


class IdentityOut(BaseModel):
    org: str
    key_id: str
    public_key: str


@org_router.get("/identity", response_model=IdentityOut)
def get_identity(
    principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> IdentityOut:
    """The organisation's key id and public key, to give to partners (made on first use)."""
    key = identity.current_key(db, principal.org_id, actor=principal.actor)
    return IdentityOut(org=principal.org_name, key_id=key.key_id, public_key=key.public_key)


@org_router.get("/identity/document")
def get_identity_document(
    principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> dict[str, Any]:
    """The signed identity document: every key's status and the endorsements of rotated keys."""
    return identity.identity_document(db, principal.org_id)


@org_router.get("/keys", response_model=list[SigningKey])
def list_keys(
    principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> list[SigningKey]:
    return identity.keys(db, principal.org_id)


class RotateIn(BaseModel):
    overlap_days: float = Field(
        default=30.0, ge=0, le=365, description="days the previous key keeps verifying"
    )


@org_router.post("/keys/rotate", response_model=SigningKey, status_code=201)
def rotate_key(
    body: RotateIn, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> SigningKey:
    from datetime import timedelta

    return identity.rotate(
        db,
        principal.org_id,
        overlap=timedelta(days=body.overlap_days),
        actor=principal.actor,
    )


class RevokeIn(BaseModel):
    reason: Line = Field(default="", max_length=200)


@org_router.post("/keys/{key_id}/revoke", response_model=SigningKey)
def revoke_key(
    key_id: str,
    body: RevokeIn,
    principal: Principal = Depends(require("exchange")),
    db: Database = Depends(get_db),
) -> SigningKey:
    return identity.revoke(db, principal.org_id, key_id, reason=body.reason, actor=principal.actor)


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


@org_router.get("/partners", response_model=list[Partner])
def list_partners(
    principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> list[Partner]:
    return partners.list_partners(db, principal.org_id)


@org_router.post("/partners", response_model=Partner, status_code=201)
def add_partner(
    body: PartnerIn, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> Partner:
    return partners.add_partner(
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


@org_router.get("/partners/{partner}", response_model=Partner)
def get_partner(
    partner: str, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> Partner:
    return partners.get_partner(db, principal.org_id, partner)


@org_router.patch("/partners/{partner}", response_model=Partner)
def update_partner(
    partner: str,
    body: PartnerUpdate,
    principal: Principal = Depends(require("exchange")),
    db: Database = Depends(get_db),
) -> Partner:
    return partners.update_partner(
        db,
        principal.org_id,
        partner,
        actor=principal.actor,
        **body.model_dump(exclude_none=True),
    )


class PartnerKeyIn(BaseModel):
    public_key: str = Field(max_length=400)


@org_router.post("/partners/{partner}/keys", response_model=Partner, status_code=201)
def add_partner_key(
    partner: str,
    body: PartnerKeyIn,
    principal: Principal = Depends(require("exchange")),
    db: Database = Depends(get_db),
) -> Partner:
    return partners.add_key(db, principal.org_id, partner, body.public_key, actor=principal.actor)


@org_router.post("/partners/{partner}/revoke", response_model=Partner)
def revoke_partner(
    partner: str,
    body: RevokeIn,
    principal: Principal = Depends(require("exchange")),
    db: Database = Depends(get_db),
) -> Partner:
    return partners.revoke_partner(
        db, principal.org_id, partner, reason=body.reason, actor=principal.actor
    )


@org_router.post("/partners/{partner}/keys/{key_id}/revoke", response_model=Partner)
def revoke_partner_key(
    partner: str,
    key_id: str,
    body: RevokeIn,
    principal: Principal = Depends(require("exchange")),
    db: Database = Depends(get_db),
) -> Partner:
    return partners.revoke_key(
        db, principal.org_id, partner, key_id, reason=body.reason, actor=principal.actor
    )


# --- the organisation's door: collections, files, pull, push, feedback, quarantine ---


class CollectionIn(BaseModel):
    bank: Line = Field(max_length=200, description="one of the organisation's own banks")
    share_level: Line | None = Field(default=None, max_length=20, description="TLP given to its signals")
    confidence: int | None = Field(default=None, ge=0, le=100)


class CollectionOut(BaseModel):
    """A collection as TAXII describes it, with its counts of live signals and tombstones."""

    id: str
    title: str
    share_level: str
    confidence: int | None
    can_read: bool
    can_write: bool
    media_types: list[str]
    live: int
    tombstones: int


class Released(BaseModel):
    released: str = Field(description="the STIX id let out of quarantine")


@org_router.get("/collections", response_model=list[CollectionOut])
def list_collections(
    principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> list[dict[str, Any]]:
    from tutela.exchange import feed

    return [{**c.describe(), **feed.counts(db, c.id)} for c in feed.list_collections(db, principal.org_id)]


@org_router.post("/collections", status_code=201, response_model=CollectionOut)
def add_collection(
    body: CollectionIn, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> dict[str, Any]:
    from tutela.exchange import feed

    col = feed.ensure_collection(
        db,
        principal.org_id,
        body.bank,
        share_level=body.share_level,
        confidence=body.confidence,
        actor=principal.actor,
    )
    feed.sync(db, col.id)
    return {**col.describe(), **feed.counts(db, col.id)}


class ExportIn(BaseModel):
    bank: Line = Field(max_length=200)
    to: Line | None = Field(
        default=None, max_length=200, description="partner it is for (its policy applies)"
    )
    max_level: Line | None = Field(
        default=None, max_length=20, description="unaddressed: highest TLP (amber)"
    )


class EnvelopeOut(BaseModel):
    """A signed envelope (`tutela.exchange.envelope.seal`): `signature` is a detached JWS over the rest."""

    tutela_exchange: int = Field(description="envelope format version")
    kind: str = Field(description="what the body is: stix-bundle, feedback, ...")
    from_: dict[str, str] = Field(alias="from", description="the signer: {org, key_id}")
    to: str | None = Field(description="the key id of the partner it is addressed to; null for a file")
    nonce: str
    created: str
    share_level: str
    content: bool
    body: dict[str, Any]
    signature: str


class ImportedOut(BaseModel):
    """A bundle taken in (`tutela.exchange.bundles.Accepted`)."""

    partner: str
    collection: str
    added: int
    updated: int
    removed: int
    not_accepted: int = Field(description="outside the partner policy (category, signal type, country)")
    next: int = Field(description="the feed position reached")
    more: bool
    stale: bool
    withdrawn_by_snapshot: int


class PulledOut(BaseModel):
    """One collection pulled from a partner."""

    collection: str
    pages: int
    checkpoint: int
    full_resyncs: int
    withdrawn_by_resync: int
    added: int
    updated: int
    removed: int
    not_accepted: int


class PushedOut(BaseModel):
    """One of our collections sent to a partner's inbox."""

    collection: str
    title: str
    sent: int
    position: int = Field(description="the feed position the partner has accepted up to")


@org_router.post("/export", response_model=EnvelopeOut)
def export_bundle(
    body: ExportIn, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> dict[str, Any]:
    """A signed STIX 2.1 bundle of a bank (a complete snapshot), for a partner or as a file."""
    from tutela.exchange import bundles

    to = partners.get_partner(db, principal.org_id, body.to) if body.to else None
    return bundles.export_file(db, principal.org_id, body.bank, to=to, max_level=body.max_level)


class ImportIn(BaseModel):
    envelope: dict[str, Any]
    from_partner: Line | None = Field(default=None, alias="from", max_length=200)


@org_router.post("/import", response_model=ImportedOut)
def import_bundle(
    body: ImportIn, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> dict[str, Any]:
    """Verify a signed bundle from a partner and take it into a bank the organisation reviews."""
    from tutela.exchange import bundles

    return bundles.accept(db, principal.org_id, body.envelope, partner=body.from_partner).as_dict()


@org_router.post("/partners/{partner}/pull", response_model=list[PulledOut])
def pull(
    partner: str, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> list[dict[str, Any]]:
    from tutela.exchange import transport

    return transport.pull(db, principal.org_id, partner)


@org_router.post("/partners/{partner}/push", response_model=list[PushedOut])
def push(
    partner: str, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> list[dict[str, Any]]:
    from tutela.exchange import transport

    return transport.push(db, principal.org_id, partner)


class FeedbackIn(BaseModel):
    stix_id: Line = Field(max_length=64)
    opinion: Line = Field(max_length=12, description="confirmed | disputed | seen")
    reason: str | None = Field(default=None, max_length=1000, description="why (a dispute needs one)")


class FeedbackRecorded(BaseModel):
    stix_id: str
    opinion: str
    partner_id: int


class OpinionOut(BaseModel):
    """A partner's opinion of one of our signals."""

    partner: str | None
    opinion: str
    reason: str | None
    seen: int = Field(description="times the partner saw it match")
    updated_at: IsoTime | None


class PrecisionOut(BaseModel):
    partner: str | None
    confirmed: int
    disputed: int
    seen: int
    precision: float | None = Field(description="confirmed / (confirmed + disputed); null before any")


class QuarantinedOut(BaseModel):
    """A received signal held back from matching (a surge of matches) until a reviewer releases it."""

    stix_id: str
    signal_type: str
    value: str
    matches: int
    quarantined_at: IsoTime
    reason: str | None


class FeedbackSent(BaseModel):
    sent: int = Field(description="opinions delivered in this envelope")
    answer: Any = Field(default=None, description="the partner's answer; absent when nothing was due")


@org_router.post("/feedback", status_code=201, response_model=FeedbackRecorded)
def record_feedback(
    body: FeedbackIn, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> dict[str, Any]:
    """Our opinion of a signal we received (sent to the source with .../feedback/send)."""
    from tutela.exchange import feedback

    return feedback.record(
        db,
        principal.org_id,
        body.stix_id,
        body.opinion,
        reason=body.reason,
        actor=principal.actor,
    )


@org_router.post("/partners/{partner}/feedback/send", response_model=FeedbackSent, response_model_exclude_unset=True)
def send_feedback(
    partner: str, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> dict[str, Any]:
    from tutela.exchange import feedback

    return feedback.send(db, principal.org_id, partner)


@org_router.get("/feedback/{stix_id}", response_model=list[OpinionOut])
def signal_feedback(
    stix_id: str, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> list[dict[str, Any]]:
    """Every partner's opinion of one of our signals."""
    from tutela.exchange import feedback

    return feedback.for_signal(db, principal.org_id, stix_id)


@org_router.get("/precision", response_model=list[PrecisionOut])
def partner_precision(
    direction: str = "received",
    principal: Principal = Depends(require("exchange")),
    db: Database = Depends(get_db),
) -> list[dict[str, Any]]:
    """Per partner: confirmed, disputed, seen, precision (`received`: of our signals; `sent`: of theirs)."""
    from tutela.exchange import feedback

    if direction not in ("received", "sent"):
        raise ValueError("direction is 'received' or 'sent'")
    return feedback.precision(db, principal.org_id, direction=direction)


@org_router.get("/quarantine", response_model=list[QuarantinedOut])
def quarantined(
    principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> list[dict[str, Any]]:
    from tutela.exchange import quarantine

    return quarantine.list_quarantined(db, principal.org_id)


@org_router.post("/quarantine/{stix_id}/release", response_model=Released)
def release(
    stix_id: str, principal: Principal = Depends(require("exchange")), db: Database = Depends(get_db)
) -> dict[str, Any]:
    from tutela.exchange import quarantine

    quarantine.release(db, principal.org_id, stix_id, actor=principal.actor)
    return {"released": stix_id}


# --- the partners' door ---


class InboxAnswer(BaseModel):
    """What the inbox answers, by the envelope's kind: a bundle's counts (as `/import`), or feedback's."""

    partner: str | None = None
    collection: str | None = None
    added: int | None = None
    updated: int | None = None
    removed: int | None = None
    not_accepted: int | None = None
    next: int | None = None
    more: bool | None = None
    stale: bool | None = None
    withdrawn_by_snapshot: int | None = None
    kept: int | None = Field(default=None, description="feedback: opinions kept")
    unknown: int | None = Field(default=None, description="feedback: opinions of signals not ours, or unreadable")


@org_router.post("/inbox", response_model=InboxAnswer, response_model_exclude_unset=True)
async def inbox(request: Request, db: Database = Depends(get_db)) -> dict[str, Any]:
    """A partner delivers a signed envelope addressed to one of our organisations (no API key:
    the envelope's signature is the credential)."""
    import orjson
    from starlette.concurrency import run_in_threadpool

    from tutela.exchange import inbox as box

    raw = await request.body()
    try:
        env = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise HTTPException(400, "the body is not JSON") from None
    return await run_in_threadpool(box.deliver, db, env, raw=raw)


def _partner_request(request: Request, db: Database) -> tuple[int, Any, str]:
    from tutela.exchange import transport

    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return transport.caller(db, request.headers.get("authorization"), request.method, path)


TAXII_JSON = "application/taxii+json;version=2.1"
#: the largest page a partner may ask for (a full sync asks for big pages: fewer requests and signatures)
MAX_PAGE = 50_000


@taxii.get("/")
def discovery() -> Response:
    body = {
        "title": "Tutela exchange",
        "description": "signals between partner organisations, signed",
        "default": "/taxii2/api/",
        "api_roots": ["/taxii2/api/"],
    }
    return Response(orjson_dumps(body), media_type=TAXII_JSON)


@taxii.get("/api/")
def api_root() -> Response:
    body = {"title": "Tutela", "versions": ["application/taxii+json;version=2.1"], "max_content_length": 0}
    return Response(orjson_dumps(body), media_type=TAXII_JSON)


@taxii.get("/api/collections/")
def taxii_collections(request: Request, db: Database = Depends(get_db)) -> Response:
    from tutela.exchange import feed

    org_id, _, _ = _partner_request(request, db)
    cols = [c.describe() for c in feed.list_collections(db, org_id)]
    return Response(orjson_dumps({"collections": cols}), media_type=TAXII_JSON)


@taxii.get("/api/collections/{collection_id}/objects/")
def taxii_objects(
    collection_id: str,
    request: Request,
    added_after: str | None = None,
    next: str | None = None,
    limit: int = 10_000,
    db: Database = Depends(get_db),
) -> Response:
    """One signed page of the collection for the asking partner (its policy filters it)."""
    from tutela.exchange import bundles, feed

    org_id, partner, nonce = _partner_request(request, db)
    position = next if next is not None else added_after
    if position is not None and not position.isdigit():
        raise HTTPException(400, "added_after / next is a feed position (a whole number) from an earlier page")
    col = feed.get_collection(db, org_id, collection_id)
    feed.sync(db, col.id)
    wire = bundles.page_bytes(
        db,
        org_id,
        col,
        after=int(position or 0),
        limit=max(1, min(limit, MAX_PAGE)),
        to=partner,
        in_reply_to=nonce,
    )
    return Response(wire.data, media_type=TAXII_JSON)


def orjson_dumps(value: Any) -> bytes:
    import orjson

    return orjson.dumps(value)


router = APIRouter()
router.include_router(org_router)
router.include_router(taxii)
