"""Two organisations that know each other's keys, on one instance: the smallest exchange."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tutela.access import create_org
from tutela.exchange import identity, partners
from tutela.storage.db import Database


@dataclass
class Pair:
    db: Database
    a: int  # organisation ids
    b: int


@pytest.fixture()
def pair(db: Database) -> Pair:
    """Hotline `tr-hotline` (A) and platform `az-platform` (B), each registered as the other's partner
    under the name of the other organisation, at share level amber."""
    a = create_org(db, "tr-hotline", kind="hotline", country="TR")
    b = create_org(db, "az-platform", kind="platform", country="AZ")
    partners.add_partner(db, a, "az-platform", identity.current_key(db, b).public_key, country="AZ")
    partners.add_partner(db, b, "tr-hotline", identity.current_key(db, a).public_key, country="TR")
    return Pair(db, a, b)


# --- real servers on loopback -------------------------------------------------------------------------------


@dataclass
class Instance:
    """One Tutela instance: its own data dir (keys, vault), database and uvicorn server on loopback."""

    name: str
    settings: object
    db: Database
    url: str
    org_id: int


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def instance_factory(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """instance_factory("tr-hotline", country="TR", postgres=True) -> a running Instance with that org.

    `postgres=True` puts its database in a fresh PostgreSQL schema when TUTELA_TEST_POSTGRES_URL is set
    (SQLite otherwise). Every server is stopped and every schema dropped afterwards."""
    import os
    import threading
    import time
    import uuid

    import uvicorn
    from sqlalchemy import create_engine, text

    from tutela.api.app import create_app
    from tutela.config import Settings

    started: list[tuple[object, threading.Thread, Database]] = []
    schemas: list[str] = []
    pg_url = os.environ.get("TUTELA_TEST_POSTGRES_URL")

    def make(
        org: str, *, kind: str = "hotline", country: str | None = None, postgres: bool = False
    ) -> Instance:
        data = tmp_path / f"instance-{org}" / "data"
        settings = Settings(data_dir=data, secret_key=f"secret-key-of-{org}-for-tests")
        settings.ensure_data_dir()
        if postgres and pg_url:
            schema = f"x_{uuid.uuid4().hex[:12]}"
            admin = create_engine(pg_url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            admin.dispose()
            schemas.append(schema)
            sep = "&" if "?" in pg_url else "?"
            db = Database(f"{pg_url}{sep}options=-csearch_path%3D{schema}", settings=settings)
            db.create_all()
        else:
            db = Database.from_settings(settings)
        org_id = create_org(db, org, kind=kind, country=country)
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings, db), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server of {org} did not start")
            time.sleep(0.05)
        started.append((server, thread, db))
        return Instance(org, settings, db, f"http://127.0.0.1:{port}", org_id)

    yield make
    for server, thread, db in started:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        db.dispose()
    if schemas:
        admin = create_engine(pg_url)
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def introduce(a: Instance, b: Instance, *, a_level: str = "amber", b_level: str = "amber") -> None:
    """Each instance's organisation registers the other as a partner, with its key and URL."""
    partners.add_partner(
        a.db,
        a.org_id,
        b.name,
        identity.current_key(b.db, b.org_id).public_key,
        url=b.url,
        share_level=a_level,
    )
    partners.add_partner(
        b.db,
        b.org_id,
        a.name,
        identity.current_key(a.db, a.org_id).public_key,
        url=a.url,
        share_level=b_level,
    )


@pytest.fixture()
def two_instances(instance_factory):  # noqa: ANN001, ANN201
    """A Turkish hotline on PostgreSQL (when available) and an Azerbaijani platform on SQLite, introduced."""
    a = instance_factory("tr-hotline", kind="hotline", country="TR", postgres=True)
    b = instance_factory("az-platform", kind="platform", country="AZ")
    introduce(a, b)
    return a, b
