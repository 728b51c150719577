"""What any value from outside must be before it reaches the database: one place, one rule each.

- `DbId`: a row id. Ids are bounded by the smaller of the two databases' integers
  (PostgreSQL `INTEGER`, 2^31 - 1; SQLite's is 2^63 - 1), so an id out of range is a 422
  at the door, never an overflow inside the driver (a 500).
- `Line`: a one-line value (an id given by a platform, a name, a label, a status): no control
  characters at all (NUL, newlines, escape sequences, C1 controls) and no unpaired surrogates.
- `Text`: free text stored as such (notes, YAML, reasons): newlines and tabs allowed, other
  control characters and unpaired surrogates refused.
- `Url`: a web address someone reports (`check_url`: the one rule for the API, the public form
  and batch intake); `canonical_url` is the form two links to one page share (deduplication).

PostgreSQL refuses NUL in text and unpaired surrogates cannot be encoded at all; the other
control characters would reach logs, exports and terminals. Refusing them with a clear 422
beats a 500 and beats silently changing what the caller sent.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


#: The longest URL accepted (what browsers and the DSA Transparency Database handle).
MAX_URL = 2048
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
_TRACKING = ("utm_", "fbclid", "gclid", "igshid", "si", "ref", "ref_src", "mc_")


def check_url(value: str) -> str:
    """A reported web address as it will be kept, or ValueError saying what is wrong.

    Accepts what people type ("www.example.com/x" becomes "https://www.example.com/x"); refuses
    spaces and control characters, other schemes (an app link such as `tg://` belongs in the
    description), a host that is not a domain or an address, and more than `MAX_URL` characters."""
    url = value.strip()
    if not url:
        raise ValueError("a URL must not be empty")
    if len(url) > MAX_URL:
        raise ValueError(f"a URL may have at most {MAX_URL} characters")
    if any(c.isspace() for c in url):
        raise ValueError("a URL must not contain spaces")
    check_line(url)
    if not _SCHEME.match(url):
        if "://" in url or url.lower().startswith(("javascript:", "data:", "mailto:", "file:")):
            raise ValueError("a URL must be a web address (http or https)")
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"a URL must be a web address (http or https), not {parts.scheme}://")
    try:
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError("a URL has a port that is not a number") from None
    if "." not in host.strip(".") and ":" not in host:  # a domain, an IPv4 or (bracketed) IPv6 address
        raise ValueError(f"a URL needs a host such as example.com, got {host or 'none'!r}")
    return url


def canonical_url(url: str) -> str:
    """The form two links to the same page share: scheme and host lower-cased (http as https),
    `www.` and default ports dropped, fragment and tracking parameters removed, query sorted."""
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"  # the same page over either scheme
    host = (parts.hostname or "").lower().rstrip(".")
    host = host.removeprefix("www.")
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not any(k.lower() == t or (t.endswith("_") and k.lower().startswith(t)) for t in _TRACKING)
    )
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


Line = Annotated[str, AfterValidator(check_line)]
Text = Annotated[str, AfterValidator(check_text)]
Url = Annotated[str, AfterValidator(check_url)]

__all__ = [
    "MAX_DB_ID",
    "MAX_URL",
    "DbId",
    "Line",
    "Text",
    "Url",
    "as_db_id",
    "canonical_url",
    "check_line",
    "check_text",
    "check_url",
]
