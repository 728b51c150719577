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
from tutela.access.people import (
    MIN_PASSWORD_LENGTH,
    authenticate_person,
    change_password,
    end_session,
    start_session,
)
from tutela.access.ratelimit import RateLimited, client_ip, limiter_for
from tutela.web.i18n.choice import console_t
from tutela.web.render import page
from tutela.web.security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    clear_session_cookie,
    current_session,
    public_csrf_ok,
    public_csrf_token,
    session_csrf_ok,
    set_public_csrf_cookie,
    set_session_cookie,
)

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
    t = console_t(request)
    if not public_csrf_ok(request, str(form.get(CSRF_FIELD) or "")):
        return _render(request, email=email, next_url=next_url, status=403, error=t("err_form_expired"))
    db = request.app.state.db
    limiter, account, ip = limiter_for(request.app), email.lower(), client_ip(request)
    try:  # per (account, address) and per address, never per account alone: see access.ratelimit
        await run_in_threadpool(limiter.check, "login.ip", ip)
        await run_in_threadpool(limiter.check, "login.pair", account, ip)
    except RateLimited as exc:
        response = _render(request, email=email, next_url=next_url, status=429,
                           error=t("err_too_many", n=-(-exc.retry_after // 60)))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    try:
        principal = await run_in_threadpool(authenticate_person, db, email, password)
    except AccessError:
        await run_in_threadpool(_count_failure, limiter, account, ip)
        return _render(request, email=email, next_url=next_url, status=401, error=t("err_wrong_login"))
    await run_in_threadpool(limiter.reset, "login.pair", account, ip)
    await run_in_threadpool(end_session, db, request.cookies.get(SESSION_COOKIE))  # never reuse an old one
    session = await run_in_threadpool(start_session, db, principal)
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookie(response, request, session.token)
    return response


def _count_failure(limiter, account: str, ip: str) -> None:  # noqa: ANN001
    for name, caller in (("login.pair", (account, ip)), ("login.ip", (ip,))):
        try:
            limiter.hit(name, *caller)
        except RateLimited:
            pass  # the next try is refused by the check above


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    if not session_csrf_ok(request, str(form.get(CSRF_FIELD) or "")):
        return HTMLResponse(console_t(request)("err_signout_csrf"), 403)
    await run_in_threadpool(end_session, request.app.state.db, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response


def _password_page(request: Request, *, errors: dict[str, str] | None = None, done: bool = False,
                   status: int = 200) -> HTMLResponse:
    session = current_session(request)
    return page(request, "console/password.html", {
        "me": session.principal, "csrf_field": CSRF_FIELD, "csrf_token": session.csrf_token,
        "errors": errors or {}, "done": done, "min_length": MIN_PASSWORD_LENGTH,
    }, status_code=status)


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request) -> Response:
    if current_session(request) is None:
        return RedirectResponse("/login?next=/account/password", status_code=303)
    return _password_page(request)


@router.post("/account/password", response_class=HTMLResponse)
async def password_change(request: Request) -> Response:
    """Change one's own password; other sessions end, this browser gets a fresh session."""
    session = current_session(request)
    if session is None:
        return RedirectResponse("/login?next=/account/password", status_code=303)
    form = await request.form(max_files=0, max_fields=10)
    if not session_csrf_ok(request, str(form.get(CSRF_FIELD) or "")):
        return HTMLResponse(console_t(request)("csrf_refused"), 403)
    current, new, again = (str(form.get(k) or "")[:1000] for k in ("current", "new", "again"))
    errors: dict[str, str] = {}
    t = console_t(request)
    if len(new) < MIN_PASSWORD_LENGTH:
        errors["new"] = t("err_pw_short", n=MIN_PASSWORD_LENGTH)
    elif new != again:
        errors["again"] = t("err_pw_differ")
    if not errors:
        try:
            await run_in_threadpool(
                change_password, request.app.state.db, session.principal.user_id, current, new
            )
        except AccessError:
            errors["current"] = t("err_pw_current")
    if errors:
        return _password_page(request, errors=errors, status=400)
    fresh = await run_in_threadpool(start_session, request.app.state.db, session.principal)
    request.state.web_session = fresh
    response = _password_page(request, done=True)
    set_session_cookie(response, request, fresh.token)
    return response
