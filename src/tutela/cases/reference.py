"""Reference codes: what a reporter keeps to look up their report later.

`TUT-7K3Q-9XPM-4HRD`: 12 characters from an alphabet without look-alikes
(no 0/O, 1/I/L), about 59 bits of randomness, so a code cannot be guessed
even by someone trying many; it is the reporter's only key to the status.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIX = "TUT"
_GROUPS = 3
_GROUP_LEN = 4
_PATTERN = re.compile(rf"^{PREFIX}(?:-[{ALPHABET}]{{{_GROUP_LEN}}}){{{_GROUPS}}}$")
#: A code typed on a Persian or Arabic keyboard comes with Persian or Arabic-Indic digits.
_ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def new_reference() -> str:
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(_GROUP_LEN)) for _ in range(_GROUPS))
    return "-".join((PREFIX, *groups))


def normalise_reference(text: str) -> str | None:
    """Accept what people type ('tut 7k3q 9xpm 4hrd', any case, no dashes): the canonical form, or None."""
    raw = re.sub(r"[\s\-_.]", "", (text or "").translate(_ASCII_DIGITS)).upper()
    raw = raw.removeprefix(PREFIX)
    if len(raw) != _GROUPS * _GROUP_LEN or any(c not in ALPHABET for c in raw):
        return None
    code = "-".join([PREFIX] + [raw[i : i + _GROUP_LEN] for i in range(0, len(raw), _GROUP_LEN)])
    return code if _PATTERN.match(code) else None
