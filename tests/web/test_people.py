"""People: argon2id passwords, sessions that end, roles that become scopes, the CLI."""

import pytest
from typer.testing import CliRunner

from tutela.access import AccessError, create_org
from tutela.access.people import (
    authenticate_person,
    create_user,
    end_session,
    session_for,
    set_disabled,
    start_session,
)


@pytest.fixture()
def person(db):
    create_org(db, "Hotline A", kind="hotline")
    create_user(db, "Hotline A", "Ana@Example.org", "correct horse battery", "analyst")
    return db


def test_password_is_stored_as_argon2id(person):
    from sqlalchemy import select

    from tutela.storage.tables.access import users

    with person.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored


def test_sign_in_gives_a_principal_with_role_scopes(person):
    p = authenticate_person(person, "ana@example.org", "correct horse battery")
    assert p.org_name == "Hotline A" and p.role == "analyst" and p.user_id
    assert p.has("cases") and not p.has("admin") and p.actor.startswith("user:")


@pytest.mark.parametrize("email,password", [
    ("ana@example.org", "wrong password!!"), ("nobody@example.org", "correct horse battery"), ("", ""),
])
def test_wrong_credentials_are_refused_without_saying_which(person, email, password):
    with pytest.raises(AccessError, match="wrong email or password"):
        authenticate_person(person, email, password)


def test_sessions_end_on_sign_out_and_when_disabled(person):
    p = authenticate_person(person, "ana@example.org", "correct horse battery")
    s = start_session(person, p)
    assert session_for(person, s.token).principal == p
    assert session_for(person, "forged") is None
    end_session(person, s.token)
    assert session_for(person, s.token) is None
    s2 = start_session(person, p)
    set_disabled(person, "ana@example.org")
    assert session_for(person, s2.token) is None
    with pytest.raises(AccessError):
        authenticate_person(person, "ana@example.org", "correct horse battery")


def test_create_user_validation(person):
    with pytest.raises(ValueError, match="role"):
        create_user(person, "Hotline A", "b@example.org", "long enough password", "god")
    with pytest.raises(ValueError, match="at least"):
        create_user(person, "Hotline A", "b@example.org", "short", "analyst")
    with pytest.raises(ValueError, match="cannot be used"):
        create_user(person, "Hotline A", "ana@example.org", "long enough password", "analyst")
    with pytest.raises(ValueError, match="no organisation"):
        create_user(person, "Nope", "c@example.org", "long enough password", "analyst")


def test_cli_create_user_on_the_admin_group(settings, db):
    from tutela.cli.main import app

    runner = CliRunner()
    assert runner.invoke(app, ["admin", "create-org", "Org C"]).exit_code == 0
    res = runner.invoke(
        app, ["admin", "create-user", "--org", "Org C", "--email", "c@example.org", "--role", "supervisor"],
        input="a very long password\na very long password\n",
    )
    assert res.exit_code == 0, res.output
    assert "created supervisor c@example.org" in res.output
    assert authenticate_person(db, "c@example.org", "a very long password").role == "supervisor"
    bad = runner.invoke(app, ["admin", "create-user", "--org", "Org C", "--email", "d@example.org",
                              "--role", "pirate", "--password", "a very long password"])
    assert bad.exit_code != 0 and "unknown role" in bad.output


@pytest.mark.postgres
def test_people_and_sessions_on_postgresql(pg_db):
    create_org(pg_db, "Hotline PG", kind="hotline")
    create_user(pg_db, "Hotline PG", "pg@example.org", "correct horse battery", "supervisor")
    p = authenticate_person(pg_db, "pg@example.org", "correct horse battery")
    s = start_session(pg_db, p)
    assert session_for(pg_db, s.token).principal == p
    from tutela.access.people import list_people

    assert [x["email"] for x in list_people(pg_db, p.org_id)] == ["pg@example.org"]
    set_disabled(pg_db, "pg@example.org")
    assert session_for(pg_db, s.token) is None
