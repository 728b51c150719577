"""Input hygiene (issue #10, finding 8): ids out of range, control characters, odd names, SQL
parameters in logs, and answers that tell "not yours" from "does not exist" apart.
Each attack runs on SQLite and PostgreSQL (the `backend` fixture)."""

from __future__ import annotations

import logging

import pytest

HUGE = [str(2**63), str(2**64 + 7), str(2**31), "99999999999999999999999999"]


def test_ids_out_of_range_in_paths_are_4xx(backend):
    c, h = backend.client, backend.auth("A", ["admin"])
    for n in HUGE:
        for method, path, body in [
            ("GET", f"/v1/cases/{n}", None),
            ("POST", f"/v1/cases/{n}/transition", {"to_status": "triaged"}),
            ("POST", f"/v1/cases/{n}/notes", {"text": "hello"}),
            ("POST", f"/v1/cases/{n}/referrals", {}),
            ("GET", f"/v1/evidence/{n}", None),
            ("GET", f"/v1/evidence/{n}/custody", None),
            ("POST", f"/v1/referrals/{n}/status", {"status": "acknowledged"}),
            ("POST", f"/v1/appeals/{n}/decision", {"upheld": True}),
            ("GET", f"/v1/policies/{n}", None),
            ("POST", f"/v1/policies/{n}/activate", None),
            ("GET", f"/v1/banks/{n}", None),
            ("GET", f"/v1/banks/{n}/entries", None),
        ]:
            r = c.request(method, path, json=body, headers=h)
            assert 400 <= r.status_code < 500, (method, path, r.status_code, r.text)


def test_ids_out_of_range_in_bodies_and_queries_are_4xx(backend):
    c, h = backend.client, backend.auth("A", ["admin"])
    big = 2**63
    assert c.post("/v1/banks", json={"name": "b", "shared_with": [big]}, headers=h).status_code == 422
    c.post("/v1/banks", json={"name": "b"}, headers=h)
    r = c.request("DELETE", "/v1/banks/b/entries", json={"entry_ids": [big]}, headers=h)
    assert r.status_code == 422
    assert c.get(f"/v1/banks/b/entries?offset={big}", headers=h).status_code == 422
    assert c.post("/v1/cases/bulk-transition", json={"case_ids": [big], "to_status": "triaged"},
                  headers=h).status_code == 422
    assert c.get(f"/v1/cases?assigned_to={big}", headers=h).status_code == 422
    assert c.get(f"/v1/policies/shadow/report?version={big}", headers=h).status_code == 422


@pytest.mark.parametrize("bad", ["a\x00b", "a\x1b[31mb", "a\nb", "a\x85b"])
def test_control_characters_in_stored_values_are_refused(backend, bad):
    c, h = backend.client, backend.auth("A", ["admin"])
    sent = [
        c.post("/v1/banks", json={"name": bad}, headers=h),
        c.post("/v1/conversations/conv-1/messages", json={"sender": bad, "text": "hi"}, headers=h),
        c.post("/v1/conversations/conv-1/messages", json={"sender": "s", "text": "hi", "recipients": [bad]},
               headers=h),
        c.post("/v1/moderate", json={"text": "hi", "context": {"conversation_id": bad, "sender": {"id": "s"}}},
               headers=h),
        c.post("/v1/moderate", json={"text": "hi", "context": {"sender": {"id": bad}}}, headers=h),
        c.post("/v1/reports", json={"category": "fraud", "description": "x", "external_id": bad}, headers=h),
    ]
    for r in sent:
        assert r.status_code == 422, r.text
        assert "control character" in r.text
    if "\x00" in bad:  # a path segment cannot hold a newline; the others can
        r = c.post("/v1/conversations/a%00b/messages", json={"sender": "s", "text": "hi"}, headers=h)
        assert r.status_code == 422


def test_nul_in_policy_yaml_is_refused_clearly(backend):
    c, h = backend.client, backend.auth("A", ["admin"])
    source = c.get("/v1/policies/default", headers=h).text
    r = c.put("/v1/policies", content=("# \x00\n" + source).encode(), headers=h | {"content-type": "application/yaml"})
    assert r.status_code == 400 and "control character" in r.json()["error"]
    r = c.put("/v1/policies", json={"source": source + "\n# \x00"}, headers=h)
    assert r.status_code in (400, 422) and "control character" in r.text
    escaped = source.replace("name: ", 'name: "nul\\0here" # ', 1)  # a YAML escape that decodes to NUL
    r = c.put("/v1/policies", content=escaped.encode(), headers=h | {"content-type": "application/yaml"})
    assert r.status_code < 500, r.text


def test_a_bank_named_with_a_superscript_digit_works(backend):
    c, h = backend.client, backend.auth("A", ["admin"])
    assert c.get("/v1/banks/¹", headers=h).status_code == 404
    assert c.post("/v1/banks", json={"name": "¹"}, headers=h).status_code == 201
    assert c.get("/v1/banks/¹", headers=h).json()["name"] == "¹"


def test_bank_import_labels_with_control_characters_are_rejected_per_line(backend):
    c, h = backend.client, backend.auth("A", ["admin"])
    c.post("/v1/banks", json={"name": "imp"}, headers=h)
    body = "signal_type,value,label\nsha256,{},ok\nsha256,{},bad\x00label\n".format("a" * 64, "b" * 64)
    r = c.post("/v1/banks/imp/import?format=csv", content=body.encode(), headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 1 and r.json()["error_count"] == 1


def test_sql_parameters_never_reach_the_log(backend, caplog):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    assert backend.db.engine.hide_parameters
    secret = "secret-value-4711"
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(DBAPIError) as info:
            with backend.db.connect() as conn:
                conn.execute(text("SELECT CAST(:v AS INTEGER) + no_such_column"), {"v": secret})
    assert secret not in str(info.value)
    assert secret not in caplog.text


def test_without_the_cases_scope_existing_and_missing_ids_answer_alike(backend):
    c = backend.client
    owner = backend.auth("Hotline", ["reports", "cases"], "hotline")
    r = c.post("/v1/reports", headers=owner, files={"files": ("a.txt", b"hello", "text/plain")},
               data={"category": "fraud", "description": "someone asked for money"})
    assert r.status_code == 201, r.text
    case_id = c.get("/v1/cases", headers=owner).json()[0]["id"]
    detail = c.get(f"/v1/cases/{case_id}", headers=owner).json()
    evidence_id = detail["evidence"][0]["id"]
    refs = c.post(f"/v1/cases/{case_id}/referrals", json={}, headers=owner).json()
    stranger = backend.auth("Platform B", ["moderate"])
    other_tenant = backend.auth("Platform C", ["cases"])
    for who in (stranger, other_tenant):
        pairs = [
            ("/v1/cases/{}", case_id, "GET", None),
            ("/v1/evidence/{}", evidence_id, "GET", None),
            ("/v1/evidence/{}/custody", evidence_id, "GET", None),
            ("/v1/cases/{}/notes", case_id, "POST", {"text": "x"}),
        ]
        if refs and isinstance(refs, list):
            pairs.append(("/v1/referrals/{}/status", refs[0]["id"], "POST", {"status": "acknowledged"}))
        for template, theirs, method, body in pairs:
            a = c.request(method, template.format(theirs), json=body, headers=who)
            b = c.request(method, template.format(999999), json=body, headers=who)
            assert a.status_code == b.status_code and a.status_code in (403, 404), (template, a.text, b.text)
            # the same words, but for the id the caller sent itself
            assert a.text.replace(str(theirs), "N") == b.text.replace("999999", "N"), (a.text, b.text)


def test_referral_update_does_not_name_another_tenants_case(backend):
    c = backend.client
    owner = backend.auth("Hotline", ["reports", "cases"], "hotline")
    c.post("/v1/reports", json={"category": "fraud", "description": "asked for money"}, headers=owner)
    case_id = c.get("/v1/cases", headers=owner).json()[0]["id"]
    refs = c.post(f"/v1/cases/{case_id}/referrals", json={}, headers=owner).json()
    if not refs or not isinstance(refs, list):
        pytest.skip("no agency route configured for this case")
    other = backend.auth("Platform C", ["cases"])
    r = c.post(f"/v1/referrals/{refs[0]['id']}/status", json={"status": "acknowledged"}, headers=other)
    assert r.status_code == 404
    assert f"case {case_id}" not in r.text and "case" not in r.json().get("error", "")


def test_people_page_does_not_reveal_emails_of_other_organisations(db):
    from tutela.access import create_org
    from tutela.access.people import create_user

    create_org(db, "Org One")
    create_org(db, "Org Two")
    create_user(db, "Org One", "taken@example.org", "a long enough password", "analyst")
    with pytest.raises(ValueError) as other:
        create_user(db, "Org Two", "taken@example.org", "a long enough password", "analyst")
    assert "already exists" not in str(other.value)
    with pytest.raises(ValueError) as same:
        create_user(db, "Org One", "taken@example.org", "a long enough password", "analyst")
    assert str(same.value) == str(other.value)
