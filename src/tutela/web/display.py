"""How user-supplied and internal values are shown on console pages: one place for each rule.

Registered as Jinja filters in `templating.py`, so every template uses the same words:

- `nobidi`: bidirectional control characters (embeddings, overrides, isolates, LRM/RLM) in text a
  reporter, a platform or a colleague wrote are replaced by a visible `[U+202E]` marker. An override
  character can otherwise reverse what follows on screen: `invoice\u202efdp.exe` reads as
  `invoiceexe.pdf`. Showing the marker, not silently dropping it, tells the analyst someone tried.
- `category_words`: a taxonomy id or a child-form key in words, never `snake_case`, in the page's
  language (taxonomy names from the oversight catalogue, form choices from the console catalogue).
- `person`: an audit actor (`user:4`, `key:…`, `system`) as a name or e-mail.

The two word filters read the page's `lang` from the template context (`pass_context`); called from
Python they take `lang` as an argument (English by default).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jinja2 import pass_context
from markupsafe import Markup

if TYPE_CHECKING:
    from tutela.web.i18n import Translator

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


def _t(lang: str) -> Translator:
    from tutela.web.i18n import translator

    return translator(lang, "console")


def category_words(value: str | None, lang: str = "en") -> str:
    """A category as the taxonomy names it ("Sexual exploitation and grooming"); a child-form key
    ("asking_for_photos") as plain words; an unknown id with underscores as spaces."""
    t = _t(lang)
    if not value:
        return t("not_chosen")
    from tutela.domain.taxonomy import TAXONOMY, Category
    from tutela.oversight.words import catalogue

    if f"cat_{value}" in catalogue("en"):
        from tutela.oversight.words import words

        return words(lang).category(str(value))
    if t.has(f"form_{value}"):
        return t(f"form_{value}")
    try:
        return TAXONOMY[Category(value)].name
    except (ValueError, KeyError):
        return str(value).replace("_", " ").capitalize()


def person(actor: str | None, names: Mapping[int, str] | None = None, lang: str = "en") -> str:
    """`user:4` -> the person's e-mail when they are of the viewer's organisation, else
    "someone at another organisation"; `system` -> "Tutela (automatic)"; `public` -> "the reporter";
    an API key stays `API key …` (keys have no person)."""
    t = _t(lang)
    if not actor:
        return t("actor_unknown")
    kind, _, ident = str(actor).partition(":")
    if kind == "user" and ident.isdigit():
        return (names or {}).get(int(ident)) or t("actor_other_org")
    if actor == "system":
        return t("actor_system")
    if actor == "public":
        return t("actor_reporter")
    if kind == "key":
        return t("actor_key", key=ident)
    return str(actor)


@pass_context
def _category_words_here(ctx: Any, value: str | None) -> str:
    return category_words(value, ctx.get("lang") or "en")


@pass_context
def _person_here(ctx: Any, actor: str | None, names: Mapping[int, str] | None = None) -> str:
    return person(actor, names, ctx.get("lang") or "en")


FILTERS = {"nobidi": nobidi, "category_words": _category_words_here, "person": _person_here}
