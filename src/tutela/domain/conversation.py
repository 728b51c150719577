"""Conversations, grooming stages and risk: the contract shared by the Python
API (`tutela.conversations`), the CLI (`tutela scan-conversations`) and HTTP
(`/v1/conversations/...`, `/v1/accounts/...`).

Grooming is rarely visible in one message; it shows as a *sequence* of
manipulative stages from one party. So the unit a reviewer needs is not a
message score but a risk with its evidence: which messages, which stages.
"""

from __future__ import annotations

import math
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from tutela.domain.inputs import Line


class Stage(StrEnum):
    """Grooming stages, in the order they usually unfold.

    The order is a public contract (escalation scoring and the corpus labels
    use it); add new stages at the end, never rename one.
    """

    RAPPORT = "rapport"  # trust-building, flattery, "you're so mature"
    PERSONAL = "personal"  # questions about the child's situation: age, parents home, alone?
    GIFTS = "gifts"  # gifts, game currency, money
    SECRECY = "secrecy"  # secrecy and isolation: "don't tell your parents", "delete this"
    OFF_PLATFORM = "off_platform"  # moving to a private app or channel
    MEETING = "meeting"  # requests to meet offline
    SEXUAL = "sexual"  # sexualisation (implied or explicit)
    IMAGES = "images"  # requests for images or video
    THREATS = "threats"  # threats and coercion, sextortion


STAGES: tuple[Stage, ...] = tuple(Stage)
#: Stages after which an alert is too late: the goal is to alert before these.
LATE_STAGES: frozenset[Stage] = frozenset({Stage.SEXUAL, Stage.IMAGES, Stage.THREATS})


def to_epoch(ts: Any) -> float | None:
    """Accept epoch seconds (int/float), ISO-8601 strings or datetimes; None stays None.

    Raises ValueError with a readable message for anything else, so one bad
    timestamp is reported for its message instead of breaking the stream.
    """
    if ts is None or ts == "":
        return None
    if isinstance(ts, bool):
        raise ValueError(f"timestamp must be a number or ISO-8601 string, got {ts!r}")
    if isinstance(ts, (int, float)):
        value = float(ts)
        if not math.isfinite(value):
            raise ValueError(f"timestamp must be a finite number, got {ts!r}")
        if value > 1e11:  # milliseconds
            value /= 1000.0
        return value
    if isinstance(ts, datetime):
        return ts.timestamp()
    if isinstance(ts, str):
        s = ts.strip()
        try:
            return to_epoch(float(s))
        except ValueError:
            pass
        try:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"timestamp {ts!r} is neither epoch seconds nor ISO-8601") from None
        if dt.tzinfo is None:
            from datetime import UTC

            dt = dt.replace(tzinfo=UTC)
        return dt.timestamp()
    raise ValueError(f"timestamp must be a number or ISO-8601 string, got {type(ts).__name__}")


class MessageIn(BaseModel):
    """One message as a platform sends it.

    Ages are optional: `sender_age` is what the platform knows (verified or
    declared at sign-up); `ages` may give any participant's age. Ages a person
    states in the chat ("im 13") are picked up by the tracker as declared ages.
    """

    sender: Line = Field(min_length=1, max_length=256, description="the platform's id for the sender")
    text: str = Field(default="", description="message text; long texts are cut to the configured cap")
    ts: float | None = Field(default=None, description="epoch seconds or ISO-8601; None = arrival order only")
    recipients: list[Annotated[Line, Field(max_length=256)]] = Field(default_factory=list, max_length=1000, description="ids of the recipients, when known")
    sender_age: int | None = Field(default=None, ge=0, le=120)
    sender_account_age_days: float | None = Field(default=None, ge=0)
    ages: dict[Annotated[Line, Field(max_length=256)], int] = Field(default_factory=dict, max_length=1000,
                                 description="known or declared ages of any party")
    platform: Line | None = Field(default=None, max_length=100)
    channel: Line | None = Field(default=None, max_length=100, description="e.g. dm, group, game-chat")
    relationship: Literal["family", "contact", "stranger"] | None = Field(
        default=None,
        description="what the platform knows of the sender and the recipients: linked family accounts, "
        "mutual contacts, or no link at all; None = not known",
    )

    @field_validator("ts", mode="before")
    @classmethod
    def _ts(cls, v: Any) -> float | None:
        return to_epoch(v)

    @field_validator("sender", mode="before")
    @classmethod
    def _sender(cls, v: Any) -> Any:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return str(v)
        if isinstance(v, str):
            return v.strip()
        return v

    @field_validator("ages")
    @classmethod
    def _ages(cls, v: dict[str, int]) -> dict[str, int]:
        for who, age in v.items():
            if not 0 <= age <= 120:
                raise ValueError(f"age of {who!r} must be between 0 and 120, got {age}")
        return v


class EvidenceItem(BaseModel):
    """One message that drove a risk, and the stage it showed."""

    message_index: int = Field(description="0-based index of the message in the conversation")
    stage: Stage
    score: float = Field(ge=0.0, le=1.0)
    sender: str | None = Field(default=None, description="who wrote it (keyed hash when ids are hashed)")
    conversation_id: str | None = Field(default=None, description="set in account evidence")


class ConversationRisk(BaseModel):
    """The risk of one conversation after the latest message, with its reasons."""

    conversation_id: str
    risk: float = Field(ge=0.0, le=1.0, description="0..1; 0.5 is the alert threshold, whatever the model version")
    alert: bool = Field(default=False, description="risk >= 0.5 now")
    first_alert_at: int | None = Field(default=None, description="message index of the first alert")
    stages: list[Stage] = Field(default_factory=list, description="stages seen, in grooming order")
    flags: list[str] = Field(default_factory=list, description="e.g. sexual_exploitation when alerting")
    evidence: list[EvidenceItem] = Field(default_factory=list)
    suspect: str | None = Field(default=None, description="the participant whose messages drove the risk")
    message_count: int = 0
    warnings: list[str] = Field(default_factory=list, description="non-fatal input problems")


class AccountRisk(BaseModel):
    """The risk of one account across every conversation it writes in."""

    account_id: str
    risk: float = Field(ge=0.0, le=1.0, description="0..1; 0.5 is the alert threshold, whatever the model version")
    alert: bool = Field(default=False, description="risk >= 0.5 now")
    conversations: int = Field(default=0, description="conversations this account wrote in")
    alerted_conversations: int = 0
    minor_counterparts: int = Field(default=0, description="distinct known minors it wrote to")
    stages: list[Stage] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    evidence: list[EvidenceItem] = Field(default_factory=list)
    message_count: int = 0


__all__ = [
    "LATE_STAGES",
    "STAGES",
    "AccountRisk",
    "ConversationRisk",
    "EvidenceItem",
    "MessageIn",
    "Stage",
    "to_epoch",
]
