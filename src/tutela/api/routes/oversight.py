"""`/v1/oversight`: the measures and the register of notices and orders (scope `oversight`).

Thin: parse the filters, call `tutela.oversight`, return JSON. Nothing here returns a case: the
measures are sums with small counts suppressed, the register names no child.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from tutela.access import Principal
from tutela.api.deps import get_db, get_settings, require
from tutela.config import Settings
from tutela.domain.inputs import DbId, Line
from tutela.oversight import measures, register, rollup
from tutela.storage.db import Database

router = APIRouter(prefix="/v1/oversight", tags=["oversight"])

Word = Annotated[Line | None, Query(max_length=200)]


class MetricsOut(BaseModel):
    """The measures (`tutela.oversight.measures.Metrics`); the breakdowns' rows vary with the grouping."""

    threshold: int = Field(description="counts under this are null")
    filters: dict[str, Any]
    total: dict[str, Any]
    by: dict[str, list[dict[str, Any]]]
    ranking: list[dict[str, Any]]
    buckets_h: list[float | int]
    as_of: str


class NoticeAnswer(BaseModel):
    at: str
    by: str | None
    event: str
    text: str | None


class NoticeOut(BaseModel):
    """One notice or order in the register. `case_id` only for the issuing organisation."""

    id: int
    kind: str
    issuer: str | None
    platform: str | None
    platform_id: int
    category: str
    country: str | None
    legal_ground: str
    what: str
    reference: str | None
    sent_at: str
    deadline_at: str
    status: str
    outcome: str
    acknowledged_at: str | None
    actioned_at: str | None
    action: str | None
    closed_at: str | None
    answers: list[NoticeAnswer]
    case_id: int | None = Field(default=None, description="absent unless the caller issued the item")


class PlatformMonth(BaseModel):
    platform: str | None
    platform_id: int
    month: str
    sent: int
    met: int
    missed: int
    refused: int
    withdrawn: int
    overdue: int
    open: int


class RegisterOut(BaseModel):
    total: int
    items: list[NoticeOut]
    record: list[PlatformMonth]
    overdue: int
    as_of: str


def _metrics(db: Database, settings: Settings, principal: Principal, **words: Any) -> dict[str, Any]:
    rollup.refresh_if_stale(db)
    f = measures.Filters.parse(db, **words)
    return measures.metrics(db, principal, f, threshold=settings.oversight_min_count).as_dict()


@router.get("/metrics", response_model=MetricsOut)
def metrics(
    platform: Word = None,
    category: Word = None,
    country: Word = None,
    language: Word = None,
    period: Annotated[Line | None, Query(max_length=10, description="YYYY, YYYY-Qn, YYYY-Hn or YYYY-MM")] = None,
    month_from: Annotated[Line | None, Query(alias="from", max_length=7)] = None,
    month_to: Annotated[Line | None, Query(alias="to", max_length=7)] = None,
    principal: Principal = Depends(require("oversight")),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> dict[str, Any]:
    """The measures: total, breakdowns by month, platform, category, country and language, and the
    ranking of platforms by median time to removal. Counts under the threshold are null."""
    return _metrics(db, settings, principal, platform=platform, category=category, country=country,
                     language=language, period=period, month_from=month_from, month_to=month_to)


def _register(db: Database, principal: Principal, platform: str | None, category: str | None,
              country: str | None, period: str | None, status: str | None, limit: int, offset: int) -> dict:
    f = measures.Filters.parse(db, platform=platform, category=category, country=country, period=period)
    since = until = None
    if f.month_from:
        since = datetime.fromisoformat(f"{f.month_from}-01T00:00:00+00:00")
        y, m = map(int, f.month_to.split("-"))
        until = datetime.fromisoformat(f"{y + (m == 12)}-{m % 12 + 1:02d}-01T00:00:00+00:00")
    rf = register.RegisterFilters(platform_id=f.platform, category=f.category, country=f.country, since=since,
                                  until=until, status=status)
    return register.register(db, principal, rf, limit=limit, offset=offset)


@router.get("/register", response_model=RegisterOut, response_model_exclude_unset=True)
def register_(
    platform: Word = None,
    category: Word = None,
    country: Word = None,
    period: Annotated[Line | None, Query(max_length=10)] = None,
    status: Annotated[Line | None, Query(max_length=20, description="open | overdue | met | missed | refused | withdrawn")] = None,
    limit: int = Query(200, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    principal: Principal = Depends(require("oversight")),
    db: Database = Depends(get_db),
) -> dict[str, Any]:
    """Notices and orders sent to platforms, the platforms' answers, overdue items and each platform's
    record per month. A platform sees what was sent to it; a regulator sees everything."""
    return _register(db, principal, platform, category, country, period, status, limit, offset)


class NoticeIn(BaseModel):
    platform: Line = Field(max_length=200, description="the platform organisation's name or id")
    legal_ground: Line = Field(max_length=300)
    what: Line = Field(max_length=500, description="the content or act asked for; no names")
    category: Line = Field(max_length=40)
    deadline_hours: float = Field(gt=0, le=8760)
    country: Line | None = Field(default=None, min_length=2, max_length=2)
    case_id: DbId | None = None
    reference: Line | None = Field(default=None, max_length=100)


@router.post("/notices", status_code=201, response_model=NoticeOut, response_model_exclude_unset=True)
def send_notice(body: NoticeIn, principal: Principal = Depends(require("oversight")),
                db: Database = Depends(get_db)) -> dict[str, Any]:
    """Record a notice (or, from an authority, an order) sent to a platform."""
    platform: str | int = int(body.platform) if body.platform.isdigit() else body.platform
    return register.send(db, principal, platform=platform, legal_ground=body.legal_ground,
                     what=body.what, category=body.category, deadline_hours=body.deadline_hours,
                     country=body.country, case_id=body.case_id, reference=body.reference)


class AnswerIn(BaseModel):
    answer: Line = Field(max_length=30, description="acknowledged | content_removed | account_actioned | refused | answer")
    text: Line | None = Field(default=None, max_length=2000)


@router.post("/notices/{notice_id}/answers", response_model=NoticeOut, response_model_exclude_unset=True)
def answer_notice(notice_id: DbId, body: AnswerIn, principal: Principal = Depends(require("oversight")),
                  db: Database = Depends(get_db)) -> dict[str, Any]:
    """The platform's answer or action on a notice sent to it."""
    return register.respond(db, principal, notice_id, body.answer, text=body.text)
