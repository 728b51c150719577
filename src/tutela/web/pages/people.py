"""The organisation's people, for its admins: add a person, disable or re-enable one.

The same rules as `tutela admin create-user`: argon2id passwords of at least
12 characters, roles from `access.people.ROLES`. An admin manages only their
own organisation; nobody else reaches this page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tutela.access.people import MIN_PASSWORD_LENGTH, ROLES, create_user, list_people, set_disabled
from tutela.web.render import page
from tutela.web.security import CSRF_FIELD, admin_form, current_session

router = APIRouter(include_in_schema=False)


ONLY_ADMINS = "Only an administrator of the organisation manages its people."


async def _admin_form(request: Request) -> tuple[Any, Any] | HTMLResponse:
    """The admin's session and the posted form, or the refusal: both changes need the same checks."""
    return await admin_form(request, refusal=ONLY_ADMINS)


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
        return HTMLResponse(ONLY_ADMINS, 403)
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
    try:
        await run_in_threadpool(
            create_user, request.app.state.db, session.principal.org_id, email, password, role
        )
    except ValueError as exc:
        return _render(request, session, form={"email": email, "role": role}, error=str(exc), status=400)
    return RedirectResponse(f"/console/people?done=Added+{email}", status_code=303)


@router.post("/console/people/status")
async def person_status(request: Request) -> Response:
    checked = await _admin_form(request)
    if isinstance(checked, HTMLResponse):
        return checked
    session, form = checked
    email = str(form.get("email") or "").strip()[:320]
    disable = form.get("action") == "disable"
    if disable and email.lower() == _own_email(request, session):
        return RedirectResponse("/console/people?done=You+cannot+disable+yourself", status_code=303)
    found = await run_in_threadpool(set_disabled, request.app.state.db, email, disable,
                                    org_id=session.principal.org_id)
    word = ("Disabled" if disable else "Re-enabled") if found else "No such person:"
    return RedirectResponse(f"/console/people?done={word}+{email}", status_code=303)


def _own_email(request: Request, session: Any) -> str:
    people = list_people(request.app.state.db, session.principal.org_id, include_disabled=True)
    return next((p["email"] for p in people if p["id"] == session.principal.user_id), "")
