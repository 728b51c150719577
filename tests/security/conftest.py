"""One app per database: every attack here runs on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tutela.config import Settings
from tutela.storage.db import Database


@dataclass
class Backend:
    client: object
    db: Database
    auth: Callable[..., dict[str, str]]


def _backend(settings: Settings, database: Database) -> Iterator[Backend]:
    from fastapi.testclient import TestClient

    from tutela.access import create_key, create_org, get_org
    from tutela.api.app import create_app

    def auth(org: str = "test-org", scopes: list[str] | None = None, kind: str = "platform") -> dict[str, str]:
        if get_org(database, org) is None:
            create_org(database, org, kind=kind)
        return {"Authorization": f"Bearer {create_key(database, org, scopes or ['admin'])}"}

    with TestClient(create_app(settings, database), raise_server_exceptions=False) as client:
        yield Backend(client, database, auth)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Backend]:
    database = request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")
    yield from _backend(settings, database)
