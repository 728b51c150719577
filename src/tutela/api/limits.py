"""What one request may carry, in one place: the body cap, batch sizes, total text.

Every refusal is a 413 in the one error shape whose details name the limit
(`{"error": ..., "code": "payload_too_large", "details": {"limit": N}}`),
so a client knows how to split its batch. The figures are listed in
`docs/security.md` ("Input limits") and in each route's OpenAPI description.

The body cap: routes check upload sizes themselves, but by then Starlette has
already spooled the body: a chunked request with no Content-Length could fill
the disk first. `BodyLimitMiddleware` refuses an announced oversize body at
once and stops counting a streamed one the moment it passes the cap.

Batch sizes are `max_length` on the request models' lists; the app turns
their validation errors into 413 (`collection_over_limit`). Total text is
checked by the routes that analyse text (`text_over_limit`): analysis costs
CPU in proportion to characters, so a cap on item count alone lets one
request of 1,000 texts of 10 KB hold a worker for most of a minute.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from starlette.responses import JSONResponse

from tutela.cases.commands import MAX_CASES_AT_ONCE

Scope = dict[str, Any]

#: Texts in one `POST /v1/analyze/text`.
MAX_TEXTS_PER_REQUEST = 1000
#: Characters of text analysed in one request, all items together (analyze, policy tests).
MAX_TEXT_CHARS_PER_REQUEST = 1_000_000
#: Entries added or removed in one bank request (JSON); imports are capped by the body cap.
MAX_BANK_ENTRIES_PER_REQUEST = 100_000
#: Test cases in one policy test or compare request.
MAX_POLICY_CASES = 500
#: Cases in one bulk transition or share-out: the engine's own limit, so the schema states it.
MAX_BULK_CASES = MAX_CASES_AT_ONCE
#: Organisations a bank may be shared with; recipients of one conversation message.
MAX_SMALL_LIST = 1000


def too_large(message: str, limit: int) -> JSONResponse:
    """A 413: what was too large, and the limit that applies in `details.limit`."""
    from tutela.api.errors import error_response

    return error_response(413, message, details={"limit": limit})


def text_over_limit(texts: Iterable[str | None], limit: int = MAX_TEXT_CHARS_PER_REQUEST) -> JSONResponse | None:
    """413 when the texts together hold more than `limit` characters, else None."""
    total = 0
    for t in texts:
        total += len(t or "")
        if total > limit:
            return too_large(
                f"too much text in one request: more than {limit} characters in all; split the batch", limit
            )
    return None


def collection_over_limit(errors: Sequence[dict[str, Any]]) -> JSONResponse | None:
    """413 when request validation failed because a list or mapping had more items than allowed."""
    for e in errors:
        if e.get("type") == "too_long" and isinstance(e.get("input"), list | dict | tuple):
            ctx = e.get("ctx") or {}
            limit = int(ctx.get("max_length", 0))
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
            return too_large(f"{where}: {len(e['input'])} items in one request, the limit is {limit}; split it",
                             limit)
    return None


class BodyTooLarge(Exception):
    pass


def body_cap(max_upload_bytes: int) -> int:
    """The largest body accepted: an upload at the cap, base64-encoded in JSON, plus form overhead."""
    return max_upload_bytes * 4 // 3 + 1024 * 1024


class BodyLimitMiddleware:
    def __init__(self, app: Any, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        announced = dict(scope.get("headers") or []).get(b"content-length")
        if announced is not None and announced.isdigit() and int(announced) > self.max_body_bytes:
            await self._refuse(send)
            return
        seen = 0
        too_large = False
        started = False

        async def counting_receive() -> Any:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    too_large = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Any) -> None:
            # Frameworks turn a failed body read into their own error answer (FastAPI: 400);
            # once the cap is passed, that answer is dropped and ours goes out instead.
            nonlocal started
            if too_large:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            pass
        if too_large and not started:
            await self._refuse(send)

    async def _refuse(self, send: Any) -> None:
        from tutela.api.errors import error_json

        body = json.dumps(
            error_json(413, f"request body too large: the limit is {self.max_body_bytes} bytes",
                       details={"limit": self.max_body_bytes})
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
