"""Schema migrations: the guard that every table change comes with a revision, and upgrades
of databases made by the previous release (0.1.0) that lose nothing, on SQLite and PostgreSQL.

The previous release's data is written through tables reflected from the database at
revision 0001, never through today's table objects, so the fixture keeps describing 0.1.0
however the tables change later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, MetaData, create_engine, inspect, select, text

from tutela.storage import schema
from tutela.storage.db import Database

AT = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)
KEY_SECRET = "previous-release-secret"  # a made-up credential for the test database only
KEY_ID = "0123456789abcdef"

# Columns a later revision rewrites on purpose (say which and why); every other column of
# every 0.1.0 row must come through an upgrade unchanged.
REWRITTEN_BY_A_REVISION: dict[tuple[str, str], str] = {}

Snapshot = dict[str, dict[Any, dict[str, Any]]]  # table -> primary key -> row


# --- databases ---------------------------------------------------------------------------


@contextmanager
def _empty_database(kind: str, tmp_path: Path) -> Iterator[Database]:
    """An empty database (no tables, no version): a SQLite file, or a fresh PostgreSQL schema
    selected by `search_path`, as `tests/conftest.py` gives every PostgreSQL test."""
    if kind == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'tutela.sqlite3'}")
        yield database
        database.dispose()
        return
    url = os.environ.get("TUTELA_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("TUTELA_TEST_POSTGRES_URL not set (CI sets it)")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    sep = "&" if "?" in url else "?"
    database = Database(f"{url}{sep}options=-csearch_path%3D{name}")
    try:
        yield database
    finally:
        database.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with _empty_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture()
def empty_pg(tmp_path: Path) -> Iterator[Database]:
    with _empty_database("postgres", tmp_path) as database:
        yield database


# --- the previous release's data ---------------------------------------------------------


def _populate_previous_release(conn: Connection) -> None:
    """A little of everything 0.1.0 stores: two organisations, a key, a person with a session,
    a report with its case, evidence, custody, notes, events, a referral and an appeal, the
    audit chain, a hash bank with entries and a removal, a policy, decisions and risk state."""
    t = MetaData()
    t.reflect(conn)
    tb = t.tables

    def add(table: str, /, **values: Any) -> int:
        return conn.execute(tb[table].insert().values(**values)).inserted_primary_key[0]

    hotline = add("orgs", name="Hotline One", kind="hotline", country="TR", created_at=AT)
    platform = add("orgs", name="Platform Two", kind="platform", country=None, created_at=AT)
    add(
        "api_keys",
        key_id=KEY_ID,
        secret_sha256=hashlib.sha256(KEY_SECRET.encode()).hexdigest(),
        org_id=platform,
        scopes=["reports", "moderate", "banks"],
        label="moderation service",
        created_at=AT,
        revoked=False,
    )
    analyst = add(
        "users",
        org_id=hotline,
        email="analyst@hotline.example",
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        role="analyst",
        created_at=AT,
        disabled=False,
    )
    add(
        "web_sessions",
        token_sha256="ab" * 32,
        user_id=analyst,
        csrf_token="cd" * 32,
        created_at=AT,
        expires_at=AT + dt.timedelta(hours=8),
    )
    text_vault = add(
        "vault_objects",
        ref="r" * 32,
        purpose="text",
        key_id="k1",
        nonce=b"\x00" * 12,
        ciphertext=b"\x8f\x10\x22ciphertext",
        size=13,
        created_at=AT,
    )
    file_vault = add(
        "vault_objects",
        ref="f" * 32,
        purpose="file",
        key_id="k1",
        nonce=b"\x01" * 12,
        ciphertext=b"\x00\xff" * 64,
        size=128,
        created_at=AT,
    )
    case = add(
        "cases",
        org_id=hotline,
        status="triage",
        priority="high",
        priority_rank=1,
        category="grooming",
        country="TR",
        assigned_to=analyst,
        report_count=1,
        routes=["hotline", "police"],
        legal_hold=True,
        created_at=AT,
        updated_at=AT,
        stage_entered_at=AT,
        deadline_at=AT + dt.timedelta(days=1),
    )
    report = add(
        "reports",
        reference_code="TUT-7Q2M-K8XD",
        org_id=hotline,
        case_id=case,
        created_at=AT,
        submitted_by="public",
        category="grooming",
        category_key="grooming",
        reporter_kind="child",
        anonymous=True,
        urls=["https://chat.example/u/123"],
        country="TR",
        language="tr",
        escalate=True,
        description_vault_id=text_vault,
        analysis={"scores": {"grooming": 0.91}, "flags": ["contact_request"]},
    )
    add("case_keys", org_id=hotline, kind="url", value="9f" * 32, case_id=case)
    evidence = add(
        "evidence",
        case_id=case,
        report_id=report,
        kind="file",
        filename="screenshot.png",
        content_type="image/png",
        size=128,
        md5="0" * 32,
        sha256="1" * 64,
        pdq="2" * 64,
        vault_object_id=file_vault,
        legal_hold=True,
        created_at=AT,
    )
    add("evidence_custody", evidence_id=evidence, at=AT, actor="public", action="received", detail="upload")
    add(
        "case_notes",
        case_id=case,
        at=AT,
        author="user:1",
        org_id=hotline,
        text="Asked the platform.",
        for_reporter=False,
    )
    add("case_events", case_id=case, at=AT, actor="system", event="created", to_status="triage")
    add(
        "referrals",
        case_id=case,
        org_id=hotline,
        agency_id="tr-egm",
        agency_name="Emniyet Genel Müdürlüğü",
        agency_kind="police",
        status="sent",
        created_by="user:1",
        created_at=AT,
        updated_at=AT,
        sent_at=AT,
    )
    add(
        "report_idempotency",
        org_id=hotline,
        key="ext-42",
        request_sha256="3" * 64,
        report_id=report,
        created_at=AT,
    )
    add("case_appeals", case_id=case, report_id=report, status="open", created_at=AT)
    add("retention_runs", at=AT, actor="cli", dry_run=True, summary={"cases": 0, "evidence": 0})
    for seq in (1, 2):
        add(
            "audit_log",
            seq=seq,
            at=AT.isoformat(),
            actor="user:1",
            org_id=hotline,
            action="case.view",
            object_type="case",
            object_id=str(case),
            details='{"why":"triage"}',
            prev_hash=f"{seq - 1:064x}",
            hash=f"{seq:064x}",
        )
    add("audit_head", id=1, seq=2, last_hash=f"{2:064x}")
    add(
        "conversation_states",
        org_id=platform,
        conv_key="c" * 64,
        state=b"\x01\x02\x03",
        risk=0.42,
        alert=False,
        message_count=7,
        updated_at=AT,
    )
    add(
        "account_states",
        org_id=platform,
        account_key="a" * 64,
        state=b"\x04\x05",
        risk=0.13,
        alert=True,
        updated_at=AT,
    )
    bank = add(
        "hash_banks",
        name="Known set",
        owner_org_id=hotline,
        kind="known",
        source="hotline analysts",
        source_date=dt.date(2026, 2, 1),
        category="csam",
        severity=3,
        share_level="private",
        shared_with=[],
        enabled=True,
        pdq_radius=31,
        min_quality=50,
        description="made-up hashes for the test",
        created_at=AT,
    )
    for signal, value in (("md5", "4" * 32), ("pdq", "5" * 64), ("sha256", "6" * 64)):
        add("hash_entries", bank_id=bank, signal_type=signal, value=value, quality=90, added_at=AT)
    entries = tb["hash_entries"]
    removed_id = conn.execute(select(entries.c.id).where(entries.c.signal_type == "sha256")).scalar_one()
    conn.execute(entries.delete().where(entries.c.id == removed_id))
    add("hash_entry_removals", entry_id=removed_id, signal_type="sha256", removed_at=AT)
    add(
        "policy_versions",
        org_id=platform,
        version=1,
        name="default",
        source="name: default\nrules: []\n",
        sha256="7" * 64,
        rules=0,
        created_at=AT,
        created_by="key:" + KEY_ID,
    )
    add("policy_state", org_id=platform, active_version=1, updated_at=AT, updated_by="key:" + KEY_ID)
    add(
        "moderation_decisions",
        decision_id=str(uuid.UUID(int=1)),
        org_id=platform,
        created_at=AT,
        policy="default",
        policy_version=1,
        decision="hold_for_review",
        actions=["hold"],
        ground="grooming",
        rules=["grooming.high"],
        facts={"grooming": 0.8},
        content_type="text",
        automated=True,
        sender_ref="8" * 64,
    )


def _snapshot(db: Database) -> Snapshot:
    """Every row of every Tutela table, keyed by primary key, as the database returns it."""
    out: Snapshot = {}
    with db.connect() as conn:
        meta = MetaData()
        meta.reflect(conn)
        for name, table in meta.tables.items():
            if name == "alembic_version":
                continue
            pk = [c.name for c in table.primary_key.columns]
            rows = [dict(r._mapping) for r in conn.execute(select(table))]
            out[name] = {tuple(r[c] for c in pk): r for r in rows}
    return out


def _previous_release(db: Database, *, versioned: bool) -> Snapshot:
    """The database as 0.1.0 left it, with data; `versioned=False` is how 0.1.0 really made it
    (`create_all`, no `alembic_version` table)."""
    schema.upgrade(db, schema.BASELINE)
    with db.begin() as conn:
        _populate_previous_release(conn)
        if not versioned:
            conn.execute(text("DROP TABLE alembic_version"))
    before = _snapshot(db)
    empty = sorted(name for name, rows in before.items() if not rows)
    assert not empty, f"the 0.1.0 fixture must put a row in every table; empty: {empty}"
    return before


def _assert_nothing_lost(db: Database, before: Snapshot, *, added: bool = False) -> None:
    """Every row and value of `before` is still there; `added`: rows written since may be too."""
    after = _snapshot(db)
    for name, rows in before.items():
        assert name in after, f"table {name} is gone after the upgrade"
        if added:
            assert rows.keys() <= after[name].keys(), f"rows of {name} lost"
        else:
            assert after[name].keys() == rows.keys(), f"rows of {name} changed"
        for pk, row in rows.items():
            for column, value in row.items():
                if (name, column) in REWRITTEN_BY_A_REVISION:
                    continue
                assert column in after[name][pk], f"{name}.{column} is gone after the upgrade"
                assert after[name][pk][column] == value, f"{name}.{column} of row {pk} changed"


def _assert_usable(db: Database) -> None:
    """The application works on the upgraded database: the old key signs in, new rows get new ids."""
    from tutela.access import authenticate_key, create_org, get_org

    principal = authenticate_key(db, f"tutela_{KEY_ID}_{KEY_SECRET}")
    assert principal.org_name == "Platform Two"
    new_id = create_org(db, "Added After Upgrade")
    assert get_org(db, "Added After Upgrade")["id"] == new_id
    assert new_id not in (1, 2)


# --- the guard: the revisions build exactly the tables -----------------------------------


def test_one_head_and_numbered_line() -> None:
    """Revisions form one line 0001, 0002, ...: two helpers adding a revision on the same parent
    must be merged into one line before landing."""
    script_dir = schema.scripts()
    files = sorted(p.name for p in schema.MIGRATIONS_DIR.joinpath("versions").glob("[0-9]*.py"))
    advice = (
        "two revisions were written on the same parent: give the one landed last the next number "
        f"(file name, `revision`, docstring) and `down_revision` = the one before it; files: {files}"
    )
    assert len(script_dir.get_heads()) == 1, advice
    line = list(reversed(list(script_dir.walk_revisions())))
    assert [r.revision for r in line] == [f"{i:04d}" for i in range(1, len(line) + 1)], advice
    for parent, child in zip(line, line[1:], strict=False):
        assert child.down_revision == parent.revision
    for rev in line:
        assert re.match(rf"{rev.revision}_\w+\.py$", Path(rev.path).name), rev.path


def test_revisions_build_the_tables(empty_db: Database) -> None:
    """Running every revision from an empty database gives exactly the tables in
    `tutela.storage.tables`. When this fails, a table changed without a migration:
    write one (`tutela db revision -m ...`, see docs/architecture.md "Schema changes")."""
    before, reached = schema.upgrade(empty_db)
    assert before.status == "empty"
    assert reached == schema.head()
    assert schema.differences(empty_db) == []


def test_fast_create_equals_the_revisions(empty_db: Database) -> None:
    """`Database.create_all` on an empty database (tests, first start) creates the tables and
    stamps the head; that is only right while it equals running the revisions."""
    empty_db.create_all()
    assert schema.state(empty_db).status == "current"
    assert schema.differences(empty_db) == []
    empty_db.create_all()  # idempotent
    assert schema.state(empty_db).current == schema.head()


def test_downgrades_run_and_the_upgrade_after_them_rebuilds_the_tables(empty_db: Database) -> None:
    """Every downgrade runs (down to the baseline), and upgrading again gives the same tables."""
    from alembic import command

    schema.upgrade(empty_db)
    with schema.migrating(empty_db) as conn:
        command.downgrade(schema.alembic_config(conn), schema.BASELINE)
    assert schema.state(empty_db).current == schema.BASELINE
    schema.upgrade(empty_db)
    assert schema.differences(empty_db) == []


# --- upgrades of the previous release ----------------------------------------------------


def test_previous_release_upgrades_and_keeps_every_row(empty_db: Database) -> None:
    before = _previous_release(empty_db, versioned=True)
    state, reached = schema.upgrade(empty_db)
    assert state.current == schema.BASELINE
    assert reached == schema.head()
    _assert_nothing_lost(empty_db, before)
    assert schema.differences(empty_db) == []
    _assert_usable(empty_db)


@pytest.mark.parametrize("how", ["db upgrade", "create_all"])
def test_unversioned_release_database_is_stamped_and_upgraded(empty_db: Database, how: str) -> None:
    """0.1.0 made its schema with `create_all`: tables and no `alembic_version`. It is recognised,
    recorded as the baseline and upgraded, by `tutela db upgrade` and by the automatic path."""
    before = _previous_release(empty_db, versioned=False)
    assert schema.state(empty_db).status == "legacy"
    if how == "db upgrade":
        state, _ = schema.upgrade(empty_db)
    else:
        state = schema.ensure_current(empty_db)
    assert state.status == "legacy"
    assert schema.state(empty_db).status == "current"
    _assert_nothing_lost(empty_db, before)
    assert schema.differences(empty_db) == []
    _assert_usable(empty_db)


def test_a_failing_migration_leaves_the_database_as_it_was(empty_db: Database) -> None:
    """Schema changes and the version stamp commit together or not at all (SQLite runs DDL inside
    the transaction too), so a revision that fails halfway leaves no half-migrated database."""
    empty_db.create_all()
    with pytest.raises(RuntimeError, match="halfway"), schema.migrating(empty_db) as conn:
        conn.execute(text("CREATE TABLE half_done (id INTEGER PRIMARY KEY)"))
        conn.execute(text("DROP TABLE rate_limits"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        raise RuntimeError("a revision failed halfway")
    with empty_db.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert "half_done" not in tables and "rate_limits" in tables
    assert schema.state(empty_db).status == "current"
    assert schema.differences(empty_db) == []


def test_database_from_a_newer_release_is_refused(empty_db: Database) -> None:
    """A database stamped with a revision this code does not know is left alone, with advice."""
    empty_db.create_all()
    with empty_db.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(schema.SchemaNotCurrent, match="does not know"):
        empty_db.create_all()
    with pytest.raises(schema.SchemaNotCurrent, match="does not know"):
        schema.upgrade(empty_db)
    with empty_db.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "9999"


def test_sqlite_database_from_before_autoincrement_stops_reusing_entry_ids(tmp_path: Path) -> None:
    """The issue's example of a table fix that never reached old databases: hash_entries got
    AUTOINCREMENT late in 0.1.0, and a file made before still hands a removed entry's id out again,
    which the match indexes of running processes take for the removed hash. Revision 0003 fixes it."""
    db = Database(f"sqlite:///{tmp_path / 'tutela.sqlite3'}")
    try:
        before = _previous_release(db, versioned=False)  # the newest entry was removed and logged
        with db.engine.connect() as conn:  # as `create_all` made the table before the fix
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
            sql = "SELECT sql FROM sqlite_master WHERE name = 'hash_entries'"
            create = conn.exec_driver_sql(sql).scalar()
            conn.exec_driver_sql("CREATE TABLE entries_copy AS SELECT * FROM hash_entries")
            conn.exec_driver_sql("DROP TABLE hash_entries")
            conn.exec_driver_sql(create.replace("AUTOINCREMENT", ""))
            conn.exec_driver_sql("INSERT INTO hash_entries SELECT * FROM entries_copy")
            conn.exec_driver_sql("DROP TABLE entries_copy")
            index = "CREATE INDEX ix_hash_entries_signal_value ON hash_entries (signal_type, value)"
            conn.exec_driver_sql(index)
            conn.commit()
        assert ("sqlite_autoincrement", "hash_entries", True) in schema.differences(db)
        removed = max(row["entry_id"] for row in before["hash_entry_removals"].values())
        assert removed > max(pk[0] for pk in before["hash_entries"])  # the id SQLite would hand out again

        db.create_all()

        assert schema.differences(db) == []
        _assert_nothing_lost(db, before)
        with db.begin() as conn:
            new_id = conn.execute(
                text(
                    "INSERT INTO hash_entries (bank_id, signal_type, value, quality, added_at) "
                    "VALUES (1, 'md5', :v, 90, :at) RETURNING id"
                ),
                {"v": "9" * 32, "at": AT},
            ).scalar_one()
        assert new_id > removed
    finally:
        db.dispose()


# --- start-up and the CLI ----------------------------------------------------------------


@pytest.fixture()
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Any]:
    from typer.testing import CliRunner

    from tutela.cli.main import app

    monkeypatch.setenv("TUTELA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TUTELA_CONFIG", raising=False)
    runner = CliRunner()

    def _run(*args: str, url: str | None = None) -> Any:
        if url:
            monkeypatch.setenv("TUTELA_DATABASE_URL", url)
        else:
            monkeypatch.delenv("TUTELA_DATABASE_URL", raising=False)
        return runner.invoke(app, list(args))

    return _run


def test_embedded_database_is_upgraded_automatically(cli: Callable[..., Any], tmp_path: Path) -> None:
    """The embedded SQLite default: a 0.1.0 file is upgraded by the first command, no step needed."""
    data = tmp_path / "data"
    data.mkdir()
    old = Database(f"sqlite:///{data / 'tutela.sqlite3'}")
    before = _previous_release(old, versioned=False)
    old.dispose()
    result = cli("admin", "create-org", "After Upgrade")
    assert result.exit_code == 0, result.output
    reopened = Database(f"sqlite:///{data / 'tutela.sqlite3'}")
    try:
        assert schema.state(reopened).status == "current"
        after = _snapshot(reopened)
        assert len(after["orgs"]) == len(before["orgs"]) + 1
        _assert_nothing_lost(reopened, before, added=True)
    finally:
        reopened.dispose()
    result = cli("db", "check")
    assert result.exit_code == 0, result.output


def test_postgres_behind_refuses_to_start_until_db_upgrade(
    empty_pg: Database, cli: Callable[..., Any]
) -> None:
    """PostgreSQL is upgraded only on purpose: `serve` and every other command refuse with advice."""
    empty_db = empty_pg
    before = _previous_release(empty_db, versioned=False)
    for args in (("serve", "--port", "1"), ("admin", "create-org", "Too Early")):
        result = cli(*args, url=empty_db.url)
        assert result.exit_code == 2, result.output
        assert "tutela db upgrade" in result.output
    assert schema.state(empty_db).status == "legacy"  # nothing touched
    result = cli("db", "check", url=empty_db.url)
    assert result.exit_code == 1
    result = cli("db", "upgrade", url=empty_db.url)
    assert result.exit_code == 0, result.output
    assert f"-> {schema.head()}" in result.output
    result = cli("db", "check", url=empty_db.url)
    assert result.exit_code == 0, result.output
    _assert_nothing_lost(empty_db, before)
    result = cli("admin", "create-org", "In Time", url=empty_db.url)
    assert result.exit_code == 0, result.output
