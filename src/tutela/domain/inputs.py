"""What any value from outside must be before it reaches the database: one place, one rule each.

- `DbId`: a row id. Ids are bounded by the smaller of the two databases' integers
  (PostgreSQL `INTEGER`, 2^31 - 1; SQLite's is 2^63 - 1), so an id out of range is a 422
  at the door, never an overflow inside the driver (a 500).
- `Line`: a one-line value (an id given by a platform, a name, a label, a status): no control
  characters at all (NUL, newlines, escape sequences, C1 controls) and no unpaired surrogates.
- `Text`: free text stored as such (notes, YAML, reasons): newlines and tabs allowed, other
  control characters and unpaired surrogates refused.

PostgreSQL refuses NUL in text and unpaired surrogates cannot be encoded at all; the other
control characters would reach logs, exports and terminals. Refusing them with a clear 422
beats a 500 and beats silently changing what the caller sent.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

import annotated_types as at
from pydantic import AfterValidator

#: The largest id any table holds (PostgreSQL INTEGER).
MAX_DB_ID = 2**31 - 1

DbId = Annotated[int, at.Ge(1), at.Le(MAX_DB_ID)]

_TEXT_ALLOWED = frozenset("\t\n\r")


def _problem(value: str, allowed: frozenset[str]) -> str | None:
    for i, c in enumerate(value):
        if c in allowed:
            continue
        code = ord(c)
        if 0xD800 <= code <= 0xDFFF:
            return f"an unpaired surrogate (U+{code:04X}) at position {i}"
        if unicodedata.category(c) == "Cc":
            return f"a control character (U+{code:04X}) at position {i}"
    return None


def check_line(value: str) -> str:
    """`value` unchanged, or ValueError naming the first control character."""
    problem = _problem(value, frozenset())
    if problem:
        raise ValueError(f"must not contain {problem}")
    return value


def check_text(value: str) -> str:
    """`value` unchanged, or ValueError naming the first control character other than tab/newline."""
    problem = _problem(value, _TEXT_ALLOWED)
    if problem:
        raise ValueError(f"must not contain {problem}")
    return value


def as_db_id(value: str) -> int | None:
    """A path segment that may name a row by id ("42") or by name: the id, or None for a name.
    Only ASCII digits count ("¹" is a digit to `str.isdigit`, not to `int`), and only in range."""
    if value.isascii() and value.isdigit():
        n = int(value)
        return n if 1 <= n <= MAX_DB_ID else None
    return None


Line = Annotated[str, AfterValidator(check_line)]
Text = Annotated[str, AfterValidator(check_text)]

__all__ = ["MAX_DB_ID", "DbId", "Line", "Text", "as_db_id", "check_line", "check_text"]
