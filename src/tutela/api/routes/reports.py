"""`/v1/reports`: notices from platforms and trusted flaggers, status and appeals for reporters.

POST takes JSON (a `ReportIn`) or multipart (a `report` field holding that
JSON, or the plain form fields, plus `files`). The body is read with a hard
cap before anything is parsed, so an oversized upload is refused with 413
without being buffered whole. The receipt comes back only after the report
is committed; an `Idempotency-Key` header makes retries safe.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import UploadFile

from tutela.access import NotFound, Principal
from tutela.api.deps import get_db, get_settings, rate_limit, require
from tutela.api.errors import documented, error_response
from tutela.cases import service
from tutela.config import Settings
from tutela.domain.cases import EvidenceFile, ReportIn, ReportReceipt, ReportStatus
from tutela.domain.inputs import Line, Text
from tutela.storage.db import Database

router = APIRouter(prefix="/v1/reports", tags=["reports"])

#: What a file of evidence may be: screenshots, recordings, documents. Anything else is refused (415).
ALLOWED_FILE_TYPES = ("image/", "video/", "audio/", "text/plain", "application/pdf", "application/json")
FORM_OVERHEAD = 64 * 1024


def _error(status: int, message: str, details: Any = None) -> JSONResponse:
    return error_response(status, message, details=details)


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it exceeds `limit` (nothing more is read)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]


async def _parse_multipart(
    request: Request, body: bytes, settings: Settings
) -> tuple[dict, list[EvidenceFile]]:
    request._body = body  # starlette parses the form from the cached body
    form = await request.form(max_files=20, max_fields=100, max_part_size=1024 * 1024)
    files: list[EvidenceFile] = []
    data: dict[str, Any]
    if "report" in form and isinstance(form["report"], str):
        data = json.loads(form["report"])
        if not isinstance(data, dict):
            raise ValueError("the 'report' field must hold a JSON object")
    else:
        data = {k: v for k, v in form.multi_items() if isinstance(v, str) and k not in ("urls", "url")}
        urls = [v for k, v in form.multi_items() if k in ("urls", "url") and isinstance(v, str) and v.strip()]
        if urls:
            data["urls"] = urls
        if "anonymous" in data:
            data["anonymous"] = data["anonymous"].lower() in ("1", "true", "yes", "on")
    for key, value in form.multi_items():
        if not isinstance(value, UploadFile):
            continue
        if not value.filename and not value.size:
            continue  # an empty file input
        ctype = (value.content_type or "application/octet-stream").split(";")[0].strip().lower()
        if not ctype.startswith(ALLOWED_FILE_TYPES):
            raise _UnsupportedFile(value.filename or key, ctype)
        content = await value.read()
        if len(content) > settings.max_upload_bytes:
            raise _TooLarge(f"file {value.filename!r} is over the {settings.max_upload_bytes}-byte limit")
        files.append(EvidenceFile(filename=value.filename or "upload.bin", content_type=ctype, data=content))
    await form.close()
    return data, files


class _UnsupportedFile(Exception):
    def __init__(self, name: str, ctype: str) -> None:
        super().__init__(
            f"file {name!r} has type {ctype!r}; allowed: images, video, audio, plain text, PDF, JSON"
        )


class _TooLarge(Exception):
    pass


_RECEIPT_SCHEMA = {
    "201": {"model": ReportReceipt, "description": "stored; the receipt"},
    "200": {"model": ReportReceipt, "description": "an Idempotency-Key replay: the original receipt"},
}


@router.post(
    "",
    status_code=201,
    response_model=ReportReceipt,
    responses={**_RECEIPT_SCHEMA, **documented(409, "idempotency key reused for a different report"),
               **documented(415, "not JSON or multipart, or a file type not accepted"),
               **documented(503, "not stored just now: retry with the same Idempotency-Key")},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ReportIn"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "report": {"type": "string", "description": "ReportIn as JSON"},
                            "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        },
                    }
                },
            },
            "required": True,
        }
    },
)
async def submit(
    request: Request,
    principal: Principal = Depends(require("reports")),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> JSONResponse:
    """Submit a report or DSA Article 16 notice. Send `Idempotency-Key` to make retries safe."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in ("application/json", "multipart/form-data"):
        return _error(415, "send application/json or multipart/form-data", details={"got": ctype or None})
    limit = settings.max_upload_bytes + FORM_OVERHEAD if ctype == "multipart/form-data" else 1024 * 1024
    body = await _read_capped(request, limit)
    if body is None:
        return _error(413, f"request body over the limit of {limit} bytes", details={"limit": limit})
    files: list[EvidenceFile] = []
    try:
        if ctype == "application/json":
            data = json.loads(body)
            if not isinstance(data, dict):
                return _error(422, "the body must be a JSON object")
        else:
            data, files = await _parse_multipart(request, body, settings)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return _error(400, f"malformed JSON: {exc}")
    except _UnsupportedFile as exc:
        return _error(415, str(exc))
    except _TooLarge as exc:
        return _error(413, str(exc))
    except ValueError as exc:
        return _error(422, str(exc))
    except Exception as exc:  # noqa: BLE001  (a malformed multipart body)
        return _error(400, f"malformed multipart body: {exc}")
    try:
        report = ReportIn.model_validate(data)
    except ValidationError as exc:
        return _error(422, "invalid report", details=_validation_details(exc))
    key = request.headers.get("idempotency-key")
    try:
        receipt = await run_in_threadpool(
            service.submit_report, db, settings, report, principal=principal, files=files, idempotency_key=key
        )
    except (SQLAlchemyError, TimeoutError):
        # not stored (nothing is acknowledged before its commit): safe to retry with the same key
        return _error(503, "the report could not be stored just now; retry with the same Idempotency-Key")
    return JSONResponse(receipt.model_dump(mode="json"), status_code=200 if receipt.replayed else 201)


class ReportCheck(BaseModel):
    valid: bool
    category: str = Field(description="the taxonomy category the report would be filed under")
    category_key: str = Field(description="the category as sent")


@router.post("/validate", response_model=ReportCheck)
def validate(report: ReportIn, principal: Principal = Depends(require("reports"))) -> ReportCheck:
    """Check a report without storing it: what it would be filed under, or the 422 it would get."""
    from tutela.domain.cases import resolve_category

    category = resolve_category(report.category)
    return ReportCheck(valid=True, category=category.value if category else "other", category_key=report.category)


@router.get("/{reference_code}/status", response_model=ReportStatus,
            dependencies=[Depends(rate_limit("report.status"))])
def status(reference_code: Annotated[Line, Path(max_length=64)], db: Database = Depends(get_db)) -> ReportStatus:
    """Public: what the holder of a reference code may know. No credential needed."""
    found = service.report_status(db, reference_code)
    if found is None:
        raise NotFound("no report with this reference code")
    return found


class AppealIn(BaseModel):
    reason: Text = Field(min_length=1, max_length=5000)


class AppealReceived(BaseModel):
    appeal_id: int
    status: str = Field(description="open until a supervisor decides")


@router.post("/{reference_code}/appeal", response_model=AppealReceived, status_code=201,
             dependencies=[Depends(rate_limit("report.status"))])
def appeal(
    reference_code: Annotated[Line, Path(max_length=64)],
    body: AppealIn,
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> AppealReceived:
    """Public: the reporter disagrees with the outcome of a finished report."""
    return AppealReceived(appeal_id=service.submit_appeal(db, settings, reference_code, body.reason), status="open")
