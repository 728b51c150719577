"""How user-supplied and internal values are shown on console pages: one place for each rule.

Registered as Jinja filters in `templating.py`, so every template uses the same words:

- `nobidi`: bidirectional control characters (embeddings, overrides, isolates, LRM/RLM) in text a
  reporter, a platform or a colleague wrote are replaced by a visible `[U+202E]` marker. An override
  character can otherwise reverse what follows on screen: `invoice\u202efdp.exe` reads as
  `invoiceexe.pdf`. Showing the marker, not silently dropping it, tells the analyst someone tried.
- `category_words`: a taxonomy id or a child-form key in words, never `snake_case`.
- `person`: an audit actor (`user:4`, `key:…`, `system`) as a name or e-mail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

#: U+200E/U+200F (marks), U+202A-U+202E (embeddings, overrides), U+2066-U+2069 (isolates).
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def nobidi(value: Any) -> Any:
    """The text with each bidi control shown as `[U+XXXX]`; None and '' pass through.

    Markup that is already safe (our own HTML) is cleaned too: the control could sit in user text
    that was escaped and joined into it.
    """
    if value is None:
        return value
    text = value if isinstance(value, str) else str(value)
    cleaned = BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)
    return Markup(cleaned) if isinstance(value, Markup) else cleaned


def category_words(value: str | None) -> str:
    """A category as the taxonomy names it ("Sexual exploitation and grooming"); a child-form key
    ("asking_for_photos") as plain words; an unknown id with underscores as spaces."""
    if not value:
        return "not chosen"
    from tutela.domain.taxonomy import TAXONOMY, Category

    try:
        return TAXONOMY[Category(value)].name
    except (ValueError, KeyError):
        return str(value).replace("_", " ").capitalize()


def person(actor: str | None, names: Mapping[int, str] | None = None) -> str:
    """`user:4` -> the person's e-mail when they are of the viewer's organisation, else
    "someone at another organisation"; `system` -> "Tutela (automatic)"; `public` -> "the reporter";
    an API key stays `API key …` (keys have no person)."""
    if not actor:
        return "unknown"
    kind, _, ident = str(actor).partition(":")
    if kind == "user" and ident.isdigit():
        return (names or {}).get(int(ident)) or "someone at another organisation"
    if actor == "system":
        return "Tutela (automatic)"
    if actor == "public":
        return "the reporter"
    if kind == "key":
        return f"API key {ident}"
    return str(actor)


FILTERS = {"nobidi": nobidi, "category_words": category_words, "person": person}
