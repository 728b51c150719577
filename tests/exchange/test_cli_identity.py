"""The stable CLI contract of identities and partners (`tutela exchange identity`, `tutela partners`)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tutela.access import create_org
from tutela.cli.main import app
from tutela.exchange import jose

runner = CliRunner()


def _identity(org: str) -> dict:
    res = runner.invoke(app, ["exchange", "identity", "--org", org])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_identity_prints_org_key_id_and_public_key(db) -> None:
    create_org(db, "tr-hotline")
    ident = _identity("tr-hotline")
    assert set(ident) == {"org", "key_id", "public_key"} and ident["org"] == "tr-hotline"
    assert jose.thumbprint(jose.parse_public_key(ident["public_key"])) == ident["key_id"]
    assert _identity("tr-hotline") == ident  # stable until rotated
    res = runner.invoke(app, ["exchange", "identity", "--org", "nobody"])
    assert res.exit_code == 2 and "no organisation 'nobody'" in res.output


def test_partners_add_list_revoke(db) -> None:
    create_org(db, "tr-hotline")
    create_org(db, "az-platform")
    key = _identity("az-platform")["public_key"]
    res = runner.invoke(
        app,
        [
            "partners",
            "add",
            "--org",
            "tr-hotline",
            "--name",
            "az-platform",
            "--public-key",
            key,
            "--url",
            "https://az.example",
            "--share-level",
            "green",
        ],
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["partners", "list", "--org", "tr-hotline", "--json"])
    (listed,) = json.loads(res.stdout)
    assert (
        listed["name"] == "az-platform" and listed["share_level"] == "green" and listed["status"] == "active"
    )
    assert listed["keys"][0]["public_key"] == key and listed["may_receive_content"] is False
    plain = runner.invoke(app, ["partners", "list", "--org", "tr-hotline"]).stdout
    assert "az-platform\tactive\tgreen" in plain
    res = runner.invoke(
        app, ["partners", "add", "--org", "tr-hotline", "--name", "x", "--public-key", "nope"]
    )
    assert res.exit_code == 2 and "Ed25519" in res.output
    res = runner.invoke(
        app,
        [
            "partners",
            "add",
            "--org",
            "tr-hotline",
            "--name",
            "y",
            "--public-key",
            key,
            "--share-level",
            "purple",
        ],
    )
    assert res.exit_code == 2 and "unknown share level" in res.output
    res = runner.invoke(app, ["partners", "revoke", "--org", "tr-hotline", "az-platform"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["partners", "list", "--org", "tr-hotline", "--json"])
    assert json.loads(res.stdout)[0]["status"] == "revoked"
    res = runner.invoke(app, ["partners", "revoke", "--org", "tr-hotline", "nobody"])
    assert res.exit_code == 2 and "no partner 'nobody'" in res.output


def test_keys_rotate_and_list(db) -> None:
    create_org(db, "tr-hotline")
    first = _identity("tr-hotline")
    res = runner.invoke(app, ["exchange", "keys", "rotate", "--org", "tr-hotline", "--overlap-days", "7"])
    assert res.exit_code == 0, res.output
    new = json.loads(res.stdout)
    assert _identity("tr-hotline")["key_id"] == new["key_id"] != first["key_id"]
    listing = runner.invoke(app, ["exchange", "keys", "list", "--org", "tr-hotline"]).stdout
    assert f"{first['key_id']}\tretiring" in listing and f"{new['key_id']}\tcurrent" in listing
