"""Review console: organisation outcome lists, reviewer wellness settings, saved queue filters.

Revision ID: 0013
Revises: 0012

New tables `org_outcomes` (an organisation's outcomes for closing a case, each with its DSA
decision ground; none means the defaults), `reviewer_settings` (a person's blur, greyscale,
video and break-reminder choices) and `saved_filters` (a person's named queue filters). Two
nullable columns on `cases`: the organisation's outcome chosen (`outcome_key`) and its DSA
ground at closing (`outcome_ground`); cases closed before this revision keep them empty and
read as their `outcome`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "org_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ground", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_id", "key", name="uq_org_outcomes_org_key"),
    )
    op.create_index(op.f("ix_org_outcomes_org_id"), "org_outcomes", ["org_id"], unique=False)
    op.create_table(
        "reviewer_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("prefs", sa.JSON(), nullable=False),
        sa.Column("hard_items", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),
    )
    op.create_index(op.f("ix_saved_filters_user_id"), "saved_filters", ["user_id"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome_key", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("outcome_ground", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("outcome_ground")
        batch_op.drop_column("outcome_key")
    op.drop_index(op.f("ix_saved_filters_user_id"), table_name="saved_filters")
    op.drop_table("saved_filters")
    op.drop_table("reviewer_settings")
    op.drop_index(op.f("ix_org_outcomes_org_id"), table_name="org_outcomes")
    op.drop_table("org_outcomes")
