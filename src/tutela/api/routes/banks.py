"""HTTP: hash banks (`banks` scope).

Banks belong to the caller's organisation; reading covers the banks visible
to it (its own, `shared` with it, `public`); changing needs ownership; making
a bank `public` needs the instance operator (the CLI), never an API key (403).
Another organisation's bank changes the caller's decisions only once the
caller subscribes to it (mode `review` by default, or `enforce`).

    GET    /v1/banks                       list visible banks
    POST   /v1/banks                       create
    GET    /v1/banks/{bank}                one bank (id or name)
    PATCH  /v1/banks/{bank}                settings: enabled, pdq_radius, share_level, ...
    DELETE /v1/banks/{bank}                delete with its entries
    GET    /v1/banks/{bank}/entries        entries (limit, offset)
    POST   /v1/banks/{bank}/entries        add entries (JSON)
    DELETE /v1/banks/{bank}/entries        remove entries by value or id (JSON)
    POST   /v1/banks/{bank}/import         body: CSV or threatexchange text (?format=csv|te&signal=pdq)
    GET    /v1/banks/{bank}/export         ?format=csv|te
    GET    /v1/banks/subscriptions         the caller's subscriptions
    PUT    /v1/banks/{bank}/subscription   subscribe (or change mode): {"mode": "review"|"enforce"}
    DELETE /v1/banks/{bank}/subscription   unsubscribe
"""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tutela.access import Principal
from tutela.api.deps import get_db, get_settings, require
from tutela.api.errors import error_response
from tutela.api.limits import MAX_BANK_ENTRIES_PER_REQUEST, MAX_SMALL_LIST, body_cap, too_large
from tutela.config import Settings
from tutela.domain.inputs import MAX_DB_ID, DbId, Line, Text, as_db_id
from tutela.domain.media import BankEntry, BankInfo, BankKind, BankSubscription, ShareLevel, SubscriptionMode
from tutela.domain.taxonomy import Category
from tutela.hashing import banks as B
from tutela.hashing import subscriptions as S
from tutela.hashing.bank_io import FORMATS, export_text, read_entries
from tutela.storage.db import Database

router = APIRouter(prefix="/v1/banks", tags=["banks"])


class BankCreate(BaseModel):
    name: Line = Field(min_length=1, max_length=200)
    kind: BankKind = BankKind.KNOWN
    source: Line | None = Field(default=None, max_length=200)
    source_date: date | None = None
    category: Category = Category.SEXUAL_EXPLOITATION
    severity: int | None = Field(default=None, ge=1, le=4)
    share_level: ShareLevel = ShareLevel.PRIVATE
    shared_with: list[DbId] = Field(default_factory=list, max_length=MAX_SMALL_LIST)
    enabled: bool = True
    pdq_radius: int = Field(default=31, ge=0, le=64)
    min_quality: int = Field(default=50, ge=0, le=100)
    description: Text | None = Field(default=None, max_length=10_000)


class BankUpdate(BaseModel):
    kind: BankKind | None = None
    source: Line | None = Field(default=None, max_length=200)
    source_date: date | None = None
    category: Category | None = None
    severity: int | None = Field(default=None, ge=1, le=4)
    share_level: ShareLevel | None = None
    shared_with: list[DbId] | None = Field(default=None, max_length=MAX_SMALL_LIST)
    enabled: bool | None = None
    pdq_radius: int | None = Field(default=None, ge=0, le=64)
    min_quality: int | None = Field(default=None, ge=0, le=100)
    description: Text | None = Field(default=None, max_length=10_000)


class SubscriptionIn(BaseModel):
    mode: SubscriptionMode = Field(
        default=SubscriptionMode.REVIEW,
        description="review: matches go to review (your policy's trust: review rules), never block by default; "
                    "enforce: the bank counts like your own",
    )


class EntryIn(BaseModel):
    signal_type: Line = Field(default="pdq", max_length=40)
    value: Line = Field(max_length=1000)
    label: Line | None = Field(default=None, max_length=200)
    quality: int | None = Field(default=None, ge=0, le=100)


class EntriesIn(BaseModel):
    entries: list[EntryIn] = Field(max_length=MAX_BANK_ENTRIES_PER_REQUEST,
                                   description=f"at most {MAX_BANK_ENTRIES_PER_REQUEST} per request (413)")


class EntriesRemove(BaseModel):
    values: list[Line] = Field(default_factory=list, max_length=MAX_BANK_ENTRIES_PER_REQUEST)
    entry_ids: list[DbId] = Field(default_factory=list, max_length=MAX_BANK_ENTRIES_PER_REQUEST)


class BankList(BaseModel):
    banks: list[BankInfo]


class SubscriptionList(BaseModel):
    subscriptions: list[BankSubscription]


class EntryList(BaseModel):
    entries: list[BankEntry]


class EntriesAdded(BaseModel):
    """What an addition or import did."""

    added: int
    duplicates: int = Field(description="values the bank already had")
    errors: list[str] = Field(description="one message per rejected line or entry (the first 100)")
    error_count: int = Field(description="all rejected, also beyond the first 100")


class EntriesRemoved(BaseModel):
    removed: int


class BankDeleted(BaseModel):
    deleted: str = Field(description="the bank as named in the request")


class Unsubscribed(BaseModel):
    unsubscribed: str = Field(description="the bank as named in the request")


#: Export formats as OpenAPI content: the body of a 200 in each format's media type.
_EXPORT_CONTENT = {FORMATS[name].media_type: {"schema": {"type": "string"}} for name in FORMATS}


def _bank_ref(bank: str) -> int | str:
    n = as_db_id(bank)
    return bank if n is None else n


@router.get("", response_model=BankList, summary="Banks visible to the caller's organisation")
def list_banks(p: Principal = Depends(require("banks")), db: Database = Depends(get_db)) -> BankList:
    return BankList(banks=B.list_banks(db, p.org_id))


@router.post("", response_model=BankInfo, status_code=201, summary="Create a bank owned by the caller's organisation")
def create_bank(
    body: BankCreate, p: Principal = Depends(require("banks")), db: Database = Depends(get_db)
) -> BankInfo:
    fields = body.model_dump(exclude={"name"}, exclude_none=True)
    return B.create_bank(db, p.org_id, body.name, org_id=p.org_id, actor=p.actor, **fields)


@router.get("/subscriptions", response_model=SubscriptionList,
            summary="The caller's subscriptions to other organisations' banks")
def list_subscriptions(p: Principal = Depends(require("banks")), db: Database = Depends(get_db)) -> SubscriptionList:
    return SubscriptionList(subscriptions=S.list_subscriptions(db, p.org_id))


@router.get("/{bank}", response_model=BankInfo, summary="One bank")
def get_bank(bank: Line, p: Principal = Depends(require("banks")), db: Database = Depends(get_db)) -> BankInfo:
    return B.get_bank(db, _bank_ref(bank), org_id=p.org_id)


@router.patch("/{bank}", response_model=BankInfo,
              summary="Change a bank's settings (enable/disable, radius, sharing, provenance)")
def update_bank(bank: Line, body: BankUpdate, p: Principal = Depends(require("banks")),
                db: Database = Depends(get_db)) -> BankInfo:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return B.update_bank(db, _bank_ref(bank), org_id=p.org_id, actor=p.actor, **changes)


@router.delete("/{bank}", response_model=BankDeleted, summary="Delete a bank and its entries")
def delete_bank(bank: Line, p: Principal = Depends(require("banks")), db: Database = Depends(get_db)) -> BankDeleted:
    B.delete_bank(db, _bank_ref(bank), org_id=p.org_id, actor=p.actor)
    return BankDeleted(deleted=bank)


@router.get("/{bank}/entries", response_model=EntryList, summary="Entries of a bank")
def list_entries(bank: Line, limit: int = Query(1000, ge=1, le=100_000), offset: int = Query(0, ge=0, le=MAX_DB_ID),
                 p: Principal = Depends(require("banks")), db: Database = Depends(get_db)) -> EntryList:
    return EntryList(entries=B.list_entries(db, _bank_ref(bank), org_id=p.org_id, limit=limit, offset=offset))


@router.post("/{bank}/entries", response_model=EntriesAdded, summary="Add entries")
def add_entries(bank: Line, body: EntriesIn, p: Principal = Depends(require("banks")),
                db: Database = Depends(get_db)) -> EntriesAdded:
    rows = [(e.signal_type, e.value, e.label, e.quality) for e in body.entries]
    return EntriesAdded(**B.add_entries(db, _bank_ref(bank), rows, org_id=p.org_id, actor=p.actor).as_dict())


@router.delete("/{bank}/entries", response_model=EntriesRemoved, summary="Remove entries by value or entry id")
def remove_entries(bank: Line, body: EntriesRemove, p: Principal = Depends(require("banks")),
                   db: Database = Depends(get_db)) -> EntriesRemoved:
    n = B.remove_entries(db, _bank_ref(bank), body.values, entry_ids=body.entry_ids, org_id=p.org_id,
                         actor=p.actor)
    return EntriesRemoved(removed=n)


@router.post("/{bank}/import", response_model=EntriesAdded,
             summary="Import a CSV or python-threatexchange hash file (request body)",
             description="The body is capped like every request (413 with the limit); it is read and "
                         "inserted in batches of a few thousand entries, so memory stays flat.")
async def import_entries(
    bank: Line, request: Request, format: str = Query("csv"),
    signal: Annotated[Line, Query(max_length=40)] = "pdq",
    p: Principal = Depends(require("banks")), db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> EntriesAdded | JSONResponse:
    if format not in FORMATS:
        return error_response(400, f"format must be one of {', '.join(FORMATS)}")
    body = await request.body()
    limit = body_cap(settings.max_upload_bytes)
    if len(body) > limit:
        return too_large(f"import too large: the limit is {limit} bytes; split it", limit)

    def run() -> dict[str, Any]:
        # decoded as it is read, one batch at a time: no second copy of the whole body as text
        stream = io.TextIOWrapper(io.BytesIO(body), encoding="utf-8", errors="replace", newline="")
        return B.add_entries(db, _bank_ref(bank), read_entries(stream, format, signal=signal),
                             org_id=p.org_id, actor=p.actor).as_dict()

    try:
        return EntriesAdded(**await run_in_threadpool(run))
    except B.BankError:
        raise
    except ValueError as exc:  # an unreadable file is a bad request, not invalid fields
        return error_response(400, str(exc))


@router.get("/{bank}/export", response_class=PlainTextResponse,
            responses={200: {"content": _EXPORT_CONTENT, "description": "the entries in the format asked for"}},
            summary="Export entries as CSV or python-threatexchange text")
def export_entries(bank: Line, format: str = Query("csv"), p: Principal = Depends(require("banks")),
                   db: Database = Depends(get_db)) -> Response:
    if format not in FORMATS:
        return error_response(400, f"format must be one of {', '.join(FORMATS)}")
    entries = B.list_entries(db, _bank_ref(bank), org_id=p.org_id)
    return PlainTextResponse(export_text(entries, format), media_type=FORMATS[format].media_type)


@router.put("/{bank}/subscription", response_model=BankSubscription,
            summary="Subscribe to another organisation's bank (or change the mode)")
def subscribe(bank: Line, body: SubscriptionIn, p: Principal = Depends(require("banks")),
              db: Database = Depends(get_db)) -> BankSubscription:
    return S.subscribe(db, p.org_id, _bank_ref(bank), mode=body.mode, actor=p.actor)


@router.delete("/{bank}/subscription", response_model=Unsubscribed,
               summary="Unsubscribe: the bank no longer changes your decisions")
def unsubscribe(
    bank: Line, p: Principal = Depends(require("banks")), db: Database = Depends(get_db)
) -> Unsubscribed | JSONResponse:
    if not S.unsubscribe(db, p.org_id, _bank_ref(bank), actor=p.actor):
        return error_response(404, f"no subscription to bank {bank!r}")
    return Unsubscribed(unsubscribed=bank)
