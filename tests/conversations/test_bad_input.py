"""Bad input gets a clear error and loses nothing else."""

from __future__ import annotations

import pytest

from tutela.conversations import ConversationTracker, MessageError, score_conversation
from tutela.conversations.batch import score_record
from tutela.conversations.io import iter_jsonl, parse_chat_log


def test_out_of_order_timestamp_is_scored_with_a_warning() -> None:
    msgs = [
        {"sender": "a", "text": "hi", "ts": 1000},
        {"sender": "b", "text": "hey", "ts": 2000},
        {"sender": "a", "text": "are you home alone?", "ts": 1500},
        {"sender": "a", "text": "ok", "ts": 2500},
    ]
    r = score_conversation(msgs)
    assert r.message_count == 4 and not r.errors
    assert any("message 2" in w and "earlier" in w for w in r.warnings)
    assert any(e.stage.value == "personal" and e.message_index == 2 for e in r.evidence) or r.risk > 0


def test_unknown_sender_is_rejected_and_the_rest_counts() -> None:
    msgs = [
        {"sender": "a", "text": "hi"},
        {"sender": "mallory", "text": "don't tell your parents"},
        {"sender": "b", "text": "hello"},
    ]
    r = score_conversation(msgs, participants=["a", "b"])
    assert r.message_count == 2
    assert r.errors == [{"index": 1, "error": "sender 'mallory' is not one of the conversation's participants"}]


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ({"text": "no sender"}, "sender"),
        ({"sender": "", "text": "empty sender"}, "sender"),
        ({"sender": "a", "text": "x", "ts": "yesterday-ish"}, "timestamp"),
        ({"sender": "a", "text": "x", "ts": float("nan")}, "finite"),
        ({"sender": "a", "text": 42}, "text"),
        ({"sender": "a", "text": "x", "sender_age": 300}, "sender_age"),
        ("just a string", "object"),
    ],
)
def test_unusable_messages_get_clear_errors(bad, fragment: str) -> None:  # noqa: ANN001
    tracker = ConversationTracker()
    tracker.feed("c", {"sender": "a", "text": "hello", "ts": 1})
    with pytest.raises(MessageError, match=fragment):
        tracker.feed("c", bad)
    r = tracker.conversation_risk("c")
    assert r is not None and r.message_count == 1  # the bad message changed nothing


def test_empty_conversation_and_bad_records() -> None:
    assert score_conversation([], "e").error == "empty conversation: no messages"
    assert score_record({"id": "x", "messages": "nope"}).error == "'messages' must be a list"
    assert score_record([1, 2]).error == "a conversation must be a JSON object"
    only_bad = score_conversation([{"text": "no sender"}], "b")
    assert only_bad.error == "no usable message in the conversation" and len(only_bad.errors) == 1


def test_giant_conversation_is_capped_and_says_so() -> None:
    msgs = [{"sender": "a" if i % 2 else "b", "text": "lol ok", "ts": i} for i in range(250)]
    r = score_conversation(msgs, max_messages=100)
    assert r.truncated and r.message_count == 100
    assert any("250 messages" in w and "first 100" in w for w in r.warnings)


def test_giant_message_text_is_cut_with_a_warning() -> None:
    r = score_conversation([{"sender": "a", "text": "hey " * 6000}])  # past max_text_chars (20,000)
    assert r.message_count == 1 and any("longer than" in w for w in r.warnings)


def test_malformed_jsonl_lines_become_error_records() -> None:
    lines = ['{"id": "ok", "messages": []}\n', "{not json\n", "\n", "[1]\n", '{"messages": []}\n']
    recs = list(iter_jsonl(iter(lines)))
    assert [r.get("_error", "")[:6] for r in recs] == ["", "line 2", "line 4", ""]
    assert recs[3]["id"] == "line:5"


def test_chat_log_lines_without_sender_are_reported() -> None:
    rec = parse_chat_log(["[2026-01-05 19:02] sam: hi\n", "just words\n", "kim: hey there\n"], "log")
    r = score_record(rec)
    assert r.message_count == 2 and [e["index"] for e in r.errors] == [1]
