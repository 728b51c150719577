"""Report status lookups counted per report and day; rate-limit counters shared by processes.

Revision ID: 0002
Revises: 0001

Two new tables, nothing existing changes. `report_status_lookups` replaces an
audit entry per anonymous status lookup (the audit trail keeps what 0.1.0
wrote); `rate_limits` holds fixed-window counters when Redis is not configured.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("bucket", sa.String(length=120), nullable=False),
        sa.Column("window_start", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket"),
    )
    op.create_table(
        "report_status_lookups",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("lookups", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"]),
        sa.PrimaryKeyConstraint("report_id", "day"),
    )


def downgrade() -> None:
    op.drop_table("report_status_lookups")
    op.drop_table("rate_limits")
