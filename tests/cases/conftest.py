"""Fixtures for the reports-and-cases tests: organisations, keys, people and a report helper.

All data is invented: example.com URLs, made-up account names, neutral texts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tutela.access import Principal, create_org, get_org


@pytest.fixture()
def org_keys(auth) -> dict[str, dict[str, str]]:
    """Two platforms, a hotline, a police agency and a regulator, each with keys."""
    return {
        "a": auth("Platform A", ["reports", "cases"]),
        "a_reports": auth("Platform A", ["reports"]),
        "b": auth("Platform B", ["reports", "cases"]),
        "hotline": auth("Hotline", ["reports", "cases"], "hotline"),
        "police": auth("Cyber Police", ["cases"], "police"),
        "regulator": auth("Regulator", ["oversight"], "regulator"),
    }


@pytest.fixture()
def submit(client, org_keys) -> Callable[..., dict[str, Any]]:
    """submit(org="a", **fields) -> the receipt JSON (asserts 201)."""

    def _submit(
        org: str = "a", expect: int = 201, headers: dict | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = {
            "category": "cyberbullying",
            "description": "they keep posting mean comments about me",
            "urls": ["https://social.example.com/post/1"],
        } | fields
        r = client.post("/v1/reports", json=body, headers=org_keys[org] | (headers or {}))
        assert r.status_code == expect, r.text
        return r.json()

    return _submit


@pytest.fixture()
def person(db) -> Callable[..., Principal]:
    """person("Platform A", "analyst") -> a Principal for a new user of that org with that role."""
    from tutela.storage.tables.access import users

    counter = {"n": 0}

    def _person(org: str, role: str, kind: str = "platform") -> Principal:
        if get_org(db, org) is None:
            create_org(db, org, kind=kind)
        org_row = get_org(db, org)
        counter["n"] += 1
        with db.begin() as conn:
            uid = conn.execute(
                users.insert().values(
                    org_id=org_row["id"],
                    email=f"{role}{counter['n']}@{org.lower().replace(' ', '-')}.example",
                    password_hash="x",
                    role=role,
                    created_at=datetime.now(UTC),
                    disabled=False,
                )
            ).inserted_primary_key[0]
        from tutela.cases.authz import principal_for_user

        return principal_for_user(db, uid)

    return _person
