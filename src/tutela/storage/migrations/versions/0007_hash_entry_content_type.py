"""The content type (photo or video) of a hash entry, when its source said.

Revision ID: 0007
Revises: 0006

Exchange formats name an MD5 of a photo and of a video differently
(python-threatexchange's `photo_md5` and `video_md5`); without the content
type every MD5 had to be exported as a video's (issue 13). Entries from
before this revision keep NULL (unknown) and are exported under the plain
signal name. A nullable column needs no table rebuild on SQLite, so the
table keeps its AUTOINCREMENT; the downgrade rebuilds it and says so.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("hash_entries", sa.Column("content_type", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hash_entries", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("content_type")
