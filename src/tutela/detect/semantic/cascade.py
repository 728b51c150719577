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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MODES = ("auto", "fast", "deep")
UNCERTAIN_FRACTION = 0.5
RULE_UNCERTAIN = 0.25


@dataclass(frozen=True, slots=True)
class Audience:
    """Who is writing to whom, as far as the platform knows (None: unknown)."""

    sender_minor: bool | None = None
    recipient_minor: bool | None = None

    @property
    def adult_to_minor_or_unknown(self) -> bool:
        return self.sender_minor is not True and self.recipient_minor is not False


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
) -> np.ndarray:
    """Boolean (n,): which rows the semantic stage should see."""
    n = probs.shape[0]
    check_mode(mode)
    if mode == "fast":
        return np.zeros(n, dtype=bool)
    if mode == "deep" or required:
        return np.ones(n, dtype=bool)
    if audiences is None:
        return np.ones(n, dtype=bool)  # unknown ages: every text
    who = np.array([a is None or a.adult_to_minor_or_unknown for a in audiences], dtype=bool)
    ratio = np.where(thresholds > 0, probs / np.maximum(thresholds, 1e-9), 0.0)
    unsure_model = ((ratio >= UNCERTAIN_FRACTION) & (ratio < 1.0)).any(axis=1)
    unsure_rules = ((rules >= RULE_UNCERTAIN) & (rules < 0.5)).any(axis=1)
    return who | unsure_model | unsure_rules
