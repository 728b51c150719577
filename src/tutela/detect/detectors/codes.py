"""Typographic hate codes the normaliser erases: the triple-parenthesis "echo" around a word ("(((they))) control
the media", "dünyayı yöneten (((onlar)))", "دنیا دست (((اونا)))ست").

Why a detector of its own: normalising collapses a run of three brackets to one (it undoes stretched punctuation,
`detect/normalize.py`), so no phrase rule and no model ever sees the echo; and the harm verifier reads the
normalised words, so these hits are in the engine's `VERIFIER_BLIND`. Read on the original text, in any language.
Dev rounds 1-23d (en, tr, fa) held four echoes no stage flagged (read again 2026-12-08). A hug sent in brackets
("(((hugs)))", "(((обнимаю)))") is the one everyday use, and is left alone.
"""

from __future__ import annotations

import re

from tutela.detect.detectors.base import Detector, Example, Hit, register
from tutela.domain.taxonomy import Category

# one word (no blank, no digit) of 2-24 letters inside three brackets each side
_ECHO = re.compile(r"\({3}\s?([^\W\d_]{2,24})\s?\){3}")
_HUG = re.compile(r"hug|cuddle|sarıl|saril|qucaql|обним|обнима|بغل|آغوش", re.IGNORECASE)


@register
class CodeDetector(Detector):
    """Hate codes written with punctuation that normalising removes (the triple-parenthesis echo)."""

    name = "codes"
    categories = (Category.HATE_RADICALISATION,)

    def find(self, original: str, normalized: str, lang: str) -> list[Hit]:
        if "(((" not in original:
            return []
        hits: list[Hit] = []
        for m in _ECHO.finditer(original):
            if _HUG.search(m.group(1)) is None:
                hits.append(Hit(Category.HATE_RADICALISATION, 0.8, f"antisemitic echo: '{m.group()}'", m.start(),
                                m.end(), False, self.name))
        return hits

    @classmethod
    def examples(cls) -> list[Example]:
        H = Category.HATE_RADICALISATION
        return [
            Example("(((they))) run the banks, wake up", "en", H),
            Example("dünyayı yöneten (((onlar))), uyanın", "tr", H),
            Example("دنیا دست (((اونا)))ست", "fa", H),
            Example("sending you (((hugs))) today", "en", None),
            Example("(((обнимаю))) тебя, держись", "ru", None),
            Example("f(x) = ((a + b)) * c", "en", None),
        ]
