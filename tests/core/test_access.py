"""Organisations, keys and scopes: the rules every route relies on."""

import pytest

from tutela.access import AccessError, Forbidden, authenticate_key, create_key, create_org
from tutela.access.keys import revoke_key


def test_key_authenticates_to_its_org_with_its_scopes(db):
    create_org(db, "Platform A", country="tr")
    key = create_key(db, "Platform A", ["analyze", "reports"])
    p = authenticate_key(db, key)
    assert p.org_name == "Platform A"
    assert p.has("analyze") and p.has("reports") and not p.has("cases")
    with pytest.raises(AccessError) as exc:
        p.require("cases")
    assert isinstance(exc.value, Forbidden)


@pytest.mark.parametrize("bad", [None, "", "garbage", "tutela_nope_nope", "tutela_x"])
def test_bad_credentials_are_refused(db, bad):
    with pytest.raises(AccessError) as exc:
        authenticate_key(db, bad)
    assert type(exc.value) is AccessError  # no valid credential


def test_wrong_secret_and_revoked_key_are_refused(db):
    create_org(db, "A")
    key = create_key(db, "A", ["admin"])
    prefix, key_id, _secret = key.split("_", 2)
    with pytest.raises(AccessError):
        authenticate_key(db, f"{prefix}_{key_id}_wrongsecret")
    assert revoke_key(db, key_id)
    with pytest.raises(AccessError):
        authenticate_key(db, key)


def test_org_and_scope_validation(db):
    create_org(db, "A")
    with pytest.raises(ValueError, match="already exists"):
        create_org(db, "A")
    with pytest.raises(ValueError, match="kind"):
        create_org(db, "B", kind="pirate")
    with pytest.raises(ValueError, match="scopes"):
        create_key(db, "A", ["root"])
    with pytest.raises(ValueError, match="no organisation"):
        create_key(db, "missing", ["analyze"])


def test_admin_cli_prints_the_key_once(settings, tmp_path):
    from typer.testing import CliRunner

    from tutela.cli.main import app

    runner = CliRunner()
    r = runner.invoke(app, ["admin", "create-org", "Hotline X", "--kind", "hotline", "--country", "AZ"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["admin", "create-key", "--org", "Hotline X", "--scope", "cases", "--scope", "reports"])
    assert r.exit_code == 0, r.output
    key = r.stdout.strip().splitlines()[0]
    assert key.startswith("tutela_")
    r = runner.invoke(app, ["admin", "create-key", "--org", "Nope", "--scope", "cases"])
    assert r.exit_code == 2 and "no organisation" in r.output


def test_app_health_and_openapi(client):
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/openapi.json").status_code == 200
    assert "Tutela" in client.get("/").text
