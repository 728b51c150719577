"""Conversation windows for the semantic stage: the last few messages of a sender, read together.

Sextortion and grooming are often spread over several short messages ("I still have your pics" /
"send two more" / "or your school sees them"): no single message reads as the harm, so per-message
scores stay low. When a message shows any stage evidence, the sender's last `WINDOW` messages are
joined and scored by the semantic stage (`tutela.detect.components`, with the organisation's own
examples when it has some); a `sexual_exploitation` flag lifts the stage its nearest written
examples stand for (a sextortion example lifts threats and images, so the sextortion rule in
`risk.py` alerts at once).

Privacy: the window lives in memory only (an LRU of recent conversations), never in the stored state.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from typing import Any

from tutela.domain.conversation import STAGES, Stage

log = logging.getLogger(__name__)

WINDOW = 4  # messages of one sender read together
TRIGGER = 0.2  # a message with a stage score this high has its window scored
MAX_CONVERSATIONS = 20_000  # windows kept in memory (least recently used dropped)
CATEGORY = "sexual_exploitation"

#: What a written example's `sub` says about the stage of the chat it matches.
SUB_STAGES: dict[str | None, tuple[Stage, ...]] = {
    "sextortion": (Stage.THREATS, Stage.IMAGES),
    "image_request": (Stage.IMAGES,),
    "secrecy": (Stage.SECRECY,),
    "meeting_request": (Stage.MEETING,),
    "gift_grooming": (Stage.GIFTS,),
    "age_probe": (Stage.PERSONAL,),
    None: (Stage.SEXUAL,),
}


class Windows:
    """Recent messages per (conversation, sender), and the semantic lift of their window."""

    def __init__(self, org: Any = None, *, size: int = WINDOW, trigger: float = TRIGGER) -> None:
        self.org = org  # an OrgBank, or a callable returning one (read when a window is scored)
        self.size = size
        self.trigger = trigger
        self._recent: OrderedDict[tuple[str, str], deque[str]] = OrderedDict()
        self.scored = 0  # windows sent to the semantic stage (benchmarks, tests)

    def lift(self, conv_key: str, sender_key: str, text: str, scores: list[float]) -> list[float]:
        """`scores` raised where the sender's window reads as sexual exploitation (else unchanged)."""
        key = (conv_key, sender_key)
        recent = self._recent.get(key)
        if recent is None:
            recent = self._recent[key] = deque(maxlen=self.size)
            if len(self._recent) > MAX_CONVERSATIONS:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(key)
        recent.append(text)
        if len(recent) < 2 or max(scores, default=0.0) < self.trigger:
            return scores
        from tutela.detect.components import component

        try:
            org = self.org() if callable(self.org) else self.org
            results = component("semantic").score([" / ".join(recent)], ["und"], org)
        except Exception:  # the per-message scores stand; a broken encoder must not lose a message
            log.exception("semantic window scoring failed")
            return scores
        self.scored += 1
        if not results or CATEGORY not in results[0].flagged:
            return scores
        result = results[0]
        from tutela.detect.semantic.scorer import TARGETS

        score = float(result.scores[TARGETS.index(CATEGORY)])
        nearest = result.neighbours.get(CATEGORY) or []
        sub = nearest[0].sub if nearest else None
        if sub == "disclosure":  # a child telling what happens to them: not the sender's own grooming
            return scores
        lifted = list(scores)
        for stage in SUB_STAGES.get(sub, SUB_STAGES[None]):
            j = STAGES.index(stage)
            lifted[j] = max(lifted[j], score)
        return lifted

    def forget(self, conv_key: str) -> None:
        for key in [k for k in self._recent if k[0] == conv_key]:
            del self._recent[key]
