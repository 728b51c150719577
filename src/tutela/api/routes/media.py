"""HTTP: hash and match media (`media` scope).

    POST /v1/media/hash       multipart `file` -> the file's hashes
    POST /v1/media/match      multipart `file` (+ `banks`), or JSON hashes -> matches
    POST /v1/media/classify   multipart `file` -> sexual-content score

Uploads are read into memory up to the configured cap, hashed, and dropped:
media bytes are never stored by these endpoints, only returned hashes and
match results leave them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, ValidationError, model_serializer
from starlette.concurrency import run_in_threadpool

from tutela.access import Principal
from tutela.api.deps import get_db, get_settings, require
from tutela.api.errors import error_response
from tutela.config import Settings
from tutela.domain.media import Match, MediaHashes, MediaKind
from tutela.hashing import MediaError, MediaTooLarge, hash_bytes
from tutela.hashing.matcher import get_matcher
from tutela.storage.db import Database

router = APIRouter(prefix="/v1/media", tags=["media"])

INDEX_SUBDIR = "hash_index"


class HashQuery(BaseModel):
    """Match by hashes the caller computed itself (no upload)."""

    md5: str | None = None
    sha256: str | None = None
    pdq: str | None = Field(default=None, description="64 hex digits")
    pdq_quality: int | None = Field(default=None, ge=0, le=100)
    pdq_dihedral: list[str] | None = None
    banks: list[str] | None = Field(
        default=None, description="bank names or ids; default: your own and your subscribed banks"
    )


class MatchedHashes(MediaHashes):
    """The query's hashes as a match answer shows them: without the eight rotations and flips."""

    @model_serializer(mode="wrap")
    def _omit_empty_other(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            data.pop("pdq_dihedral", None)
            if not data.get("other"):
                data.pop("other", None)
        return data


class MatchAnswer(BaseModel):
    hashes: MatchedHashes
    matched: bool
    matches: list[Match] = Field(description="entries to act on, most severe first")
    suppressed: list[Match] = Field(description="matches a benign bank suppressed, for explanation")


class Classified(BaseModel):
    sexual_content: float = Field(description="0..1")
    model: str


def _error(message: str, status: int) -> JSONResponse:
    return error_response(status, message)


def _media_error(exc: MediaError) -> JSONResponse:
    return _error(str(exc), 413 if isinstance(exc, MediaTooLarge) else 400)


async def _upload(request: Request, limit: int) -> tuple[bytes, str | None, dict[str, Any]] | JSONResponse:
    """The uploaded file (multipart field `file`, or a raw body), its name and other form fields."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit + 64 * 1024:
        return _error(f"upload too large: the limit is {limit} bytes", 413)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        try:
            form = await request.form()
        except Exception as exc:  # starlette raises several types for broken multipart bodies
            return _error(f"malformed multipart body: {exc}", 400)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return _error("send the file in a multipart field named 'file'", 400)
        data = await upload.read(limit + 1)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        return data, upload.filename, fields
    data = await request.body()
    return data, request.query_params.get("filename"), {}


@router.post("/hash", response_model=MediaHashes, summary="Hash an uploaded file (MD5, SHA-256, PDQ)")
async def media_hash(
    request: Request,
    _p: Principal = Depends(require("media")),
    settings: Settings = Depends(get_settings),
) -> MediaHashes | JSONResponse:
    got = await _upload(request, settings.max_upload_bytes)
    if isinstance(got, JSONResponse):
        return got
    data, filename, fields = got
    dihedral = str(fields.get("dihedral", request.query_params.get("dihedral", ""))).lower() in ("1", "true", "yes")
    try:
        hashes = await run_in_threadpool(
            hash_bytes, data, filename=filename, max_bytes=settings.max_upload_bytes, dihedral=dihedral
        )
    except MediaError as exc:
        return _media_error(exc)
    return hashes


def _banks_field(value: Any) -> list[str] | None:
    if not value:
        return None
    if isinstance(value, list):
        return [str(v) for v in value]
    return [b.strip() for b in str(value).split(",") if b.strip()]


@router.post("/match", response_model=MatchAnswer, summary="Match an upload, or hashes, against your own and your subscribed banks")
async def media_match(
    request: Request,
    principal: Principal = Depends(require("media")),
    settings: Settings = Depends(get_settings),
    db: Database = Depends(get_db),
) -> MatchAnswer | JSONResponse:
    banks: list[str] | None
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            query = HashQuery.model_validate_json(await request.body())
            hashes = _hashes_from_query(query)
        except (ValidationError, ValueError) as exc:
            return _error(f"invalid hashes: {exc}", 422)
        banks = query.banks
    else:
        got = await _upload(request, settings.max_upload_bytes)
        if isinstance(got, JSONResponse):
            return got
        data, filename, fields = got
        banks = _banks_field(fields.get("banks") or request.query_params.get("banks"))
        try:
            hashes = await run_in_threadpool(
                hash_bytes, data, filename=filename, max_bytes=settings.max_upload_bytes, dihedral=True
            )
        except MediaError as exc:
            return _media_error(exc)
    matcher = get_matcher(db, index_dir=settings.data_dir / INDEX_SUBDIR)
    outcome = await run_in_threadpool(matcher.match, hashes, banks=banks, org_id=principal.org_id)
    return MatchAnswer(
        hashes=MatchedHashes(**hashes.model_dump()),
        matched=bool(outcome.matches),
        matches=outcome.matches,
        suppressed=outcome.suppressed,
    )


def _hashes_from_query(q: HashQuery) -> MediaHashes:
    from tutela.hashing.signals import get_signal

    if not (q.md5 or q.sha256 or q.pdq):
        raise ValueError("give at least one of md5, sha256, pdq")
    pdq = get_signal("pdq").normalize(q.pdq) if q.pdq else None
    dihedral = [get_signal("pdq").normalize(h) for h in q.pdq_dihedral] if q.pdq_dihedral else None
    if dihedral is not None and len(dihedral) != 8:
        raise ValueError("pdq_dihedral must hold the 8 dihedral hashes")
    return MediaHashes(
        md5=get_signal("md5").normalize(q.md5) if q.md5 else "",
        sha256=get_signal("sha256").normalize(q.sha256) if q.sha256 else "",
        size=0, kind=MediaKind.IMAGE if pdq else MediaKind.OTHER, pdq=pdq, pdq_quality=q.pdq_quality,
        pdq_dihedral=dihedral,
    )


@router.post("/classify", response_model=Classified, summary="Sexual-content score of an uploaded image (0..1)")
async def media_classify(
    request: Request,
    _p: Principal = Depends(require("media")),
    settings: Settings = Depends(get_settings),
) -> Classified | JSONResponse:
    from tutela.detect.image import MODEL_NAME, sexual_content_score

    got = await _upload(request, settings.max_upload_bytes)
    if isinstance(got, JSONResponse):
        return got
    data = got[0]
    try:
        score = await run_in_threadpool(sexual_content_score, data, max_bytes=settings.max_upload_bytes)
    except MediaError as exc:
        return _media_error(exc)
    return Classified(sexual_content=score, model=MODEL_NAME)
