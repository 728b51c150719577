"""The console's partners page: who this organisation exchanges with, and how that goes.

One table of partners (share level, content permission, keys, revoked or not, precision of our signals
by their feedback, median hours to acknowledgement and removal of our referrals, their audit trail as we
witnessed it) and the referrals both ways with each step's time. Incoming referrals are worked here:
acknowledge, act, report removal, close, each step told to the sender, signed. Thin like the rest of
the console: `tutela.exchange.overview` and `tutela.exchange.referrals` do the work and check again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tutela.access import AccessError, Forbidden
from tutela.api.errors import http_status
from tutela.web.i18n.choice import console_t
from tutela.web.pages.console import error_page, page_context, quoted, signed_form, to_signin
from tutela.web.render import page
from tutela.web.security import current_session

router = APIRouter(include_in_schema=False)

#: The steps a receiver records, in order, with the words on their buttons (English; pages show
#: `xstep_<step>` from the console catalogue).
STEP_WORDS: dict[str, str] = {
    "acknowledged": "Acknowledge",
    "actioned": "Acted on it",
    "removed": "Content removed",
    "closed": "Close",
}


def _data(db: Any, settings: Any, me: Any) -> dict[str, Any]:
    from tutela.exchange import overview
    from tutela.exchange import referrals as xref

    return {
        "lines": overview.partner_lines(db, me),
        "outgoing": xref.list_referrals(db, me, direction="out", limit=100),
        "incoming": xref.list_referrals(db, me, direction="in", limit=100),
        "steps": xref.STEPS,
        "step_words": STEP_WORDS,
        "outcomes": xref.OUTCOMES,
    }


@router.get("/console/partners", response_class=HTMLResponse)
async def partners_page(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return to_signin(request)
    me = session.principal
    if me.role == "regulator":
        return error_page(request, me, Forbidden(console_t(request)("partners_not_regulators")), 403, said=True)
    try:
        data = await run_in_threadpool(_data, request.app.state.db, request.app.state.settings, me)
    except AccessError as exc:
        return error_page(request, me, exc, http_status(exc))
    msg = request.query_params.get("msg", "")[:300]
    return page(request, "console/partners.html", page_context(request, me, msg=msg, **data))


@router.post("/console/partners/referrals/{referral_id}/step")
async def record_step(request: Request, referral_id: int) -> Response:
    checked = await signed_form(request, "referral_update")
    if isinstance(checked, Response):
        return checked
    me, form = checked
    step = str(form.get("step") or "")
    outcome = str(form.get("outcome") or "") or None
    ref = str(form.get("external_ref") or "").strip()[:200] or None
    from tutela.exchange import referrals as xref

    try:
        r = await run_in_threadpool(xref.record_step, request.app.state.db, request.app.state.settings, me,
                                    referral_id, step, outcome=outcome if step == "closed" else None,
                                    external_ref=ref)
    except AccessError as exc:
        return error_page(request, me, exc, http_status(exc))
    except ValueError as exc:
        words = console_t(request)("not_done", reason=str(exc))
        return RedirectResponse(f"/console/partners?msg={quoted(words)}#incoming", status_code=303)
    t = console_t(request)
    said = {"id": str(referral_id), "step": t.maybe(f"xdone_{step}", step), "partner": r.partner}
    words = (t("xstep_told", **said) if r.delivered
             else t("xstep_not_reached", **said, error=r.delivery_error or ""))
    return RedirectResponse(f"/console/partners?msg={quoted(words)}#incoming", status_code=303)


@router.post("/console/partners/{name}/witness")
async def send_checkpoint(request: Request, name: str) -> Response:
    checked = await signed_form(request, None)
    if isinstance(checked, Response):
        return checked
    me, _ = checked
    from tutela.exchange import witness

    try:
        result = await run_in_threadpool(witness.send, request.app.state.db, me, name)
    except AccessError as exc:
        return error_page(request, me, exc, http_status(exc))
    except ValueError as exc:
        words = console_t(request)("not_sent", reason=str(exc))
        return RedirectResponse(f"/console/partners?msg={quoted(words)}", status_code=303)
    t = console_t(request)
    words = (t("checkpoint_handed", seq=str(result["seq"]), partner=name, verdict=str(result.get("verdict")))
             if result["delivered"] else t("checkpoint_not_delivered", error=str(result.get("error"))))
    return RedirectResponse(f"/console/partners?msg={quoted(words)}", status_code=303)
