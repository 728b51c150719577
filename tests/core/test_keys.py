"""API keys: list, create and revoke them from the CLI, the API and the console (issue #10, finding 4).

The attack: a key revoked in the database kept working because every server process cached key
lookups without end. Now a revocation made anywhere bites in every process within `CACHE_TTL`.
"""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tutela.access import AccessError, authenticate_key, create_key, create_org
from tutela.access import keys as K
from tutela.api.app import create_app
from tutela.cases import audit
from tutela.storage.db import Database


def _cli(*args: str):
    from tutela.cli.main import app

    return CliRunner().invoke(app, list(args))


def test_cli_lists_and_revokes_keys_by_id_or_by_the_key_itself(db):
    create_org(db, "Platform A")
    first = create_key(db, "Platform A", ["moderate"], label="chat backend")
    second = create_key(db, "Platform A", ["analyze", "media"])
    r = _cli("admin", "list-keys", "--org", "Platform A")
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert lines[0].split("\t") == ["id", "prefix", "scopes", "created", "last used", "revoked", "label"]
    assert len(lines) == 3 and first.split("_", 2)[2] not in r.output  # never the secret (it may itself hold "_")
    row = next(line.split("\t") for line in lines if "chat backend" in line)
    assert row[1] == f"tutela_{row[0]}_" and row[2] == "moderate" and row[4] == "never" and row[5] == "no"

    authenticate_key(db, first)  # used: last used is recorded
    r = _cli("admin", "revoke-key", row[0])
    assert r.exit_code == 0 and f"key {row[0]} revoked" in r.output
    time.sleep(K.CACHE_TTL)  # the CLI is another process: this one may trust its lookup that long
    with pytest.raises(AccessError):
        authenticate_key(db, first)
    r = _cli("admin", "revoke-key", second)  # the full credential works as well
    assert r.exit_code == 0 and "revoked" in r.output
    listed = _cli("admin", "list-keys", "--org", "Platform A").output
    assert "\tno\t" not in listed and "never" in listed  # both revoked; `second` never used
    assert _cli("admin", "revoke-key", "0123456789abcdef").exit_code == 2
    assert [e["action"] for e in audit.entries(db, object_type="api_key")][:2] == ["key.revoke", "key.revoke"]


def test_a_key_revoked_in_one_process_stops_working_in_another_within_the_ttl(settings):
    """Two apps over one database file, each with its own Database (engine, pool, cache), as two servers."""
    one, two = Database.from_settings(settings), Database.from_settings(settings)
    create_org(one, "Platform A")
    admin = create_key(one, "Platform A", ["admin"])
    victim = create_key(one, "Platform A", ["cases"])
    with TestClient(create_app(settings, one)) as a, TestClient(create_app(settings, two)) as b:
        hv = {"Authorization": f"Bearer {victim}"}
        assert b.get("/v1/cases", headers=hv).status_code == 200  # now in b's cache
        key_id = victim.split("_")[1]
        r = a.post(f"/v1/keys/{key_id}/revoke", headers={"Authorization": f"Bearer {admin}"})
        assert r.status_code == 200 and r.json()["revoked"] is True
        assert a.get("/v1/cases", headers=hv).status_code == 401  # at once where it was revoked
        time.sleep(K.CACHE_TTL)
        assert b.get("/v1/cases", headers=hv).status_code == 401  # and elsewhere within the TTL
    one.dispose()
    two.dispose()


def test_revocation_on_postgres_reaches_a_second_database_handle(pg_db, settings):
    other = Database(pg_db.url, settings=settings)
    create_org(pg_db, "Platform A")
    key = create_key(pg_db, "Platform A", ["moderate"])
    assert authenticate_key(other, key).org_name == "Platform A"
    assert K.revoke_key(pg_db, key) is not None
    time.sleep(K.CACHE_TTL)
    with pytest.raises(AccessError):
        authenticate_key(other, key)
    other.dispose()


def test_api_keys_for_an_org_admin_and_not_across_organisations(client, auth):
    admin_a = auth("Platform A", ["admin"])
    admin_b = auth("Platform B", ["admin"])
    assert client.get("/v1/keys", headers=auth("Platform A", ["cases"])).status_code == 403
    made = client.post("/v1/keys", json={"scopes": ["moderate"], "label": "bot"}, headers=admin_a)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["key"].startswith(body["prefix"]) and body["scopes"] == ["moderate"]
    assert client.post("/v1/keys", json={"scopes": ["nope"]}, headers=admin_a).status_code == 422
    listed = client.get("/v1/keys", headers=admin_a).json()
    assert body["key_id"] in [k["key_id"] for k in listed] and all("key" not in k for k in listed)
    assert body["key_id"] not in [k["key_id"] for k in client.get("/v1/keys", headers=admin_b).json()]
    # another organisation's key answers like one that does not exist, and stays alive
    assert client.post(f"/v1/keys/{body['key_id']}/revoke", headers=admin_b).status_code == 404
    assert client.post("/v1/keys/ffffffffffffffff/revoke", headers=admin_b).status_code == 404
    assert client.post("/v1/keys/not-an-id/revoke", headers=admin_b).status_code == 404
    new = {"Authorization": f"Bearer {body['key']}"}
    assert client.post("/v1/moderate", json={"text": "hello"}, headers=new).status_code == 200
    assert client.post(f"/v1/keys/{body['key_id']}/revoke", headers=admin_a).json()["revoked"] is True
    assert client.post("/v1/moderate", json={"text": "hello"}, headers=new).status_code == 401


def test_key_lookups_are_not_cached_without_bound(db):
    """The cache holds at most `max_keys` lookups per database and none for longer than the TTL."""
    cache = K._KeyCache(max_keys=3)
    for i in range(10):
        cache.put(db, f"{i:016x}", None)
    assert [cache.get(db, f"{i:016x}")[0] for i in range(10)].count(True) == 3
