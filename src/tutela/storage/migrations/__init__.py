"""Alembic migrations of Tutela's schema (SQLite and PostgreSQL).

`env.py` runs them against the tables' `metadata`; `versions/` holds one file
per schema change, numbered `0001`, `0002`, ... in a single line. Use them
through `tutela.storage.schema` or `tutela db ...`, not the `alembic` command:
those add the legacy-database stamp, the SQLite foreign-key handling and the
PostgreSQL lock around an upgrade.
"""
