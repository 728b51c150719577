"""The whole life of a case through the API, and the reporter's side of it."""

from __future__ import annotations

import pytest

from tutela.access import AccessError
from tutela.cases import service


def _move(client, headers, case_id, to, **extra):
    return client.post(f"/v1/cases/{case_id}/transition", json={"to_status": to, **extra}, headers=headers)


def test_whole_lifecycle_with_referral_feedback_reopen_and_appeal(client, org_keys, submit, db, settings):
    h = org_keys["hotline"]
    receipt = submit(
        org="hotline",
        category="asking_for_photos",
        country="TR",
        description="an adult keeps asking me for photos",
        urls=["https://chat.example.com/u/9"],
    )
    cid = receipt["case_id"]
    case = client.get(f"/v1/cases/{cid}", headers=h).json()
    assert case["status"] == "triaged" and [e["event"] for e in case["timeline"]] == ["received", "triaged"]
    assert {r["config"] for r in case["routes"]} == {"tr"}
    assert case["deadlines"]["triaged"]

    # an invalid move is refused with the allowed ones named
    bad = _move(client, h, cid, "actioned_now")
    assert bad.status_code == 409 and "valid" in bad.json()["error"]
    bad = _move(client, h, cid, "received")
    assert bad.status_code == 409 and "allowed" in bad.json()["error"]

    # refer to the suggested agencies, then record each agency's answers
    r = client.post(f"/v1/cases/{cid}/referrals", json={"agency_ids": ["ihbar_web", "platform"]}, headers=h)
    assert r.status_code == 201, r.text
    refs = r.json()
    assert [x["status"] for x in refs] == ["sent", "sent"] and all(x["sent_at"] for x in refs)
    platform_ref = next(x for x in refs if x["agency_id"] == "platform")
    for step in ("acknowledged", "content_removed", "removal_verified"):
        r = client.post(f"/v1/referrals/{platform_ref['id']}/status", json={"status": step}, headers=h)
        assert r.status_code == 200, r.text
        assert r.json()[f"{step}_at"] is not None
    back = client.post(
        f"/v1/referrals/{platform_ref['id']}/status", json={"status": "acknowledged"}, headers=h
    )
    assert back.status_code == 409
    assert (
        client.post(
            f"/v1/referrals/{platform_ref['id']}/status", json={"status": "lost"}, headers=h
        ).status_code
        == 422
    )
    outgoing = client.get("/v1/referrals?direction=outgoing", headers=h).json()
    assert {x["id"] for x in outgoing} == {x["id"] for x in refs}

    # notes: internal and for the reporter
    assert (
        client.post(f"/v1/cases/{cid}/notes", json={"text": "checked the account"}, headers=h).status_code
        == 201
    )
    r = client.post(
        f"/v1/cases/{cid}/notes", json={"text": "Thank you, we are on it.", "for_reporter": True}, headers=h
    )
    assert r.status_code == 201

    assert _move(client, h, cid, "actioned", note="content gone").status_code == 200
    r = _move(client, h, cid, "closed", outcome="content_removed")
    assert (
        r.status_code == 200 and r.json()["status"] == "closed" and r.json()["outcome"] == "content_removed"
    )

    status = client.get(f"/v1/reports/{receipt['reference_code']}/status").json()
    texts = [m["text"] for m in status["messages"]]
    assert texts[0] == "Thank you, we are on it." and "taken down" in texts[-1]
    assert "checked the account" not in " ".join(texts)  # internal notes never reach the reporter
    assert status["stage"] == "finished" and status["can_appeal"] is True

    # reopen and close again: the reporter is told the outcome only once
    assert _move(client, h, cid, "triaged").json()["status"] == "triaged"
    assert _move(client, h, cid, "closed", outcome="no_violation").status_code == 200
    status = client.get(f"/v1/reports/{receipt['reference_code']}/status").json()
    assert sum("taken down" in m["text"] or "did not find" in m["text"] for m in status["messages"]) == 1

    # appeal: the reporter asks again, a supervisor upholds it and the case reopens
    r = client.post(f"/v1/reports/{receipt['reference_code']}/appeal", json={"reason": "it is still there"})
    assert r.status_code == 201
    assert (
        client.post(f"/v1/reports/{receipt['reference_code']}/appeal", json={"reason": "again"}).status_code
        == 422
    )
    (appeal,) = client.get("/v1/appeals", headers=h).json()
    r = client.post(f"/v1/appeals/{appeal['id']}/decision", json={"upheld": True}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "upheld"
    case = client.get(f"/v1/cases/{cid}", headers=h).json()
    assert case["status"] == "triaged"
    events = [e["event"] for e in case["timeline"]]
    for expected in (
        "referred",
        "referral_acknowledged",
        "referral_content_removed",
        "referral_removal_verified",
        "actioned",
        "closed",
        "reopened",
        "appeal",
    ):
        assert expected in events


def test_assignment_queues_and_deadlines(db, settings, person, submit, client, org_keys):
    analyst = person("Platform A", "analyst")
    other = person("Platform A", "analyst")
    supervisor = person("Platform A", "supervisor")
    outsider = person("Platform B", "analyst")
    cid = submit(category="fraud", description="a fake prize link")["case_id"]

    detail = service.assign(db, settings, analyst, cid, analyst.user_id)  # take it yourself
    assert detail.status == "assigned" and detail.assigned_to == analyst.user_id
    assert detail.deadline_at is not None and detail.stage_entered_at <= detail.deadline_at
    with pytest.raises(AccessError):
        service.assign(db, settings, analyst, cid, other.user_id)  # analysts do not hand out others' work
    detail = service.assign(db, settings, supervisor, cid, other.user_id)
    assert detail.assigned_to == other.user_id
    with pytest.raises(ValueError, match="no active person"):
        service.assign(db, settings, supervisor, cid, outsider.user_id)
    mine = service.list_queue(db, other, assigned_to=other.user_id)
    assert [c.id for c in mine] == [cid]
    back = service.assign(db, settings, supervisor, cid, None)
    assert back.status == "triaged" and back.assigned_to is None
    # the detail from a call without settings still opens the vault (settings bound on intake)
    assert back.reports[0].description == "a fake prize link"


def test_bulk_transition_reports_each_case(client, org_keys, submit):
    a1 = submit(urls=["https://x.example.com/1"])["case_id"]
    a2 = submit(urls=["https://x.example.com/2"])["case_id"]
    b1 = submit(org="b", urls=["https://x.example.com/3"])["case_id"]
    r = client.post(
        "/v1/cases/bulk-transition",
        json={"case_ids": [a1, a2, b1], "to_status": "closed", "outcome": "duplicate"},
        headers=org_keys["a"],
    )
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["results"][str(a1)] == res["results"][str(a2)] == "ok"
    assert "no case" in res["results"][str(b1)] and res["failed"] == 1
    b_case = client.get(f"/v1/cases/{b1}", headers=org_keys["b"]).json()
    assert b_case["status"] == "triaged"  # B's case was not touched
