"""Who may do what: organisations, API keys with scopes, people with roles.

Every access in Tutela is checked against an organisation and a scope or role;
this package is the one place those rules live.
"""

from tutela.access.keys import (
    SCOPES,
    AccessError,
    Forbidden,
    Gone,
    NotFound,
    Principal,
    authenticate_key,
    create_key,
    create_org,
    get_org,
)

__all__ = [
    "SCOPES",
    "AccessError",
    "Forbidden",
    "Gone",
    "NotFound",
    "Principal",
    "authenticate_key",
    "create_key",
    "create_org",
    "get_org",
]
