"""The database handle every area shares.

SQLAlchemy Core (not the ORM) keeps queries explicit and fast; tables are
declared per area in `tutela.storage.tables.<area>` against one `metadata`, so
adding an area adds one file; changing a table adds a migration
(`tutela.storage.migrations`, see `tutela.storage.schema`). SQLite runs in WAL mode with `synchronous=FULL`
so an acknowledged write survives `kill -9`; the frequent writers take turns at a gate beside the file
(`begin_write`, `tutela.storage.writegate`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, create_engine, event

from tutela.config import Settings
from tutela.storage.writegate import gate_for, held

metadata = MetaData()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _private_sqlite_files(url: str) -> None:
    """Create the SQLite file as 0600 before SQLite does (it would use the umask, often 0644),
    and tighten an existing one with its WAL and shared-memory files: they hold every report
    and key hash in the clear. SQLite gives new -wal/-shm files the database file's mode."""
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        except OSError:
            return  # no such directory etc.: SQLite will say so
    for suffix in ("", "-wal", "-shm", "-journal"):
        f = path.with_name(path.name + suffix)
        try:
            if f.exists() and f.stat().st_mode & 0o077:
                f.chmod(0o600)
        except PermissionError:
            pass


class Database:
    """Owns the engine; `create_all` brings the schema to the head migration (idempotent).

    `hide_parameters=True`: SQLAlchemy otherwise puts every bound value into its exception
    messages, and those reach the server log: report texts, e-mail addresses, key hashes."""

    def __init__(self, url: str, *, echo: bool = False, settings: Settings | None = None) -> None:
        self.url = url
        #: The instance's settings, for what needs its keys or data dir next to the tables (the audit chain).
        self.settings = settings
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            _private_sqlite_files(url)
            self.engine: Engine = create_engine(
                url, echo=echo, hide_parameters=True, connect_args={"check_same_thread": False, "timeout": 10}
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self._gate = gate_for(url)
        else:
            self._gate = None
            self.engine = create_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=10,
                                        max_overflow=20)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The configured database, at the schema this code needs.

        The embedded SQLite default is upgraded on the spot (one operator, one file).
        PostgreSQL is upgraded only by an explicit `tutela db upgrade`, usually with a
        backup first: a database that is behind raises `SchemaNotCurrent` with that advice."""
        from tutela.storage import schema

        if not settings.database_url:
            settings.ensure_data_dir()
        db = cls(settings.effective_database_url, settings=settings)
        try:
            if db.is_sqlite:
                db.create_all()
            else:
                schema.require_current(db)
        except BaseException:
            db.dispose()
            raise
        return db

    def create_all(self) -> None:
        """Bring the schema to the head migration: create it when empty, upgrade it otherwise
        (see `tutela.storage.schema.ensure_current`)."""
        import tutela.storage.tables  # noqa: F401  (registers every area's tables)
        from tutela.storage import schema

        schema.ensure_current(self)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction: committed on success, rolled back on error."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def begin_write(self, *, urgent: bool = False) -> Iterator[Connection]:
        """A transaction that writes, for the paths that write often (the decision log, the outbox,
        the audit chain): on a SQLite file it first queues at the file's write gate
        (`storage.writegate`), so writers take turns in order instead of polling SQLite's lock.
        `urgent`: a request waits for this commit; it goes before the other writers waiting."""
        with held(self._gate, urgent=urgent), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


__all__ = ["Database", "metadata"]
