"""Exchange between organisations: share levels, signing keys and partners.

These are the contracts of `tutela.exchange` shared by the Python API, the
CLI (`tutela exchange`, `tutela partners`) and HTTP (`/v1/exchange/*`). They
hold public keys and policies only: private keys never leave the vault.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class TLP(StrEnum):
    """Traffic Light Protocol 2.0 (FIRST): how far a recipient may pass something on.

    clear: no limit. green: the recipient's community. amber: the recipient's
    organisation and its clients, on a need-to-know basis. amber+strict: the
    recipient's organisation only. red: the named recipients only.
    Ordered: a partner cleared for `amber` may receive clear, green and amber.
    """

    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"

    @property
    def rank(self) -> int:
        return _TLP_RANK[self]

    @classmethod
    def parse(cls, text: str | TLP) -> TLP:
        """`AMBER+STRICT`, `tlp:amber`, `amber_strict` and the like; ValueError names the valid ones."""
        if isinstance(text, TLP):
            return text
        key = str(text).strip().lower().removeprefix("tlp:").replace("_", "+").replace(" ", "")
        if key == "white":  # TLP 1.0's name for clear
            key = "clear"
        try:
            return cls(key)
        except ValueError:
            raise ValueError(
                f"unknown share level {text!r}; valid (TLP 2.0): {', '.join(t.value for t in cls)}"
            ) from None

    def allows(self, level: TLP) -> bool:
        """Whether something marked `level` may go to (or come from) a partner cleared for `self`."""
        return level.rank <= self.rank


_TLP_ORDER = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)
_TLP_RANK = {t: i for i, t in enumerate(_TLP_ORDER)}  # a feed page asks a level's rank per signal


class Opinion(StrEnum):
    """What a receiver tells the source about one of its signals."""

    CONFIRMED = "confirmed"
    DISPUTED = "disputed"  # a false positive; the reason says why
    SEEN = "seen"  # it matched here; no judgement yet


class SigningKey(BaseModel):
    """One of an organisation's own Ed25519 signing keys (the public half)."""

    key_id: str = Field(description="RFC 7638 JWK thumbprint (base64url SHA-256) of the public key")
    public_key: str = Field(description="raw Ed25519 public key, base64url without padding (JWK 'x')")
    created_at: datetime
    not_after: datetime | None = Field(default=None, description="after a rotation: verifies until then")
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    current: bool = Field(default=False, description="the key new envelopes are signed with")

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.current:
            return "current"
        if self.not_after is not None and self.not_after > datetime.now(UTC):
            return "retiring"
        return "retired"


class PartnerKey(BaseModel):
    """A partner's public key as this organisation trusts it."""

    key_id: str
    public_key: str
    added_at: datetime
    endorsed_by: str | None = Field(default=None, description="partner key that signed this one's rotation")
    revoked_at: datetime | None = None
    revoked_reason: str | None = None


class Partner(BaseModel):
    """Another organisation (here or on another instance) and what may flow between us."""

    id: int
    org_id: int = Field(description="the local organisation that holds this partner")
    name: str
    endpoint_url: str | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 of the partner itself")
    share_level: TLP = Field(
        default=TLP.AMBER, description="highest TLP that may flow to or from this partner"
    )
    categories: list[str] = Field(default_factory=list, description="taxonomy ids allowed; empty: all")
    signal_types: list[str] = Field(default_factory=list, description="signal types allowed; empty: all")
    countries: list[str] = Field(default_factory=list, description="countries of signals allowed; empty: all")
    may_receive_content: bool = Field(default=False, description="whether content itself may ever be sent")
    keys: list[PartnerKey] = Field(default_factory=list)
    created_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
