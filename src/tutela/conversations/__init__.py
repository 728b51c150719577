"""Grooming detection over conversations: stages per message, risk over time.

- `ConversationTracker`: the streaming scorer (feed messages, read risk).
- `score_conversation` / `scan_conversations`: batch, same numbers as streaming.
- `service.ingest_message` / `service.account_risk`: persisted, per organisation.
"""

from tutela.conversations.batch import ConversationResult, scan_conversations, score_conversation
from tutela.conversations.detector import StageDetector
from tutela.conversations.tracker import ConversationTracker, MessageError

__all__ = [
    "ConversationResult",
    "ConversationTracker",
    "MessageError",
    "StageDetector",
    "scan_conversations",
    "score_conversation",
]
