"""Ages people state in a chat ("im 13", "13 yaşındayım", "мне 13", "۱۳ سالمه").

Platforms rarely know ages; in grooming chats the child usually says it early
(the "asl?" exchange). A declared age is weaker evidence than a known one, but
it is what a moderator would go on too, so the tracker uses it when no known
age was given.
"""

from __future__ import annotations

import re

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")

_PATTERNS = [
    r"\b(?:i\s*a?m|i'm|im|iam)\s+(?:only\s+|just\s+)?(\d{1,2})\b(?!\s*(?:min|minutes|hours|h|km|mi|am|pm|:))",
    r"\b(\d{1,2})\s*(?:yo|y/o|yrs?\s+old|years?\s+old)\b",
    r"^\s*(\d{1,2})\s*/?\s*[mfwkeд]\b",  # "13 f", "14/m" (asl answers)
    r"\basl\W+(\d{1,2})\b",
    r"\b(\d{1,2})\s*ya[sş][iı]nday[iı]m\b",  # tr
    r"\b(\d{1,2})\s*ya[sş][iı]m\s+var\b",  # az
    r"\b(\d{1,2})\s*ya[sş]ınday?am\b|\b(\d{1,2})\s*yasindayam\b",  # az
    r"(\d{1,2})\s*سالم[هه]?",  # fa
    r"\bмне\s+(\d{1,2})\b",  # ru
    r"\b(\d{1,2})\s*(?:лет|годик)\b",
]
_RX = [re.compile(p, re.IGNORECASE | re.UNICODE) for p in _PATTERNS]


def declared_age(text: str) -> int | None:
    """The age the writer states about themselves, if any (5..80), else None."""
    t = text.translate(_DIGITS)[:500]
    for rx in _RX:
        m = rx.search(t)
        if m:
            for g in m.groups():
                if g:
                    age = int(g)
                    if 5 <= age <= 80:
                        return age
    return None
