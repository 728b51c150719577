"""Referrals between organisations on different Tutela instances, and the audit checkpoints they witness.

Each side keeps its own row of a cross-border referral (`direction` out at the
sender, in at the receiver) under one shared `uid`. Every step has its own
time-stamp column, set once, so time to acknowledgement and to removal can be
measured per partner with plain SQL (`acknowledged_at - sent_at`). The times
are the acting side's clock, as its signed message says; `received_at` is the
receiver's.

Every signed message sent or received is kept whole in
`exchange_referral_messages`: the proof of what was said, the outbox for
redelivery, and (by its unique id) the guard against a replayed message.
"""

from sqlalchemy import (
    JSON,
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

exchange_referrals = Table(
    "exchange_referrals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False),
    Column("direction", String(3), nullable=False),  # out | in
    Column("partner", String(200), nullable=False),  # the other side, by the name this organisation gave it
    Column("uid", String(36), nullable=False),  # the referral's id on both sides
    Column("case_id", Integer, ForeignKey("cases.id")),  # out: the case referred
    Column("referral_id", Integer, ForeignKey("referrals.id")),  # out: the local referral it carries
    Column("category", String(40), nullable=False),
    Column("priority", String(20), nullable=False),
    Column("country", String(2)),
    Column("share_level", String(20), nullable=False),  # TLP 2.0 of the referral
    Column("payload", JSON, nullable=False),  # what was sent: hashes, URLs, hosting; content only if allowed
    Column("status", String(20), nullable=False),
    Column("outcome", String(40)),
    Column("external_ref", String(200)),
    Column("sent_at", DateTime(timezone=True)),
    Column("received_at", DateTime(timezone=True)),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("actioned_at", DateTime(timezone=True)),
    Column("removed_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "direction", "uid", name="uq_exchange_referrals_uid"),
    Index("ix_exchange_referrals_partner", "org_id", "partner", "direction"),
)

exchange_referral_messages = Table(
    "exchange_referral_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False),
    Column("exchange_referral_id", Integer, ForeignKey("exchange_referrals.id"), index=True),
    Column("direction", String(3), nullable=False),  # out | in
    Column("partner", String(200), nullable=False),
    Column("message_id", String(36), nullable=False),
    Column("kind", String(40), nullable=False),  # referral | status | witness
    Column("step", String(20)),
    Column("body", Text, nullable=False),  # the signed message, exactly as sent or received
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),  # out: when the partner accepted it
    Column("error", String(500)),  # out: the last delivery failure
    UniqueConstraint("org_id", "direction", "message_id", name="uq_exchange_referral_messages_id"),
)

witness_checkpoints = Table(
    "witness_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False),
    Column("partner", String(200), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("head", String(64), nullable=False),
    Column("at", String(40), nullable=False),  # the partner's time of the checkpoint, as signed
    Column("signer", String(64), nullable=False),  # the partner's audit public key (base64)
    Column("checkpoint", JSON, nullable=False),  # the signed checkpoint, whole
    Column("verdict", String(20), nullable=False),  # first | extends | same | cut | forked | key_changed
    Column("problem", String(500)),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Index("ix_witness_checkpoints_partner", "org_id", "partner", "seq"),
)
