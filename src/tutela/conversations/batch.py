"""Batch scoring: a whole conversation in, its risk out.

It runs the very same streaming steps as `ConversationTracker`, so a batch
result equals the result of feeding the messages one by one. Indices in the
result are positions in the input list, also when some messages were
rejected (each rejection is listed in `errors`, and the rest still count).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import Field

from tutela.conversations.tracker import ConversationTracker, MessageError
from tutela.domain.conversation import ConversationRisk

MAX_MESSAGES = 10_000


class ConversationResult(ConversationRisk):
    """A batch result: the risk plus what went wrong with which input message."""

    errors: list[dict[str, Any]] = Field(default_factory=list, description="[{index, error}] per rejected message")
    truncated: bool = False
    error: str | None = Field(default=None, description="set when the conversation as a whole was unusable")

    def to_record(self) -> dict[str, Any]:
        """The CLI's JSONL line."""
        rec: dict[str, Any] = {
            "id": self.conversation_id,
            "risk": self.risk,
            "alert": self.alert,
            "flags": self.flags,
            "stages": [s.value for s in self.stages],
            "evidence": sorted({e.message_index for e in self.evidence}),
            "evidence_stages": [{"index": e.message_index, "stage": e.stage.value, "score": e.score}
                                for e in self.evidence],
            "first_alert_at": self.first_alert_at,
            "messages": self.message_count,
        }
        if self.warnings:
            rec["warnings"] = self.warnings
        if self.errors:
            rec["errors"] = self.errors
        if self.truncated:
            rec["truncated"] = True
        if self.error:
            # an unusable conversation has no score: null, never a 0.0 that reads as "safe"
            rec.update(error=self.error, risk=None, alert=None, first_alert_at=None)
        return rec


def score_conversation(
    messages: Iterable[Any],
    conversation_id: str = "conversation",
    *,
    participants: Iterable[str] | None = None,
    max_messages: int = MAX_MESSAGES,
    tracker: ConversationTracker | None = None,
) -> ConversationResult:
    """Score a whole conversation. `participants`, when given, rejects messages from anyone else."""
    tracker = tracker if tracker is not None else ConversationTracker()
    allowed = {str(p) for p in participants} if participants is not None else None
    errors: list[dict[str, Any]] = []
    positions: list[int] = []  # accepted message -> input index
    risk: ConversationRisk | None = None
    truncated = False
    seen = 0
    for i, raw in enumerate(messages):
        seen = i + 1
        if i >= max_messages:
            truncated = True
            continue
        try:
            if allowed is not None:
                sender = raw.get("sender") if isinstance(raw, dict) else getattr(raw, "sender", None)
                if sender is not None and str(sender).strip() not in allowed:
                    raise MessageError(f"sender {sender!r} is not one of the conversation's participants")
            risk = tracker.feed(conversation_id, raw)
            positions.append(i)
        except MessageError as exc:
            errors.append({"index": i, "error": str(exc)})
    if risk is None:
        why = "empty conversation: no messages" if seen == 0 else "no usable message in the conversation"
        return ConversationResult(conversation_id=conversation_id, risk=0.0, errors=errors, error=why)
    data = risk.model_dump()
    for ev in data["evidence"]:
        ev["message_index"] = positions[ev["message_index"]]
    if data["first_alert_at"] is not None:
        data["first_alert_at"] = positions[data["first_alert_at"]]
    warnings = list(data.pop("warnings"))
    if truncated:
        warnings.append(f"conversation has {seen} messages; only the first {max_messages} were scored")
    return ConversationResult(**data, warnings=warnings, errors=errors, truncated=truncated)


def scan_conversations(
    records: Iterable[dict[str, Any]], *, max_messages: int = MAX_MESSAGES, tracker: ConversationTracker | None = None
) -> Iterator[ConversationResult]:
    """Score many conversations given as {"id", "messages", optional "participants"} records."""
    tracker = tracker if tracker is not None else ConversationTracker(cache_size=1_000_000)
    for n, rec in enumerate(records):
        result = score_record(rec, n, max_messages=max_messages, tracker=tracker)
        tracker.forget(result.conversation_id)
        yield result


def score_record(
    rec: Any, n: int = 0, *, max_messages: int = MAX_MESSAGES, tracker: ConversationTracker | None = None
) -> ConversationResult:
    """One input record -> result; a malformed record gives a result with `error` set."""
    if not isinstance(rec, dict):
        return ConversationResult(conversation_id=f"#{n}", risk=0.0, error="a conversation must be a JSON object")
    cid = rec.get("id")
    cid = str(cid) if cid is not None and str(cid).strip() else f"#{n}"
    msgs = rec.get("messages")
    if not isinstance(msgs, list):
        return ConversationResult(conversation_id=cid, risk=0.0, error="'messages' must be a list")
    parts = rec.get("participants")
    if parts is not None and not isinstance(parts, list):
        return ConversationResult(conversation_id=cid, risk=0.0, error="'participants' must be a list")
    return score_conversation(msgs, cid, participants=parts, max_messages=max_messages, tracker=tracker)
