"""Reports, cases, evidence and referrals: the contracts of `tutela.cases`.

One set of types serves the public report form (a child writing in their own
words), the platform / trusted-flagger API (EU DSA Article 16 notices with
NCMEC CyberTipline-like incident details) and the analysts' console. The
JSON contracts of `/v1/reports` and `/v1/cases` are derived from them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tutela.domain.conversation import MessageIn
from tutela.domain.inputs import Line, check_url
from tutela.domain.taxonomy import Category, category_ids, report_choices


class CaseStatus(StrEnum):
    """The lifecycle of a case. `closed -> triaged` is a reopen."""

    RECEIVED = "received"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    REFERRED = "referred"
    ACTIONED = "actioned"
    CLOSED = "closed"


class Priority(StrEnum):
    """Ordered by urgency; `critical` means a child may be in danger now."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 is the most urgent: queues sort on it."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}


class ReporterKind(StrEnum):
    CHILD = "child"
    PARENT = "parent"
    PLATFORM = "platform"
    TRUSTED_FLAGGER = "trusted_flagger"
    PUBLIC = "public"


class ReferralStatus(StrEnum):
    """A referral's progress at the receiving agency, each step time-stamped."""

    PENDING = "pending"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    CONTENT_REMOVED = "content_removed"
    REMOVAL_VERIFIED = "removal_verified"
    DECLINED = "declined"


class Outcome(StrEnum):
    """How a case ended; the reporter is told this once, in plain words."""

    CONTENT_REMOVED = "content_removed"
    REFERRED_TO_POLICE = "referred_to_police"
    REFERRED_TO_SUPPORT = "referred_to_support"
    ACCOUNT_ACTIONED = "account_actioned"
    NO_VIOLATION = "no_violation"
    INSUFFICIENT_INFORMATION = "insufficient_information"
    DUPLICATE = "duplicate"


def resolve_category(key: str | None) -> Category | None:
    """A taxonomy id or a child-form key -> a taxonomy category (None for 'other').

    The form's keys live with their categories in the taxonomy (`HarmDefinition.report_choices`)."""
    if not key:
        return None
    choices = report_choices()
    if key in choices:
        return choices[key]
    return Category(key)


class Person(BaseModel):
    """A person or account in a notice (reported person, intended recipient, victim).

    Platform identifiers are keyed-hashed before storage; free-text names are
    kept only inside the encrypted notice body.
    """

    model_config = ConfigDict(extra="forbid")

    platform: Line | None = Field(default=None, max_length=200, description="service, e.g. 'example-chat'")
    account_id: Line | None = Field(default=None, max_length=500, description="stable account identifier")
    username: Line | None = Field(default=None, max_length=500)
    display_name: Line | None = Field(default=None, max_length=500)
    age: int | None = Field(default=None, ge=0, le=130)
    country: Line | None = Field(default=None, min_length=2, max_length=2)


class Notifier(BaseModel):
    """DSA Art. 16(2)(c): who sends the notice. Optional for CSAM notices (Art. 16(2)(c) last sentence)."""

    model_config = ConfigDict(extra="forbid")

    name: Line | None = Field(default=None, max_length=300)
    email: Line | None = Field(default=None, max_length=320)


class Contact(BaseModel):
    """How the reporter would like to be contacted; stored encrypted, deleted by retention."""

    model_config = ConfigDict(extra="forbid")

    email: Line | None = Field(default=None, max_length=320)
    phone: Line | None = Field(default=None, max_length=50)
    preferred: Line | None = Field(default=None, max_length=50, description="free words: 'email after school'")


class FileRef(BaseModel):
    """A file known to the notifier only by its hashes (not uploaded)."""

    model_config = ConfigDict(extra="forbid")

    filename: Line | None = Field(default=None, max_length=300)
    md5: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{32}$")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    pdq: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")


class ReportIn(BaseModel):
    """One report: a child on the public form, or a notice from a platform or trusted flagger.

    The DSA Article 16 fields are `urls` (exact electronic location),
    `description` (the explanation), `notifier` and `good_faith`; the NCMEC
    CyberTipline-like fields are `incident_type`, `reported_person`,
    `intended_recipient`, `victim`, `file_refs` and `escalate`.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: str = Field(description="taxonomy id or a child-form key such as 'asking_for_photos'")
    description: str = Field(
        default="", max_length=20_000, description="what happened, in the reporter's words"
    )
    urls: list[Line] = Field(default_factory=list, max_length=50)
    country: Line | None = Field(default=None, min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    language: Line | None = Field(default=None, max_length=16)
    reporter_kind: ReporterKind = ReporterKind.PUBLIC
    anonymous: bool = True
    contact: Contact | None = None
    # DSA Article 16
    notifier: Notifier | None = None
    good_faith: bool | None = Field(default=None, description="DSA Art. 16(2)(d) statement of good faith")
    # CyberTipline-like incident details
    incident_type: Line | None = Field(default=None, max_length=100)
    incident_at: datetime | None = None
    reported_person: Person | None = None
    intended_recipient: Person | None = None
    victim: Person | None = None
    file_refs: list[FileRef] = Field(default_factory=list, max_length=50)
    escalate: bool = Field(default=False, description="CyberTipline 'escalate to high priority'")
    conversation: list[MessageIn] = Field(
        default_factory=list,
        max_length=2000,
        description="the chat being reported, oldest first; scored for grooming",
    )
    external_id: Line | None = Field(default=None, max_length=200, description="the notifier's own reference")

    @field_validator("category")
    @classmethod
    def _known_category(cls, v: str) -> str:
        v = v.strip().lower()
        choices = report_choices()
        if v in choices:
            return v
        try:
            Category(v)
        except ValueError:
            valid = sorted(set(choices) | set(category_ids()))
            raise ValueError(f"unknown category {v!r}; valid: {', '.join(valid)}") from None
        return v

    @field_validator("country")
    @classmethod
    def _upper_country(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if not v.isalpha():
            raise ValueError("country must be an ISO 3166-1 alpha-2 code such as TR, AZ, IR")
        return v.upper()

    @field_validator("urls")
    @classmethod
    def _urls(cls, v: list[str]) -> list[str]:
        """Blank lines are dropped; every other entry must be a web address (`check_url`)."""
        out = []
        for i, url in enumerate(v):
            if not url.strip():
                continue
            try:
                out.append(check_url(url))
            except ValueError as exc:
                raise ValueError(f"urls[{i}]: {exc}") from None
        return out

    @model_validator(mode="after")
    def _dsa_notice(self) -> ReportIn:
        """A report with the good-faith statement is a DSA Article 16 notice and must be complete."""
        if self.reporter_kind in (ReporterKind.PLATFORM, ReporterKind.TRUSTED_FLAGGER):
            if self.good_faith is False:
                raise ValueError("a notice needs the good-faith statement (DSA Art. 16(2)(d))")
        if self.good_faith:
            if not self.description:
                raise ValueError(
                    "a notice needs an explanation of why the content is illegal: 'description' "
                    "(DSA Art. 16(2)(a))"
                )
            if not (self.urls or self.reported_person or self.file_refs):
                raise ValueError(
                    "a notice needs the exact location: 'urls', 'reported_person' or 'file_refs' "
                    "(DSA Art. 16(2)(b))"
                )
            child_sexual_abuse = resolve_category(self.category) is Category.SEXUAL_EXPLOITATION
            if not child_sexual_abuse and not (self.notifier and self.notifier.name and self.notifier.email):
                raise ValueError(
                    "a notice needs the notifier's name and e-mail (DSA Art. 16(2)(c)); they are "
                    "optional only for child sexual abuse and exploitation"
                )
        return self


class EvidenceFile(BaseModel):
    """An uploaded file, before it enters the vault."""

    filename: str = "upload.bin"
    content_type: str = "application/octet-stream"
    data: bytes


class ReportReceipt(BaseModel):
    """What the reporter gets back: the reference code is their only key to the status."""

    reference_code: str
    report_id: int
    case_id: int
    priority: Priority
    status: CaseStatus
    duplicate_of: int | None = Field(default=None, description="the earlier case this report was merged into")
    created_at: datetime
    replayed: bool = Field(
        default=False, description="true when an idempotency key returned an earlier receipt"
    )


class ReporterMessage(BaseModel):
    at: datetime
    text: str


class ReportStatus(BaseModel):
    """Public-safe status for the reporter: plain words, nothing internal."""

    reference_code: str
    status: str = Field(description="plain words: 'We have received your report', ...")
    stage: str = Field(description="received | being_reviewed | passed_to_helpers | finished")
    messages: list[ReporterMessage] = Field(default_factory=list)
    updated_at: datetime
    can_appeal: bool = False


class Flag(BaseModel):
    category: str
    detector: str
    reason: str
    score: float
    start: int | None = None
    end: int | None = None
    text: str | None = None
    examples: list[dict[str, Any]] | None = None  # semantic stage: the nearest written examples


class ReportView(BaseModel):
    id: int
    reference_code: str
    created_at: datetime
    category: str
    category_key: str
    reporter_kind: str
    anonymous: bool
    has_contact: bool
    contact: Contact | None = Field(default=None, description="decrypted for the owning organisation only")
    description: str | None = Field(default=None, description="decrypted for authorised viewers")
    urls: list[str] = Field(default_factory=list)
    country: str | None = None
    language: str | None = None
    notice: dict[str, Any] = Field(default_factory=dict, description="DSA / CyberTipline-like fields")
    analysis_flags: list[str] = Field(default_factory=list)
    conversation_risk: dict[str, Any] = Field(
        default_factory=dict, description="risk, alert, stages, evidence"
    )
    analysis_scores: dict[str, float] = Field(default_factory=dict)
    explanations: list[Flag] = Field(default_factory=list)
    signals: dict[str, float] = Field(
        default_factory=dict, description="signals raised on the description, e.g. 'disclosure'"
    )
    stages: list[str] = Field(default_factory=list, description="detection stages that ran on the description")
    feedback_sent_at: datetime | None = None


class EvidenceMeta(BaseModel):
    id: int
    report_id: int | None
    kind: str
    filename: str | None
    content_type: str | None
    size: int
    md5: str | None
    sha256: str | None
    pdq: str | None
    legal_hold: bool
    deleted_at: datetime | None = None
    created_at: datetime


class NoteView(BaseModel):
    id: int
    at: datetime
    author: str
    text: str
    for_reporter: bool


class ReferralView(BaseModel):
    id: int
    case_id: int
    agency_id: str
    agency_name: str
    agency_kind: str
    target_org_id: int | None
    status: ReferralStatus
    external_ref: str | None = None
    created_at: datetime
    sent_at: datetime | None = None
    acknowledged_at: datetime | None = None
    content_removed_at: datetime | None = None
    removal_verified_at: datetime | None = None
    declined_at: datetime | None = None


class TimelineEntry(BaseModel):
    at: datetime
    actor: str
    event: str
    from_status: str | None = None
    to_status: str | None = None
    detail: str | None = None


class CaseSummary(BaseModel):
    id: int
    org_id: int
    status: CaseStatus
    priority: Priority
    category: str
    country: str | None
    report_count: int
    assigned_to: int | None
    created_at: datetime
    updated_at: datetime
    stage_entered_at: datetime
    deadline_at: datetime | None
    overdue: bool
    legal_hold: bool
    outcome: str | None = None
    outcome_key: str | None = Field(default=None, description="the organisation's own outcome chosen at closing")
    outcome_ground: str | None = Field(
        default=None, description="its DSA decision ground then: illegal | incompatible | by_category | none"
    )


class Route(BaseModel):
    """A routing suggestion: which agency, and the rule that chose it."""

    agency_id: str
    agency_name: str
    agency_kind: str
    config: str
    rule: str


class CaseDetail(CaseSummary):
    reports: list[ReportView] = Field(default_factory=list)
    evidence: list[EvidenceMeta] = Field(default_factory=list)
    notes: list[NoteView] = Field(default_factory=list)
    referrals: list[ReferralView] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    deadlines: dict[str, str] = Field(
        default_factory=dict, description="stage -> allowed time, for this priority"
    )
    access: str = Field(default="owner", description="owner | referred: how the viewer came to see the case")


class AppealView(BaseModel):
    id: int
    case_id: int
    status: str
    created_at: datetime
    decided_at: datetime | None = None


class CaseStats(BaseModel):
    """Aggregates only: what a regulator may see."""

    total: int
    by_status: dict[str, int]
    by_priority: dict[str, int]
    by_category: dict[str, int]
    overdue: int
    referrals_by_status: dict[str, int]


__all__ = [
    "AppealView",
    "CaseDetail",
    "CaseStats",
    "CaseStatus",
    "CaseSummary",
    "Contact",
    "EvidenceFile",
    "EvidenceMeta",
    "FileRef",
    "Flag",
    "NoteView",
    "Notifier",
    "Outcome",
    "Person",
    "Priority",
    "ReferralStatus",
    "ReferralView",
    "ReportIn",
    "ReportReceipt",
    "ReportStatus",
    "ReportView",
    "ReporterKind",
    "ReporterMessage",
    "Route",
    "TimelineEntry",
    "resolve_category",
]
