"""`/v1/moderate` reads an organisation's examples once per expiry, however many requests find them stale.

Why: the overlay is reused for `RECENT_SECONDS`; when it expires under load, every request in flight
found it stale, and each sent its own query through the thread pool. Now they share one read."""

from __future__ import annotations

import asyncio
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

from tutela.api.routes import moderate
from tutela.detect.semantic import orgbank


def _request() -> Any:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(db=object())))


def test_requests_that_find_the_overlay_stale_together_share_one_read(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int | None] = []
    lock = threading.Lock()

    def slow_read(db: object, org_id: int | None) -> str:
        with lock:
            calls.append(org_id)
        time.sleep(0.05)  # a query in flight while the other requests arrive
        return f"overlay-{org_id}"

    monkeypatch.setattr(orgbank, "recent_org_bank", lambda db, org_id: orgbank.STALE)
    monkeypatch.setattr(orgbank, "fresh_org_bank", slow_read)
    request = _request()

    async def burst() -> list[Any]:
        seven = [moderate._org_examples(request, SimpleNamespace(org_id=7)) for _ in range(20)]
        other = [moderate._org_examples(request, SimpleNamespace(org_id=8)) for _ in range(5)]
        return await asyncio.gather(*seven, *other)

    got = asyncio.run(burst())
    assert got == ["overlay-7"] * 20 + ["overlay-8"] * 5
    assert sorted(calls) == [7, 8]  # one read per organisation, not one per request
    assert request.app.state.org_example_reads == {}  # nothing left behind once the reads are done

    calls.clear()
    assert asyncio.run(moderate._org_examples(request, SimpleNamespace(org_id=7))) == "overlay-7"
    assert calls == [7]  # a later expiry reads again


def test_a_failed_read_reaches_every_waiter_and_the_next_request_reads_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[int] = []

    def failing(db: object, org_id: int | None) -> str:
        attempts.append(1)
        time.sleep(0.02)
        if len(attempts) == 1:
            raise RuntimeError("database gone")
        return "overlay"

    monkeypatch.setattr(orgbank, "recent_org_bank", lambda db, org_id: orgbank.STALE)
    monkeypatch.setattr(orgbank, "fresh_org_bank", failing)
    request = _request()

    async def burst() -> list[Any]:
        calls = [moderate._org_examples(request, SimpleNamespace(org_id=1)) for _ in range(4)]
        return await asyncio.gather(*calls, return_exceptions=True)

    got = asyncio.run(burst())
    assert len(attempts) == 1 and all(isinstance(g, RuntimeError) for g in got)
    assert asyncio.run(moderate._org_examples(request, SimpleNamespace(org_id=1))) == "overlay"
