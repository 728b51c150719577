"""The organisation's people, for its admins: add a person, disable or re-enable one.

The same rules as `tutela admin create-user`: argon2id passwords of at least
12 characters, roles from `access.people.ROLES`. An admin manages only their
own organisation; nobody else reaches this page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tutela.access.people import MIN_PASSWORD_LENGTH, ROLES, create_user, list_people, set_disabled
from tutela.web.i18n import Translator
from tutela.web.i18n.choice import console_t
from tutela.web.render import page
from tutela.web.security import CSRF_FIELD, admin_form, current_session

router = APIRouter(include_in_schema=False)


ONLY_ADMINS = "Only an administrator of the organisation manages its people."  # English; `only_admins_people`

#: The engine's refusals (English, shared with the CLI) -> the console's words for them.
_ENGINE_ERRORS = (("cannot be used for a new person", "err_email_taken"),
                  ("people of a regulator", "err_regulator_role"))


async def _admin_form(request: Request) -> tuple[Any, Any] | HTMLResponse:
    """The admin's session and the posted form, or the refusal: both changes need the same checks."""
    return await admin_form(request, refusal=console_t(request)("only_admins_people"))


def _render(request: Request, session: Any, *, form: dict[str, str] | None = None, error: str = "",
            done: str = "", status: int = 200) -> HTMLResponse:
    me = session.principal
    people = list_people(request.app.state.db, me.org_id, include_disabled=True)
    return page(request, "console/people.html", {
        "me": me, "csrf_field": CSRF_FIELD, "csrf_token": session.csrf_token, "people": people,
        "roles": list(ROLES), "form": form or {}, "error": error, "done": done,
        "min_length": MIN_PASSWORD_LENGTH,
    }, status_code=status)


@router.get("/console/people", response_class=HTMLResponse)
def people_page(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return RedirectResponse("/login?next=/console/people", status_code=303)
    if session.principal.role != "admin":
        return HTMLResponse(console_t(request)("only_admins_people"), 403)
    return _render(request, session, done=request.query_params.get("done", "")[:200])


@router.post("/console/people", response_class=HTMLResponse)
async def add_person(request: Request) -> Response:
    checked = await _admin_form(request)
    if isinstance(checked, HTMLResponse):
        return checked
    session, form = checked
    email = str(form.get("email") or "").strip()[:320]
    role = str(form.get("role") or "")
    password = str(form.get("password") or "")[:1000]
    t = console_t(request)
    error = _check(t, email, role, password)
    if not error:
        try:
            await run_in_threadpool(
                create_user, request.app.state.db, session.principal.org_id, email, password, role
            )
        except ValueError as exc:
            error = next((t(key) for words, key in _ENGINE_ERRORS if words in str(exc)), str(exc))
    if error:
        return _render(request, session, form={"email": email, "role": role}, error=error, status=400)
    return RedirectResponse(f"/console/people?done={quote_plus(t('person_added', email=email))}", status_code=303)


def _check(t: Translator, email: str, role: str, password: str) -> str:
    """The form's own checks, in the admin's language (the engine checks the same again)."""
    if "@" not in email or len(email) > 320:
        return t("err_email_shape")
    if role not in ROLES:
        return t("err_role")
    if len(password) < MIN_PASSWORD_LENGTH:
        return t("err_pw_short", n=MIN_PASSWORD_LENGTH)
    return ""


@router.post("/console/people/status")
async def person_status(request: Request) -> Response:
    checked = await _admin_form(request)
    if isinstance(checked, HTMLResponse):
        return checked
    session, form = checked
    email = str(form.get("email") or "").strip()[:320]
    disable = form.get("action") == "disable"
    t = console_t(request)
    if disable and email.lower() == _own_email(request, session):
        return RedirectResponse(f"/console/people?done={quote_plus(t('cannot_disable_self'))}", status_code=303)
    found = await run_in_threadpool(set_disabled, request.app.state.db, email, disable,
                                    org_id=session.principal.org_id)
    key = ("person_disabled" if disable else "person_enabled") if found else "no_such_person"
    return RedirectResponse(f"/console/people?done={quote_plus(t(key, email=email))}", status_code=303)


def _own_email(request: Request, session: Any) -> str:
    people = list_people(request.app.state.db, session.principal.org_id, include_disabled=True)
    return next((p["email"] for p in people if p["id"] == session.principal.user_id), "")
