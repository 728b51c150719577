"""Hash banks and their entries (hashes only; media bytes are never stored).

`hash_entry_removals` is an append-only log of deleted entries: with entry ids
increasing, it lets every process's in-memory match index catch up with the
database incrementally (new ids added, logged ids removed) instead of
rebuilding, so an import in the CLI shows up in a running server without a
restart or a pause.

`bank_subscriptions` says which other organisations' banks an organisation
lets into its own decisions, and how far (mode `review` or `enforce`); a bank
of another organisation changes nothing for a subscriber without one row here.
Keyed by (subscriber, bank) so a partner's feed bank fits the same way.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
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

hash_banks = Table(
    "hash_banks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("owner_org_id", Integer, ForeignKey("orgs.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False, default="known"),
    Column("source", String(200)),
    Column("source_date", Date),
    Column("category", String(40), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("share_level", String(20), nullable=False, default="private"),
    Column("shared_with", JSON, nullable=False, default=list),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("pdq_radius", Integer, nullable=False, default=31),
    Column("min_quality", Integer, nullable=False, default=50),
    Column("description", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("owner_org_id", "name", name="uq_hash_banks_owner_name"),
)

hash_entries = Table(
    "hash_entries",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("bank_id", Integer, ForeignKey("hash_banks.id", ondelete="CASCADE"), nullable=False),
    Column("signal_type", String(20), nullable=False),
    Column("value", String(128), nullable=False),
    Column("label", String(200)),
    Column("quality", Integer),
    Column("added_at", DateTime(timezone=True), nullable=False),
    # who added the entry (an audit actor such as key:<id>, user:<id> or operator)
    Column("added_by", String(80)),
    # photo or video when the source said (exchange formats name MD5s by it)
    Column("content_type", String(10)),
    UniqueConstraint("bank_id", "signal_type", "value", name="uq_hash_entries_bank_value"),
    Index("ix_hash_entries_signal_value", "signal_type", "value"),
    # a bank's entries in id order (rescans, feeds, listings; migration 0016)
    Index("ix_hash_entries_bank_id_order", "bank_id", "id"),
    # ids must never be reused (SQLite reuses the highest rowid after a delete
    # without AUTOINCREMENT): match indexes follow the table by id
    sqlite_autoincrement=True,
)

bank_subscriptions = Table(
    "bank_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subscriber_org_id", Integer, ForeignKey("orgs.id"), nullable=False, index=True),
    Column("bank_id", Integer, ForeignKey("hash_banks.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("mode", String(20), nullable=False, default="review"),
    Column("created_by", String(80)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("subscriber_org_id", "bank_id", name="uq_bank_subscriptions_org_bank"),
)

hash_entry_removals = Table(
    "hash_entry_removals",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("entry_id", BigInteger, nullable=False),
    Column("signal_type", String(20), nullable=False),
    Column("removed_at", DateTime(timezone=True), nullable=False),
)
