"""Signed result webhooks, delivered from the outbox with retries and backoff.

The body is the JSON the stream worker produced; the signature header is
`Tutela-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under
`Settings.result_webhook_secret`, so a platform can check both who sent it and
that it is fresh (reject `t` older than a few minutes). A delivery that fails
(network, 5xx, 429) raises, and the outbox retries it with exponential backoff;
a 4xx other than 408/429 means the receiver will never take it: it is dead at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from tutela.config import Settings
from tutela.jobs import metrics, outbox
from tutela.jobs.handlers import register
from tutela.storage.db import Database

KIND = "webhook"
HEADER = "Tutela-Signature"


class WebhookRefused(outbox.Permanent):
    """The receiver answered with a status that a retry will not change."""


def sign(secret: str, body: bytes, *, at: int | None = None) -> str:
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, max_age_s: int = 300, now: int | None = None) -> bool:
    """What a receiving platform runs: True when the signature matches and is fresh."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((int(time.time()) if now is None else now) - t) > max_age_s:
        return False
    return hmac.compare_digest(sign(secret, body, at=t), header)


def deliver(url: str, secret: str, body: dict[str, Any], *, timeout: float = 10.0) -> int:
    import httpx

    raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    headers = {"Content-Type": "application/json", HEADER: sign(secret, raw),
               "Idempotency-Key": str(body.get("decision_id") or body.get("message_id") or "")}
    r = httpx.post(url, content=raw, headers=headers, timeout=timeout)
    if r.status_code >= 500 or r.status_code in (408, 429):
        raise RuntimeError(f"webhook answered {r.status_code}")
    if r.status_code >= 400:
        raise WebhookRefused(f"webhook answered {r.status_code}")
    return r.status_code


@register(KIND)
def run(db: Database, settings: Settings, job: outbox.Job) -> str:
    url = job.payload["url"]
    secret = settings.result_webhook_secret or ""
    if not secret:
        raise RuntimeError("result_webhook_secret is not set: refusing to send an unsigned webhook")
    try:
        status = deliver(url, secret, job.payload["body"])
    except WebhookRefused:
        metrics.WEBHOOKS.labels(outcome="refused").inc()
        raise
    except Exception:
        metrics.WEBHOOKS.labels(outcome="retry").inc()
        raise
    metrics.WEBHOOKS.labels(outcome="delivered").inc()
    return f"HTTP {status}"


__all__ = ["HEADER", "KIND", "deliver", "sign", "verify"]
