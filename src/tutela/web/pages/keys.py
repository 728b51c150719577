"""The organisation's API keys, for its admins: see them, create one (shown once), revoke one.

The same engine calls as `tutela admin list-keys/create-key/revoke-key` and `/v1/keys`, the same
admin-and-CSRF check as the people page. A new key is shown in the answer to the form post, never
put in a redirect URL, so it does not end up in history or logs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tutela.access.keys import SCOPES, create_key, list_keys, revoke_key
from tutela.web.i18n.choice import console_t
from tutela.web.render import page
from tutela.web.security import CSRF_FIELD, admin_form, current_session

router = APIRouter(include_in_schema=False)

ONLY_ADMINS = "Only an administrator of the organisation manages its API keys."  # English; `only_admins_keys`


def _render(request: Request, session: Any, *, form: dict | None = None, error: str = "", done: str = "",
            new_key: str = "", status: int = 200) -> HTMLResponse:
    me = session.principal
    return page(request, "console/keys.html", {
        "me": me, "csrf_field": CSRF_FIELD, "csrf_token": session.csrf_token,
        "keys": list_keys(request.app.state.db, me.org_id), "scopes": SCOPES, "form": form or {},
        "error": error, "done": done, "new_key": new_key,
    }, status_code=status)


@router.get("/console/keys", response_class=HTMLResponse)
def keys_page(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return RedirectResponse("/login?next=/console/keys", status_code=303)
    if session.principal.role != "admin":
        return HTMLResponse(console_t(request)("only_admins_keys"), 403)
    return _render(request, session, done=request.query_params.get("done", "")[:200])


@router.post("/console/keys", response_class=HTMLResponse)
async def add_key(request: Request) -> Response:
    t = console_t(request)
    checked = await admin_form(request, refusal=t("only_admins_keys"), max_fields=len(SCOPES) + 5)
    if isinstance(checked, HTMLResponse):
        return checked
    session, form = checked
    label = str(form.get("label") or "").strip()[:200] or None
    scopes = [str(s) for s in form.getlist("scope")][: len(SCOPES)]
    try:
        if not scopes:
            raise ValueError(t("err_no_scope"))
        key = await run_in_threadpool(create_key, request.app.state.db, session.principal.org_id, scopes,
                                      label=label, actor=session.principal.actor)
    except ValueError as exc:
        error = t("err_regulator_scope") if "regulator's keys" in str(exc) else str(exc)
        return _render(request, session, form={"label": label, "scopes": scopes}, error=error, status=400)
    return _render(request, session, new_key=key, status=201)


@router.post("/console/keys/revoke")
async def revoke(request: Request) -> Response:
    t = console_t(request)
    checked = await admin_form(request, refusal=t("only_admins_keys"), max_fields=len(SCOPES) + 5)
    if isinstance(checked, HTMLResponse):
        return checked
    session, form = checked
    key_id = str(form.get("key_id") or "")[:40]
    done = await run_in_threadpool(revoke_key, request.app.state.db, key_id, org_id=session.principal.org_id,
                                   actor=session.principal.actor)
    word = t("key_revoked", id=done["key_id"]) if done else t("no_such_key")
    return RedirectResponse(f"/console/keys?done={quote_plus(word)}", status_code=303)
