"""Who is signed in, and CSRF checks, for the server-rendered pages.

Two kinds of CSRF protection, because there are two kinds of visitor:
- a signed-in person has a server-side session whose CSRF token goes into a
  hidden field of every form and is compared on POST;
- an anonymous reporter has no session (and we do not want one: anonymous by
  default), so the public form uses a double-submit cookie: a random value in a
  cookie and its HMAC in a hidden field. A cross-site page can neither read the
  cookie nor forge the HMAC.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from tutela.access.keys import Principal
from tutela.access.people import Session, secret_key, session_for, sign, tokens_match

SESSION_COOKIE = "tutela_session"
CSRF_COOKIE = "tutela_csrf"
CSRF_FIELD = "csrf_token"


#: Pages load only this site's own CSS, JS and images; nobody may frame them (clickjacking), and
#: leaving for a helpline's site does not tell it where the child came from.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def harden(response: Response) -> Response:
    """Add the security headers every page of ours carries; returns the response for chaining."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def current_session(request: Request) -> Session | None:
    """The signed-in person's session; also sets `request.state.principal` for `api.deps`."""
    cached = getattr(request.state, "web_session", "unset")
    if cached != "unset":
        return cached
    session = session_for(request.app.state.db, request.cookies.get(SESSION_COOKIE))
    request.state.web_session = session
    if session is not None:
        request.state.principal = session.principal
    return session


def current_person(request: Request) -> Principal | None:
    session = current_session(request)
    return session.principal if session else None


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request), path="/"
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def session_csrf_ok(request: Request, submitted: str | None) -> bool:
    session = current_session(request)
    return session is not None and tokens_match(session.csrf_token, submitted)


async def admin_form(
    request: Request, *, refusal: str, max_fields: int = 10
) -> tuple[Session, Any] | Response:
    """An organisation admin's session and posted form, or the refusal (not an admin, or a bad CSRF token):
    the check every admin-only console form shares."""
    session = current_session(request)
    if session is None or session.principal.role != "admin":
        return HTMLResponse(refusal, 403)
    form = await request.form(max_files=0, max_fields=max_fields)
    if not session_csrf_ok(request, str(form.get(CSRF_FIELD) or "")):
        from tutela.web.i18n.choice import console_t  # the admin's language

        return HTMLResponse(console_t(request)("csrf_refused"), 403)
    return session, form


def public_csrf_token(request: Request) -> tuple[str, str | None]:
    """(hidden field value, new cookie value or None when the visitor already has one)."""
    cookie = request.cookies.get(CSRF_COOKIE)
    new_cookie = None
    if not cookie or len(cookie) > 100:
        cookie = new_cookie = secrets.token_urlsafe(24)
    return sign(secret_key(request.app.state.settings), cookie), new_cookie


def set_public_csrf_cookie(response: Response, request: Request, value: str | None) -> None:
    if value:
        response.set_cookie(
            CSRF_COOKIE, value, httponly=True, samesite="strict", secure=_secure(request), path="/"
        )


def public_csrf_ok(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie:
        return False
    return tokens_match(sign(secret_key(request.app.state.settings), cookie), submitted)
