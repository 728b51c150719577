"""`tutela db`: the database schema (upgrade, current, check, revision)."""

from __future__ import annotations

import typer

from tutela.cli.common import fail, settings


def _database():  # noqa: ANN202
    """The configured database as it is: no automatic upgrade, no refusal (these commands fix that)."""
    from tutela.storage.db import Database

    s = settings()
    if not s.database_url:
        s.ensure_data_dir()
    return Database(s.effective_database_url)


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="Database schema: upgrade, current, check, revision.", no_args_is_help=True)
    app.add_typer(db_app, name="db")

    @db_app.command("upgrade")
    def upgrade_cmd(
        to: str = typer.Option("head", "--to", help="target revision (default: the newest)"),
    ) -> None:
        """Upgrade the schema (a 0.1.0 database is recorded as 0001 first; no row is lost).

        Needed on PostgreSQL after installing a new version; the embedded SQLite
        database is upgraded by every command on its own. Take a backup first."""
        from alembic.util import CommandError

        from tutela.storage import schema

        db = _database()
        try:
            before, reached = schema.upgrade(db, to)
        except (schema.SchemaNotCurrent, CommandError) as exc:
            fail(str(exc))
        finally:
            db.dispose()
        where = schema.safe_url(db.url)
        if before.current == reached:
            typer.echo(f"{where}: already at {reached}")
        else:
            start = before.current or ("0.1.0 (unversioned)" if before.status == "legacy" else "empty")
            typer.echo(f"{where}: upgraded {start} -> {reached}")

    @db_app.command("current")
    def current_cmd() -> None:
        """Show the database's schema revision and the one this version needs."""
        from tutela.storage import schema

        db = _database()
        try:
            st = schema.state(db)
        finally:
            db.dispose()
        typer.echo(f"database: {schema.safe_url(db.url)}")
        typer.echo(f"revision: {st.current or '(none)'}  needed: {st.head}  status: {st.status}")
        typer.echo(st.explain())

    @db_app.command("check")
    def check_cmd() -> None:
        """Exit 0 when the schema is at the newest revision and matches the tables; 1 otherwise."""
        from tutela.storage import schema

        db = _database()
        try:
            st = schema.state(db)
            diffs = schema.differences(db) if st.status == "current" else []
        finally:
            db.dispose()
        if st.status != "current":
            fail(st.explain(), code=1)
        if diffs:
            for d in diffs:
                typer.echo(f"  {d}", err=True)
            fail(f"revision {st.current} is recorded but the schema differs from the tables: {len(diffs)}", 1)
        typer.echo(st.explain())

    @db_app.command("revision")
    def revision_cmd(
        message: str = typer.Option(..., "-m", "--message", help="what it changes, e.g. 'subscriptions'"),
    ) -> None:
        """For developers: write the next migration from the table changes (review it before committing)."""
        from tutela.storage import schema

        path = schema.new_revision(message)
        typer.echo(f"wrote {path}")
        typer.echo("Review it: a rename shows up as drop + add (data loss); SQLite rebuilds tables in batch.")
