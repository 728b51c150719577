"""Moderation requests and decisions: the contract of `tutela.moderate`,
`POST /v1/moderate`, `tutela policy test` and the decision log.

A decision is never a bare verdict: it carries every rule that fired with the
evidence that made it fire, so a reviewer, a child and a regulator (a DSA
statement of reasons) can each be told why.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tutela.domain.inputs import Line
from tutela.domain.taxonomy import Category


class Action(StrEnum):
    """What a platform is asked to do. Ids are a public contract: add, never rename."""

    ALLOW = "allow"
    WARN_SENDER = "warn_sender"  # show the sender a nudge before the message goes out
    NUDGE_RECIPIENT = "nudge_recipient"  # deliver, and show the recipient a nudge with help
    NUDGE_SENDER = "nudge_sender"  # deliver, and show the sender support (e.g. self-harm)
    BLUR = "blur"  # deliver behind a tap-to-view cover
    LIMIT_CONTACT = "limit_contact"  # stop further unsolicited contact from this sender
    HOLD_FOR_REVIEW = "hold_for_review"  # do not deliver until a person has looked
    BLOCK = "block"  # do not deliver
    PRESERVE_EVIDENCE = "preserve_evidence"  # keep the content for investigators
    OPEN_CASE = "open_case"  # open a case in Tutela's case management
    REPORT = "report"  # report to the hotline or the authority


#: Actions that decide what happens to the item itself, weakest first. The
#: decision is the strongest of these among the matched rules' actions.
VERDICTS: tuple[Action, ...] = (
    Action.ALLOW,
    Action.WARN_SENDER,
    Action.BLUR,
    Action.HOLD_FOR_REVIEW,
    Action.BLOCK,
)

#: Severity of every action (higher = stronger); used to order `actions`.
ACTION_SEVERITY: dict[Action, int] = {
    Action.ALLOW: 0,
    Action.NUDGE_SENDER: 1,
    Action.NUDGE_RECIPIENT: 2,
    Action.WARN_SENDER: 3,
    Action.BLUR: 4,
    Action.LIMIT_CONTACT: 5,
    Action.HOLD_FOR_REVIEW: 6,
    Action.BLOCK: 7,
    Action.PRESERVE_EVIDENCE: 8,
    Action.OPEN_CASE: 9,
    Action.REPORT: 10,
}

#: Where a `report` action sends the item.
REPORT_TARGETS = ("hotline", "authority")


class AgeBand(StrEnum):
    CHILD = "child"  # under 13
    TEEN = "teen"  # 13-17
    ADULT = "adult"  # 18+
    UNKNOWN = "unknown"


def age_band(age: int | None) -> AgeBand:
    if age is None:
        return AgeBand.UNKNOWN
    if age < 13:
        return AgeBand.CHILD
    if age < 18:
        return AgeBand.TEEN
    return AgeBand.ADULT


class Party(BaseModel):
    """The sender or the recipient, as the platform knows them. Ids are keyed-hashed before logging."""

    model_config = ConfigDict(extra="forbid")

    id: Line | None = Field(default=None, max_length=256, description="the platform's account id")
    age: int | None = Field(default=None, ge=0, le=130)
    age_band: AgeBand | None = Field(default=None, description="when only a band is known")
    account_age_days: float | None = Field(default=None, ge=0)
    lang: Line | None = Field(default=None, max_length=16, description="preferred language for nudges")

    def band(self) -> AgeBand:
        if self.age is not None:
            return age_band(self.age)
        return self.age_band or AgeBand.UNKNOWN


class ModerationContext(BaseModel):
    """Who sends what to whom, where. Everything is optional; unknown ages are handled by the policy."""

    model_config = ConfigDict(extra="forbid")

    sender: Party = Field(default_factory=Party)
    recipient: Party = Field(default_factory=Party)
    connected: bool | None = Field(default=None, description="are sender and recipient friends/contacts")
    first_contact: bool | None = Field(default=None, description="the first message between them")
    platform: Line | None = Field(default=None, max_length=100)
    country: Line | None = Field(default=None, min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    channel: Line | None = Field(default=None, max_length=100, description="dm, group, comment, profile, ...")
    service_for_minors: bool | None = Field(
        default=None, description="the service is for minors: unknown ages are treated as minors"
    )
    conversation_id: Line | None = Field(default=None, max_length=256)
    lang: Line | None = Field(default=None, max_length=16, description="language of the text, if known")

    @field_validator("country")
    @classmethod
    def _upper(cls, v: str | None) -> str | None:
        return v.upper() if v else v


class MediaRef(BaseModel):
    """Media known by its hashes only (the bytes were not sent)."""

    model_config = ConfigDict(extra="forbid")

    md5: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{32}$")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    pdq: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    sexual_score: float | None = Field(default=None, ge=0, le=1, description="a score the caller computed")


class ModerationItem(BaseModel):
    """A message or an upload: text, media bytes, or media hashes (any combination)."""

    model_config = ConfigDict(extra="forbid")

    id: Line | None = Field(default=None, max_length=256, description="the platform's content id")
    text: str | None = None
    media: bytes | None = Field(default=None, description="raw bytes (base64 in JSON)")
    filename: Line | None = Field(default=None, max_length=300)
    hashes: MediaRef | None = None

    @property
    def has_media(self) -> bool:
        return self.media is not None or self.hashes is not None


class RuleHit(BaseModel):
    """One rule that fired: its id, its actions and the evidence that made it fire."""

    rule: str
    description: str | None = None
    priority: int = 0
    actions: list[str]
    evidence: list[str] = Field(description="each condition that held, with the values it saw")
    ground: Category | None = None
    line: int | None = Field(default=None, description="the rule's line in the policy file")


class HelplineOut(BaseModel):
    name: str
    kind: str
    phone: str | None = None
    url: str | None = None
    hours: str | None = None


class Nudge(BaseModel):
    """A short, kind message for a child, with where to turn."""

    to: Literal["sender", "recipient"]
    risk: str
    lang: str
    title: str
    text: str
    helplines: list[HelplineOut] = Field(default_factory=list)


class ShadowResult(BaseModel):
    """What the shadow policy would have decided, and how it differs from the live one."""

    policy: str
    version: int | None = None
    decision: Action
    actions: list[Action]
    rules: list[str]
    differs: bool
    only_live: list[str] = Field(default_factory=list, description="actions only the live policy took")
    only_shadow: list[str] = Field(default_factory=list, description="actions only the shadow policy took")


class Decision(BaseModel):
    """What to do with one item, and why."""

    id: str = Field(description="decision id, also the key of the decision log entry")
    decision: Action = Field(description="the strongest verdict on the item itself")
    actions: list[Action] = Field(description="every action to take, strongest first")
    reasons: list[RuleHit] = Field(default_factory=list)
    nudges: list[Nudge] = Field(default_factory=list)
    ground: Category | None = Field(default=None, description="the harm the decision rests on")
    report_to: list[str] = Field(default_factory=list, description="hotline / authority, when reporting")
    scores: dict[str, float] = Field(default_factory=dict, description="analysis scores that matter (> 0)")
    flags: list[str] = Field(default_factory=list)
    signals: list[str] = Field(default_factory=list, description="risk cues seen: secrecy, photo_request, ...")
    lang: str | None = None
    policy: str
    policy_version: int | None = None
    automated: bool = True
    case_refs: list[str] = Field(default_factory=list, description="cases or reports opened by this decision")
    queued: list[str] = Field(
        default_factory=list,
        description="actions committed to the outbox and carried out by a worker shortly after the answer "
        "(open_case, report); their case references appear on the logged decision when done",
    )
    shadow: ShadowResult | None = None
    created_at: datetime
    warnings: list[str] = Field(default_factory=list, description="parts that could not run (e.g. a detector)")

    def has(self, action: Action | str) -> bool:
        return Action(action) in self.actions


class PolicyVersionInfo(BaseModel):
    """One stored version of an organisation's policy."""

    version: int
    name: str
    sha256: str
    created_at: datetime
    created_by: str | None = None
    comment: str | None = None
    active: bool = False
    shadow: bool = False
    rules: int = 0


def plain(obj: Any) -> Any:
    """JSON-ready value of a domain object (for logs and CLI output)."""
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    return obj


__all__ = [
    "ACTION_SEVERITY",
    "REPORT_TARGETS",
    "VERDICTS",
    "Action",
    "AgeBand",
    "Decision",
    "HelplineOut",
    "MediaRef",
    "ModerationContext",
    "ModerationItem",
    "Nudge",
    "Party",
    "PolicyVersionInfo",
    "RuleHit",
    "ShadowResult",
    "age_band",
]
