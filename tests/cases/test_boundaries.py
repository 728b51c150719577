"""Organisation and role boundaries: every attempt across them is refused."""

from __future__ import annotations

import pytest

from tutela.access import AccessError, Forbidden, NotFound
from tutela.cases import service

POLICE_ROUTING = """
id: zz
name: Test country
countries: [ZZ]
agencies:
  police: {name: Cyber Police, kind: police, org: Cyber Police}
  platform: {name: The platform, kind: platform}
rules:
  - {name: all-to-police, route_to: [police]}
default: [platform]
"""


@pytest.fixture()
def a_case(submit, client, org_keys) -> dict:
    """A case of Platform A with one file of evidence and one referral (to an agency outside Tutela)."""
    import json

    r = client.post(
        "/v1/reports",
        headers=org_keys["a"],
        data={
            "report": json.dumps(
                {
                    "category": "cyberbullying",
                    "description": "invented insults",
                    "urls": ["https://social.example.com/p/7"],
                }
            )
        },
        files=[("files", ("shot.txt", b"invented screenshot text", "text/plain"))],
    )
    assert r.status_code == 201, r.text
    cid = r.json()["case_id"]
    refs = client.post(f"/v1/cases/{cid}/referrals", json={"agency_ids": ["platform"]}, headers=org_keys["a"])
    assert refs.status_code == 201, refs.text
    case = client.get(f"/v1/cases/{cid}", headers=org_keys["a"]).json()
    return {"id": cid, "evidence": case["evidence"][0]["id"], "referral": refs.json()[0]["id"]}


def test_another_organisation_is_refused_on_every_endpoint(client, org_keys, a_case):
    b = org_keys["b"]
    cid, ev, ref = a_case["id"], a_case["evidence"], a_case["referral"]
    attempts = [
        client.get(f"/v1/cases/{cid}", headers=b),
        client.post(f"/v1/cases/{cid}/transition", json={"to_status": "closed"}, headers=b),
        client.post(f"/v1/cases/{cid}/assign", json={"user_id": None}, headers=b),
        client.post(f"/v1/cases/{cid}/notes", json={"text": "peek"}, headers=b),
        client.post(f"/v1/cases/{cid}/legal-hold", json={"on": False}, headers=b),
        client.post(f"/v1/cases/{cid}/referrals", json={}, headers=b),
        client.post(f"/v1/referrals/{ref}/status", json={"status": "acknowledged"}, headers=b),
        client.get(f"/v1/evidence/{ev}", headers=b),
        client.get(f"/v1/evidence/{ev}/custody", headers=b),
        client.get(f"/v1/cases/{cid}/export/cybertipline", headers=b),
        client.get(f"/v1/cases/{cid}/export/dsa", headers=b),
    ]
    for r in attempts:
        assert r.status_code == 404, (r.request.url, r.status_code, r.text)
        assert "error" in r.json()
    assert client.get("/v1/cases", headers=b).json() == []
    assert client.get("/v1/referrals", headers=b).json() == []
    bulk = client.post(
        "/v1/cases/bulk-transition", json={"case_ids": [cid], "to_status": "closed"}, headers=b
    )
    assert bulk.json()["failed"] == 1
    # and nothing changed for A
    case = client.get(f"/v1/cases/{cid}", headers=org_keys["a"]).json()
    assert case["status"] == "referred" and case["notes"] == [] and not case["legal_hold"]


def test_credentials_without_the_right_scope_are_refused(client, org_keys, a_case):
    cid = a_case["id"]
    assert client.get("/v1/cases", headers=org_keys["a_reports"]).status_code == 403
    assert client.get(f"/v1/cases/{cid}", headers=org_keys["a_reports"]).status_code == 403
    assert (
        client.post(
            "/v1/reports", json={"category": "fraud", "description": "x"}, headers=org_keys["regulator"]
        ).status_code
        == 403
    )
    assert client.get("/v1/cases").status_code == 401
    assert client.post("/v1/reports", json={"category": "fraud", "description": "x"}).status_code == 401


def test_regulator_sees_aggregates_only(client, org_keys, a_case, submit, db, person):
    submit(org="b", category="self_harm", description="invented worrying words")
    reg = org_keys["regulator"]
    stats = client.get("/v1/cases/stats", headers=reg)
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert body["total"] == 2 and body["by_category"] == {"cyberbullying": 1, "self_harm": 1}
    assert "invented" not in stats.text
    for r in (
        client.get("/v1/cases", headers=reg),
        client.get(f"/v1/cases/{a_case['id']}", headers=reg),
        client.get(f"/v1/evidence/{a_case['evidence']}", headers=reg),
    ):
        assert r.status_code == 403, r.text
    regulator_person = person("Regulator", "regulator")
    with pytest.raises(AccessError) as exc:
        service.get_case(db, None, regulator_person, a_case["id"])  # type: ignore[arg-type]
    assert isinstance(exc.value, Forbidden)
    assert service.case_stats(db, regulator_person).total == 2
    # a platform's own stats cover its own cases only
    assert client.get("/v1/cases/stats", headers=org_keys["a"]).json()["total"] == 1


def test_roles_limit_what_people_may_do(db, settings, person, submit):
    cid = submit(category="fraud", description="an invented phishing link")["case_id"]
    analyst = person("Platform A", "analyst")
    supervisor = person("Platform A", "supervisor")
    liaison = person("Platform A", "agency_liaison")
    service.transition(db, settings, analyst, cid, "closed", outcome="no_violation")
    with pytest.raises(AccessError) as exc:
        service.transition(db, settings, analyst, cid, "triaged")  # reopening is a supervisor's call
    assert isinstance(exc.value, Forbidden)
    assert service.transition(db, settings, supervisor, cid, "triaged").status == "triaged"
    with pytest.raises(AccessError):
        service.bulk_transition(db, settings, analyst, [cid], "closed")
    with pytest.raises(AccessError) as exc:
        service.get_case(db, settings, liaison, cid)  # liaisons see referred cases only
    assert isinstance(exc.value, NotFound)
    assert service.list_queue(db, liaison) == []


def test_a_referred_agency_sees_the_case_and_updates_its_referral_only(
    client, org_keys, submit, settings, db
):
    (settings.data_dir / "routing").mkdir()
    (settings.data_dir / "routing" / "zz.yaml").write_text(POLICE_ROUTING)
    cid = submit(country="ZZ", description="invented threat", contact={"email": "invented@example.org"})[
        "case_id"
    ]
    police = org_keys["police"]
    assert client.get(f"/v1/cases/{cid}", headers=police).status_code == 404  # not yet referred
    (ref,) = client.post(f"/v1/cases/{cid}/referrals", json={}, headers=org_keys["a"]).json()
    assert ref["agency_id"] == "police" and ref["target_org_id"] is not None

    queue = client.get("/v1/cases", headers=police).json()
    assert [c["id"] for c in queue] == [cid]
    case = client.get(f"/v1/cases/{cid}", headers=police).json()
    assert case["access"] == "referred" and case["reports"][0]["description"] == "invented threat"
    assert case["reports"][0]["has_contact"] and case["reports"][0]["contact"] is None
    assert "invented@example.org" not in client.get(f"/v1/cases/{cid}", headers=police).text
    assert (
        client.post(
            f"/v1/cases/{cid}/notes", json={"text": "received, investigating"}, headers=police
        ).status_code
        == 201
    )
    r = client.post(
        f"/v1/referrals/{ref['id']}/status",
        json={"status": "acknowledged", "external_ref": "CP-1"},
        headers=police,
    )
    assert r.status_code == 200 and r.json()["external_ref"] == "CP-1"
    assert client.get("/v1/referrals?direction=incoming", headers=police).json()[0]["id"] == ref["id"]
    # but it may not run A's case
    for r in (
        client.post(f"/v1/cases/{cid}/transition", json={"to_status": "closed"}, headers=police),
        client.post(f"/v1/cases/{cid}/notes", json={"text": "hi", "for_reporter": True}, headers=police),
        client.post(f"/v1/cases/{cid}/legal-hold", json={"on": True}, headers=police),
        client.post(f"/v1/cases/{cid}/referrals", json={}, headers=police),
        client.get(f"/v1/cases/{cid}/export/cybertipline", headers=police),
    ):
        assert r.status_code == 403, r.text
    # A sees the police note; the police do not see A's internal notes
    client.post(f"/v1/cases/{cid}/notes", json={"text": "internal to A"}, headers=org_keys["a"])
    notes_a = [n["text"] for n in client.get(f"/v1/cases/{cid}", headers=org_keys["a"]).json()["notes"]]
    notes_p = [n["text"] for n in client.get(f"/v1/cases/{cid}", headers=police).json()["notes"]]
    assert "received, investigating" in notes_a and "internal to A" not in notes_p


def test_an_analyst_refers_and_records_the_agencys_answers(db, settings, person, submit):
    cid = submit(category="fraud", description="an invented phishing link", country="TR")["case_id"]
    analyst = person("Platform A", "analyst")
    (ref,) = service.refer(db, settings, analyst, cid, ["platform"])
    assert service.update_referral(db, analyst, ref.id, "acknowledged").acknowledged_at is not None
    outsider = person("Platform B", "supervisor")
    with pytest.raises(AccessError) as exc:
        service.update_referral(db, outsider, ref.id, "content_removed")
    assert isinstance(exc.value, NotFound)


def test_a_routing_file_edited_a_moment_ago_applies_to_the_next_referral(client, org_keys, submit, settings):
    cid = submit(country="ZZ", description="invented")[
        "case_id"
    ]  # routing files are loaded (and cached) here
    (settings.data_dir / "routing").mkdir()
    (settings.data_dir / "routing" / "zz.yaml").write_text(POLICE_ROUTING)
    r = client.post(f"/v1/cases/{cid}/referrals", json={"agency_ids": ["police"]}, headers=org_keys["a"])
    assert r.status_code == 201, r.text
    assert r.json()[0]["target_org_id"] is not None
    assert [c["id"] for c in client.get("/v1/cases", headers=org_keys["police"]).json()] == [cid]
