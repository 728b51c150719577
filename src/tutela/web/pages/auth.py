"""Sign-in and sign-out for people (analysts, supervisors, liaisons, regulators).

The sign-in form has no session yet, so it uses the same double-submit CSRF
token as the public form (this stops login-CSRF: a site signing a victim in
as the attacker). Errors never say whether the email or the password was wrong.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tutela.access import AccessError
from tutela.access.people import authenticate_person, end_session, start_session
from tutela.web.security import (
    CSRF_FIELD, SESSION_COOKIE, clear_session_cookie, login_throttle, public_csrf_ok, public_csrf_token,
    session_csrf_ok, set_public_csrf_cookie, set_session_cookie,
)
from tutela.web.render import page

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only redirect within this site: '/console', never '//evil.example' or 'https://...'."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console"


def _render(request: Request, *, email: str = "", error: str = "", next_url: str = "/console",
            status: int = 200) -> HTMLResponse:
    token, new_cookie = public_csrf_token(request)
    response = page(
        request, "console/login.html",
        {"email": email, "error": error, "next": next_url, "csrf_field": CSRF_FIELD, "csrf_token": token},
        status_code=status,
    )
    set_public_csrf_cookie(response, request, new_cookie)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _render(request, next_url=safe_next(request.query_params.get("next")))


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    email = str(form.get("email") or "").strip()[:320]
    password = str(form.get("password") or "")[:1000]
    next_url = safe_next(str(form.get("next") or ""))
    if not public_csrf_ok(request, str(form.get(CSRF_FIELD) or "")):
        return _render(request, email=email, next_url=next_url, status=403,
                       error="The form expired. Please sign in again.")
    db = request.app.state.db
    throttle = login_throttle(request)
    if throttle.blocked(email):
        return _render(request, email=email, next_url=next_url, status=429,
                       error="Too many wrong tries for this email. Wait 15 minutes, or ask an administrator.")
    try:
        principal = await run_in_threadpool(authenticate_person, db, email, password)
    except AccessError:
        throttle.failed(email)
        return _render(request, email=email, next_url=next_url, status=401, error="Wrong email or password.")
    throttle.succeeded(email)
    await run_in_threadpool(end_session, db, request.cookies.get(SESSION_COOKIE))  # never reuse an old one
    session = await run_in_threadpool(start_session, db, principal)
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookie(response, request, session.token)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    if not session_csrf_ok(request, str(form.get(CSRF_FIELD) or "")):
        return HTMLResponse("Sign-out refused: the form's security token is missing or wrong.", 403)
    await run_in_threadpool(end_session, request.app.state.db, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response
