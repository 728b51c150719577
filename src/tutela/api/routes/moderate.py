"""`POST /v1/moderate`: one call per message or upload -> what to do, and why.

Thin: parse, call `tutela.policy.moderate`, render. The endpoint is `async`
and authenticates without a thread hop, because a text decision is a fraction
of a millisecond of CPU and a thread-pool round trip would cost more than the
work; anything that may wait on I/O (media, conversations) is moved to the
thread pool, and a decision that opens a case waits for the process's decision
committer (`policy.log.DecisionLog.commit`) without a thread of its own.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tutela.access import NotFound, Principal, authenticate_key
from tutela.api.deps import bearer
from tutela.api.errors import documented, error_response
from tutela.api.limits import too_large
from tutela.domain.analysis import TextAnalysis
from tutela.domain.inputs import Line, check_line
from tutela.domain.policy import Decision, MediaRef, ModerationContext, ModerationItem
from tutela.policy.batching import TextBatcher
from tutela.policy.service import Pending, audience_of, finish, finish_deferred, prepare

router = APIRouter(prefix="/v1/moderate", tags=["moderation"])


class ModerateRequest(BaseModel):
    """A message or a media item, with who sends it to whom and where."""

    model_config = ConfigDict(extra="forbid")

    id: Line | None = Field(default=None, max_length=256, description="your content id (stored keyed-hashed)")
    text: str | None = Field(default=None, description="the message text")
    media_base64: str | None = Field(default=None, description="the media bytes, base64-encoded")
    filename: Line | None = Field(default=None, max_length=300)
    hashes: MediaRef | None = Field(default=None, description="precomputed hashes instead of the bytes")
    context: ModerationContext = Field(default_factory=ModerationContext)


def _principal(request: Request) -> Principal:
    person = getattr(request.state, "principal", None)
    principal = person if person is not None else authenticate_key(request.app.state.db, bearer(request))
    principal.require("moderate")
    return principal


def _error(message: str, status: int = 400) -> JSONResponse:
    return error_response(status, message)


def _prepare(request: Request, principal: Principal, item: ModerationItem, ctx: ModerationContext,
             analysis: TextAnalysis | None = None) -> Pending:
    return prepare(item, ctx, settings=request.app.state.settings, db=request.app.state.db, principal=principal,
                   analysis=analysis)


def _batcher(request: Request) -> TextBatcher:
    batcher = getattr(request.app.state, "moderate_batcher", None)
    if batcher is None:
        batcher = request.app.state.moderate_batcher = TextBatcher(request.app.state.settings)
    return batcher


async def _org_examples(request: Request, principal: Principal) -> Any:
    """The organisation's own semantic examples; read off the event loop only when not read recently,
    and then once: every request that finds the overlay stale while a read is under way waits for that
    read. Before, each of them sent its own query through the thread pool, so under load every expiry
    (`RECENT_SECONDS`) cost as many queries and thread hops as there were requests in flight (282 for
    2,000 requests in `bench/moderate_profile.py`, against 3 reads now)."""
    from tutela.detect.semantic.orgbank import STALE, fresh_org_bank, recent_org_bank

    db = request.app.state.db
    org = recent_org_bank(db, principal.org_id)
    if org is not STALE:
        return org
    reads: dict[tuple[int, int | None], asyncio.Future[Any]] | None = getattr(
        request.app.state, "org_example_reads", None)
    if reads is None:
        reads = request.app.state.org_example_reads = {}
    key = (id(asyncio.get_running_loop()), principal.org_id)
    read = reads.get(key)
    if read is None:
        read = asyncio.ensure_future(run_in_threadpool(fresh_org_bank, db, principal.org_id))
        reads[key] = read
        read.add_done_callback(lambda done: reads.pop(key, None) if reads.get(key) is done else None)
    # shielded: a caller that goes away does not cancel the read the others wait for
    return await asyncio.shield(read)


def _needs_io(item: ModerationItem, ctx: ModerationContext) -> bool:
    return item.has_media or ctx.conversation_id is not None


async def _decide(request: Request, principal: Principal, item: ModerationItem, ctx: ModerationContext) -> Response:
    if item.text is None and not item.has_media:
        return _error("send 'text', 'media_base64' (or a file upload) or 'hashes'", 422)
    settings = request.app.state.settings
    if item.text is not None and len(item.text) > settings.max_text_chars * 5:
        return too_large(f"text longer than {settings.max_text_chars * 5} characters", settings.max_text_chars * 5)
    if _needs_io(item, ctx):
        pending = await run_in_threadpool(_prepare, request, principal, item, ctx)
    else:
        try:  # concurrent requests' texts are analysed together (see tutela.policy.batching)
            org = await _org_examples(request, principal)
            analysis = await _batcher(request).analyze(item.text or "", ctx.lang, audience_of(ctx), org)
        except Exception:  # noqa: BLE001 - prepare() analyses on its own and records any failure
            analysis = None
        pending = _prepare(request, principal, item, ctx, analysis)
    # a case is not opened here: the decision and an outbox row are committed together by the process's
    # decision writer (group commit, off the event loop) and a worker opens the case (tutela.jobs.deferred)
    if pending.needs_case:
        decision = await finish_deferred(pending)
    else:
        decision = finish(pending)
    return Response(decision.model_dump_json(exclude_none=False), media_type="application/json")


@router.post(
    "",
    summary="Decide what to do with a message or media item",
    responses={200: {"model": Decision}, **documented(401, "no or bad API key"),
               **documented(403, "the key lacks the 'moderate' scope")},
)
async def moderate_item(body: ModerateRequest, request: Request) -> Response:
    """Runs the right detectors, applies the organisation's live policy (and its shadow, if set),
    and returns the decision, every action, the reasons (rule ids with evidence) and nudges for the child."""
    return await decide_request(request, _principal(request), body)


async def decide_request(request: Request, principal: Principal, body: ModerateRequest) -> Response:
    """The answer to a parsed `POST /v1/moderate` from an authenticated caller (also what
    `tutela.api.fastpath` calls for the common case, without the framework around it)."""
    principal.require("moderate")
    media = None
    if body.media_base64 is not None:
        try:
            media = base64.b64decode(body.media_base64, validate=True)
        except (binascii.Error, ValueError):
            return _error("media_base64 is not valid base64", 422)
        if len(media) > request.app.state.settings.max_upload_bytes:
            return _error("media larger than the upload limit", 413)
    item = ModerationItem(id=body.id, text=body.text, media=media, filename=body.filename, hashes=body.hashes)
    return await _decide(request, principal, item, body.context)


@router.post(
    "/upload",
    summary="Decide on an uploaded file (multipart), with the context as a JSON form field",
    responses={200: {"model": Decision}},
)
async def moderate_upload(
    request: Request,
    file: UploadFile = File(...),
    context: str = Form("{}", description="ModerationContext as JSON"),
    text: str | None = Form(None),
    id: str | None = Form(None),
) -> Response:
    principal = _principal(request)
    limit = request.app.state.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        return _error("file larger than the upload limit", 413)
    try:
        ctx = ModerationContext.model_validate(json.loads(context or "{}"))
    except (ValueError, ValidationError) as exc:
        return _error(f"context: {exc}", 422)
    try:
        for value in (id, file.filename):
            if value is not None:
                check_line(value)
    except ValueError as exc:
        return _error(f"id or filename: {exc}", 422)
    item = ModerationItem(id=id, text=text, media=data, filename=file.filename)
    return await _decide(request, principal, item, ctx)


class LoggedDecision(BaseModel):
    """A decision as the log keeps it: no text, no media, identifiers keyed-hashed."""

    decision_id: str
    org_id: int | None
    created_at: str = Field(description="ISO 8601")
    policy: str
    policy_version: int | None
    decision: str
    actions: list[str]
    ground: str | None
    rules: list[str]
    facts: dict[str, Any] = Field(description="the facts the policy was evaluated on")
    content_type: str
    channel: str | None
    country: str | None
    automated: bool
    content_ref: str | None = Field(description="keyed hash of your content id")
    sender_ref: str | None = Field(description="keyed hash of the sender id")
    case_refs: Any = Field(description="cases this decision opened or reported to")
    shadow_version: int | None
    shadow_decision: str | None
    shadow_actions: list[str] | None
    shadow_rules: list[str] | None
    shadow_differs: bool | None


class DecisionRecord(BaseModel):
    decision: LoggedDecision
    statement_of_reasons: dict[str, Any] | None = Field(
        description="the DSA Art. 17 statement, in the transparency database's field names; null for an allow"
    )


@router.get("/decisions/{decision_id}", response_model=DecisionRecord,
            summary="A logged decision and its DSA statement of reasons")
def get_decision(decision_id: Annotated[Line, Path(max_length=64)], request: Request) -> DecisionRecord:
    from sqlalchemy import select

    from tutela.policy.log import decision_log
    from tutela.policy.statement import statement_of_reasons
    from tutela.storage.tables.policy import moderation_decisions as t

    principal = _principal(request)
    db = request.app.state.db
    decision_log(db).flush(timeout=2)
    with db.connect() as conn:
        row = conn.execute(select(t).where(t.c.decision_id == decision_id, t.c.org_id == principal.org_id)).mappings().first()
    if row is None:
        raise NotFound("no decision with this id for your organisation")
    data = dict(row)
    data.pop("id", None)
    statement = statement_of_reasons(data)
    data["created_at"] = data["created_at"].isoformat()
    return DecisionRecord(decision=LoggedDecision(**data), statement_of_reasons=statement)
