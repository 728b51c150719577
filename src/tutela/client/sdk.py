"""The SDK: one request path with retries, shared by the sync and async clients.

Why retries live here and not in the platform's code: a moderation call sits
on the path of every chat message, so a restarting Tutela worker or a brief
overload (429/503) should cost a short wait, not a lost decision. Client
errors (4xx other than 429) are never retried: repeating them cannot help.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import random
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from tutela import __version__
from tutela.domain.policy import Decision

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
RETRY_ERRORS = (httpx.TransportError,)  # connect errors, timeouts, dropped connections


class TutelaError(Exception):
    """An error answer from Tutela (`status` is the HTTP status, 0 when none came back)."""

    def __init__(self, message: str, status: int = 0, details: Any = None) -> None:
        super().__init__(f"{message} (HTTP {status})" if status else message)
        self.message = message
        self.status = status
        self.details = details


def _retry_after(resp: httpx.Response | None) -> float | None:
    if resp is None:
        return None
    value = resp.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # unreadable hint: fall back to our own backoff
    if parsed is None:
        return None
    return max(0.0, parsed.timestamp() - time.time())


def _error(resp: httpx.Response) -> TutelaError:
    try:
        body = resp.json()
    except ValueError:
        return TutelaError(resp.text[:500] or resp.reason_phrase, resp.status_code)
    if isinstance(body, dict):
        msg = body.get("error") or body.get("detail") or resp.reason_phrase
        details = body.get("details")
        return TutelaError(str(msg), resp.status_code, details)
    return TutelaError(resp.reason_phrase, resp.status_code, body)


def _moderate_body(text: str | None, context: Mapping[str, Any] | Any | None, media: bytes | None,
                   filename: str | None, hashes: Mapping[str, Any] | None, item_id: str | None) -> dict[str, Any]:
    if text is None and media is None and hashes is None:
        raise ValueError("give text, media or hashes")
    body: dict[str, Any] = {}
    if item_id is not None:
        body["id"] = item_id
    if text is not None:
        body["text"] = text
    if media is not None:
        body["media_base64"] = base64.b64encode(media).decode("ascii")
        if filename:
            body["filename"] = filename
    if hashes is not None:
        body["hashes"] = dict(hashes)
    if context is not None:
        body["context"] = context.model_dump(exclude_none=True) if hasattr(context, "model_dump") else dict(context)
    return body


def _report_body(report: Any) -> dict[str, Any]:
    if hasattr(report, "model_dump"):
        return report.model_dump(mode="json", exclude_none=True)
    return dict(report)


class _Base:
    def __init__(self, base_url: str, api_key: str, *, timeout: float = 5.0, retries: int = 3,
                 backoff: float = 0.1, max_backoff: float = 5.0) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.headers = {"Authorization": f"Bearer {api_key}", "User-Agent": f"tutela-client/{__version__}"}

    def _delay(self, attempt: int, resp: httpx.Response | None) -> float:
        hinted = _retry_after(resp)
        if hinted is not None:
            return min(hinted, self.max_backoff)
        base = min(self.max_backoff, self.backoff * (2 ** attempt))
        return base * (0.5 + random.random() / 2)  # jitter: many clients must not retry in lockstep


class TutelaClient(_Base):
    """Synchronous client. Use as a context manager, or call `close()`."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 5.0, retries: int = 3,
                 backoff: float = 0.1, max_backoff: float = 5.0, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(base_url, api_key, timeout=timeout, retries=retries, backoff=backoff, max_backoff=max_backoff)
        self._http = httpx.Client(base_url=self.base_url, headers=self.headers, timeout=timeout, transport=transport)

    def __enter__(self) -> TutelaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send with retries; returns a 2xx response or raises TutelaError."""
        last_exc: Exception | None = None
        for attempt in range(self.retries + 1):
            resp = None
            try:
                resp = self._http.request(method, path, **kwargs)
            except RETRY_ERRORS as exc:
                last_exc = exc
            else:
                if resp.status_code < 400:
                    return resp
                if resp.status_code not in RETRY_STATUS:
                    raise _error(resp)
            if attempt == self.retries:
                break
            time.sleep(self._delay(attempt, resp))
        if resp is not None:
            raise _error(resp)
        raise TutelaError(f"cannot reach Tutela at {self.base_url}: {last_exc}") from last_exc

    def moderate(self, text: str | None = None, *, context: Mapping[str, Any] | Any | None = None,
                 media: bytes | None = None, filename: str | None = None, hashes: Mapping[str, Any] | None = None,
                 item_id: str | None = None) -> Decision:
        """What to do with a message or media item, and why (POST /v1/moderate)."""
        body = _moderate_body(text, context, media, filename, hashes, item_id)
        return Decision.model_validate_json(self.request("POST", "/v1/moderate", json=body).content)

    def analyze_text(self, text: str, *, lang: str | None = None) -> dict[str, Any]:
        """Scores, flags and explanations for one text (POST /v1/analyze/text)."""
        body: dict[str, Any] = {"text": text}
        if lang:
            body["lang"] = lang
        return self.request("POST", "/v1/analyze/text", json=body).json()["results"][0]

    def submit_report(self, report: Mapping[str, Any] | Any, *, idempotency_key: str | None = None) -> dict[str, Any]:
        """Submit a report (POST /v1/reports); an idempotency key makes the retries safe."""
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        return self.request("POST", "/v1/reports", json=_report_body(report), headers=headers).json()

    def health(self) -> dict[str, Any]:
        return self.request("GET", "/healthz").json()


class AsyncTutelaClient(_Base):
    """The same client for asyncio applications."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 5.0, retries: int = 3,
                 backoff: float = 0.1, max_backoff: float = 5.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(base_url, api_key, timeout=timeout, retries=retries, backoff=backoff, max_backoff=max_backoff)
        self._http = httpx.AsyncClient(base_url=self.base_url, headers=self.headers, timeout=timeout,
                                       transport=transport)

    async def __aenter__(self) -> AsyncTutelaClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        last_exc: Exception | None = None
        for attempt in range(self.retries + 1):
            resp = None
            try:
                resp = await self._http.request(method, path, **kwargs)
            except RETRY_ERRORS as exc:
                last_exc = exc
            else:
                if resp.status_code < 400:
                    return resp
                if resp.status_code not in RETRY_STATUS:
                    raise _error(resp)
            if attempt == self.retries:
                break
            await asyncio.sleep(self._delay(attempt, resp))
        if resp is not None:
            raise _error(resp)
        raise TutelaError(f"cannot reach Tutela at {self.base_url}: {last_exc}") from last_exc

    async def moderate(self, text: str | None = None, *, context: Mapping[str, Any] | Any | None = None,
                       media: bytes | None = None, filename: str | None = None,
                       hashes: Mapping[str, Any] | None = None, item_id: str | None = None) -> Decision:
        body = _moderate_body(text, context, media, filename, hashes, item_id)
        return Decision.model_validate_json((await self.request("POST", "/v1/moderate", json=body)).content)

    async def analyze_text(self, text: str, *, lang: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text}
        if lang:
            body["lang"] = lang
        return (await self.request("POST", "/v1/analyze/text", json=body)).json()["results"][0]

    async def submit_report(self, report: Mapping[str, Any] | Any, *,
                            idempotency_key: str | None = None) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        return (await self.request("POST", "/v1/reports", json=_report_body(report), headers=headers)).json()

    async def health(self) -> dict[str, Any]:
        return (await self.request("GET", "/healthz")).json()
