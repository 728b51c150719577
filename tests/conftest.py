"""Shared fixtures: an isolated data dir, a database, an app client and API keys.

Every test gets its own temporary SQLite database unless it asks for the
PostgreSQL one (`pg_db`), which runs only when TUTELA_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tutela.config import Settings
from tutela.storage.db import Database

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture()
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("TUTELA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TUTELA_DATABASE_URL", raising=False)
    monkeypatch.delenv("TUTELA_CONFIG", raising=False)
    s = Settings(data_dir=tmp_path / "data")
    s.ensure_data_dir()
    return s


@pytest.fixture()
def db(settings: Settings) -> Iterator[Database]:
    database = Database.from_settings(settings)
    yield database
    database.dispose()


@pytest.fixture()
def pg_db(settings: Settings) -> Iterator[Database]:
    """A PostgreSQL database in a fresh schema, dropped afterwards (keys and checkpoints in `settings`' data dir)."""
    url = os.environ.get("TUTELA_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("TUTELA_TEST_POSTGRES_URL not set (CI sets it)")
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    database = Database(f"{url}{sep}options=-csearch_path%3D{schema}", settings=settings)
    database.create_all()
    yield database
    database.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture()
def app(settings: Settings, db: Database):
    from tutela.api.app import create_app

    return create_app(settings, db)


@pytest.fixture()
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture()
def make_key(db: Database) -> Callable[..., str]:
    """make_key("org-a", ["cases"]) -> a bearer credential (creates the org if needed)."""
    from tutela.access import create_key, create_org, get_org

    def _make(org: str = "test-org", scopes: list[str] | None = None, kind: str = "platform") -> str:
        if get_org(db, org) is None:
            create_org(db, org, kind=kind)
        return create_key(db, org, scopes or ["admin"])

    return _make


@pytest.fixture()
def auth(make_key: Callable[..., str]) -> Callable[..., dict[str, str]]:
    """auth("org-a", ["cases"]) -> headers with a bearer key."""

    def _auth(org: str = "test-org", scopes: list[str] | None = None, kind: str = "platform") -> dict[str, str]:
        return {"Authorization": f"Bearer {make_key(org, scopes, kind)}"}

    return _auth
