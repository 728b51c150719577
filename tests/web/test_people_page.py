"""The people page: only an organisation's admin adds, disables and re-enables its people."""

from __future__ import annotations

import pytest

from tutela.access import create_org
from tutela.access.people import authenticate_person, create_user

PASSWORD = "a long test password"


@pytest.fixture()
def orgs(db):
    create_org(db, "Hotline A", kind="hotline")
    create_org(db, "Platform B")
    create_user(db, "Hotline A", "admin@a.example", PASSWORD, "admin")
    create_user(db, "Hotline A", "ana@a.example", PASSWORD, "analyst")
    create_user(db, "Platform B", "bob@b.example", PASSWORD, "analyst")
    return db


def _sign_in(client, csrf, email):
    token = csrf(client.get("/login").text)
    client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})


def test_only_admins_reach_the_page(client, csrf, orgs):
    assert client.get("/console/people", follow_redirects=False).status_code == 303
    _sign_in(client, csrf, "ana@a.example")
    assert client.get("/console/people").status_code == 403
    token = csrf(client.get("/console").text)
    res = client.post("/console/people", data={"csrf_token": token, "email": "x@a.example",
                                               "role": "admin", "password": PASSWORD})
    assert res.status_code == 403


def test_admin_adds_a_person_and_bad_input_is_kept(client, csrf, orgs):
    _sign_in(client, csrf, "admin@a.example")
    page = client.get("/console/people")
    assert "ana@a.example" in page.text and "bob@b.example" not in page.text
    token = csrf(page.text)
    bad = client.post("/console/people", data={"csrf_token": token, "email": "new@a.example",
                                               "role": "supervisor", "password": "short"})
    assert bad.status_code == 400 and "at least 12" in bad.text and 'value="new@a.example"' in bad.text
    assert '<option value="supervisor" selected>supervisor</option>' in bad.text
    ok = client.post("/console/people", data={"csrf_token": token, "email": "new@a.example",
                                              "role": "supervisor", "password": PASSWORD})
    assert ok.status_code == 200 and "Added new@a.example" in ok.text
    p = authenticate_person(orgs, "new@a.example", PASSWORD)
    assert p.role == "supervisor" and p.org_name == "Hotline A"


def test_admin_disables_only_within_the_organisation(client, csrf, orgs):
    _sign_in(client, csrf, "admin@a.example")
    token = csrf(client.get("/console/people").text)
    res = client.post("/console/people/status", data={"csrf_token": token, "email": "bob@b.example",
                                                      "action": "disable"})
    assert "No such person" in res.text
    assert authenticate_person(orgs, "bob@b.example", PASSWORD)
    client.post("/console/people/status", data={"csrf_token": token, "email": "ana@a.example",
                                                "action": "disable"})
    from tutela.access import AccessError

    with pytest.raises(AccessError):
        authenticate_person(orgs, "ana@a.example", PASSWORD)
    client.post("/console/people/status", data={"csrf_token": token, "email": "ana@a.example",
                                                "action": "enable"})
    assert authenticate_person(orgs, "ana@a.example", PASSWORD)
    assert client.post("/console/people/status", data={"email": "ana@a.example", "action": "disable"},
                       follow_redirects=False).status_code == 403
