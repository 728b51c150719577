"""A full resync is written aside (`exchange_staged`) and swapped in, instead of upserted row by row.

Revision ID: 0015
Revises: 0014

A full resync of a partner's feed (a first pull, or after a stale checkpoint) used to upsert a
million received signals page by page into the live `exchange_received` rows and the inbound
bank: random keys into three indexes, rewritten at every page's commit (issue 14: about a third
of the receiver's CPU at a million). It now appends each page to this table, which has no index
but its key, while the live rows keep serving matches; the last page swaps the snapshot in with a
few set-based statements in one transaction (`exchange.resync`). A crash midway leaves the old
rows serving and the checkpoint where it was; the next resync clears what was staged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "exchange_staged",
        sa.Column("id", _BIG, nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=False),
        sa.Column("stix_id", sa.String(length=64), nullable=False),
        sa.Column("signal_type", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("content_type", sa.String(length=10), nullable=True),
        sa.Column("group_name", sa.String(length=100), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("share_level", sa.String(length=20), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("remote_seq", _BIG, nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("entry_type", sa.String(length=20), nullable=True),
        sa.Column("entry_content", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["inbound_id"], ["exchange_inbound.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("exchange_staged")
