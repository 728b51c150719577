"""The console's API keys page: only an organisation's admin sees, creates and revokes its keys."""

from __future__ import annotations

import pytest

from tutela.access import AccessError, authenticate_key, create_org
from tutela.access.people import create_user

PASSWORD = "a long test password"


def test_console_keys_page_creates_shows_once_and_revokes(client, csrf, db):
    create_org(db, "Hotline A", kind="hotline")
    create_user(db, "Hotline A", "admin@a.example", PASSWORD, "admin")
    create_user(db, "Hotline A", "ana@a.example", PASSWORD, "analyst")

    def sign_in(email: str) -> None:
        token = csrf(client.get("/login").text)
        client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})

    sign_in("ana@a.example")
    assert client.get("/console/keys").status_code == 403
    client.cookies.clear()
    sign_in("admin@a.example")
    page = client.get("/console/keys")
    assert page.status_code == 200 and "No keys yet" in page.text
    token = csrf(page.text)
    assert client.post("/console/keys", data={"label": "x", "scope": ["cases"]}).status_code == 403  # no CSRF
    bad = client.post("/console/keys", data={"csrf_token": token, "label": "kept"})
    assert bad.status_code == 400 and 'value="kept"' in bad.text
    made = client.post("/console/keys", data={"csrf_token": token, "label": "intake",
                                              "scope": ["reports", "cases"]})
    assert made.status_code == 201
    key = made.text.split('id="new-key"')[1].split("<code>")[1].split("</code>")[0]
    assert authenticate_key(db, key).has("cases")
    assert key not in client.get("/console/keys").text  # shown once only
    key_id = key.split("_")[1]
    done = client.post("/console/keys/revoke", data={"csrf_token": token, "key_id": key_id})
    assert done.status_code == 200 and f"Revoked key {key_id}" in done.text
    with pytest.raises(AccessError):
        authenticate_key(db, key)
