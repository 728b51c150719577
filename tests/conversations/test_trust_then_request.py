"""Quiet grooming (issue 12): compliments and personal questions, no secrecy and no other app, then a
mild request for a picture or a meeting. The whole-conversation model, trained on PAN's explicit
English chats, reads such a chat in Turkish or Persian as surely harmless; it may damp single cues, but
not a request that comes after trust-building towards a minor (`risk.trust_then_request`)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from tutela.conversations import ConversationTracker
from tutela.conversations.detector import StageDetector
from tutela.conversations.features import N_FEATURES
from tutela.conversations.risk import RiskParams, stage_breadth, trust_then_request
from tutela.conversations.segments import SegmentModel
from tutela.conversations.tracker import default_params
from tutela.domain.conversation import STAGES, Stage

P = RiskParams(stage_min=0.6, soft_floor=0.3, build_up=1.0)


def _evidence(**stages: float) -> list[float]:
    return [stages.get(s.value, 0.0) for s in STAGES]


def test_a_request_counts_only_after_trust_building() -> None:
    assert trust_then_request(_evidence(rapport=0.8, images=0.9), P)
    assert trust_then_request(_evidence(personal=0.45, gifts=0.45, meeting=0.7), P)  # two half stages
    assert not trust_then_request(_evidence(images=0.95), P)  # a request out of the blue: the usual weights
    assert not trust_then_request(_evidence(rapport=0.9, personal=0.9), P)  # trust, no request
    assert not trust_then_request(_evidence(rapport=0.4, images=0.9), P)  # a third of a stage
    assert not trust_then_request(_evidence(rapport=0.9, images=0.9), dataclasses.replace(P, build_up=0.0))
    assert stage_breadth(0.45, P) == pytest.approx(0.5) and stage_breadth(0.2, P) == 0.0 and stage_breadth(0.7, P) == 1.0


def _sure_not_tracker(params: RiskParams) -> ConversationTracker:
    """The shipped stage model with a whole-conversation model that is sure no chat is grooming."""
    det = StageDetector()
    prob = 0.01
    det.segment_model = SegmentModel(np.zeros(N_FEATURES, np.float32), np.ones(N_FEATURES, np.float32),
                                     math.log(prob / (1 - prob)), "test")
    return ConversationTracker(detector=det, params=params, semantic_windows=False)


FILLER = "we talked about the drawing contest and the weather and what we had for lunch today ok"
QUIET = ([("a", FILLER), ("c", "haha ok")] * 6 + [
    ("a", "you're so mature for your age, i like talking to you"), ("c", "thanks"),
    ("a", "what do you do after school, are you alone in your room a lot?"), ("c", "sometimes"),
    ("a", "send me a pic of you before bed, just wanna see you"),
])


def _first_alert(tracker: ConversationTracker, chat: list[tuple[str, str]], child_age: int | None = 12,
                 sender_age: int | None = None) -> int | None:
    for k, (who, text) in enumerate(chat):
        msg: dict = {"sender": who, "text": text, "ts": 1_790_000_000 + 300 * k}
        age = child_age if who == "c" else sender_age
        if age is not None:
            msg["sender_age"] = age
        if tracker.feed("q", msg).alert:
            return k
    return None


def test_the_request_after_trust_building_is_not_damped() -> None:
    params = dataclasses.replace(default_params(), seg_gate_features=400, seg_min_features=200)
    request = len(QUIET) - 1
    assert _first_alert(_sure_not_tracker(params), QUIET) == request
    off = dataclasses.replace(params, build_up=0.0)
    assert _first_alert(_sure_not_tracker(off), QUIET) is None  # damped, as before


def test_peers_and_people_who_speak_of_the_family_stay_damped() -> None:
    params = dataclasses.replace(default_params(), seg_gate_features=400, seg_min_features=200)
    # a platform-known 13-year-old writing the same lines to a 12-year-old: teenagers flirt like this
    assert _first_alert(_sure_not_tracker(params), QUIET, sender_age=13) is None
    # someone who speaks of the child's mother as a person who knows
    family = [("a", "your mum said you finished the big drawing, well done")] + QUIET
    assert _first_alert(_sure_not_tracker(params), family) is None
    # no minor in the chat (no platform age, none stated): adults' chats keep the damping
    assert _first_alert(_sure_not_tracker(params), QUIET, child_age=None) is None


QUIET_TR = [  # the shipped models: the Turkish chat the whole-conversation model called harmless
    ("a", "maçtaki golün efsaneydi, kaç yıldır oynuyosun"), ("c", "3 yıl oldu"),
    ("a", "yaşıtlarından çok daha iyisin, hocan da biliyodur bunu"), ("c", "bilmem hehe"),
    ("a", "hangi takımı tutuyosun"), ("c", "galatasaray"),
    ("a", "ben de! icardi efsane. senle konuşmak çok keyifli, çok olgunsun"), ("c", "teşekkürler"),
    ("a", "antrenmandan sonra ne yapıyosun genelde"), ("c", "eve gidip ders"),
    ("a", "odanda tek misin akşamları? nasıl bi oda merak ettim"), ("c", "evet posterler falan"),
    ("a", "yatmadan önce bi fotonu atsana, seni görmek istiyom 😊"), ("c", "bilmiyom"),
]


def test_a_quiet_turkish_chat_alerts_at_the_request() -> None:
    request = 12
    first = _first_alert(ConversationTracker(semantic_windows=False), QUIET_TR)
    assert first is not None and first <= request
    off = dataclasses.replace(default_params(), build_up=0.0)
    tracker = ConversationTracker(params=off, semantic_windows=False)
    late = _first_alert(tracker, QUIET_TR)
    # without the rule it comes no earlier (since the fourteenth session's stage lines the stage model reads "odanda
    # tek misin akşamları?" as a personal question, and the chat alerts there with or without the rule; the rule's
    # own effect is `test_the_request_after_trust_building_is_not_damped`'s)
    assert late is None or late >= first
    assert Stage.IMAGES in ConversationTracker(semantic_windows=False).feed(
        "x", {"sender": "a", "text": QUIET_TR[request][1]}).stages
