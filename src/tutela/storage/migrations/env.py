"""Alembic environment: runs the revisions in `versions/` against Tutela's tables.

The usual caller is `tutela.storage.schema`, which hands over an open
connection in `config.attributes["connection"]` (inside the transaction and
lock it holds). Without one, the URL comes from `-x url=...`, the config's
`sqlalchemy.url`, or Tutela's settings, so the plain `alembic` command works too.
SQLite cannot alter most of a table in place, so operations are rendered in
batch mode there (copy into a new table, swap); PostgreSQL alters in place.
The PostgreSQL schema is whatever `search_path` selects first, which is how
the tests give every test its own schema.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import tutela.storage.tables  # noqa: F401  (registers every area's tables on `metadata`)
from tutela.storage.db import metadata

config = context.config


def _configure(**kwargs: object) -> None:
    context.configure(target_metadata=metadata, compare_type=True, **kwargs)


def _run(connection: Connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from tutela.config import load_settings

    return load_settings().effective_database_url


if context.is_offline_mode():  # `alembic upgrade --sql`: print the SQL for a DBA to review
    url = _url()
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()
else:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
    else:
        from tutela.storage.db import Database
        from tutela.storage.schema import migrating

        db = Database(_url())
        try:
            with migrating(db) as conn:  # the same lock and SQLite foreign-key care as `tutela db upgrade`
                _run(conn)
        finally:
            db.dispose()
