"""Schema versions: where a database stands and how it reaches the code's schema.

The tables in `tutela.storage.tables` are the truth; the Alembic revisions in
`tutela.storage.migrations` are how an existing database gets there, one
revision per change. Three cases:

- an empty database is created from the tables and stamped with the head
  revision (fast; a test guards that this equals running every revision);
- a database made by `create_all` before migrations existed (0.1.0: tables,
  no `alembic_version`) is stamped as the baseline `0001` and then upgraded;
- a versioned database is upgraded revision by revision.

Every upgrade runs in one transaction under a lock (`BEGIN IMMEDIATE` on
SQLite, an advisory lock on PostgreSQL), so two processes starting at once
migrate once and a failed revision leaves the database as it was. On SQLite,
foreign-key enforcement is off while tables are rebuilt (a rebuilt parent
table would otherwise cascade-delete its children) and the keys are checked
before commit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url

from tutela.storage.db import metadata

if TYPE_CHECKING:
    from tutela.storage.db import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema of 0.1.0, the last release made by `create_all`
_LEGACY_MARKER = "orgs"  # every Tutela database since 0.1.0 has it
_PG_LOCK_KEY = 0x74757465  # "tute": one advisory lock for schema changes
_lock = threading.Lock()


class SchemaNotCurrent(RuntimeError):
    """The database is not at the schema this code needs (behind, or made by a newer release)."""


@dataclass(frozen=True)
class SchemaState:
    current: str | None  # revision recorded in the database; None when unversioned
    head: str  # revision this code needs
    has_tables: bool  # any Tutela table present

    @property
    def status(self) -> str:
        """`empty`, `legacy` (0.1.0, unversioned), `behind`, `current` or `unknown` (a newer release)."""
        if self.current is None:
            return "legacy" if self.has_tables else "empty"
        if self.current == self.head:
            return "current"
        return "behind" if self.current in _known_revisions() else "unknown"

    def explain(self) -> str:
        status = self.status
        if status == "current":
            return f"schema is current (revision {self.head})"
        if status == "empty":
            return f"database is empty; `tutela db upgrade` creates the schema (revision {self.head})"
        if status == "legacy":
            return (
                f"database was made by Tutela 0.1.0 (no schema version); `tutela db upgrade` records it as "
                f"{BASELINE} and upgrades it to {self.head}, keeping every row"
            )
        if status == "behind":
            return (
                f"schema is at revision {self.current}, this version needs {self.head}: "
                "run `tutela db upgrade`"
            )
        return (
            f"schema is at revision {self.current}, which this version of Tutela does not know "
            f"(made by a newer release?); it needs {self.head}. Run the newer release, or restore a backup"
        )


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the packaged migrations; `connection` is used as is when given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


@lru_cache(maxsize=1)
def _known_revisions() -> frozenset[str]:
    return frozenset(s.revision for s in scripts().walk_revisions())


def head() -> str:
    """The single head revision (Alembic raises when revisions branched: merge them)."""
    head_rev = scripts().get_current_head()
    if head_rev is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head_rev


def state_of(conn: Connection) -> SchemaState:
    current = MigrationContext.configure(conn).get_current_revision()
    has_tables = inspect(conn).has_table(_LEGACY_MARKER)
    return SchemaState(current=current, head=head(), has_tables=has_tables)


def state(db: Database) -> SchemaState:
    with db.connect() as conn:
        return state_of(conn)


def require_current(db: Database) -> SchemaState:
    """Raise `SchemaNotCurrent` unless the database is at the head revision (PostgreSQL start-up)."""
    st = state(db)
    if st.status != "current":
        raise SchemaNotCurrent(f"{safe_url(db.url)}: {st.explain()}")
    return st


@contextmanager
def migrating(db: Database) -> Iterator[Connection]:
    """One connection in one transaction holding the schema lock; see the module docstring."""
    with _lock, db.engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            with conn.begin():
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                yield conn
            return
        raw = conn.connection.driver_connection
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction: set it first
        conn.commit()
        isolation = raw.isolation_level
        raw.isolation_level = None  # pysqlite would run DDL outside the transaction; BEGIN ourselves
        try:
            with conn.begin():
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")
        finally:
            raw.isolation_level = isolation
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def _stamp(conn: Connection, revision: str) -> None:
    MigrationContext.configure(conn).stamp(scripts(), revision)


def _refuse_unknown(st: SchemaState, db: Database) -> None:
    if st.status == "unknown":
        raise SchemaNotCurrent(f"{safe_url(db.url)}: {st.explain()}")


def upgrade(db: Database, revision: str = "head") -> tuple[SchemaState, str | None]:
    """Run the revisions up to `revision`; a 0.1.0 database is stamped `0001` first.

    Returns the state found and the revision reached. This is `tutela db upgrade`:
    it always runs the revisions, even on an empty database."""
    with migrating(db) as conn:
        before = state_of(conn)
        _refuse_unknown(before, db)
        if before.status == "legacy":
            _stamp(conn, BASELINE)
        command.upgrade(alembic_config(conn), revision)
        return before, MigrationContext.configure(conn).get_current_revision()


def ensure_current(db: Database) -> SchemaState:
    """Bring the database to the head revision: `Database.create_all` and the embedded default.

    An empty database gets the tables directly and is stamped `head`; the guard test
    (`tests/storage/test_migrations.py`) keeps that identical to running the revisions."""
    found = state(db)
    if found.status == "current":  # the common case: no write lock taken
        return found
    with migrating(db) as conn:
        before = state_of(conn)
        _refuse_unknown(before, db)
        if before.status == "empty":
            metadata.create_all(conn)
            _stamp(conn, "head")
        elif before.status != "current":
            if before.status == "legacy":
                _stamp(conn, BASELINE)
            command.upgrade(alembic_config(conn), "head")
        return before


def differences(db: Database) -> list[Any]:
    """What the database's schema lacks or has beyond the tables' definitions (empty = equal).

    Alembic's comparison, plus SQLite's AUTOINCREMENT (which it does not see and which
    decides whether ids are reused after a delete)."""
    import tutela.storage.tables  # noqa: F401  (registers every area's tables)

    with db.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs: list[Any] = [d for d in compare_metadata(ctx, metadata) if not _is_version_table(d)]
        if conn.dialect.name == "sqlite":
            diffs.extend(_sqlite_autoincrement_differences(conn))
    return diffs


def _is_version_table(diff: Any) -> bool:
    return isinstance(diff, tuple) and diff[0] == "remove_table" and diff[1].name == "alembic_version"


def _sqlite_autoincrement_differences(conn: Connection) -> list[tuple[str, str, bool]]:
    rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    created = {name: "AUTOINCREMENT" in (sql or "").upper() for name, sql in rows}
    out = []
    for table in metadata.sorted_tables:
        wanted = bool(table.dialect_options["sqlite"].get("autoincrement"))
        if table.name in created and created[table.name] != wanted:
            out.append(("sqlite_autoincrement", table.name, wanted))
    return out


def new_revision(message: str) -> Path:
    """Write `versions/NNNN_<message>.py`, autogenerated against a scratch SQLite database at head.

    Always review the file: autogenerate sees a rename as a drop and an add."""
    import tempfile

    from tutela.storage.db import Database

    with tempfile.TemporaryDirectory() as tmp:
        scratch = Database(f"sqlite:///{Path(tmp) / 'scratch.sqlite3'}")
        try:
            upgrade(scratch)
            numbers = [int(r) for r in _known_revisions() if r.isdigit()]
            with scratch.engine.connect() as conn:
                script = command.revision(
                    alembic_config(conn), message=message, autogenerate=True, rev_id=f"{max(numbers) + 1:04d}"
                )
        finally:
            scratch.dispose()
    scripts.cache_clear()
    _known_revisions.cache_clear()
    if script is None or isinstance(script, list):
        raise RuntimeError("alembic wrote no single revision")
    return Path(script.path)


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


__all__ = [
    "BASELINE",
    "MIGRATIONS_DIR",
    "SchemaNotCurrent",
    "SchemaState",
    "alembic_config",
    "differences",
    "ensure_current",
    "head",
    "migrating",
    "new_revision",
    "require_current",
    "state",
    "upgrade",
]
