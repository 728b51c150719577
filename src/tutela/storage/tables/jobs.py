"""Work that outlives a request: the outbox, leases for singleton roles, and stream idempotency.

- `outbox`: what a decision (or anything else) asks to be done later, written in the same
  transaction as the decision, carried out by workers. `key` is unique: enqueuing the same
  work twice is a no-op, and the handler gets the key as its idempotency key. The payload is
  sealed with the vault key (it may hold preserved message text) and is cleared when done.
- `leases`: one row per singleton role ("scheduler"): who holds it and until when; a second
  process takes it over only after it expired.
- `stream_messages`: which stream messages were processed (per organisation and platform
  message id) and the decision they got, so a redelivered message is answered, not decided again.
"""

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text, UniqueConstraint

from tutela.storage.db import metadata

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("key", String(200), nullable=False, unique=True),
    Column("org_id", Integer),
    Column("payload", Text),
    Column("status", String(10), nullable=False),  # pending | done | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("available_at", DateTime(timezone=True), nullable=False),
    Column("claim", String(40)),
    Column("claimed_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True)),
    Column("result", String(500)),
    Column("last_error", String(500)),
    Index("ix_outbox_status_available", "status", "available_at"),
)

leases = Table(
    "leases",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("acquired_at", DateTime(timezone=True), nullable=False),
)

stream_messages = Table(
    "stream_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("decision_id", String(36), nullable=False),
    Column("result", Text, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "message_id", name="uq_stream_messages_org_message"),
)
