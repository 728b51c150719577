"""Bank subscriptions; who added each hash entry.

Revision ID: 0005
Revises: 0004

`bank_subscriptions` (one row per subscribing organisation and bank, with a
mode) decides which other organisations' banks change an organisation's
decisions (issue 10). `hash_entries.added_by` records who added an entry;
entries from before this revision keep NULL (unknown), nothing is backfilled.
Adding a nullable column needs no table rebuild on SQLite, so the table keeps
its AUTOINCREMENT (match indexes rely on ids never being reused); the
downgrade rebuilds it and says so explicitly.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bank_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_org_id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["hash_banks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["subscriber_org_id"], ["orgs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscriber_org_id", "bank_id", name="uq_bank_subscriptions_org_bank"),
    )
    op.create_index("ix_bank_subscriptions_bank_id", "bank_subscriptions", ["bank_id"], unique=False)
    op.create_index(
        "ix_bank_subscriptions_subscriber_org_id", "bank_subscriptions", ["subscriber_org_id"], unique=False
    )
    op.add_column("hash_entries", sa.Column("added_by", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hash_entries", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("added_by")
    op.drop_index("ix_bank_subscriptions_subscriber_org_id", table_name="bank_subscriptions")
    op.drop_index("ix_bank_subscriptions_bank_id", table_name="bank_subscriptions")
    op.drop_table("bank_subscriptions")
