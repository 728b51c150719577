"""FastAPI dependencies: settings, database and the caller's identity.

Routes declare what they need (`principal = Depends(require("cases"))`) and
never parse credentials themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tutela.access import AccessError, Principal, authenticate_key
from tutela.access.ratelimit import client_ip, limiter_for
from tutela.config import Settings
from tutela.storage.db import Database


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Database:
    return request.app.state.db


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value:
        return None
    return value.strip()


# Declared as a security scheme so the OpenAPI document (and the Authorize button of /docs) knows
# every /v1 route takes `Authorization: Bearer <key>`; parsing stays in `bearer` below.
API_KEY_SCHEME = HTTPBearer(auto_error=False, scheme_name="apiKey", description="an API key: `tutela admin create-key`")


def current_principal(
    request: Request,
    db: Database = Depends(get_db),
    _scheme: HTTPAuthorizationCredentials | None = Security(API_KEY_SCHEME),
) -> Principal:
    """The authenticated caller: an API key, or a signed-in person (set by web auth)."""
    person = getattr(request.state, "principal", None)
    if person is not None:
        return person
    return authenticate_key(db, bearer(request))


def require(scope: str) -> Callable[..., Principal]:
    """Dependency factory: the caller must hold `scope` (or `admin`)."""

    def _dep(principal: Principal = Depends(current_principal)) -> Principal:
        principal.require(scope)
        return principal

    _dep.__name__ = f"require_{scope}"
    return _dep


def rate_limit(rule: str) -> Callable[..., None]:
    """Dependency factory: count the request against `rule` (see `access.ratelimit.RULES`) for the
    caller's address; past the limit, 429 with `Retry-After`."""

    def _dep(request: Request) -> None:
        limiter_for(request.app).hit(rule, client_ip(request))

    _dep.__name__ = f"rate_limit_{rule.replace('.', '_')}"
    return _dep


__all__ = ["AccessError", "current_principal", "get_db", "get_settings", "rate_limit", "require"]
