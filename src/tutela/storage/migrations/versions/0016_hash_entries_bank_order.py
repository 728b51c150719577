"""Bank entries in id order: an index on (bank_id, id).

Revision ID: 0016
Revises: 0015

A rescan streams a bank's stored hashes by id range (`hashing.rescan`), an exchange feed pages a
bank's entries after a cursor id (`exchange.feed`), and the bank listing pages them by id: all ask
for "this bank's entries, in id order, from here". Without an index that answers it, PostgreSQL
had two plans, both bad at scale: the primary key's id range, filtering out other banks' rows
(every bank's rows, where the bank is small and the others large), or, where the table had no
statistics yet (right after a bulk load of 10 million hashes), the unique (bank_id, signal_type,
value) index, reading the whole bank and sorting it for every chunk of 50,000: a rescan of 10
million stored hashes ran at about 800 a second instead of tens of thousands (issue 15). With
(bank_id, id) every such read is one range of one index, whatever the statistics say.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_hash_entries_bank_id_order", "hash_entries", ["bank_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_hash_entries_bank_id_order", table_name="hash_entries")
