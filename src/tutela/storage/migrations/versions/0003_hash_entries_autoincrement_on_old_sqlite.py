"""hash_entries: AUTOINCREMENT on SQLite databases created before it was declared.

Revision ID: 0003
Revises: 0002

Match indexes in every process follow `hash_entries` by id (new ids are added,
ids logged in `hash_entry_removals` are dropped). Without AUTOINCREMENT, SQLite
hands the highest id out again after it is deleted, so an index that saw the old
entry can take a new hash for the removed one. The table declares it since late
2026-11, but `create_all` never changed a table that already existed: an
embedded database from before still reuses ids. This rebuilds such a table with
AUTOINCREMENT (rows, ids, indexes and keys kept) and starts its sequence above
every id ever handed out, including removed ones. PostgreSQL (identity
sequences never reuse ids) and databases that already have it are untouched.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _has_autoincrement(conn) -> bool:  # noqa: ANN001
    sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'hash_entries'")
    return "AUTOINCREMENT" in (sql.scalar() or "").upper()


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite" or _has_autoincrement(conn):
        return
    with op.batch_alter_table("hash_entries", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
        pass  # the copy is the change: same columns, keys and indexes, AUTOINCREMENT on
    highest = conn.exec_driver_sql(
        "SELECT max(coalesce((SELECT max(id) FROM hash_entries), 0),"
        " coalesce((SELECT max(entry_id) FROM hash_entry_removals), 0))"
    ).scalar()
    conn.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'hash_entries'")
    conn.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('hash_entries', ?)", (highest,))


def downgrade() -> None:
    pass  # reusing ids again is never wanted
