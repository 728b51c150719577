"""`POST /v1/moderate` without the framework's per-request machinery, for the well-formed call.

A text decision costs well under a millisecond of CPU; FastAPI's routing, dependency solving and
body parsing around it cost a quarter to a third of that again. This middleware answers the
common case, a JSON body from an API key with the `moderate` scope, by calling the same route
code (`routes.moderate`) directly: the body is validated by the same `ModerateRequest` model
(in one pass from the bytes) and the answer is the route's own. Anything else, a missing or bad
key, a body that does not validate, another content type, media, goes on to FastAPI unchanged
with the body replayed, so every refusal reads exactly as it always did.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.requests import Request

from tutela.access import AccessError, authenticate_key
from tutela.api.deps import bearer

PATH = "/v1/moderate"


class ModerateFastPath:
    """Pure ASGI, inside the body-size and metrics middleware (they still see every request)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._route: Any = None

    def _moderate_route(self) -> Any:
        """The APIRoute object, so the metrics middleware labels the request as FastAPI would. Taken
        from the route module's own router: the app's route list nests included routers (FastAPI
        0.165 keeps them as `_IncludedRouter` entries), so it does not hold the route itself."""
        if self._route is None:
            from tutela.api.routes.moderate import router

            for route in router.routes:
                if getattr(route, "path", None) == PATH and "POST" in getattr(route, "methods", ()):
                    self._route = route
                    break
        return self._route

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        key = bearer(request)
        ctype = request.headers.get("content-type", "")
        if key is None or ctype.split(";", 1)[0].strip().lower() != "application/json":
            await self.app(scope, receive, send)
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body: nobody to answer
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        response = await self._answer(request, key, body)
        if response is None:
            await self.app(scope, _replay(body, receive), send)
            return
        route = self._moderate_route()
        if route is not None:
            scope["route"] = route
        await response(scope, receive, send)

    async def _answer(self, request: Request, key: str, body: bytes) -> Any:
        """The route's answer, or None where FastAPI should give it (and its own refusal)."""
        from tutela.api.routes.moderate import ModerateRequest, decide_request

        try:
            principal = authenticate_key(request.app.state.db, key)
            if not principal.has("moderate"):
                return None
            parsed = ModerateRequest.model_validate_json(body)
        except (AccessError, ValidationError, ValueError):
            return None
        try:
            return await decide_request(request, principal, parsed)
        except Exception as exc:  # noqa: BLE001 - answered by the app's own handler, as the route's would be
            handler = _handler_for(request.app.exception_handlers, exc)
            if handler is None:
                raise
            return await handler(request, exc)


def _handler_for(handlers: dict, exc: Exception) -> Any:
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


def _replay(body: bytes, receive: Any) -> Any:
    """A `receive` that hands the framework the body already read, then whatever the client sends next."""
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


__all__ = ["ModerateFastPath"]
