"""Conversation windows for the semantic stage: the last few messages of a sender, read together.

Sextortion and grooming are often spread over several short messages ("I still have your pics" /
"send two more" / "or your school sees them"): no single message reads as the harm, so per-message
scores stay low. A window is sent to the semantic stage (`tutela.detect.components`, with the
organisation's own examples when it has some) when the new message shows evidence of a stage a window
may lift (a threat of `THREAT_MIN`, or an image request of `TRIGGER`) and another of the sender's last
`WINDOW` messages shows evidence of any stage (`TRIGGER`). A `sexual_exploitation` flag whose nearest
written example is a sextortion threat lifts threats and images (so the sextortion rule in `risk.py`
alerts at once) when the window holds a threat of `THREAT_MIN` or more by the per-message models; one
whose nearest example asks for images lifts images (see `SUB_STAGES`).

Why the threat condition: the semantic stage reads a joined window of teenagers' gossip ("a pic with a
girl from the other school" / "don't tell anyone I still like him" / "send me a pic of your outfit") as
sextortion at 0.8-0.95, and the sextortion rule overrides every age, so without a threat somewhere in
the window three of five same-age crush chats alerted. Gating on the lifted stages also keeps the
encoder off most messages: scoring any window with two stage cues cost ~16 ms a message on the
written chats.

Privacy: the window lives in memory only (an LRU of recent conversations), never in the stored state.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from typing import Any

from tutela.domain.conversation import STAGES, Stage

log = logging.getLogger(__name__)

WINDOW = 4  # messages of one sender read together
# Two messages of the window with a stage score this high send it to the semantic stage. On the
# written corpus's train split that is 7.8% of the messages of ordinary chats (written to be hard:
# everyday chat triggers far less) and every grooming chat; 0.4 halves that but misses a Turkish
# threat whose messages score 0.29-0.5; one message at 0.2 was 33%, too many for an encoder that
# reads ~30 texts a CPU-second.
TRIGGER = 0.3
# The per-message threat score a window must hold before the semantic stage may call it sextortion:
# a weak threat cue ("yoksa", "or else", "иначе") is 0.5; ordinary and same-age chats of the written
# challenge chats' dev split peak at 0.48, the sextortion ones reach 0.5-0.9.
THREAT_MIN = 0.5
MAX_CONVERSATIONS = 20_000  # windows kept in memory (least recently used dropped)
CATEGORY = "sexual_exploitation"

#: What a written example's `sub` says about the stage of the chat it matches, and the most the window
#: may lift that stage's evidence to. Only the harms windows are for: a sextortion threat spread over
#: messages (full score: the sextortion rule then alerts at once) and a request for images (up to
#: "stage seen", 0.6). Earlier stages (rapport, age probes, secrecy) stay with the per-message
#: models: lifting them from a window saturated the risk of early chats and hid the age factors.
SUB_STAGES: dict[str | None, tuple[tuple[Stage, float], ...]] = {
    "sextortion": ((Stage.THREATS, 1.0), (Stage.IMAGES, 1.0)),
    "image_request": ((Stage.IMAGES, 0.6),),
}


_THREATS = STAGES.index(Stage.THREATS)
_IMAGES = STAGES.index(Stage.IMAGES)


# What the per-message evidence already does without a window: a threat seen (0.6, `stage_min`) with
# image leverage at the soft floor (0.3, `risk.json`) is the sextortion rule; images at 0.6 is the most
# an image-request reading may lift them to.
_THREAT_SEEN = 0.6
_LEVERAGE = 0.3
_IMAGE_CAP = 0.6


def _could_lift(recent: deque[tuple[str, float, float, float]]) -> bool:
    """Whether a semantic reading of the window could still raise anything.

    Why: the encoder is the cost of windows (about 20 ms a window); a window whose messages already
    make the sextortion rule fire, or that holds no threat and already an image request at 0.6, is
    skipped: the alert it would give is already there (the risk figure may read a little lower)."""
    threat = max(m[2] for m in recent)
    image = max(m[3] for m in recent)
    sextortion_open = threat >= THREAT_MIN and not (threat >= _THREAT_SEEN and image >= _LEVERAGE)
    return sextortion_open or image < _IMAGE_CAP


class Windows:
    """Recent messages per (conversation, sender), and the semantic lift of their window."""

    def __init__(self, org: Any = None, *, size: int = WINDOW, trigger: float = TRIGGER) -> None:
        self.org = org  # an OrgBank, or a callable returning one (read when a window is scored)
        self.size = size
        self.trigger = trigger
        # per message: text, top stage score, threat score, image score
        self._recent: OrderedDict[tuple[str, str], deque[tuple[str, float, float, float]]] = OrderedDict()
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
        top = max(scores, default=0.0)
        threat, image = scores[_THREATS], scores[_IMAGES]
        recent.append((text, top, threat, image))
        liftable = threat >= THREAT_MIN or image >= self.trigger
        if not liftable or sum(s >= self.trigger for _, s, _, _ in recent) < 2:
            return scores
        if not _could_lift(recent):
            return scores
        from tutela.detect.components import component

        try:
            org = self.org() if callable(self.org) else self.org
            results = component("semantic").score([" / ".join(m[0] for m in recent)], ["und"], org)
        except Exception:  # the per-message scores stand; a broken encoder must not lose a message
            log.exception("semantic window scoring failed")
            return scores
        self.scored += 1
        if not results or CATEGORY not in results[0].flagged:
            return scores
        result = results[0]
        if result.reads_benign and CATEGORY not in result.own:
            return scores  # the harm verifier reads the window as benign, as the engine drops such a message's flags
        from tutela.detect.semantic.scorer import TARGETS

        score = float(result.scores[TARGETS.index(CATEGORY)])
        nearest = result.neighbours.get(CATEGORY) or []
        sub = nearest[0].sub if nearest else None
        if sub == "sextortion" and max(m[2] for m in recent) < THREAT_MIN:
            return scores  # no threat in the window: gossip about pictures is not sextortion
        lifted = list(scores)
        for stage, cap in SUB_STAGES.get(sub, ()):  # a child's disclosure and other subs lift nothing
            j = STAGES.index(stage)
            lifted[j] = max(lifted[j], min(score, cap))
        return lifted

    def forget(self, conv_key: str) -> None:
        for key in [k for k in self._recent if k[0] == conv_key]:
            del self._recent[key]
