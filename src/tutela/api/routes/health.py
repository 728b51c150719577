"""`/healthz`, `/readyz` and `/metrics`: what a load balancer and Prometheus ask.

- `/healthz`: the process answers (liveness). No database call: a database
  outage must not make an orchestrator restart every API process at once.
- `/readyz`: this process should get traffic: the database answers, its schema
  is the one this code needs, and the text models are loaded (when the server
  warms them at start-up). 503 with the failing checks otherwise.
- `/metrics`: Prometheus exposition (tutela.jobs.metrics). It carries counts and
  timings, no personal data; keep it on the internal network all the same.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

import tutela

router = APIRouter(tags=["meta"])


class Readiness(BaseModel):
    status: str  # ready | not ready
    checks: dict[str, str]  # database, migrations, models: "ok" or what is wrong


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": tutela.__version__}


def _checks(request: Request) -> dict[str, str]:
    from sqlalchemy import text

    from tutela.storage import schema

    checks: dict[str, str] = {}
    db = request.app.state.db
    try:
        with db.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["database"] = f"unreachable: {type(exc).__name__}"
        return checks
    try:
        st = schema.state(db)
        checks["migrations"] = "ok" if st.status == "current" else f"{st.status}: {st.current} != {st.head}"
    except Exception as exc:  # noqa: BLE001
        checks["migrations"] = f"unknown: {type(exc).__name__}"
    models = getattr(request.app.state, "models", "lazy")
    checks["models"] = "ok" if models in ("loaded", "lazy") else models
    return checks


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness, "description": "not ready"}},
            summary="Readiness: database reachable, migrations current, models loaded")
async def readyz(request: Request) -> JSONResponse:
    checks = await run_in_threadpool(_checks, request)
    ready = all(v == "ok" for v in checks.values()) and len(checks) == 3
    body = Readiness(status="ready" if ready else "not ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics_endpoint() -> Response:
    from tutela.jobs.metrics import render

    body, content_type = await run_in_threadpool(render)
    return Response(body, media_type=content_type)
