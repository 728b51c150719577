"""How errors read over HTTP, in one place: the one error shape, and which status each engine error gets.

Every error answer of the API, whatever its status, is one JSON object (`ErrorBody`):

    {"error": "what went wrong, in words a caller can act on",
     "code": "not_found",
     "details": null}

`error` is the message (the field clients already read), `code` a stable machine-readable name of
the status (`CODES`), `details` what a caller needs to fix the request or null: the field errors of
a 422, the limit of a 413, the issues of an invalid policy.

The engine raises its own exceptions and never names an HTTP status; `STATUS_OF` maps each class
to its status here, `STATUS_OF_KIND` each kind of error (`tutela.domain.errors.ErrorKind`, carried by
bank and exchange errors), and `install` registers the FastAPI handlers that render them. Web pages
(`tutela.web`) use `http_status` for the status of the HTML page they show instead.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tutela.access import AccessError
from tutela.access.keys import Forbidden, Gone, NotFound
from tutela.access.ratelimit import RateLimited
from tutela.cases.intake import IdempotencyConflict, PayloadTooLarge
from tutela.cases.lifecycle import InvalidTransition
from tutela.cases.routing import RoutingConfigError
from tutela.cases.vault import VaultError
from tutela.domain.errors import ErrorKind
from tutela.exchange.errors import ExchangeError
from tutela.hashing.banks import BankError
from tutela.hashing.errors import MediaError, MediaTooLarge
from tutela.policy.store import PolicyNotFound

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """The one shape of every error answer."""

    error: str = Field(description="what went wrong, in words a caller can act on")
    code: str = Field(description="a stable name for the kind of error: " + ", ".join(
        "bad_request unauthenticated forbidden not_found method_not_allowed conflict gone payload_too_large "
        "unsupported_media_type invalid_request rate_limited internal unavailable".split()))
    details: Any = Field(default=None, description="what a caller needs to fix the request, or null: "
                         "field errors (422: a list of {loc, msg, type}), the limit (413: {limit}), "
                         "the issues of an invalid policy (422: a list of {line, message, ...})")


#: The stable `code` of each status. A status not listed reads as `error`.
CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}

#: The status of each kind of engine error (`BankError`, `ExchangeError` and theirs carry a kind).
STATUS_OF_KIND: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 400,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.UPSTREAM: 502,  # a partner's instance failed or refused: not the caller's error, not ours
}

#: Engine errors and their statuses, the most specific class first; the first that matches wins.
STATUS_OF: tuple[tuple[type[BaseException], int], ...] = (
    (RateLimited, 429),
    (Forbidden, 403),
    (NotFound, 404),
    (Gone, 410),
    (AccessError, 401),  # as raised bare: no valid credential
    (PayloadTooLarge, 413),
    (MediaTooLarge, 413),
    (MediaError, 400),  # a file that cannot be read as what it claims to be
    (IdempotencyConflict, 409),
    (InvalidTransition, 409),
    (PolicyNotFound, 404),
    (VaultError, 503),  # operator configuration: a missing or wrong vault key
    (RoutingConfigError, 503),  # operator configuration: a broken routing file
    (ValueError, 422),  # the engine's convention for bad input
)


def http_status(exc: BaseException) -> int:
    """The HTTP status an engine error reads as; 500 for anything not known to be the caller's."""
    if isinstance(exc, BankError | ExchangeError):
        return STATUS_OF_KIND[exc.kind]
    for cls, code in STATUS_OF:
        if isinstance(exc, cls):
            return code
    return 500


def error_response(
    status: int, message: str, *, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error answer in the one shape. Routes that answer an error themselves use this."""
    body = ErrorBody(error=message, code=CODES.get(status, "error"), details=details)
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def error_json(status: int, message: str, *, details: Any = None) -> dict[str, Any]:
    """The body of an error answer, for code below FastAPI (the body-size middleware)."""
    return ErrorBody(error=message, code=CODES.get(status, "error"), details=details).model_dump(mode="json")


#: The error statuses documented on every operation of the OpenAPI schema, with what each means.
_ERROR_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    # `content` too: on a route whose answer is a file or text, errors are still JSON
    status: {"model": ErrorBody, "content": _ERROR_JSON, "description": description}
    for status, description in (
        (400, "The request cannot be read (a malformed file or body)."),
        (401, "No valid API key or session."),
        (403, "The key's scopes or the person's role do not allow this."),
        (404, "Nothing by that id that your organisation may see."),
        (409, "Conflicts with the current state (a used idempotency key, a move the lifecycle forbids)."),
        (413, "Too large: `details.limit` names the limit."),
        (422, "Invalid input: `details` lists the fields (`loc`, `msg`, `type`)."),
        (429, "Too many requests: retry after the `Retry-After` header's seconds."),
        (500, "An error of Tutela's own, not of the request."),
    )
}


def documented(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    """A route's own words for one error status, keeping the one shape: for `responses=`."""
    return {status: {"model": ErrorBody, "content": _ERROR_JSON, "description": description}}


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the one shape."""
    from tutela.api.limits import collection_over_limit

    known = tuple(cls for cls, _ in STATUS_OF)

    async def engine_error(_req: Request, exc: Exception) -> JSONResponse:
        status = http_status(exc)
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        if status >= 500:
            log.warning("%s answered %d: %s", type(exc).__name__, status, exc)
        return error_response(status, str(exc), headers=headers)

    for cls in (*known, BankError, ExchangeError):
        app.add_exception_handler(cls, engine_error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        over = collection_over_limit(exc.errors())
        if over is not None:
            return over
        return error_response(422, "invalid request", details=_validation_details(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own answers (404 for an unknown path, 405 for a wrong method) and any route
        # that raised HTTPException: the same shape as everything else
        message = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    @app.exception_handler(UnicodeEncodeError)
    async def _unstorable(_req: Request, exc: Exception) -> JSONResponse:
        # The last line of defence behind the request models' own checks (tutela.domain.inputs):
        # a value the database cannot hold (a number out of range, a NUL, an unpaired surrogate)
        # is the caller's error, not ours. The message names no value and no SQL.
        log.info("refused a value the database cannot store: %s", type(exc).__name__)
        return error_response(422, "a value in the request cannot be stored (out of range or not valid "
                                   "text); check numbers and remove control characters")

    @app.exception_handler(Exception)
    async def _internal(_req: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, "internal error; the operator's log has the details")
