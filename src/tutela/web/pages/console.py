"""The review console: a queue by priority with deadlines, the case view, bulk actions.

Thin: read the signed-in person, call `tutela.cases.service`, render. Every
check of who may see what is the engine's (a case of another organisation
answers 404 unless it was referred). Media are served only through
`/console/evidence/{id}` and shown blurred and in greyscale until an analyst
reveals one item, so nobody sees abuse material by accident. Regulators get
aggregate counts and never a case.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tutela.access import AccessError, Forbidden, NotFound, Principal
from tutela.access.people import list_people
from tutela.api.errors import http_status
from tutela.cases.authz import permissions
from tutela.cases.outcomes import DEFAULTS as _DEFAULT_OUTCOMES
from tutela.web.i18n import Translator
from tutela.web.i18n.choice import console_t
from tutela.web.pages import review_tools as tools
from tutela.web.render import page
from tutela.web.security import CSRF_FIELD, current_session, session_csrf_ok

router = APIRouter(include_in_schema=False)
#: The English wording; pages show `csrf_refused` from the console catalogue in the reviewer's language.
CSRF_REFUSED = "Refused: the form's security token is missing or wrong. Go back and reload."

#: Cases per queue page: enough to work through, small enough to load at once.
PAGE_SIZE = 50

STATUSES = ("received", "triaged", "assigned", "referred", "actioned", "closed")
PRIORITIES = ("critical", "high", "medium", "low")


def _service() -> Any:
    """The cases engine, imported on first use: a fault there breaks the console, not every page."""
    from tutela.cases import service

    return service


def _next_statuses(status: str) -> list[str]:
    """The moves the lifecycle allows from `status`, in lifecycle order, for the case view's select."""
    from tutela.cases.lifecycle import TRANSITIONS
    from tutela.domain.cases import CaseStatus

    allowed = TRANSITIONS.get(CaseStatus(status), frozenset())
    return [s for s in STATUSES if s in allowed]


def to_signin(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


#: The default outcomes' English words and DSA grounds (engine outcome id -> (words, ground)). The list a
#: case is closed from is the organisation's own (`tutela.cases.outcomes`, managed at /console/outcomes);
#: pages show `outcome_<id>` from the console catalogue for a default outcome nobody renamed.
OUTCOMES: dict[str, tuple[str, str]] = {o.key: (o.label, o.ground_words) for o in _DEFAULT_OUTCOMES}

#: Referral steps in words, for the progress buttons (pages show `refstep_<step>` from the catalogue).
REFERRAL_STEPS: dict[str, str] = {
    "sent": "mark sent",
    "acknowledged": "agency acknowledged",
    "content_removed": "content removed",
    "removal_verified": "removal verified",
    "declined": "agency declined",
}

#: What to do instead when the console refuses an action, by the permission it needs (see
#: `tutela.cases.authz`). The words say what to do next; a role name alone helps nobody. English here;
#: pages show `instead_<perm>` from the console catalogue in the reviewer's language.
INSTEAD: dict[str, str] = {
    "bulk": "Moving several cases at once is for supervisors. Open each case and move it there, "
    "or ask a supervisor to move them together.",
    "assign": "You can take a case yourself with “Assign to me”. To give it to a colleague, "
    "ask a supervisor.",
    "reopen": "A closed case is reopened by a supervisor. Add a note saying why it should be reopened "
    "and ask one.",
    "hold": "A legal hold is set by a supervisor. Add a note with the reason and ask one.",
    "appeal": "Appeals are decided by a supervisor, so that nobody reviews their own decision.",
    "export": "Exports are made by a supervisor. Ask one if the case must leave Tutela.",
    "work": "This case is worked by the organisation that received it. You can read it, add notes and "
    "record the progress of the referral to you.",
}


def page_context(request: Request, principal: Principal, **extra: Any) -> dict[str, Any]:
    session = current_session(request)
    return {"me": principal, "csrf_field": CSRF_FIELD, "csrf_token": session.csrf_token if session else "",
            "statuses": STATUSES, "priorities": PRIORITIES, "can": permissions(principal), **extra}


def refused_page(request: Request, principal: Principal, perm: str) -> HTMLResponse | None:
    """A 403 page saying what to do instead, when the signed-in person may not `perm`; else None.

    Checked before calling the engine so the words fit the console; the engine checks again.
    """
    if perm in permissions(principal):
        return None
    return error_page(request, principal, Forbidden(_instead(request, perm)), 403, said=True)


def _instead(request: Request, perm: str) -> str:
    """What to do instead of `perm`, in the reviewer's language."""
    t = console_t(request)
    return t(f"instead_{perm}") if perm in INSTEAD else t("instead_default")


_ENGINE_REFUSAL = re.compile(r"may not do '(\w+)' on cases")
_ENGINE_MOVE = re.compile(r"a case cannot go from '(\w+)' to '(\w+)'")


def engine_words(t: Translator, reason: str) -> str:
    """An engine refusal the console knows in the reviewer's words; other reasons as the engine wrote them."""
    if m := _ENGINE_MOVE.search(reason):
        return t("err_move", frm=t.maybe(f"status_{m.group(1)}", m.group(1)), to=t.maybe(f"status_{m.group(2)}", m.group(2)))
    return reason


def error_page(request: Request, principal: Principal, exc: Exception, status: int, *, said: bool = False
           ) -> HTMLResponse:
    """The console's error page. `said`: the message is already in the reviewer's words. An engine
    message the console has no words for is shown under a sentence in the reviewer's language, kept as
    the engine wrote it (in English) so that nothing precise is lost."""
    t = console_t(request)
    message, detail = str(exc), ""
    if status == 403 and (m := _ENGINE_REFUSAL.search(message)):  # the engine names the role: say what to do
        message = _instead(request, m.group(1))
    elif status == 404:  # the same words whether it never existed or belongs to someone else
        message = t("not_found_text")
    elif not said and t.lang != "en":
        message, detail = t("refused_generic" if status in (401, 403) else "failed_generic"), message
    return page(
        request, "console/error.html", page_context(request, principal, message=message, detail=detail, status=status),
        status_code=status,
    )


def _is_regulator(principal: Principal) -> bool:
    return principal.role == "regulator"


@router.get("/console", response_class=HTMLResponse)
async def queue(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return to_signin(request)
    me, db = session.principal, request.app.state.db
    if _is_regulator(me):
        try:
            stats = await run_in_threadpool(_service().case_stats, db, me)
        except AccessError as exc:
            return error_page(request, me, exc, http_status(exc))
        return page(request, "console/stats.html", page_context(request, me, stats=stats))
    q = request.query_params
    status = q.get("status") if q.get("status") in STATUSES else None
    priority = q.get("priority") if q.get("priority") in PRIORITIES else None
    mine = q.get("mine") == "1"
    search = (q.get("q") or "").strip()[:300]
    service = _service()
    sort = q.get("sort") if q.get("sort") in service.QUEUE_SORTS else "priority"
    page_no = int(q["page"]) if (q.get("page") or "").isdigit() and 0 < int(q["page"]) < 100_000 else 1
    try:
        cases = await run_in_threadpool(
            lambda: service.list_queue(db, me, status=status, priority=priority,
                                       assigned_to=me.user_id if mine else None, search=search or None,
                                       sort=sort, limit=PAGE_SIZE + 1, offset=(page_no - 1) * PAGE_SIZE)
        )
        more = len(cases) > PAGE_SIZE
        cases = cases[:PAGE_SIZE]
        facts = await run_in_threadpool(service.queue_facts, db, me, [c.id for c in cases])
    except AccessError as exc:
        return error_page(request, me, exc, http_status(exc))
    people = await run_in_threadpool(list_people, db, me.org_id)
    keep = {"status": status, "priority": priority, "mine": "1" if mine else None, "q": search or None,
            "sort": sort if sort != "priority" else None}

    def link(**change: Any) -> str:
        """The queue's address with the current filters, changed as asked (None drops a parameter)."""
        params = {k: v for k, v in (keep | change).items() if v is not None}
        return "/console" + ("?" + urlencode(params) if params else "")

    extra = await run_in_threadpool(lambda: tools.review_context(request, me)
                                    | {"saved_filters": tools.filters_for(db, me), "msg": q.get("msg")})
    return page(
        request, "console/queue.html",
        page_context(request, me, cases=cases, facts=facts, names={p["id"]: p["email"] for p in people},
             f_status=status or "", f_priority=priority or "", mine=mine, search=search, sort=sort,
             page_no=page_no, more=more, link=link, done=q.get("done"), failed=q.get("failed"), **extra),
    )


@router.post("/console/bulk")
async def bulk(request: Request) -> Response:
    checked = await signed_form(request, "bulk", max_fields=600)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    to_status = str(form.get("to_status") or "")
    ids = [int(v) for v in form.getlist("case_id") if str(v).isdigit()]
    t = console_t(request)
    if to_status not in STATUSES or not ids:
        return RedirectResponse(f"/console?failed={quoted(t('bulk_choose'))}", status_code=303)
    try:
        result = await run_in_threadpool(
            _service().bulk_transition, request.app.state.db, request.app.state.settings, me, ids, to_status
        )
    except AccessError as exc:
        return error_page(request, me, exc, http_status(exc))
    except ValueError as exc:
        return RedirectResponse(f"/console?failed={quoted(str(exc))}", status_code=303)
    done, failed = _bulk_counts(result)
    target = f"/console?done={done}"
    if failed:
        target += f"&failed={quoted(t('bulk_failed', n=failed, status=t(f'status_{to_status}')))}"
    return RedirectResponse(target, status_code=303)


def quoted(text: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(text[:200])


def _bulk_counts(result: dict[int, str]) -> tuple[int, int]:
    """(moved, failed) from the engine's answer: case id -> "ok" or the reason it could not move."""
    moved = sum(1 for v in result.values() if v == "ok")
    return moved, len(result) - moved


@router.get("/console/cases/{case_id}", response_class=HTMLResponse)
async def case_view(request: Request, case_id: int) -> Response:
    session = current_session(request)
    if session is None:
        return to_signin(request)
    return await _case_page(request, session.principal, case_id, msg=request.query_params.get("msg"))


async def _case_page(request: Request, me: Principal, case_id: int, *, msg: str | None = None,
                     kept: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """The case view; after a refused form, with what was typed (`kept`) put back and the reason in `msg`."""
    db, settings = request.app.state.db, request.app.state.settings
    try:
        case = await run_in_threadpool(_service().get_case, db, settings, me, case_id)
    except AccessError as exc:
        return error_page(request, me, exc, http_status(exc))
    reveal = request.query_params.get("reveal", "") if kept is None else ""
    colleagues = await run_in_threadpool(list_people, db, me.org_id)
    can = permissions(me)
    moves = _next_statuses(str(case.status)) if case.access == "owner" and "work" in can else []
    if str(case.status) == "closed" and "reopen" not in can:
        moves = []
    revealed = {int(x) for x in reveal.split(",") if x.isdigit()}
    hard = [("reveal", i) for i in sorted(revealed)] + ([("critical", case.id)] if str(case.priority) == "critical" else [])
    if kept is not None:  # the same page again after a refused form: not one more hard item
        hard = []
    extra = await run_in_threadpool(lambda: tools.review_context(request, me, hard=hard))
    org_outcomes = await run_in_threadpool(_service().list_outcomes, db, me) if "closed" in moves else []
    t, rt = console_t(request), tools.review_t(request)
    return page(
        request, "console/case.html",
        page_context(request, me, case=case, next_statuses=moves, revealed=revealed, msg=msg, kept=kept or {},
             outcomes={o.key: (tools.outcome_words(t, o), tools.ground_words(t, rt, o)) for o in org_outcomes},
             **extra, referral_steps=_referral_steps(case.referrals), export_formats=_export_formats(),
             highlight=highlight, people=colleagues if case.access == "owner" and "assign" in can else [],
             names={p["id"]: p["email"] for p in colleagues}),
        status_code=status,
    )


def _kept(request: Request, form: Any) -> dict[str, Any]:
    """What a case form carried, to put back when it comes back refused (never through the URL: notes
    may hold what should not sit in logs or history)."""
    kept: dict[str, Any] = {k: str(form.get(k) or "")[:10_000]
                            for k in ("to_status", "outcome", "note", "text", "reason", "for_reporter",
                                      "external_ref", "status")}
    kept["agency_id"] = [str(a)[:100] for a in form.getlist("agency_id")]
    parts = request.url.path.rstrip("/").split("/")
    kept["form"] = "referral" if parts[-2] == "referrals" else parts[-1]
    kept["referral_id"] = int(parts[-1]) if kept["form"] == "referral" and parts[-1].isdigit() else None
    return kept


def _referral_steps(refs: list[Any]) -> dict[int, list[tuple[str, str]]]:
    """For each referral, the steps the engine allows next, with their words."""
    from tutela.cases.referrals import NEXT
    from tutela.domain.cases import ReferralStatus

    return {
        r.id: [(s, REFERRAL_STEPS[s]) for s in REFERRAL_STEPS if ReferralStatus(s) in NEXT[ReferralStatus(r.status)]]
        for r in refs
    }


def _export_formats() -> list[str]:
    from tutela.cases import exports

    exports.load_formats()
    return sorted(exports.FORMATS)


async def signed_form(
    request: Request, needs: str | None, *, max_fields: int = 20
) -> tuple[Principal, Any] | Response:
    """A console form post: signed in, CSRF checked, permission `needs` (when given) checked with words
    that say what to do. Returns (who, form), or the response that refuses it."""
    session = current_session(request)
    if session is None:
        return to_signin(request)
    form = await request.form(max_files=0, max_fields=max_fields)
    if not session_csrf_ok(request, str(form.get(CSRF_FIELD) or "")):
        return HTMLResponse(console_t(request)("csrf_refused"), 403)
    me = session.principal
    if needs is not None and (refused := refused_page(request, me, needs)) is not None:
        return refused
    return me, form


async def case_action(request: Request, case_id: int, action: Any, *, needs: str | None = None) -> Response:
    """Run one case form (see `signed_form`); the engine checks again and audits."""
    checked = await signed_form(request, needs)
    if isinstance(checked, Response):
        return checked
    me, form = checked
    try:
        msg = await run_in_threadpool(action, request.app.state.db, me, form)
    except AccessError as exc:
        return error_page(request, me, exc, http_status(exc))
    except ValueError as exc:  # the page again, with what was typed and why it was refused
        t = console_t(request)
        msg = t("not_done", reason=engine_words(t, str(exc)))
        return await _case_page(request, me, case_id, msg=msg, kept=_kept(request, form), status=400)
    return RedirectResponse(f"/console/cases/{case_id}?msg={quoted(msg)}", status_code=303)


@router.post("/console/cases/{case_id}/transition")
async def transition(request: Request, case_id: int) -> Response:
    settings, t = request.app.state.settings, console_t(request)

    def act(db: Any, me: Principal, form: Any) -> str:
        to_status = str(form.get("to_status") or "")
        note = str(form.get("note") or "").strip()[:5000] or None
        if to_status not in STATUSES:
            raise ValueError(t("err_choose_status"))
        outcome = str(form.get("outcome") or "") or None
        if to_status == "closed" and not outcome:
            raise ValueError(t("err_choose_outcome"))
        done = _service().transition(db, settings, me, case_id, to_status, note=note,
                                     outcome=outcome if to_status == "closed" else None)
        if to_status == "closed":  # the engine checked the outcome against the organisation's list
            chosen = next(o for o in _service().list_outcomes(db, me) if o.key == done.outcome_key)
            return t("msg_closed", outcome=tools.outcome_words(t, chosen))
        return t("msg_moved", status=t(f"status_{to_status}"))

    return await case_action(request, case_id, act)


@router.post("/console/cases/{case_id}/assign")
async def assign(request: Request, case_id: int) -> Response:
    settings, t = request.app.state.settings, console_t(request)

    def act(db: Any, me: Principal, form: Any) -> str:
        raw = str(form.get("user_id") or "")
        user_id = int(raw) if raw.isdigit() else me.user_id
        _service().assign(db, settings, me, case_id, user_id)
        return t("msg_assigned_me") if user_id == me.user_id else t("msg_assigned_user", id=str(user_id))

    return await case_action(request, case_id, act)


@router.post("/console/cases/{case_id}/refer")
async def refer(request: Request, case_id: int) -> Response:
    settings, t = request.app.state.settings, console_t(request)

    def act(db: Any, me: Principal, form: Any) -> str:
        agencies = [str(a)[:100] for a in form.getlist("agency_id") if str(a).strip()]
        if not agencies:
            raise ValueError(t("err_tick_agency"))
        note = str(form.get("note") or "").strip()[:5000] or None
        made = _service().refer(db, settings, me, case_id, agencies, note=note)
        return t("msg_referred", to=", ".join(r.agency_name for r in made) or t("nobody_new"))

    return await case_action(request, case_id, act)


@router.post("/console/cases/{case_id}/note")
async def note(request: Request, case_id: int) -> Response:
    settings, t = request.app.state.settings, console_t(request)

    def act(db: Any, me: Principal, form: Any) -> str:
        text = str(form.get("text") or "").strip()[:10_000]
        if not text:
            raise ValueError(t("err_write_note"))
        for_reporter = form.get("for_reporter") == "1"
        _service().add_note(db, settings, me, case_id, text, for_reporter=for_reporter)
        return t("msg_reporter_saved") if for_reporter else t("msg_note_saved")

    return await case_action(request, case_id, act)


@router.post("/console/cases/{case_id}/hold")
async def legal_hold(request: Request, case_id: int) -> Response:
    t = console_t(request)

    def act(db: Any, me: Principal, form: Any) -> str:
        on = form.get("on") == "1"
        reason = str(form.get("reason") or "").strip()[:500] or None
        if on and not reason:
            raise ValueError(t("err_hold_reason"))
        _service().set_legal_hold(db, me, case_id, on, reason=reason)
        return t("msg_hold_set") if on else t("msg_hold_released")

    return await case_action(request, case_id, act, needs="hold")


@router.post("/console/referrals/{referral_id}")
async def referral_progress(request: Request, referral_id: int) -> Response:
    """Record an agency's progress (sent, acknowledged, content removed, verified, declined)."""
    raw_case = (await request.form(max_files=0, max_fields=20)).get("case_id") or ""  # where to go back to
    case_id = int(raw_case) if str(raw_case).isdigit() else 0
    t = console_t(request)

    def act(db: Any, me: Principal, form: Any) -> str:
        status = str(form.get("status") or "")
        if status not in REFERRAL_STEPS:
            raise ValueError(t("err_choose_step"))
        ref = str(form.get("external_ref") or "").strip()[:200] or None
        done = _service().update_referral(db, me, referral_id, status, external_ref=ref)
        return t("msg_referral_step", agency=done.agency_name, step=t(f"refstep_{status}"))

    return await case_action(request, case_id, act, needs="referral_update")


@router.post("/console/cases/{case_id}/export")
async def export(request: Request, case_id: int) -> Response:
    """A download (DSA statement of reasons, CyberTipline report); the export is audited by the engine."""
    checked = await signed_form(request, "export")
    if isinstance(checked, Response):
        return checked
    me, form = checked
    from tutela.cases.exports import export_case

    fmt = str(form.get("format") or "")
    try:
        out = await run_in_threadpool(
            export_case, request.app.state.db, request.app.state.settings, me, case_id, fmt
        )
    except AccessError as exc:
        return error_page(request, me, exc, http_status(exc))
    except ValueError as exc:
        words = console_t(request)("not_exported", reason=str(exc))
        return RedirectResponse(f"/console/cases/{case_id}?msg={quoted(words)}", status_code=303)
    return Response(out.content, media_type=out.media_type, headers={
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="{out.filename}"',
    })


@router.get("/console/appeals", response_class=HTMLResponse)
async def appeals_queue(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return to_signin(request)
    me = session.principal
    if (refused := refused_page(request, me, "appeal")) is not None:
        return refused
    status = request.query_params.get("status")
    status = status if status in ("open", "upheld", "rejected") else "open"
    appeals = await run_in_threadpool(lambda: _service().list_appeals(request.app.state.db, me, status=status))
    return page(request, "console/appeals.html",
                page_context(request, me, appeals=appeals, f_status=status, msg=request.query_params.get("msg")))


@router.post("/console/appeals/{appeal_id}")
async def decide(request: Request, appeal_id: int) -> Response:
    checked = await signed_form(request, "appeal")
    if isinstance(checked, Response):
        return checked
    me, form = checked
    decision = str(form.get("decision") or "")
    note = str(form.get("note") or "").strip()[:5000] or None
    t = console_t(request)
    if decision not in ("overturn", "uphold"):
        return RedirectResponse(f"/console/appeals?msg={quoted(t('err_overturn_or_uphold'))}", status_code=303)
    try:
        done = await run_in_threadpool(
            lambda: _service().decide_appeal(
                request.app.state.db, request.app.state.settings, me, appeal_id, decision == "overturn", note=note)
        )
    except AccessError as exc:
        return error_page(request, me, exc, http_status(exc))
    except ValueError as exc:
        return RedirectResponse(f"/console/appeals?msg={quoted(t('not_done', reason=str(exc)))}", status_code=303)
    words = t("msg_appeal_upheld" if done.status == "upheld" else "msg_appeal_rejected", case=str(done.case_id))
    return RedirectResponse(f"/console/appeals?msg={quoted(words)}", status_code=303)


@router.get("/console/cases/{case_id}/media/{evidence_id}", response_class=HTMLResponse)
async def media_viewer(request: Request, case_id: int, evidence_id: int) -> Response:
    """One image or video at full size, still blurred and grey until the reviewer asks to see it."""
    session = current_session(request)
    if session is None:
        return to_signin(request)
    me, db, settings = session.principal, request.app.state.db, request.app.state.settings
    try:
        case = await run_in_threadpool(_service().get_case, db, settings, me, case_id)
    except AccessError as exc:
        return error_page(request, me, exc, http_status(exc))
    item = next((e for e in case.evidence if e.id == evidence_id and e.deleted_at is None
                 and (e.content_type or "").startswith(("image/", "video/"))), None)
    if item is None:
        return error_page(request, me, NotFound(f"case {case_id} has no picture or video {evidence_id}"), 404)
    revealed = request.query_params.get("reveal") == "1"
    extra = await run_in_threadpool(
        lambda: tools.review_context(request, me, hard=[("reveal", item.id)] if revealed else None))
    return page(request, "console/media.html", page_context(request, me, case=case, ev=item, revealed=revealed, **extra))


@router.get("/console/evidence/{evidence_id}")
async def evidence(request: Request, evidence_id: int) -> Response:
    """The bytes of one evidence item: never cached, never sniffed, never run as a page."""
    session = current_session(request)
    if session is None:
        return Response(console_t(request)("sign_in_first"), status_code=401)
    me, db, settings = session.principal, request.app.state.db, request.app.state.settings
    try:
        data, content_type = await run_in_threadpool(
            _service().evidence_content, db, settings, me, evidence_id
        )
    except AccessError as exc:
        return Response(str(exc), status_code=http_status(exc), media_type="text/plain")
    inline = content_type.startswith(("image/", "video/"))
    return Response(data, media_type=content_type if inline else "application/octet-stream", headers={
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Content-Disposition": "inline" if inline else f'attachment; filename="evidence-{evidence_id}"',
    })


def highlight(text: str | None, flags: list[Any]) -> list[tuple[str, Any]]:
    """Split a description into (piece, flag-or-None) so the template can mark flagged spans safely.

    Spans that overlap an earlier one are skipped rather than nested: one mark per character keeps the
    markup simple and the reason readable.
    """
    if not text:
        return []
    spans = sorted(
        (f for f in flags if f.start is not None and f.end is not None and 0 <= f.start < f.end <= len(text)),
        key=lambda f: (f.start, -f.end),
    )
    pieces: list[tuple[str, Any]] = []
    pos = 0
    for f in spans:
        if f.start < pos:
            continue
        if f.start > pos:
            pieces.append((text[pos:f.start], None))
        pieces.append((text[f.start:f.end], f))
        pos = f.end
    if pos < len(text):
        pieces.append((text[pos:], None))
    return pieces
