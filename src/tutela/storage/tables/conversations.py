"""Conversation and account risk state: one row each, a compact JSON document.

Rows hold scores and message indices, never message text. Keys are keyed
hashes of the platform's ids (`tutela.storage.identifiers`), and so are the
participant ids inside the state, so a database dump does not reveal who
talked to whom.
"""

from sqlalchemy import Boolean, Column, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Table

from tutela.storage.db import metadata

conversation_states = Table(
    "conversation_states",
    metadata,
    Column("org_id", Integer, ForeignKey("orgs.id"), primary_key=True),
    Column("conv_key", String(128), primary_key=True),
    Column("state", LargeBinary, nullable=False),
    Column("risk", Float, nullable=False, default=0.0),
    Column("alert", Boolean, nullable=False, default=False),
    Column("message_count", Integer, nullable=False, default=0),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

account_states = Table(
    "account_states",
    metadata,
    Column("org_id", Integer, ForeignKey("orgs.id"), primary_key=True),
    Column("account_key", String(128), primary_key=True),
    Column("state", LargeBinary, nullable=False),
    Column("risk", Float, nullable=False, default=0.0),
    Column("alert", Boolean, nullable=False, default=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
