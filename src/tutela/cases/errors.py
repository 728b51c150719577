"""How the engine's errors read over HTTP: one mapping, used by every cases route.

The engine raises `AccessError` (already carrying its status) and `ValueError`
subclasses; this names the HTTP status for each, so the routes stay thin and
no bad input ever surfaces as a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tutela.access import AccessError
from tutela.cases.intake import IdempotencyConflict, PayloadTooLarge
from tutela.cases.lifecycle import InvalidTransition
from tutela.cases.routing import RoutingConfigError
from tutela.cases.vault import VaultError


class CaseHttpError(AccessError):
    """An engine error with its HTTP status; rendered as `{"error": ...}` by the app's AccessError handler."""


def http_status(exc: Exception) -> int:
    if isinstance(exc, AccessError):
        return exc.status
    if isinstance(exc, PayloadTooLarge):
        return 413
    if isinstance(exc, (IdempotencyConflict, InvalidTransition)):
        return 409
    if isinstance(exc, (VaultError, RoutingConfigError)):
        return 503  # operator configuration: a missing key or a broken routing file
    return 422


def as_http(exc: Exception) -> CaseHttpError:
    return CaseHttpError(str(exc), status=http_status(exc))


T = TypeVar("T")


def call_http(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an engine call for a route, turning its errors into their HTTP statuses."""
    try:
        return fn(*args, **kwargs)
    except (AccessError, ValueError, VaultError) as exc:
        raise as_http(exc) from None
