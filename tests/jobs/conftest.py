"""Fixtures for the scale-out roles: a database of either engine, brokers of either kind.

Redis tests run when TUTELA_TEST_REDIS_URL is set and use a fresh key prefix each,
deleted afterwards, so parallel runs never see each other's streams.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from tutela.config import Settings
from tutela.storage.db import Database

#: Written for these tests: a sextortion threat from an adult stranger to a child (opens a case),
#: and an ordinary message between classmates.
THREAT = "pay me or I'll send your photos to everyone at your school"
ORDINARY = "did you finish the maths homework, see you tomorrow"
CHILD_CTX = {"sender": {"age": 31, "id": "acct-1"}, "recipient": {"age": 12}, "country": "TR", "connected": False}
PEER_CTX = {"sender": {"age": 12, "id": "acct-2"}, "recipient": {"age": 12}, "connected": True}


@pytest.fixture(params=["sqlite", "postgres"])
def anydb(request: pytest.FixtureRequest) -> Database:
    return request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")


@pytest.fixture()
def redis_url() -> str:
    url = os.environ.get("TUTELA_TEST_REDIS_URL")
    if not url:
        pytest.skip("TUTELA_TEST_REDIS_URL not set (CI sets it)")
    return url


@pytest.fixture()
def prefix() -> str:
    return f"tt{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=["embedded", "redis"])
def broker(request: pytest.FixtureRequest, prefix: str) -> Iterator[object]:
    from tutela.jobs.broker import EmbeddedBroker, RedisBroker

    if request.param == "embedded":
        yield EmbeddedBroker()
        return
    b = RedisBroker(request.getfixturevalue("redis_url"))
    yield b
    b.delete_prefix(prefix)
    b.r.close()


@pytest.fixture()
def stream_settings(settings: Settings, prefix: str) -> Settings:
    return settings.model_copy(update={"stream_prefix": prefix, "stream_partitions": 4})


@pytest.fixture()
def org(anydb: Database) -> tuple[int, str]:
    from tutela.access import create_org

    name = f"platform-{uuid.uuid4().hex[:6]}"
    return create_org(anydb, name), name


def count_cases(db: Database, org_id: int) -> int:
    from sqlalchemy import func, select

    from tutela.storage.tables.cases import cases

    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(cases).where(cases.c.org_id == org_id)).scalar())


def run_proc(db: Database, settings: Settings, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run tests/jobs/_proc.py against the same database and data dir in a fresh interpreter."""
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "TUTELA_DATA_DIR": str(settings.data_dir), "TT_DB_URL": db.url,
           "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    return subprocess.run([sys.executable, str(Path(__file__).with_name("_proc.py")), *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def spawn_proc(db: Database, settings: Settings, *args: str) -> subprocess.Popen[str]:
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "TUTELA_DATA_DIR": str(settings.data_dir), "TT_DB_URL": db.url,
           "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    return subprocess.Popen([sys.executable, str(Path(__file__).with_name("_proc.py")), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
