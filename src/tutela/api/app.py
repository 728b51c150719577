"""The ASGI application: API routes, web pages, error handling.

Route modules are discovered: every module in `tutela.api.routes` and
`tutela.web.pages` that exposes a `router` is included, so an area adds its
HTTP surface by adding one file.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import tutela
from tutela.api.docs import add_docs
from tutela.api.errors import ERROR_RESPONSES
from tutela.api.errors import install as install_error_handlers
from tutela.api.limits import BodyLimitMiddleware, body_cap
from tutela.config import Settings, load_settings
from tutela.storage.db import Database
from tutela.web.templating import STATIC_DIR

log = logging.getLogger(__name__)


#: Routers matched first: the per-message calls a platform makes thousands of times a second. The
#: router tries routes in order, twice (match, then handle): behind nine other routers, a
#: `/v1/moderate` call paid ~0.2 ms of CPU (~80 route checks), a fifth of the decision; first, it
#: pays for a handful. None of their paths overlaps another router's, so the order changes no answer.
HOT_FIRST = ("moderate", "text")


def _routers(package: str) -> list[Any]:
    pkg = importlib.import_module(package)
    found = []
    names = sorted((m.name for m in pkgutil.iter_modules(pkg.__path__)), key=lambda n: (n not in HOT_FIRST, n))
    for name in names:
        module = importlib.import_module(f"{package}.{name}")
        router = getattr(module, "router", None)
        if router is not None:
            found.append(router)
    return found


def _warm_up(settings: Settings) -> None:
    """Load the text models before the first request, then take every object alive now out of
    the cyclic garbage collector's generations: full collections otherwise walk the models'
    objects again and stall a worker for tens of milliseconds (the p99 of `/v1/moderate`)."""
    import gc

    from tutela.detect import warm_up
    from tutela.detect.native_threads import one_blas_thread

    one_blas_thread()
    warm_up(settings)
    gc.freeze()


def _check_public_intake(db: Database) -> None:
    """At start-up: hand waiting public reports to a hotline with people, or say in the log why none can."""
    import logging

    from tutela.cases.receiving import adopt_waiting, intake_state

    log = logging.getLogger("tutela.cases.receiving")
    try:
        state = intake_state(db)
        if state.hotline is not None:
            adopt_waiting(db, state.hotline["id"])
        elif (advice := state.advice()) is not None:
            log.warning("%s", advice)
    except Exception:  # noqa: BLE001  (a check must not stop the server that takes children's reports)
        log.exception("could not check which hotline receives public reports")


def _start_outbox(settings: Settings, db: Database) -> Any:
    """Without `tutela worker` processes (the embedded default), this process carries out the
    outbox and consumes the streams itself, in threads, so cases still appear and pushed
    messages are decided (tutela.jobs)."""
    from tutela.jobs import metrics
    from tutela.jobs.roles import EmbeddedRoles

    metrics.add_state_reader("outbox", metrics.outbox_reader(db))
    metrics.add_state_reader("hash_index", metrics.index_reader(db))
    if settings.external_workers:
        return None
    return EmbeddedRoles(db, settings).start()


def create_app(settings: Settings | None = None, db: Database | None = None, *, warm: bool = False) -> FastAPI:
    """Build the app. `warm=True` (used by `tutela serve`) loads models at start-up, not on the
    first request; tests leave it off so they pay for models only when they use them."""
    settings = settings or load_settings()
    database = db or Database.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        app.state.models = "loading" if warm else "lazy"
        if warm:
            _warm_up(settings)
            app.state.models = "loaded"
        _check_public_intake(database)
        drainer = _start_outbox(settings, database)
        yield
        if drainer is not None:
            drainer.stop()
        if db is None:
            database.dispose()

    app = FastAPI(
        title="Tutela",
        version=tutela.__version__,
        description="Detect, match, act on, report and oversee online harms to children.",
        lifespan=lifespan,
        docs_url=None,  # served from the package by api/docs.py, never from a CDN
        redoc_url=None,
        responses=ERROR_RESPONSES,  # the one error shape, documented on every operation
    )
    add_docs(app)
    app.state.settings = settings
    app.state.db = database
    from tutela.api.fastpath import ModerateFastPath

    app.add_middleware(ModerateFastPath)  # innermost: the body limit and the metrics still see every call
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=body_cap(settings.max_upload_bytes))
    from tutela.jobs.metrics import MetricsMiddleware

    app.add_middleware(MetricsMiddleware)

    install_error_handlers(app)

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    for router in _routers("tutela.api.routes") + _routers("tutela.web.pages"):
        app.include_router(router)
    return app
