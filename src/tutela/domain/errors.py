"""What kind of failure an engine error is, named without HTTP.

The engine serves three doors (Python, CLI, HTTP), so an error says what went wrong in the
engine's own words: the input is invalid, the thing is not found, it conflicts with what is
there. Only the HTTP door turns a kind into a status, in one place (`tutela.api.errors`);
the CLI and Python callers read the kind, or just the message.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """The kind of an engine error (`BankError`, `ExchangeError` and their subclasses carry one)."""

    INVALID = "invalid"  # the input cannot be read or breaks a rule of its format
    UNAUTHENTICATED = "unauthenticated"  # no valid credential: a signature that does not verify
    FORBIDDEN = "forbidden"  # a known caller that the rules do not allow this
    NOT_FOUND = "not_found"  # nothing by that name or id (that the caller may see)
    CONFLICT = "conflict"  # clashes with what is there: a duplicate, a replay, an older copy
    TOO_LARGE = "too_large"  # over a size limit
    UPSTREAM = "upstream"  # another system (a partner's instance) failed or refused


def kind_of(kind: ErrorKind | str) -> ErrorKind:
    """The kind, checked: a status code passed here by habit fails loudly instead of reading as a kind."""
    if isinstance(kind, int) or not isinstance(kind, str):
        raise TypeError(f"an engine error takes an ErrorKind, not {kind!r}")
    return ErrorKind(kind)
