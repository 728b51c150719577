"""Risk over time: escalation, ages, many minors, decay, evidence, and the written corpus."""

from __future__ import annotations

import pytest

from tutela.conversations import ConversationTracker, score_conversation
from tutela.conversations.corpus import LANGS, load_corpus
from tutela.conversations.evaluate import evaluate

from .conftest import strip_labels

T0 = 1_767_225_600
DAY = 86400.0

GROOMING = [
    ("g", "hey ur so pretty, you're so mature for your age"),
    ("c", "lol thanks im 13"),
    ("g", "are you home alone right now?"),
    ("c", "ya my mom is at work"),
    ("g", "don't tell your parents about us ok? our secret"),
    ("g", "add me on telegram, this app reads everything"),
    ("g", "send me a pic of you in your pyjamas"),
]


def _msgs(lines, start=T0, gap=60.0, **extra):
    return [{"sender": s, "text": t, "ts": start + i * gap, **extra} for i, (s, t) in enumerate(lines)]


def test_risk_rises_as_stages_escalate() -> None:
    tracker = ConversationTracker()
    risks = [tracker.feed("c1", m).risk for m in _msgs(GROOMING)]
    groomer = [r for (s, _), r in zip(GROOMING, risks, strict=True) if s == "g"]
    assert groomer == sorted(groomer)
    assert groomer[-1] > groomer[0] + 0.3
    final = tracker.conversation_risk("c1")
    assert final is not None and final.alert and "sexual_exploitation" in final.flags
    assert final.suspect == "g"
    assert final.first_alert_at is not None and final.first_alert_at < 6  # before the image request


def test_evidence_points_at_the_messages_and_stages() -> None:
    r = score_conversation(_msgs(GROOMING))
    by_stage = {e.stage.value: e.message_index for e in r.evidence}
    assert by_stage["secrecy"] == 4
    assert by_stage["off_platform"] == 5
    assert by_stage["images"] == 6
    assert all(GROOMING[e.message_index][0] == "g" for e in r.evidence)


def test_adult_to_known_minor_raises_and_peers_lower() -> None:
    lines = GROOMING[:2]  # the flattery and the child's age: with "home alone?" too an adult's risk is already 1.0
    unknown = score_conversation(_msgs(lines)).risk
    adult_minor = score_conversation(
        [dict(m, ages={"g": 34, "c": 12}) for m in _msgs(lines)]
    )
    peers = score_conversation([dict(m, ages={"g": 13, "c": 13}) for m in _msgs(lines)]).risk
    assert adult_minor.risk > unknown > peers
    assert adult_minor.risk > 0


def test_declared_age_in_chat_counts_as_age() -> None:
    lines = [("g", "im 31 btw"), ("c", "im 12"), *GROOMING[2:5]]
    declared = score_conversation(_msgs(lines)).risk
    no_ages = score_conversation(_msgs([("g", "hi"), ("c", "hi"), *GROOMING[2:5]])).risk
    assert declared > no_ages


def test_evidence_decays_with_time() -> None:
    fast = score_conversation(_msgs(GROOMING[:6], gap=60)).risk
    slow = score_conversation(_msgs(GROOMING[:6], gap=30 * DAY)).risk
    assert slow < fast


def test_account_writing_to_many_minors_scores_higher() -> None:
    tracker = ConversationTracker()
    lines = [("g", "you're so mature for your age"), ("c", "haha ok")]
    for m in _msgs(lines, ages={"g": 30, "c": 12}):
        tracker.feed("one", m)
    single = tracker.account_risk("g")
    many = ConversationTracker()
    for i in range(5):
        for m in _msgs([(s if s == "g" else f"c{i}", t) for s, t in lines], ages={"g": 30, f"c{i}": 12}):
            many.feed(f"conv{i}", m)
    multi = many.account_risk("g")
    assert single is not None and multi is not None
    assert multi.minor_counterparts == 5 and single.minor_counterparts == 1
    assert multi.conversations == 5
    assert multi.risk > single.risk


def test_one_friendly_cue_does_not_alert() -> None:
    for text in ["dont tell anyone about the surprise party!!", "ur so pretty in that pic", "add me on discord gg"]:
        r = score_conversation([{"sender": "a", "text": text, "ts": T0}, {"sender": "b", "text": "ok", "ts": T0 + 5}])
        assert not r.alert, text


@pytest.mark.parametrize("lang", LANGS)
def test_written_heldout_conversations(lang: str) -> None:
    """Held-out conversations per language: grooming alerted, ordinary mostly not (floors, see the model card)."""
    res = evaluate(load_corpus(lang, "heldout"))[lang]
    assert res["recall"] >= 0.75, res
    assert res["false_alerts"] <= 2, res
    assert res["early"] >= res["grooming"] // 3, res


@pytest.mark.parametrize("lang", LANGS)
def test_grooming_conversation_per_language_alerts_with_evidence(lang: str) -> None:
    conv = next(c for c in load_corpus(lang, "train") if c["kind"] == "grooming")
    r = score_conversation(strip_labels(conv), conv["id"])
    assert r.alert and r.suspect == "adult"
    labelled = {i for i, m in enumerate(conv["messages"]) if m["stages"]}
    assert {e.message_index for e in r.evidence} & labelled


def test_recipients_with_known_ages_count_as_minor_counterparts() -> None:
    tracker = ConversationTracker()
    for i in range(3):
        tracker.feed("group", {"sender": "coach-x", "text": "you're so mature for your age", "ts": T0 + i,
                               "recipients": [f"kid{i}"], "ages": {f"kid{i}": 12, "coach-x": 40}})
    acc = tracker.account_risk("coach-x")
    assert acc is not None and acc.minor_counterparts == 3
