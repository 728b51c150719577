"""Which texts go on to the semantic stage.

The fast stage (n-gram model and rules, thousands of messages a second) screens every text; the
semantic stage (a transformer, tens to hundreds a second) runs where a miss costs most:
- `deep`: every text (`tutela scan --deep`, reports from the public form and `/v1/reports`);
- `fast`: none (`tutela scan --fast`);
- `auto` (the default): a text sent by an adult (or a sender of unknown age) to a minor (or a
  recipient of unknown age), so a call without any context runs it; a text the fast stage is
  unsure about (a score between `UNCERTAIN_FRACTION` of its threshold and the threshold, or a rule
  score between `RULE_UNCERTAIN` and its threshold); and every text when the operator's setting
  (`semantic_stage = "always"`) or the policy requires it.

In `auto`, a trivially ordinary text never goes on (`trivial`): no more than two letters and nothing
but digits, punctuation and a short list of reaction emoji ("ok", "k", "??", "👍", "😂😂", "12:30").
An embedding of such a text says nothing the fast stage has not seen, and chat is full of them. Any
other emoji keeps a text in (🔪, 🍆, 💸 carry meaning), and so do three letters ("kys").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MODES = ("auto", "fast", "deep")
UNCERTAIN_FRACTION = 0.5
RULE_UNCERTAIN = 0.25
TRIVIAL_LETTERS = 2
#: Reactions and greetings with one everyday reading; emoji outside it keep a text in the cascade.
REACTIONS = frozenset("👍👌👋🙏👏✅✔☺🙂😊😀😁😃😄😅😆😂🤣😉😎🤔😮🙃😇🤗🫡💯🎉🥳")
_IGNORABLE = frozenset("\u200d\ufe0f\ufe0e\u20e3")  # joiners and emoji presentation selectors


def trivial(text: str) -> bool:
    """A text too slight for the semantic stage to add anything (see the module docstring)."""
    letters = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            if letters > TRIVIAL_LETTERS:
                return False
        elif ch.isspace() or ch.isdigit() or ch in _IGNORABLE or "\U0001f3fb" <= ch <= "\U0001f3ff":
            continue  # skin tones too
        elif unicodedata.category(ch)[0] == "P" or ch in REACTIONS:
            continue
        else:
            return False  # any other symbol or emoji
    return True


@dataclass(frozen=True, slots=True)
class Audience:
    """Who is writing to whom, as far as the platform knows (None: unknown)."""

    sender_minor: bool | None = None
    recipient_minor: bool | None = None

    @property
    def adult_to_minor_or_unknown(self) -> bool:
        return self.sender_minor is not True and self.recipient_minor is not False

    @property
    def adult_to_minor(self) -> bool:
        """Both ages known: an adult writes to a minor."""
        return self.sender_minor is False and self.recipient_minor is True


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"stages must be one of {', '.join(MODES)}, got {mode!r}")
    return mode


def select(
    mode: str,
    probs: np.ndarray,
    rules: np.ndarray,
    thresholds: np.ndarray,
    audiences: Sequence[Audience | None] | None,
    *,
    required: bool = False,
    texts: Sequence[str] | None = None,
) -> np.ndarray:
    """Boolean (n,): which rows the semantic stage should see (`texts`, when given, lets `auto`
    skip the trivial ones)."""
    n = probs.shape[0]
    check_mode(mode)
    if mode == "fast":
        return np.zeros(n, dtype=bool)
    if mode == "deep" or required:
        return np.ones(n, dtype=bool)
    if audiences is None:
        chosen = np.ones(n, dtype=bool)  # unknown ages: every text that is not trivial
    else:
        who = np.array([a is None or a.adult_to_minor_or_unknown for a in audiences], dtype=bool)
        ratio = np.where(thresholds > 0, probs / np.maximum(thresholds, 1e-9), 0.0)
        unsure_model = ((ratio >= UNCERTAIN_FRACTION) & (ratio < 1.0)).any(axis=1)
        unsure_rules = ((rules >= RULE_UNCERTAIN) & (rules < 0.5)).any(axis=1)
        chosen = who | unsure_model | unsure_rules
    if texts is not None:  # only the rows otherwise chosen are read for triviality
        for i in np.flatnonzero(chosen):
            if trivial(texts[i]):
                chosen[i] = False
    return chosen
