"""Two organisations that know each other's keys, on one instance: the smallest exchange."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from tutela.access import create_org
from tutela.exchange import identity, partners
from tutela.hashing import subscriptions
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_received
from tutela.storage.tables.media import hash_entries


@dataclass
class Pair:
    db: Database
    a: int  # organisation ids
    b: int


def _introduce(db: Database) -> tuple[int, int]:
    a = create_org(db, "tr-hotline", kind="hotline", country="TR")
    b = create_org(db, "az-platform", kind="platform", country="AZ")
    partners.add_partner(db, a, "az-platform", identity.current_key(db, b).public_key, country="AZ")
    partners.add_partner(db, b, "tr-hotline", identity.current_key(db, a).public_key, country="TR")
    return a, b


@pytest.fixture()
def pair(db: Database) -> Pair:
    """Hotline `tr-hotline` (A) and platform `az-platform` (B), each registered as the other's partner
    under the name of the other organisation, at share level amber."""
    return Pair(db, *_introduce(db))


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL (skipped without TUTELA_TEST_POSTGRES_URL)."""
    return request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")


@pytest.fixture()
def introduce() -> Callable[[Database], tuple[int, int]]:
    """`pair` as a function, for tests that pick their database (`any_db`): (A, B) ids."""
    return _introduce


def _received_rows(db: Database, b: int, key: str) -> dict[str, dict]:
    (sub,) = subscriptions.list_subscriptions(db, b)
    with db.connect() as conn:
        received = {r._mapping[key]: dict(r._mapping) for r in conn.execute(select(exchange_received)).all()}
        entries = {r.id: dict(r._mapping) for r in conn.execute(
            select(hash_entries).where(hash_entries.c.bank_id == sub.bank_id)).all()}
    for r in received.values():
        r["entry"] = entries.get(r["entry_id"])
    assert len(entries) == sum(1 for r in received.values() if r["entry"] is not None)
    return received


@pytest.fixture()
def received_rows() -> Callable[[Database, int, str], dict[str, dict]]:
    """received_rows(db, b, key) -> B's received signals by `key` ("stix_id" or "value"), each with the bank
    entry it became under "entry"; asserts every entry of B's subscribed bank belongs to one row."""
    return _received_rows


# --- real servers on loopback (`loopback_harness.py`, shared with the referral tests) ----------------------

_spec = importlib.util.spec_from_file_location("loopback_harness", Path(__file__).with_name("loopback_harness.py"))
harness = sys.modules.setdefault("loopback_harness", importlib.util.module_from_spec(_spec))
if not hasattr(harness, "running"):
    _spec.loader.exec_module(harness)  # type: ignore[union-attr]


@pytest.fixture()
def instance_factory(tmp_path):  # noqa: ANN001, ANN201
    """instance_factory("tr-hotline", country="TR", postgres=True) -> a running `harness.Instance` with that org.

    `postgres=True` puts its database in a fresh PostgreSQL schema when TUTELA_TEST_POSTGRES_URL is set
    (SQLite otherwise). Every server is stopped and every schema dropped afterwards."""
    with ExitStack() as stack:

        def make(org: str, *, kind: str = "hotline", country: str | None = None, postgres: bool = False):  # noqa: ANN202
            return harness.start(stack, tmp_path / f"instance-{org}" / "data", org, kind=kind, country=country,
                                 pg=postgres)

        yield make


@pytest.fixture()
def two_instances(instance_factory):  # noqa: ANN001, ANN201
    """A Turkish hotline on PostgreSQL (when available) and an Azerbaijani platform on SQLite, each registered
    as the other's partner (key and URL) under the other's organisation name, at share level amber."""
    a = instance_factory("tr-hotline", kind="hotline", country="TR", postgres=True)
    b = instance_factory("az-platform", kind="platform", country="AZ")
    harness.introduce(a, b, a_calls_b=b.org, b_calls_a=a.org, share_level="amber")
    return a, b
