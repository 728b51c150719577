"""A cap on request bodies, enforced before any route reads them.

Routes check upload sizes themselves, but by then Starlette has already
spooled the body: a chunked request with no Content-Length could fill the
disk first. This ASGI middleware refuses an announced oversize body at once
and stops counting a streamed one the moment it passes the cap, answering
413 with the same JSON error shape as every other refusal.
"""

from __future__ import annotations

import json
from typing import Any

Scope = dict[str, Any]


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
        body = json.dumps(
            {"error": f"request body too large: the limit is {self.max_body_bytes} bytes"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
