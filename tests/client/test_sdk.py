"""The SDK against a real server on a loopback socket, and its retry behaviour."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from tutela.client import AsyncTutelaClient, TutelaClient, TutelaError
from tutela.client.testing import serve_in_thread
from tutela.domain.policy import Action

GROOMING = "don't tell your mom about us, it's our little secret"
CHILD = {"sender": {"age": 33}, "recipient": {"age": 12, "lang": "az"}, "country": "AZ", "connected": False}


@pytest.fixture()
def server(app):
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture()
def key(make_key):
    return make_key("platform-sdk", ["moderate", "analyze", "reports"])


def test_moderate_analyze_and_report_against_a_running_server(server, key) -> None:
    with TutelaClient(server, key, timeout=10) as c:
        assert c.health()["status"] == "ok"
        d = c.moderate(GROOMING, context=CHILD, item_id="m-1")
        assert d.decision is Action.HOLD_FOR_REVIEW
        assert d.nudges[0].lang == "az" and d.nudges[0].risk == "secrecy" and d.nudges[0].helplines
        assert "grooming-secrecy" in [r.rule for r in d.reasons]
        assert c.moderate("see you at football practice", context=CHILD).decision is Action.ALLOW
        img = c.moderate(hashes={"md5": "1" * 32}, context={"sender": {"age": 9}, "connected": False})
        assert img.decision is Action.WARN_SENDER
        a = c.analyze_text(GROOMING)
        assert "sexual_exploitation" in a["flags"]
        receipt = c.submit_report({"category": "asking_for_photos", "description": "someone asked my kid for photos",
                                   "reporter_kind": "platform"})
        assert receipt["reference_code"]


def test_errors_are_raised_with_status_and_message(server, key, make_key) -> None:
    with TutelaClient(server, "tutela_nope_nope", retries=0) as c:
        with pytest.raises(TutelaError) as info:
            c.moderate("hi")
        assert info.value.status == 401 and "API key" in info.value.message
    with TutelaClient(server, make_key("platform-sdk", ["analyze"]), retries=0) as c:
        with pytest.raises(TutelaError) as info:
            c.moderate("hi")
        assert info.value.status == 403
    with TutelaClient(server, key) as c:
        with pytest.raises(TutelaError) as info:
            c.moderate("hi", context={"recipient": {"age": -1}})
        assert info.value.status == 422 and info.value.details
        with pytest.raises(ValueError):
            c.moderate()


def test_async_client(server, key) -> None:
    async def go():
        async with AsyncTutelaClient(server, key) as c:
            results = await asyncio.gather(*(c.moderate(GROOMING, context=CHILD) for _ in range(5)))
            return [r.decision for r in results]

    assert asyncio.run(go()) == [Action.HOLD_FOR_REVIEW] * 5


def _flaky(statuses: list[int], seen: list[httpx.Request], headers: dict[str, str] | None = None):
    body = {"id": "x", "decision": "allow", "actions": ["allow"], "policy": "p", "created_at": "2026-01-01T00:00:00Z"}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = statuses.pop(0) if statuses else 200
        if status == 200:
            return httpx.Response(200, json=body)
        return httpx.Response(status, json={"error": "busy"}, headers=headers or {})

    return httpx.MockTransport(handler)


def test_retries_on_5xx_and_429_then_succeeds() -> None:
    seen: list[httpx.Request] = []
    c = TutelaClient("http://tutela.test", "k", retries=3, backoff=0.001,
                     transport=_flaky([503, 429, 502], seen, {"Retry-After": "0"}))
    assert c.moderate("hi").decision is Action.ALLOW
    assert len(seen) == 4


def test_gives_up_after_the_retries_and_does_not_retry_client_errors() -> None:
    seen: list[httpx.Request] = []
    c = TutelaClient("http://tutela.test", "k", retries=2, backoff=0.001, transport=_flaky([500] * 10, seen))
    with pytest.raises(TutelaError) as info:
        c.moderate("hi")
    assert info.value.status == 500 and len(seen) == 3
    seen.clear()
    c = TutelaClient("http://tutela.test", "k", retries=5, backoff=0.001, transport=_flaky([400], seen))
    with pytest.raises(TutelaError):
        c.moderate("hi")
    assert len(seen) == 1


def test_retry_after_is_honoured_but_capped() -> None:
    c = TutelaClient("http://tutela.test", "k", max_backoff=0.5)
    resp = httpx.Response(429, headers={"Retry-After": "120"})
    assert c._delay(0, resp) == 0.5
    assert c._delay(0, httpx.Response(503, headers={"Retry-After": "0.2"})) == pytest.approx(0.2)
    assert 0.0 < c._delay(1, None) <= 0.5
    import email.utils
    import time

    soon = email.utils.formatdate(time.time() + 0.3, usegmt=True)
    assert 0.0 <= c._delay(0, httpx.Response(503, headers={"Retry-After": soon})) <= 0.5
    assert 0.0 < c._delay(0, httpx.Response(503, headers={"Retry-After": "soon-ish"})) <= 0.5


def test_connection_refused_is_retried_then_reported() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    c = TutelaClient(f"http://127.0.0.1:{port}", "k", retries=2, backoff=0.001, timeout=1)
    with pytest.raises(TutelaError) as info:
        c.moderate("hi")
    assert info.value.status == 0 and "cannot reach Tutela" in str(info.value)


def test_timeouts_are_applied(server, key) -> None:
    with TutelaClient(server, key, timeout=0.5) as c:
        assert c._http.timeout.read == 0.5
