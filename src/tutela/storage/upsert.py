"""INSERT ... ON CONFLICT for both databases: SQLite and PostgreSQL spell it alike, SQLAlchemy does not."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def upsert_insert(conn: Connection, table: Table) -> Any:
    """An insert with `.on_conflict_do_update` / `.excluded` for the connection's dialect."""
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
