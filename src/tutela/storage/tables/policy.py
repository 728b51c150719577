"""Policies per organisation (versioned), which version is live or in shadow,
and the decision log (the raw material of DSA statements of reasons).

The decision log holds no message text and no raw identifiers: ids are keyed
hashes, facts are rule ids and scores. Content is kept only when a policy asks
to preserve evidence, and then it goes to the case vault, not here.
"""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tutela.storage.db import metadata

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("source", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rules", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(100)),
    Column("comment", String(500)),
    UniqueConstraint("org_id", "version", name="uq_policy_versions_org_version"),
)

policy_state = Table(
    "policy_state",
    metadata,
    Column("org_id", Integer, ForeignKey("orgs.id"), primary_key=True),
    Column("active_version", Integer),
    Column("shadow_version", Integer),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(100)),
)

moderation_decisions = Table(
    "moderation_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("decision_id", String(36), nullable=False, unique=True),
    Column("org_id", Integer, nullable=True, index=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("policy", String(200), nullable=False),
    Column("policy_version", Integer),
    Column("decision", String(40), nullable=False),
    Column("actions", JSON, nullable=False),
    Column("ground", String(40)),
    Column("rules", JSON, nullable=False),
    Column("facts", JSON, nullable=False),
    Column("content_type", String(20), nullable=False),
    Column("channel", String(100)),
    Column("country", String(2)),
    Column("automated", Boolean, nullable=False, default=True),
    Column("content_ref", String(64), doc="keyed hash of the platform's content id"),
    Column("sender_ref", String(64), doc="keyed hash of the sender id"),
    Column("case_refs", JSON),
    Column("shadow_version", Integer),
    Column("shadow_decision", String(40)),
    Column("shadow_actions", JSON),
    Column("shadow_rules", JSON),
    Column("shadow_differs", Boolean),
    Index("ix_moderation_decisions_org_time", "org_id", "created_at"),
)
