"""Long messages, the reported risk scale, and the whole-conversation model's say in long chats."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from tutela.conversations import ConversationTracker, score_conversation
from tutela.conversations.detector import StageDetector, default_detector
from tutela.conversations.features import N_FEATURES, text_windows
from tutela.conversations.risk import RiskParams, display_risk, internal_risk
from tutela.conversations.segments import SegmentModel
from tutela.conversations.state import ConversationState
from tutela.conversations.tracker import default_params
from tutela.domain.conversation import STAGES

SECRECY = [s.value for s in STAGES].index("secrecy")


def test_text_windows_cover_the_whole_text_at_spaces() -> None:
    text = " ".join(f"word{i}" for i in range(3000))
    pieces = text_windows(text, size=500)
    assert " ".join(pieces) == text
    assert all(len(p) <= 500 for p in pieces)
    assert text_windows("short one", size=500) == ["short one"]
    blob = "x" * 1234  # no space to cut at: cut hard, lose nothing
    assert "".join(text_windows(blob, size=500)) == blob


def test_a_cue_deep_inside_a_giant_message_is_found() -> None:
    """Chats handed over as one line (PAN 2012's English segments) are read to the end."""
    det = default_detector()
    filler = "we talked about the match and the weather and school " * 400  # ~21k characters
    text = filler[:15_000] + " don't tell your parents about us, it's our secret"
    assert len(text) > 10_000
    assert det.score(text)[SECRECY] >= 0.6
    assert det.score(filler[:15_000])[SECRECY] < 0.6


def test_short_turns_are_not_stages() -> None:
    """One-word replies carry no stage even though such words are common in groomer lines."""
    det = default_detector()
    for turn in ("u?", "u", "and u?", "sen?", "а ты?", "تو؟", "ok"):
        assert max(det.score(turn)) < 0.6, turn


@pytest.mark.parametrize("threshold", [0.6, 0.75, 0.9])
def test_reported_risk_puts_the_alert_threshold_at_one_half(threshold: float) -> None:
    p = RiskParams(threshold=threshold)
    assert abs(display_risk(threshold, p) - 0.5) < 1e-9
    xs = [i / 100 for i in range(101)]
    shown = [display_risk(x, p) for x in xs]
    assert shown == sorted(shown) and shown[0] == 0.0 and shown[-1] == 1.0
    for x in xs:
        assert abs(internal_risk(display_risk(x, p), p) - x) < 1e-9


def test_alert_and_reported_risk_agree() -> None:
    lines = ["hey ur so mature for your age", "are you home alone?", "don't tell your parents about us",
             "add me on telegram", "send me a pic in your pyjamas", "if you don't send more i'll show everyone"]
    res = score_conversation([{"sender": "g", "text": t, "ts": 1_767_225_600 + i * 60} for i, t in enumerate(lines)])
    assert res.alert and res.risk >= 0.5
    calm = score_conversation([{"sender": "a", "text": "see you at practice"}, {"sender": "b", "text": "ok"}])
    assert not calm.alert and calm.risk < 0.5


def _constant_segment_model(prob: float) -> SegmentModel:
    """A whole-conversation model that answers `prob` for any text."""
    return SegmentModel(np.zeros(N_FEATURES, np.float32), np.ones(N_FEATURES, np.float32),
                        math.log(prob / (1 - prob)), "test")


def _tracker(prob: float, params: RiskParams) -> ConversationTracker:
    det = StageDetector()
    det.segment_model = _constant_segment_model(prob)
    return ConversationTracker(detector=det, params=params)


ADULT_CHAT = ["r u horny", "send me a pic", "what are you wearing"] + [
    f"so anyway the {w} was fine today and we talked for ages about nothing much at all"
    for w in ("film", "pizza", "train", "weather", "party", "game", "concert", "trip", "shop", "beach") * 4
]


def test_long_chat_the_whole_conversation_model_rules_out_is_damped() -> None:
    params = dataclasses.replace(default_params(), seg_veto=0.35, seg_gate_features=800, seg_min_features=400)
    msgs = [{"sender": "a" if i % 2 else "b", "text": t} for i, t in enumerate(ADULT_CHAT)]
    sure_not = _tracker(0.01, params)
    unsure = _tracker(0.4, params)
    for m in msgs:
        r_not = sure_not.feed("c", m)
        r_unsure = unsure.feed("c", m)
    state = next(iter(sure_not._convs.values()))
    assert state.sg[2] >= 800 and state.damping(params) < 0.1
    assert r_not.risk < r_unsure.risk
    assert next(iter(unsure._convs.values())).damping(params) == 1.0
    off = dataclasses.replace(params, seg_veto=0.0)
    assert _tracker(0.01, off).feed("c", msgs[0]).risk == pytest.approx(
        _tracker(0.01, params).feed("c", msgs[0]).risk)  # a short chat is never damped


def test_state_from_before_the_idf_model_loads() -> None:
    old = b'{"n":3,"t":null,"p":{},"fa":null,"w":[],"pl":null,"ch":null,"sg":[1.5,120]}'
    st = ConversationState.from_json(old)
    assert st.n == 3 and st.sg == [0.0, 0.0, 0.0]
    assert ConversationState.from_json(st.to_json()).sg == st.sg


def test_platform_known_relationship_moves_the_risk() -> None:
    """A linked family account lowers the risk (and cancels the adult-to-minor weight); a stranger raises it."""
    lines = ["you're so mature for your age", "are you home alone?", "send me a photo of the cake",
             "i'll send you some money for your birthday, don't tell your brother"]

    def run(rel: str | None, ages: dict[str, int] | None = None, n: int = 2) -> float:
        msgs = [{"sender": "g", "text": t, "ts": 1_767_225_600 + i * 60, "ages": ages or {},
                 **({"relationship": rel} if rel else {})} for i, t in enumerate(lines[:n])]
        return score_conversation(msgs).risk

    family, unknown, contact, stranger = run("family"), run(None), run("contact"), run("stranger")
    assert 0 < family < contact < unknown < stranger < 1
    # a grandparent (70) writing to a 12-year-old: with the family link, lower than a stranger of that age
    assert run("family", {"g": 70, "c": 12}) < run(None, {"g": 70, "c": 12}) <= run("stranger", {"g": 70, "c": 12})
    res = score_conversation([{"sender": "g", "text": lines[1], "ages": {"g": 70, "c": 12}, "relationship": "family"}])
    assert "adult_to_minor" not in res.flags


def test_relationship_survives_the_state_round_trip() -> None:
    tracker = ConversationTracker()
    tracker.feed("c", {"sender": "g", "text": "hi", "relationship": "stranger"})
    state = next(iter(tracker._convs.values()))
    again = ConversationState.from_json(state.to_json())
    assert again.parties[next(iter(again.parties))].rel == "stranger"


def test_unknown_age_writing_to_a_declared_minor_weighs_more() -> None:
    params = dataclasses.replace(default_params(), unknown_minor=1.3)
    lines = [("g", "you're so mature, are you home alone?"), ("c", "ya")]
    declared = [("g", lines[0][1]), ("c", "ya im 13")]

    def risk(chat: list[tuple[str, str]]) -> float:
        tracker = ConversationTracker(params=params)
        for s, t in chat:
            out = tracker.feed("c1", {"sender": s, "text": t})
        return out.risk

    assert risk(declared) > risk(lines)
