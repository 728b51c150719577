"""Sign-in for people: wrong passwords refused, CSRF enforced, sessions in a cookie, safe redirects."""

from __future__ import annotations

import pytest

from tutela.access import create_org
from tutela.access.people import create_user
from tutela.web.pages.auth import safe_next

PASSWORD = "a long test password"


@pytest.fixture()
def analyst(db):
    create_org(db, "Hotline A", kind="hotline")
    create_user(db, "Hotline A", "ana@example.org", PASSWORD, "analyst")
    return "ana@example.org"


def _login(client, csrf, email, password, **extra):
    token = csrf(client.get("/login").text)
    return client.post("/login", data={"csrf_token": token, "email": email, "password": password, **extra},
                       follow_redirects=False)


def test_console_sends_strangers_to_sign_in(client):
    res = client.get("/console", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"].startswith("/login?next=/console")
    assert client.get("/console/evidence/1").status_code == 401


def test_wrong_password_is_refused_and_keeps_the_email(client, csrf, analyst):
    res = _login(client, csrf, analyst, "not the password")
    assert res.status_code == 401
    assert "Wrong email or password." in res.text and 'value="ana@example.org"' in res.text
    assert "tutela_session" not in res.cookies


def test_sign_in_without_csrf_is_refused(client, analyst):
    client.get("/login")
    res = client.post("/login", data={"email": analyst, "password": PASSWORD}, follow_redirects=False)
    assert res.status_code == 403 and "tutela_session" not in res.cookies


def test_sign_in_sets_an_httponly_session_and_sign_out_needs_csrf(client, csrf, analyst):
    res = _login(client, csrf, analyst, PASSWORD, next="/console?status=received")
    assert res.status_code == 303 and res.headers["location"] == "/console?status=received"
    cookie = res.headers["set-cookie"]
    assert "tutela_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    from tutela.access.people import session_for

    token = client.cookies.get("tutela_session")
    assert session_for(client.app.state.db, token) is not None


@pytest.mark.parametrize("target,expected", [
    ("/console/cases/3", "/console/cases/3"), ("//evil.example", "/console"),
    ("https://evil.example", "/console"), ("/\\evil.example", "/console"), (None, "/console"),
])
def test_redirects_stay_on_this_site(target, expected):
    assert safe_next(target) == expected


def test_repeated_wrong_passwords_lock_the_email_for_a_while(client, csrf, analyst):
    for _ in range(5):
        assert _login(client, csrf, analyst, "guess guess guess").status_code == 401
    locked = _login(client, csrf, analyst, PASSWORD)
    assert locked.status_code == 429 and "Too many wrong tries" in locked.text
    assert "tutela_session" not in locked.cookies


def test_signing_in_again_ends_the_previous_session(client, csrf, analyst):
    from tutela.access.people import session_for

    _login(client, csrf, analyst, PASSWORD)
    first = client.cookies.get("tutela_session")
    _login(client, csrf, analyst, PASSWORD)
    second = client.cookies.get("tutela_session")
    db = client.app.state.db
    assert first != second and session_for(db, first) is None and session_for(db, second) is not None


def test_change_password_checks_the_old_one_and_ends_other_sessions(client, csrf, analyst, db):
    from fastapi.testclient import TestClient

    from tutela.access.people import authenticate_person

    other = TestClient(client.app)
    _login(other, csrf, analyst, PASSWORD)
    assert other.get("/account/password", follow_redirects=False).status_code == 200
    _login(client, csrf, analyst, PASSWORD)
    page = client.get("/account/password")
    token = csrf(page.text)
    new = "a brand new password"
    wrong = client.post("/account/password", data={"csrf_token": token, "current": "nope nope nope",
                                                   "new": new, "again": new})
    assert wrong.status_code == 400 and "This is not your current password." in wrong.text
    mismatch = client.post("/account/password", data={"csrf_token": token, "current": PASSWORD,
                                                      "new": new, "again": "something else"})
    assert mismatch.status_code == 400 and "not the same" in mismatch.text
    no_csrf = client.post("/account/password", data={"current": PASSWORD, "new": new, "again": new})
    assert no_csrf.status_code == 403
    ok = client.post("/account/password", data={"csrf_token": token, "current": PASSWORD,
                                                "new": new, "again": new})
    assert ok.status_code == 200 and 'id="password-done"' in ok.text
    assert client.get("/account/password").status_code == 200  # this browser stays signed in
    assert other.get("/account/password", follow_redirects=False).status_code == 303  # the other one is out
    assert authenticate_person(db, analyst, new).user_id
