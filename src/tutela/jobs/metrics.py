"""Prometheus metrics for every role (serve, worker, scheduler).

Counters and histograms live here, one definition each. When `tutela serve`
runs several processes, set `PROMETHEUS_MULTIPROC_DIR` to an empty directory
(the deploy files do): prometheus-client then writes each process's samples
there and `/metrics` adds them up. Gauges that describe shared state (outbox
depth and lag, stream length and pending entries, index size) are not kept in
any process: they are read from the database and the broker when scraped, so
every process reports the same truth.

No label carries personal data: routes are templates (`/v1/moderate/decisions/{decision_id}`),
never raw paths.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("tutela_http_requests_total", "HTTP requests by route template and status class",
                   ["route", "method", "status"])
REQUEST_SECONDS = Histogram("tutela_http_request_seconds", "HTTP request latency by route template",
                            ["route", "method"], buckets=_LATENCY_BUCKETS)
STAGE_SECONDS = Histogram("tutela_stage_seconds", "Time spent per stage of background work",
                          ["stage"], buckets=_LATENCY_BUCKETS)
OUTBOX_ENQUEUED = Counter("tutela_outbox_enqueued_total", "Outbox rows written with a decision", ["kind"])
OUTBOX_PROCESSED = Counter("tutela_outbox_processed_total", "Outbox rows carried out, by outcome",
                           ["kind", "outcome"])
STREAM_MESSAGES = Counter("tutela_stream_messages_total", "Stream messages handled by workers, by outcome",
                          ["outcome"])
STREAM_REJECTED = Counter("tutela_stream_rejected_total", "Messages refused at ingest (backpressure)", ["reason"])
WEBHOOKS = Counter("tutela_webhooks_total", "Result webhook deliveries by outcome", ["outcome"])
ERRORS = Counter("tutela_errors_total", "Errors by where they happened", ["where"])
SCHEDULER_RUNS = Counter("tutela_scheduler_runs_total", "Periodic tasks run by the scheduler", ["task", "outcome"])

#: Readers of shared state for the scrape: name -> function yielding metric families.
_STATE_READERS: dict[str, Callable[[], Iterable[Any]]] = {}


def add_state_reader(name: str, fn: Callable[[], Iterable[Any]]) -> None:
    """Register a function that reads shared state (database, broker) at scrape time."""
    _STATE_READERS[name] = fn


class _StateCollector:
    def collect(self) -> Iterable[Any]:
        for name, fn in list(_STATE_READERS.items()):
            try:
                yield from fn()
            except Exception:  # noqa: BLE001 - a scrape must not fail because one source is down
                log.warning("metrics: could not read %s", name, exc_info=True)
                ERRORS.labels(where=f"metrics:{name}").inc()


def outbox_reader(db: Any) -> Callable[[], Iterable[Any]]:
    def read() -> Iterable[Any]:
        from tutela.jobs import outbox

        g = GaugeMetricFamily("tutela_outbox_rows", "Outbox rows by status", labels=["status"])
        counts = outbox.depth(db)
        for status in ("pending", "done", "dead"):
            g.add_metric([status], counts.get(status, 0))
        yield g
        yield GaugeMetricFamily("tutela_outbox_lag_seconds", "Age of the oldest pending outbox row",
                                value=outbox.oldest_pending_age_s(db))
    return read


def index_reader(db: Any) -> Callable[[], Iterable[Any]]:
    def read() -> Iterable[Any]:
        from sqlalchemy import func, select

        from tutela.storage.tables.media import hash_entries

        with db.connect() as conn:
            n = conn.execute(select(func.count()).select_from(hash_entries)).scalar() or 0
        yield GaugeMetricFamily("tutela_hash_index_entries", "Hash entries in the banks (the index's size)",
                                value=int(n))
    return read


def render() -> tuple[bytes, str]:
    """The exposition text of this process (or of every process, in multiprocess mode) plus shared state."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY

    registry: CollectorRegistry
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    state = CollectorRegistry()
    state.register(_StateCollector())
    return generate_latest(registry) + generate_latest(state), CONTENT_TYPE_LATEST


def serve(port: int, addr: str = "0.0.0.0") -> None:  # noqa: S104 - a worker's metrics port, for Prometheus
    """`/metrics` on its own port, for roles without the HTTP app (worker, scheduler)."""
    from prometheus_client import REGISTRY, start_http_server

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    registry.register(_StateCollector())
    start_http_server(port, addr=addr, registry=registry)


class Timer:
    """`with Timer("stage"):` observes the block's duration in `tutela_stage_seconds`."""

    def __init__(self, stage: str) -> None:
        self.stage = stage

    def __enter__(self) -> Timer:
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        STAGE_SECONDS.labels(stage=self.stage).observe(time.perf_counter() - self.t0)


class MetricsMiddleware:
    """Pure ASGI: counts and times every HTTP request by its route template (after routing)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = [500]

        async def _send(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            REQUEST_SECONDS.labels(route=path, method=method).observe(time.perf_counter() - t0)
            REQUESTS.labels(route=path, method=method, status=f"{status[0] // 100}xx").inc()


__all__ = ["ERRORS", "MetricsMiddleware", "OUTBOX_ENQUEUED", "OUTBOX_PROCESSED", "REQUESTS", "REQUEST_SECONDS",
           "SCHEDULER_RUNS", "STAGE_SECONDS", "STREAM_MESSAGES", "STREAM_REJECTED", "Timer", "WEBHOOKS",
           "add_state_reader", "index_reader", "outbox_reader", "render"]
