"""Bulk inserts that skip rows already present, in one statement per batch.

Why not "select what exists, then insert the rest": on PostgreSQL a row-value
`IN` over a composite key is not served by the unique index, so every batch
scanned the whole table and a 100,000-entry bank import took minutes.
`INSERT ... ON CONFLICT DO NOTHING RETURNING` lets the unique index decide.

On PostgreSQL the batch travels as one array per column
(`INSERT ... SELECT * FROM unnest(...)`): one statement with a handful of
parameters, close to COPY speed, where multi-row VALUES makes the driver
parse a query of thousands of placeholders for every thousand rows. SQLite
is in-process, so SQLAlchemy's multi-row VALUES is already cheap there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, text


def insert_new(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], conflict: Sequence[str]) -> int:
    """Insert `rows`, silently skipping those whose `conflict` columns (a unique key) already
    exist; returns how many were inserted."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        return _insert_new_pg(conn, table, rows, conflict)
    if conn.dialect.name != "sqlite":  # pragma: no cover - Tutela runs on SQLite and PostgreSQL only
        raise NotImplementedError(conn.dialect.name)
    from sqlalchemy.dialects.sqlite import insert

    pk = list(table.primary_key.columns)[0]
    stmt = insert(table).on_conflict_do_nothing(index_elements=list(conflict)).returning(pk)
    return len(conn.execute(stmt, list(rows)).all())


def _insert_new_pg(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], conflict: Sequence[str]) -> int:
    names = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    cols = [table.c[name] for name in names]
    arrays = ", ".join(f"CAST(:c{k} AS {col.type.compile(dialect=conn.dialect)}[])" for k, col in enumerate(cols))
    pk = list(table.primary_key.columns)[0]
    sql = (
        f"INSERT INTO {conn.dialect.identifier_preparer.format_table(table)} ({', '.join(quote(n) for n in names)}) "
        f"SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO NOTHING RETURNING {quote(pk.name)}"
    )
    params = {f"c{k}": [row.get(name) for row in rows] for k, name in enumerate(names)}
    return len(conn.execute(text(sql), params).all())


__all__ = ["insert_new"]
