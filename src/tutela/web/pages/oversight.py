"""`/oversight`: the dashboard for supervisors, platforms and regulators.

Thin: the signed-in person, the filters from the query string, `tutela.oversight` for the figures
and the register, charts drawn on the server as inline SVG. A regulator sees the aggregates and the
register and nothing else (every case door refuses them: `tutela.cases.authz`); a platform sees its
own record; a hotline its own work. In five languages (`?lang=`), Persian right to left with
Persian digits.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from tutela.access import AccessError
from tutela.api.errors import http_status
from tutela.domain.taxonomy import CATEGORIES
from tutela.oversight import charts, measures, register, rollup, views
from tutela.oversight.scope import scope_for
from tutela.oversight.words import words
from tutela.storage.tables.access import orgs
from tutela.web.i18n import LANGUAGES
from tutela.web.i18n.choice import chosen
from tutela.web.i18n.localise import TO_ASCII_DIGITS
from tutela.web.render import page
from tutela.web.security import current_session

router = APIRouter(include_in_schema=False)
FILTER_NAMES = ("platform", "category", "country", "language", "period")


def _platforms(db: Any) -> list[dict[str, Any]]:
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(select(orgs.c.id, orgs.c.name).where(orgs.c.kind == "platform")
                                              .order_by(orgs.c.name)).mappings()]


def _build(db: Any, settings: Any, me: Any, q: dict[str, str], lang: str) -> dict[str, Any]:
    w = words(lang)
    scope = scope_for(db, me)  # raises AccessError for someone with no business here
    rollup.refresh_if_stale(db)
    ctx: dict[str, Any] = {"w": w, "threshold": settings.oversight_min_count, "view": None, "charts": [],
                           "register": None, "error": None}
    ctx["subtitle"] = w.t({"regulator": "subtitle_regulator", "platform": "subtitle_platform"}.get(
        scope.kind, "subtitle_org"))
    ctx["platforms"] = [] if scope.kind == "platform" else _platforms(db)
    try:
        f = measures.Filters.parse(db, **{k: q.get(k) or None for k in FILTER_NAMES})
        m = measures.metrics(db, me, f, threshold=settings.oversight_min_count)
        v = views.build(m, w)
        ctx["view"] = v
        ctx["charts"] = [(fid, charts.svg(fig, label_id=f"{fid}-title"), fig.title) for fid, fig in v.figures]
        ctx["register"] = register.register(db, me, register.RegisterFilters(
            platform_id=f.platform, category=f.category, country=f.country), limit=100)
    except ValueError as exc:
        ctx["error"] = _filter_error(w, str(exc))
    return ctx


def _filter_error(w: Any, message: str) -> str:
    """A filter the measures refused, in the reader's words (the engine's English otherwise)."""
    for start, key in (("period ", "err_period"), ("month ", "err_period"), ("country ", "err_country"),
                       ("no platform ", "err_platform")):
        if message.startswith(start):
            return w.t(key)
    return message


@router.get("/oversight", response_class=HTMLResponse)
async def dashboard(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return RedirectResponse("/login?next=/oversight", status_code=303)
    me = session.principal
    # what people type back may carry Persian or Arabic-Indic digits: the filters read ASCII
    q = {k: (request.query_params.get(k) or "").strip()[:40].translate(TO_ASCII_DIGITS) for k in FILTER_NAMES}
    lang = chosen(request)  # the console's choice (switcher, remembered), then the browser's
    db, settings = request.app.state.db, request.app.state.settings
    try:
        ctx = await run_in_threadpool(_build, db, settings, me, q, lang)
    except AccessError as exc:
        w = words(lang)
        status = http_status(exc)
        message = w.t("refused_here") if status == 403 else str(exc)
        return page(request, "oversight/refused.html", {"w": w, "lang": w.lang, "dir": w.dir, "message": message},
                    status_code=status)
    w = ctx["w"]
    ctx.update(lang=w.lang, dir=w.dir, languages=LANGUAGES, categories=[c.value for c in CATEGORIES],
               filters=q, query_without_lang=urlencode({k: v for k, v in q.items() if v}))
    return page(request, "oversight/dashboard.html", ctx)
