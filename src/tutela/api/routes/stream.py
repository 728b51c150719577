"""`/v1/stream/messages`: push messages for asynchronous moderation; `/v1/stream/results`: read decisions.

Thin: validate, append to the partitioned streams (tutela.jobs.streams), answer
202 with how many were taken. A full stream answers 429 with `Retry-After` and
the number accepted before it (resend the rest); an unreachable broker 503.
Results arrive on the organisation's output stream (read here) and, when
configured, as signed webhooks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from tutela.access import Principal, authenticate_key
from tutela.api.deps import bearer
from tutela.api.errors import documented, error_response
from tutela.domain.inputs import Line
from tutela.domain.policy import MediaRef, ModerationContext

router = APIRouter(prefix="/v1/stream", tags=["streams"])

#: Messages per push: a platform batches, and one request stays small.
MAX_BATCH = 500


class StreamMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Line = Field(min_length=1, max_length=200, description="your message id: the idempotency key")
    text: str | None = Field(default=None, max_length=100_000)
    media_base64: str | None = Field(default=None, max_length=2_000_000, description="small media inline")
    filename: Line | None = Field(default=None, max_length=300)
    hashes: MediaRef | None = Field(default=None, description="precomputed hashes of the media")
    context: ModerationContext = Field(default_factory=ModerationContext)


class StreamPush(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[StreamMessage] = Field(min_length=1, max_length=MAX_BATCH)


class Accepted(BaseModel):
    accepted: int = Field(description="messages appended to the streams")


class StreamResult(BaseModel):
    """One decision: its cursor, then the moderation result as the worker wrote it."""

    model_config = ConfigDict(extra="allow")

    cursor: str


class StreamResults(BaseModel):
    results: list[StreamResult]
    next: str | None = Field(description="the cursor to pass as `after` next time")


def _principal(request: Request) -> Principal:
    person = getattr(request.state, "principal", None)
    principal = person if person is not None else authenticate_key(request.app.state.db, bearer(request))
    principal.require("moderate")
    return principal


def _broker(request: Request):  # noqa: ANN202
    from tutela.jobs.broker import broker_for

    return broker_for(request.app.state.settings.redis_url)


@router.post("/messages", status_code=202, response_model=Accepted, summary="Push messages for asynchronous moderation",
             responses={**documented(429, "a stream is full: resend from `details.accepted` on after Retry-After"),
                        **documented(503, "the stream broker is unreachable")})
async def push(body: StreamPush, request: Request) -> Accepted | JSONResponse:
    from tutela.jobs.broker import Backpressure, BrokerUnavailable
    from tutela.jobs.streams import ingest

    principal = _principal(request)
    settings = request.app.state.settings
    msgs = [m.model_dump(mode="json", exclude_none=True) for m in body.messages]
    try:
        ids = await run_in_threadpool(ingest, _broker(request), settings, principal.org_id, msgs)
    except Backpressure as exc:
        accepted = getattr(exc, "accepted", 0)
        return error_response(429, "the stream is full: try again later",
                              details={"accepted": accepted, "resend_from": accepted}, headers={"Retry-After": "1"})
    except BrokerUnavailable as exc:
        return error_response(503, str(exc), headers={"Retry-After": "5"})
    return Accepted(accepted=len(ids))


@router.get("/results", response_model=StreamResults, summary="Decisions on pushed messages, oldest first, after a cursor")
async def results(request: Request, after: Annotated[str | None, Query(max_length=40, pattern=r"^\d+-\d+$")] = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> StreamResults | JSONResponse:
    import json

    from tutela.jobs.broker import BrokerUnavailable
    from tutela.jobs.streams import names

    principal = _principal(request)
    stream = names(request.app.state.settings).results(principal.org_id)
    try:
        entries = await run_in_threadpool(_broker(request).range, stream, after, limit)
    except BrokerUnavailable as exc:
        return error_response(503, str(exc), headers={"Retry-After": "5"})
    items = [{"cursor": e.id, **json.loads(e.fields["result"])} for e in entries]
    return StreamResults(results=[StreamResult(**i) for i in items], next=items[-1]["cursor"] if items else after)
