"""The console's review tools: my settings (wellness), the organisation's outcome list, saved queue
filters, the break reminder and assignment that balances load.

Thin like the rest of the console: every rule lives in the engine (`tutela.access.wellness`,
`tutela.cases.outcomes`, `tutela.cases.saved_filters`, `tutela.cases.balancing`); these routes read
the signed-in person, check the form's CSRF token, call, and redirect back with a message in the
reviewer's language (the "review" catalogue, `rt` in templates). `review_context` is what the queue,
case and media pages add so the break reminder and the reviewer's media settings show there.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus, urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from tutela.access import AccessError, Principal, wellness
from tutela.api.errors import http_status
from tutela.cases import service
from tutela.web.i18n import Translator, translator
from tutela.web.i18n.choice import chosen, console_t
from tutela.web.render import page
from tutela.web.security import CSRF_FIELD, current_session, session_csrf_ok

router = APIRouter(include_in_schema=False)


def review_t(request: Request) -> Translator:
    return translator(chosen(request), "review")


def _console() -> Any:
    """The console page module (it imports this one, so it is looked up on first use)."""
    from tutela.web.pages import console

    return console


def _q(text: str) -> str:
    return quote_plus(text[:300])


# --- what the queue, case and media pages add -----------------------------------------------


def review_context(request: Request, me: Principal, *, hard: list[tuple[str, int]] | None = None) -> dict[str, Any]:
    """The reviewer's media settings and break state; `hard` records hard items first (a reveal
    without JavaScript, a critical case opened). People only: an API key has no settings.
    Called from a worker thread (it reads and writes the database)."""
    if me.user_id is None:
        return {}
    db = request.app.state.db
    prefs = wellness.get_prefs(db, me.user_id)
    state = wellness.break_state(db, me.user_id)
    for kind, object_id in hard or []:
        state = wellness.record_hard_item(db, me.user_id, kind, object_id)
    return {"review": {"prefs": prefs, "brk": state, "text": break_text(request, state),
                       "back": request.url.path}}


def break_text(request: Request, state: wellness.BreakState) -> str:
    return review_t(request)("break_text", n=state.count, minutes=state.window_min)


async def _signed(request: Request) -> tuple[Principal, Any] | Response:
    session = current_session(request)
    if session is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    form = await request.form(max_files=0, max_fields=200)
    if not session_csrf_ok(request, str(form.get(CSRF_FIELD) or "")):
        return HTMLResponse(console_t(request)("csrf_refused"), 403)
    return session.principal, form


def _back_to(raw: Any) -> str:
    """Only a console address of this site (never an absolute URL): no open redirect."""
    path = str(raw or "")
    return path if path.startswith("/console") and "//" not in path and "\\" not in path else "/console"


# --- my settings (wellness) -----------------------------------------------------------------


def _settings_page(request: Request, me: Principal, prefs: wellness.WellnessPrefs, *, msg: str | None = None,
                   errors: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    c = _console()
    return page(request, "console/settings.html",
                c.page_context(request, me, prefs=prefs, msg=msg, errors=errors or {}), status_code=status)


@router.get("/console/settings", response_class=HTMLResponse)
async def settings_page(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return RedirectResponse("/login?next=/console/settings", status_code=303)
    me = session.principal
    assert me.user_id is not None  # console sessions are people's
    prefs = await run_in_threadpool(wellness.get_prefs, request.app.state.db, me.user_id)
    msg = review_t(request)("saved") if request.query_params.get("saved") == "1" else None
    return _settings_page(request, me, prefs, msg=msg)


_NUMBERS = {"break_after": (0, 100), "window_min": (5, 480)}


@router.post("/console/settings")
async def save_settings(request: Request) -> Response:
    checked = await _signed(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    rt = review_t(request)
    values: dict[str, Any] = {k: form.get(k) == "1" for k in ("blur", "greyscale", "video_muted")}
    errors: dict[str, str] = {}
    for key, (low, high) in _NUMBERS.items():
        raw = str(form.get(key) or "").strip()
        if raw.isdigit() and low <= int(raw) <= high:
            values[key] = int(raw)
        else:
            errors[key] = rt("err_number", low=low, high=high)
            values[key] = raw[:6]  # kept as typed, so the form comes back with it
    if errors:
        shown = wellness.WellnessPrefs.model_construct(**values)
        return _settings_page(request, me, shown, errors=errors, status=400)
    assert me.user_id is not None  # console sessions are people's
    await run_in_threadpool(wellness.set_prefs, request.app.state.db, me.user_id, wellness.WellnessPrefs(**values))
    return RedirectResponse("/console/settings?saved=1", status_code=303)


@router.post("/console/wellness/hard")
async def hard_item(request: Request) -> Response:
    """The reveal button (JavaScript) says a media item was revealed; answers whether a break is due."""
    checked = await _signed(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    raw = str(form.get("id") or "")
    if me.user_id is None or not raw.isdigit():
        return JSONResponse({"error": "bad request"}, status_code=400)
    state = await run_in_threadpool(wellness.record_hard_item, request.app.state.db, me.user_id, "reveal", int(raw))
    return JSONResponse({"due": state.due, "count": state.count, "text": break_text(request, state)},
                        headers={"Cache-Control": "no-store"})


@router.post("/console/wellness/dismiss")
async def dismiss(request: Request) -> Response:
    checked = await _signed(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    if me.user_id is not None:
        await run_in_threadpool(wellness.dismiss_break, request.app.state.db, me.user_id)
    return RedirectResponse(_back_to(form.get("next")), status_code=303)


# --- the organisation's outcome list ---------------------------------------------------------


def _unchanged_default(outcome: Any) -> Any:
    from tutela.cases.outcomes import DEFAULTS

    return next((d for d in DEFAULTS if d.key == outcome.key and d.label == outcome.label), None)


def outcome_words(t: Translator, outcome: Any) -> str:
    """A default outcome in the reviewer's language; an organisation's own in its own words."""
    if _unchanged_default(outcome) is not None:
        return t.maybe(f"outcome_{outcome.key}", outcome.label)
    return str(outcome.label)


def ground_words(t: Translator, rt: Translator, outcome: Any) -> str:
    """The DSA ground in words: a default outcome's own sentence (console catalogue) while it keeps its
    default ground, otherwise the ground's general words (review catalogue)."""
    default = _unchanged_default(outcome)
    general = rt(f"ground_{outcome.ground}")
    return t.maybe(f"ground_{outcome.key}", general) if default is not None and default.ground == outcome.ground \
        else general


def _outcomes_page(request: Request, me: Principal, items: list[Any], *, custom: bool, msg: str | None = None,
                   status: int = 200) -> HTMLResponse:
    from tutela.cases.outcomes import GROUNDS
    from tutela.domain.cases import Outcome

    c = _console()
    return page(request, "console/outcomes.html",
                c.page_context(request, me, items=items, custom=custom, kinds=[o.value for o in Outcome],
                       grounds=list(GROUNDS), msg=msg), status_code=status)


def _has_own_list(db: Any, org_id: int) -> bool:
    from sqlalchemy import select

    from tutela.storage.tables.review import org_outcomes

    with db.connect() as conn:
        return conn.execute(select(org_outcomes.c.id).where(org_outcomes.c.org_id == org_id).limit(1)).first() \
            is not None


@router.get("/console/outcomes", response_class=HTMLResponse)
async def outcomes_page(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return RedirectResponse("/login?next=/console/outcomes", status_code=303)
    me, db = session.principal, request.app.state.db
    c = _console()
    if (refused := c.refused_page(request, me, "outcomes")) is not None:
        return refused
    items = await run_in_threadpool(service.list_outcomes, db, me)
    custom = await run_in_threadpool(_has_own_list, db, me.org_id)
    return _outcomes_page(request, me, items, custom=custom, msg=request.query_params.get("msg"))


@router.post("/console/outcomes")
async def save_outcomes(request: Request) -> Response:
    checked = await _signed(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    c, rt, db = _console(), review_t(request), request.app.state.db
    if (refused := c.refused_page(request, me, "outcomes")) is not None:
        return refused
    try:
        if form.get("reset") == "1":
            await run_in_threadpool(service.reset_outcomes, db, me)
            return RedirectResponse(f"/console/outcomes?msg={_q(rt('outcomes_reset'))}", status_code=303)
        rows = _rows_from(form)
        await run_in_threadpool(service.set_outcomes, db, me, [r for _, r in rows])
    except AccessError as exc:
        return c.error_page(request, me, exc, http_status(exc))
    except ValueError as exc:
        # the list comes back as typed, with the reason, so nothing is lost
        from types import SimpleNamespace

        typed = [SimpleNamespace(**r) for _, r in _rows_from(form, keep_bad=True)]
        msg = console_t(request)("not_done", reason=_reason(exc))
        return _outcomes_page(request, me, typed, custom=True, msg=msg, status=400)
    return RedirectResponse(f"/console/outcomes?msg={_q(rt('outcomes_saved'))}", status_code=303)


def _reason(exc: Exception) -> str:
    """A pydantic error's first message, without its machinery; other errors as they are."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return str(first.get("msg", exc)).removeprefix("Value error, ")
    return str(exc)


def _rows_from(form: Any, *, keep_bad: bool = False) -> list[tuple[float, dict[str, str]]]:
    """The form's rows (`key`, `label`, `kind`, `ground`, `order` lists; `remove` ticks by row),
    sorted by their order number; an empty added row is skipped."""
    keys, labels = form.getlist("key"), form.getlist("label")
    kinds, grounds, orders = form.getlist("kind"), form.getlist("ground"), form.getlist("order")
    removed = {str(v) for v in form.getlist("remove")}
    rows = []
    for i, key in enumerate(keys):
        key = str(key).strip()
        label = str(labels[i] if i < len(labels) else "").strip()
        if str(i) in removed or (not key and not label):
            continue
        raw = str(orders[i] if i < len(orders) else "").strip()
        try:
            order = float(raw) if raw else float(i + 1)
        except ValueError:
            order = float(i + 1)
        rows.append((order, {"key": key[:40], "label": label[:120],
                             "kind": str(kinds[i] if i < len(kinds) else ""),
                             "ground": str(grounds[i] if i < len(grounds) else "")}))
    rows.sort(key=lambda r: r[0])
    return rows


# --- saved filters ---------------------------------------------------------------------------


@router.post("/console/filters")
async def save_filter(request: Request) -> Response:
    checked = await _signed(request)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    params = {k: str(form.get(k) or "") for k in ("status", "priority", "mine", "q", "sort")}
    try:
        done = await run_in_threadpool(service.save_filter, request.app.state.db, me,
                                       str(form.get("name") or ""), params)
    except AccessError as exc:
        return _console().error_page(request, me, exc, http_status(exc))
    except ValueError as exc:
        back = {k: v for k, v in params.items() if v} | {"failed": str(exc)}
        return RedirectResponse(f"/console?{urlencode(back)}", status_code=303)
    back = done.params | {"msg": review_t(request)("filter_saved", name=done.name)}
    return RedirectResponse(f"/console?{urlencode(back)}", status_code=303)


@router.post("/console/filters/{filter_id}/delete")
async def delete_filter(request: Request, filter_id: int) -> Response:
    checked = await _signed(request)
    if isinstance(checked, Response):
        return checked
    me, _form = checked
    try:
        await run_in_threadpool(service.delete_filter, request.app.state.db, me, filter_id)
    except AccessError as exc:
        return _console().error_page(request, me, exc, http_status(exc))
    return RedirectResponse(f"/console?msg={_q(review_t(request)('filter_deleted'))}", status_code=303)


def saved_filter_links(filters: list[Any]) -> list[tuple[Any, str]]:
    """(filter, its queue address) for the queue page."""
    return [(f, "/console?" + urlencode(f.params)) for f in filters]


def filters_for(db: Any, me: Principal) -> list[tuple[Any, str]]:
    if me.user_id is None:
        return []
    return saved_filter_links(service.list_filters(db, me))


# --- assignment that balances load -----------------------------------------------------------


@router.post("/console/cases/{case_id}/assign-next")
async def assign_next(request: Request, case_id: int) -> Response:
    c = _console()
    settings, rt = request.app.state.settings, review_t(request)

    def act(db: Any, me: Principal, form: Any) -> str:
        from tutela.access.people import list_people

        done = service.assign_next(db, settings, me, case_id)
        names = {p["id"]: p["email"] for p in list_people(db, me.org_id)}
        return rt("assigned_to_person", who=names.get(done.assigned_to, f"user {done.assigned_to}"))

    return await c.case_action(request, case_id, act, needs="assign")


@router.post("/console/auto-assign")
async def auto_assign(request: Request) -> Response:
    c = _console()
    checked = await c.signed_form(request, "assign", max_fields=600)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    rt = review_t(request)
    ids = [int(v) for v in form.getlist("case_id") if str(v).isdigit()]
    if not ids:
        return RedirectResponse(f"/console?failed={_q(console_t(request)('bulk_choose'))}", status_code=303)
    try:
        result = await run_in_threadpool(service.auto_assign, request.app.state.db, me, ids)
    except AccessError as exc:
        return c.error_page(request, me, exc, http_status(exc))
    done = [v for v in result.values() if v.startswith("user:")]
    failed = [v for v in result.values() if not v.startswith("user:")]
    target = f"/console?msg={_q(rt('auto_assigned', n=len(done)))}"
    if failed:
        target += f"&failed={_q(rt('auto_failed', n=len(failed), reason=failed[0]))}"
    return RedirectResponse(target, status_code=303)
