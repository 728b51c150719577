"""An organisation's outcomes for closing a case, each with its DSA decision ground.

Hotlines and platforms name their endings differently ("removed: grooming", "passed to
the national police", "adult content, no child"), so the list is the organisation's own.
Each entry still says what *kind* of ending it is (a `tutela.domain.cases.Outcome`), because
the kind is what the rest of Tutela acts on: the reporter's plain-words message, retention
rules and whether a DSA statement of reasons can be made. The DSA ground is stored on the case
when it closes, so editing the list later never rewrites a decision already taken.

An organisation with no list of its own uses `DEFAULTS`. Only an organisation's admin (or the
operator, through the CLI) changes the list; each change is audited with the list before and after.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import Connection, delete, select

from tutela.access import Principal
from tutela.cases import audit, authz
from tutela.domain.cases import Outcome
from tutela.storage.db import Database
from tutela.storage.tables.review import org_outcomes
from tutela.storage.times import utc_now

#: DSA decision grounds (Art. 17(3)(d)/(e)): illegal content, incompatible with the terms of
#: service, decided by the case's category (illegal categories are illegal content), or none
#: where the outcome restricts nothing.
GROUNDS: dict[str, str] = {
    "illegal": "illegal content",
    "incompatible": "incompatible with the terms of service",
    "by_category": "illegal content or incompatible with the terms of service, by category",
    "none": "none: no restriction",
}

#: Kinds that restrict content or an account: they need a ground other than "none".
RESTRICTING = frozenset({Outcome.CONTENT_REMOVED.value, Outcome.ACCOUNT_ACTIONED.value})

MAX_OUTCOMES = 30
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class OrgOutcome(BaseModel):
    """One way a case can end, as an organisation names it."""

    key: str = Field(description="stable id, lower case: letters, digits, underscores (2-40)")
    label: str = Field(min_length=1, max_length=120, description="the words reviewers see")
    kind: Outcome = Field(description="what it means downstream: the reporter's message, retention, DSA")
    ground: str = Field(description="DSA decision ground: " + " | ".join(GROUNDS))

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not _KEY.match(v):
            raise ValueError(f"outcome key {v!r}: use 2-40 lower-case letters, digits or _ (starting with a letter)")
        return v

    @field_validator("label")
    @classmethod
    def _label(cls, v: str) -> str:
        v = v.strip()
        if not v or any(unicodedata.category(c) in ("Cc", "Cf") for c in v):
            raise ValueError("an outcome's label is plain words: no control or direction characters")
        return v

    @field_validator("ground")
    @classmethod
    def _ground(cls, v: str) -> str:
        if v not in GROUNDS:
            raise ValueError(f"unknown DSA ground {v!r}; valid: {', '.join(GROUNDS)}")
        return v

    @model_validator(mode="after")
    def _restriction_has_ground(self) -> OrgOutcome:
        if self.kind.value in RESTRICTING and self.ground == "none":
            raise ValueError(f"outcome {self.key!r} restricts content or an account, so it needs a DSA ground")
        return self

    @property
    def ground_words(self) -> str:
        return GROUNDS[self.ground]


DEFAULTS: tuple[OrgOutcome, ...] = (
    OrgOutcome(key="content_removed", label="content removed", kind=Outcome.CONTENT_REMOVED, ground="by_category"),
    OrgOutcome(key="account_actioned", label="account actioned", kind=Outcome.ACCOUNT_ACTIONED,
               ground="by_category"),
    OrgOutcome(key="referred_to_police", label="referred to the police", kind=Outcome.REFERRED_TO_POLICE,
               ground="illegal"),
    OrgOutcome(key="referred_to_support", label="referred to support services", kind=Outcome.REFERRED_TO_SUPPORT,
               ground="none"),
    OrgOutcome(key="no_violation", label="no violation found", kind=Outcome.NO_VIOLATION, ground="none"),
    OrgOutcome(key="insufficient_information", label="not enough information",
               kind=Outcome.INSUFFICIENT_INFORMATION, ground="none"),
    OrgOutcome(key="duplicate", label="duplicate of another case", kind=Outcome.DUPLICATE, ground="none"),
)


def validate_list(entries: list[OrgOutcome] | list[dict]) -> list[OrgOutcome]:
    """Check a whole list: 1 to `MAX_OUTCOMES` entries, keys unique. Raises ValueError saying what is wrong."""
    items = [e if isinstance(e, OrgOutcome) else OrgOutcome.model_validate(e) for e in entries]
    if not items:
        raise ValueError("an organisation needs at least one outcome to close cases with")
    if len(items) > MAX_OUTCOMES:
        raise ValueError(f"at most {MAX_OUTCOMES} outcomes")
    seen: set[str] = set()
    for o in items:
        if o.key in seen:
            raise ValueError(f"outcome key {o.key!r} appears twice")
        seen.add(o.key)
    return items


def outcomes_in(conn: Connection, org_id: int) -> list[OrgOutcome]:
    """The organisation's list in form order, or the defaults when it has none of its own."""
    rows = conn.execute(
        select(org_outcomes).where(org_outcomes.c.org_id == org_id).order_by(org_outcomes.c.position)
    ).mappings().all()
    if not rows:
        return list(DEFAULTS)
    return [OrgOutcome(key=r["key"], label=r["label"], kind=Outcome(r["kind"]), ground=r["ground"]) for r in rows]


def resolve(conn: Connection, org_id: int, key: str) -> OrgOutcome:
    """The organisation's outcome `key`, or a ValueError listing the valid ones (closing validates here)."""
    items = outcomes_in(conn, org_id)
    for o in items:
        if o.key == key:
            return o
    raise ValueError(f"unknown outcome {key!r}; valid: {', '.join(o.key for o in items)}")


def list_outcomes(db: Database, principal: Principal) -> list[OrgOutcome]:
    """What a case of the principal's organisation can be closed with (anyone who reads cases may see it)."""
    authz.require_permission(principal, "read")
    with db.connect() as conn:
        return outcomes_in(conn, principal.org_id)


def _replace(conn: Connection, org_id: int, items: list[OrgOutcome] | None, actor: str) -> list[OrgOutcome]:
    before = [o.key for o in outcomes_in(conn, org_id)]
    conn.execute(delete(org_outcomes).where(org_outcomes.c.org_id == org_id))
    at = utc_now()
    if items is not None:
        conn.execute(org_outcomes.insert(), [
            dict(org_id=org_id, key=o.key, label=o.label, kind=o.kind.value, ground=o.ground, position=i,
                 updated_at=at)
            for i, o in enumerate(items)
        ])
    after = items if items is not None else list(DEFAULTS)
    audit.append(
        conn,
        actor=actor,
        org_id=org_id,
        action="org.outcomes" if items is not None else "org.outcomes_reset",
        object_type="org",
        object_id=org_id,
        details={"before": before, "after": [o.model_dump(mode="json") for o in after]},
    )
    return after


def set_outcomes(db: Database, principal: Principal, entries: list[OrgOutcome] | list[dict]) -> list[OrgOutcome]:
    """Replace the organisation's list (admins only). Cases already closed keep their outcome and ground."""
    authz.require_permission(principal, "outcomes")
    items = validate_list(entries)
    with audit.writing(db) as conn:
        return _replace(conn, principal.org_id, items, principal.actor)


def reset_outcomes(db: Database, principal: Principal) -> list[OrgOutcome]:
    """Go back to the defaults (admins only)."""
    authz.require_permission(principal, "outcomes")
    with audit.writing(db) as conn:
        return _replace(conn, principal.org_id, None, principal.actor)


def operator_set_outcomes(db: Database, org_id: int, entries: list[dict] | None, actor: str) -> list[OrgOutcome]:
    """The CLI's door (the operator, on the host): `entries` None resets to the defaults."""
    items = validate_list(entries) if entries is not None else None
    with audit.writing(db) as conn:
        return _replace(conn, org_id, items, actor)
