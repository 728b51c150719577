"""A request quoted inside a warning: the frame around the quote, not the quote, says what the text does.

Scam warnings quote the scam word for word ('Police warning: scammers text "Hi mum, I lost my phone, can you
send £200 to this new account"', 'Dikkat: "Anne telefonum bozuldu, bu hesaba 2000 TL at" mesajı
dolandırıcılıktır'), and the scam's words are what the lexicons, the first-stage model and the semantic
stage all read: on the tuners' round-5t dev lines every quoted scam warning in en, tr and az was flagged
`fraud` (model 0.58-0.99, semantic margin +0.003..+0.01 towards the scams, 2026-12-06). A text read this way
has a quote of a few words in double quotes (straight, curly, low-high or guillemets), or in single quotes
that open after a space, a colon or a bracket and close before anything but a letter (an apostrophe sits
inside a word: "switch'ime", "don't", "parents' evening", also inside a quote: an e-safety slide's "'you're so mature
for your age', 'don't tell your parents'" was no quote at all until round 25d, 2026-12-07; round 10d's "DİKKAT: 'Kargonuz gümrükte bekliyor,
9,90 TL ödeyin ...' diye SMS geliyor. DOLANDIRICILIK" was read as the scam it quotes, fraud 1.0 from the
model, 2026-12-06), and a frame that names the scam or warns on its own; the frame alone decides. A quote with nothing around it, or a frame that says nothing of a warning, changes
nothing: a scammer's message is not a warning because it puts a word in quotes.
"""

from __future__ import annotations

import re

# a quote of at least 8 characters, on one line; the low-high German/Turkish pair closes with either curly mark
_QUOTED = re.compile(
    r'"[^"\n]{8,}?"|“[^”\n]{8,}?”|„[^“”\n]{8,}?[“”]|«[^»\n]{8,}?»'
    r"|(?<![^\s:(\[])'(?:[^'\n]|(?<=[^\W\d_])'(?=[^\W\d_])){8,}?'(?![^\W_])"
)


# every quote `_QUOTED` finds opens with one of these: a text with none (most chat) needs no scan
_OPENERS = frozenset("\"“„«'")


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each quoted stretch of `text` (`_QUOTED`: double quotes of any kind, or single
    quotes that are not apostrophes), quote marks included."""
    if _OPENERS.isdisjoint(text):
        return []
    return [m.span() for m in _QUOTED.finditer(text)]


def inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) lies within one of `spans`."""
    return any(s <= start and end <= e for s, e in spans)


def frame(text: str, spans: list[tuple[int, int]] | None = None) -> str:
    """`text` with each quoted stretch blanked to spaces (same length, so other spans stay valid)."""
    spans = quoted_spans(text) if spans is None else spans
    if not spans:
        return text
    parts, last = [], 0
    for s, e in spans:
        parts.append(text[last:s])
        parts.append(" " * (e - s))
        last = e
    parts.append(text[last:])
    return "".join(parts)
