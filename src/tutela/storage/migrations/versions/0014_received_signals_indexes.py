"""Received signals: the value index covers keyed identifiers only; a resync finds untouched rows by time.

Revision ID: 0014
Revises: 0013

`exchange_received` had an index on (signal_type, value) for every received signal. A hash
signal is looked up by value in the bank (`hash_entries` has its own value index); the received
row is found by its bank entry or its STIX id. Only keyed identifiers (URLs, accounts, which
become no bank entry) are looked up by value there (`exchange.keyed.lookup`, by group and value).
Writing a random hash into one more index for each of a million received signals was a fifth of
the receiver's database work in a full sync (issue 14), so the index is replaced by a partial one
on (group_name, value) for rows with a sharing group: keyed identifiers always name one.

A full resync ends by dropping the rows of its feed not touched since it started
(`inbound.finish_resync`: `received_at` older than the start): without an index that read every
received row (5 CPU-seconds after a million); (inbound_id, received_at) answers it from the index,
and costs little to keep, since new rows always go at the end of their feed's range.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYED = sa.text("group_name IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_exchange_received_value", table_name="exchange_received")
    op.create_index(
        "ix_exchange_received_keyed",
        "exchange_received",
        ["group_name", "value"],
        unique=False,
        sqlite_where=_KEYED,
        postgresql_where=_KEYED,
    )
    op.create_index("ix_exchange_received_inbound_time", "exchange_received", ["inbound_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_exchange_received_inbound_time", table_name="exchange_received")
    op.drop_index("ix_exchange_received_keyed", table_name="exchange_received")
    op.create_index("ix_exchange_received_value", "exchange_received", ["signal_type", "value"], unique=False)
