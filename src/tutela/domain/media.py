"""Media records: the hashes of one file, hash banks, and matches against them.

These are the contracts shared by the Python API (`tutela.hashing`), the CLI
(`tutela hash`, `tutela match`, `tutela bank`) and HTTP (`/v1/media/*`,
`/v1/banks`). Media bytes never appear here: only hashes and match results,
so nothing in these records can reproduce an image.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from tutela.domain.taxonomy import Category, Severity


class MediaKind(StrEnum):
    """What a file turned out to be once its bytes were sniffed."""

    IMAGE = "image"
    VIDEO = "video"
    OTHER = "other"


class ShareLevel(StrEnum):
    """Who may match against a bank (see docs/media.md).

    private: only the owning organisation. shared: the owner plus the
    organisations listed in the bank's `shared_with`. public: every
    organisation on this Tutela instance.
    """

    PRIVATE = "private"
    SHARED = "shared"
    PUBLIC = "public"


class BankKind(StrEnum):
    """`known` banks list material to act on; `benign` banks list material known
    to be harmless that collides with known material, and suppress those matches."""

    KNOWN = "known"
    BENIGN = "benign"


class SubscriptionMode(StrEnum):
    """How much an organisation trusts a bank of another organisation it subscribed to.

    review (the default): the bank's matches reach the subscriber's policy as
    `trust: review`; the default policy holds the item and opens a case, never
    blocks, and a benign bank in review mode suppresses nothing. enforce: the
    bank counts like the subscriber's own (its known entries act, its benign
    entries suppress).
    """

    REVIEW = "review"
    ENFORCE = "enforce"


class MatchTrust(StrEnum):
    """Why a match may change the caller's decision: `own` bank (or a trusted
    local caller), an `enforce` subscription, or a `review` subscription."""

    OWN = "own"
    ENFORCE = "enforce"
    REVIEW = "review"


class VideoFrameHash(BaseModel):
    """PDQ of one sampled video frame (vPDQ-style: one frame per second)."""

    second: float = Field(description="timestamp of the frame in the video")
    pdq: str
    quality: int


#: signal types that have their own field in `MediaHashes` (the API's contract);
#: values of any other registered signal type live in `MediaHashes.other`
FIELD_SIGNALS = ("md5", "sha256", "pdq")


class MediaHashes(BaseModel):
    """Every hash Tutela computes for one file.

    The three core signal types keep their named fields (the JSON contract of
    `/v1/media/*`); a signal type added later needs no new field: its value
    goes into `other`, which is left out of the JSON while empty, so records
    without new signals serialise exactly as before. Read and write values by
    signal name with `signals()` and `set_signal()`.
    """

    md5: str
    sha256: str
    size: int = Field(description="file size in bytes")
    kind: MediaKind
    format: str | None = Field(default=None, description="decoder's format name, e.g. JPEG")
    width: int | None = None
    height: int | None = None
    pdq: str | None = Field(default=None, description="PDQ hash, 64 hex digits (images only)")
    pdq_quality: int | None = Field(default=None, description="0..100; below ~50 PDQ is unreliable")
    pdq_dihedral: list[str] | None = Field(
        default=None,
        description="PDQ of the 8 rotations/flips (original first), so flipped copies match",
    )
    vpdq: list[VideoFrameHash] | None = Field(
        default=None, description="videos: PDQ of one frame per second, consecutive repeats dropped"
    )
    duration: float | None = Field(default=None, description="videos: seconds hashed")
    filename: str | None = None
    other: dict[str, str] = Field(
        default_factory=dict, description="values of further registered signal types, by signal name"
    )

    @model_serializer(mode="wrap")
    def _omit_empty_other(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and not data.get("other"):
            data.pop("other", None)
        return data

    def signals(self) -> dict[str, str]:
        """The signal values by signal type, as banks store them (empty values left out)."""
        out = {name: getattr(self, name) for name in FIELD_SIGNALS if getattr(self, name)}
        out.update({k: v for k, v in self.other.items() if v})
        return out

    def set_signal(self, name: str, value: str | None) -> None:
        """Store a value by signal name (its field for the core types, else `other`)."""
        if name in FIELD_SIGNALS:
            setattr(self, name, value if value is not None or name == "pdq" else "")
        elif value is None:
            self.other.pop(name, None)
        else:
            self.other[name] = value


class BankInfo(BaseModel):
    """A named hash list and where it came from."""

    id: int
    name: str
    owner_org_id: int
    kind: BankKind = BankKind.KNOWN
    source: str | None = Field(default=None, description="organisation the list came from, e.g. a hotline")
    source_date: date | None = None
    category: Category = Category.SEXUAL_EXPLOITATION
    severity: Severity = Severity.CRITICAL
    share_level: ShareLevel = ShareLevel.PRIVATE
    shared_with: list[int] = Field(default_factory=list, description="org ids, for share level 'shared'")
    enabled: bool = True
    pdq_radius: int = Field(default=31, ge=0, le=64, description="max PDQ Hamming distance that matches")
    min_quality: int = Field(default=50, ge=0, le=100, description="ignore PDQ queries of lower quality")
    description: str | None = None
    entries: int = 0


class BankEntry(BaseModel):
    """One hash in a bank.

    `content_type` (photo, video, or None when the source did not say) lets
    exchange formats name the signal precisely (threatexchange's `photo_md5`
    vs `video_md5`); left out of the JSON while unknown, as before it existed.
    """

    id: int
    bank_id: int
    signal_type: str
    value: str
    label: str | None = Field(default=None, description="the source's own id or note for this hash")
    quality: int | None = None
    added_by: str | None = Field(default=None, description="who added it (shown to the bank's owner only)")
    content_type: str | None = Field(default=None, description="photo or video, when the source said")

    @model_serializer(mode="wrap")
    def _omit_unknown_content(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("content_type") is None:
            data.pop("content_type", None)
        return data


class Match(BaseModel):
    """One bank entry a file matched, with everything needed to act and to explain."""

    bank: str
    bank_id: int
    bank_kind: BankKind
    entry_id: int
    entry_label: str | None = None
    signal_type: str
    value: str = Field(description="the bank's hash that matched")
    distance: int = Field(description="Hamming distance for PDQ; 0 for exact hashes")
    radius: int = Field(description="the bank's threshold the distance was compared to")
    transform: str = Field(
        default="original",
        description="which dihedral variant of the query matched, or for videos the frame (frame@12s)",
    )
    category: Category
    severity: Severity
    source: str | None = None
    source_date: date | None = None
    owner_org_id: int
    share_level: ShareLevel
    trust: MatchTrust = Field(
        default=MatchTrust.OWN,
        description="own bank, or a subscription to another organisation's bank in enforce or review mode",
    )
    subscribed: bool = Field(default=False, description="the bank belongs to another organisation (a subscription)")


class BankSubscription(BaseModel):
    """An organisation's choice to let another organisation's (or a partner's) bank
    into its own decisions. Keyed by (subscriber, bank); the mode says how far."""

    subscriber_org_id: int
    bank_id: int
    bank: str
    owner_org_id: int
    mode: SubscriptionMode = SubscriptionMode.REVIEW
    active: bool = Field(description="the bank is still visible to the subscriber (shared with it or public)")
    created_by: str | None = None
    created_at: datetime | None = None


__all__ = [
    "BankEntry", "BankInfo", "BankKind", "BankSubscription", "Match", "MatchTrust", "MediaHashes", "MediaKind",
    "ShareLevel", "SubscriptionMode", "VideoFrameHash",
]
