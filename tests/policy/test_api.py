"""HTTP: POST /v1/moderate and /v1/policies, against the real engine and storage."""

from __future__ import annotations

import base64
import json
import textwrap

import pytest

from .scenarios import SCENARIOS

CHILD_CTX = {"sender": {"age": 31, "id": "acct-1"}, "recipient": {"age": 12, "lang": "tr"}, "country": "TR",
             "connected": False}


@pytest.fixture()
def h(auth):
    return auth("platform-a", ["moderate", "policy"])


def test_moderate_returns_decision_reasons_and_nudges(client, h) -> None:
    r = client.post("/v1/moderate", json={"text": SCENARIOS["secrecy"]["tr"], "context": CHILD_CTX}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decision"] == "hold_for_review"
    assert "grooming-secrecy" in [x["rule"] for x in body["reasons"]]
    assert all(x["evidence"] for x in body["reasons"])
    assert body["nudges"][0]["lang"] == "tr" and body["nudges"][0]["helplines"]
    assert body["policy"] == "tutela-default" and body["automated"] is True
    # the logged decision and its statement of reasons
    got = client.get(f"/v1/moderate/decisions/{body['id']}", headers=h)
    assert got.status_code == 200
    assert got.json()["statement_of_reasons"]["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]


def test_open_case_and_report_create_a_case(client, h, auth) -> None:
    r = client.post("/v1/moderate", json={"text": SCENARIOS["threat"]["en"], "context": CHILD_CTX}, headers=h)
    body = r.json()
    assert body["decision"] == "block" and body["report_to"] == ["hotline"]
    # the case is committed to the outbox with the decision and opened by a worker (here the
    # server's own drainer thread: no external worker is configured)
    assert body["case_refs"] == [] and "open_case" in body["queued"] and body["warnings"] == []
    import time

    from tutela.cases.service import report_status

    deadline = time.monotonic() + 30
    while True:
        logged = client.get(f"/v1/moderate/decisions/{body['id']}", headers=h).json()["decision"]
        if logged["case_refs"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(logged["case_refs"]) == 1
    # the case exists in the case store, found by the reference on the logged decision
    assert report_status(client.app.state.db, logged["case_refs"][0]) is not None


def test_moderate_needs_the_moderate_scope_and_a_key(client, auth) -> None:
    r = client.post("/v1/moderate", json={"text": "hi"})
    assert r.status_code == 401 and "error" in r.json()
    r = client.post("/v1/moderate", json={"text": "hi"}, headers=auth("platform-b", ["analyze"]))
    assert r.status_code == 403 and "moderate" in r.json()["error"]


@pytest.mark.parametrize(
    ("payload", "status", "needle"),
    [
        ({}, 422, "send 'text'"),
        ({"text": "hi", "context": {"recipient": {"age": 500}}}, 422, "invalid request"),
        ({"text": "hi", "colour": "red"}, 422, "invalid request"),
        ({"media_base64": "***not base64***"}, 422, "base64"),
        ({"hashes": {"md5": "xyz"}}, 422, "invalid request"),
    ],
)
def test_bad_requests_get_clear_errors(client, h, payload, status, needle) -> None:
    r = client.post("/v1/moderate", json=payload, headers=h)
    assert r.status_code == status
    assert needle in r.json()["error"]


def test_media_matching_a_known_hash_is_blocked_preserved_and_reported(client, h, db) -> None:
    from tutela.access import get_org
    from tutela.hashing import hash_bytes
    from tutela.hashing.banks import add_entries, create_bank
    from tutela.hashing.synthetic import synthetic_jpeg

    org_id = get_org(db, "platform-a")["id"]
    img = synthetic_jpeg(7)
    bank = create_bank(db, org_id, "known-test-material")
    add_entries(db, bank.name, [("md5", hash_bytes(img).md5, "test entry")], org_id=org_id)
    r = client.post("/v1/moderate", json={"media_base64": base64.b64encode(img).decode(), "filename": "x.jpg",
                                          "context": {"recipient": {"age": 14}}}, headers=h)
    body = r.json()
    assert r.status_code == 200, body
    assert body["decision"] == "block"
    assert {"preserve_evidence", "report", "open_case"} <= set(body["actions"])
    assert body["reasons"][0]["rule"] == "known-hash-match"
    assert "known-test-material" in body["reasons"][0]["evidence"][0]
    # the same file uploaded as multipart
    r = client.post("/v1/moderate/upload", files={"file": ("x.jpg", img, "image/jpeg")},
                    data={"context": json.dumps({"recipient": {"age": 14}})}, headers=h)
    assert r.status_code == 200 and r.json()["decision"] == "block"
    # an unrelated picture from a child to a stranger: warned first
    r = client.post("/v1/moderate/upload", files={"file": ("y.jpg", synthetic_jpeg(99), "image/jpeg")},
                    data={"context": json.dumps({"sender": {"age": 11}, "connected": False})}, headers=h)
    assert r.status_code == 200 and r.json()["decision"] == "warn_sender"
    assert r.json()["nudges"][0]["risk"] == "image_to_stranger"
    bad = client.post("/v1/moderate/upload", files={"file": ("y.jpg", b"x", "image/jpeg")},
                      data={"context": "{not json"}, headers=h)
    assert bad.status_code == 422 and "context" in bad.json()["error"]


def test_conversation_risk_feeds_the_policy(client, h) -> None:
    ctx = {**CHILD_CTX, "conversation_id": "conv-1", "recipient": {"age": 12, "id": "kid-1"}}
    lines = ["hey, you seem really mature for your age", "are your parents home?",
             "don't tell your mom about us, it's our secret", "send me a pic of you"]
    last = None
    for text in lines:
        r = client.post("/v1/moderate", json={"text": text, "context": ctx}, headers=h)
        assert r.status_code == 200, r.text
        last = r.json()
    assert "conversation_risk" in last["scores"] and "account_risk" in last["scores"]
    assert last["decision"] == "hold_for_review"
    anon = {**ctx, "sender": {"age": 31}}
    r = client.post("/v1/moderate", json={"text": "hi", "context": anon}, headers=h).json()
    assert r["warnings"] == ["conversation risk needs sender.id: skipped"] and r["decision"] == "allow"


POLICY = textwrap.dedent("""\
    policy: platform-a-v1
    rules:
      - id: block-bullying
        when: {score: {cyberbullying: ">= 0.5"}}
        then: [block]
""")


def test_policy_upload_activate_shadow_and_report(client, h) -> None:
    bad = client.put("/v1/policies", content="policy: x\nrules:\n  - id: a\n    when: {chanel: dm}\n    then: [block]\n",
                     headers={**h, "content-type": "application/yaml"})
    assert bad.status_code == 422
    issue = bad.json()["details"][0]
    assert issue["line"] == 4 and issue["rule"] == "a" and "did you mean 'channel'" in issue["message"]

    up = client.put("/v1/policies?shadow=true&comment=try", content=POLICY,
                    headers={**h, "content-type": "application/yaml"})
    assert up.status_code == 201 and up.json()["version"] == 1 and up.json()["shadow"] is True
    r = client.post("/v1/moderate", json={"text": SCENARIOS["bullying"]["en"], "context": {"recipient": {"age": 40}}},
                    headers=h)
    assert r.json()["decision"] == "allow" and r.json()["shadow"]["decision"] == "block"
    rep = client.get("/v1/policies/shadow/report", headers=h).json()
    assert rep["differ"] == 1 and rep["transitions"] == [{"live": "allow", "shadow": "block", "count": 1}]

    assert client.post("/v1/policies/1/activate", headers=h).json()["active"] is True
    listing = client.get("/v1/policies", headers=h).json()
    assert listing["active_version"] == 1 and listing["shadow_version"] is None
    r = client.post("/v1/moderate", json={"text": SCENARIOS["bullying"]["en"]}, headers=h)
    assert r.json()["decision"] == "block" and r.json()["policy_version"] == 1

    js = client.put("/v1/policies", json={"source": POLICY.replace("v1", "v2"), "shadow": True}, headers=h)
    assert js.status_code == 201 and js.json()["version"] == 2
    assert client.delete("/v1/policies/shadow", headers=h).json() == {"shadow_version": None}
    assert client.get("/v1/policies/2", headers=h).json()["source"].startswith("policy: platform-a-v2")
    assert client.get("/v1/policies/7", headers=h).status_code == 404
    assert client.post("/v1/policies/7/shadow", headers=h).status_code == 404
    assert "rules:" in client.get("/v1/policies/default", headers=h).text
    ok = client.post("/v1/policies/validate", content=POLICY, headers={**h, "content-type": "text/plain"})
    assert ok.json() == {"valid": True, "name": "platform-a-v1", "rules": ["block-bullying"]}


def test_policy_routes_need_the_policy_scope(client, auth) -> None:
    r = client.get("/v1/policies", headers=auth("platform-c", ["moderate"]))
    assert r.status_code == 403


def test_openapi_documents_the_contract(client) -> None:
    spec = client.get("/openapi.json").json()
    assert "/v1/moderate" in spec["paths"] and "/v1/policies" in spec["paths"]
    assert "Decision" in spec["components"]["schemas"] and "ModerateRequest" in spec["components"]["schemas"]


def test_policy_test_and_compare_over_http(client, h) -> None:
    cases = [
        {"id": "bully", "text": SCENARIOS["bullying"]["ru"], "context": {"recipient": {"age": 12}},
         "expect": {"actions": ["nudge_recipient"], "nudge": "bullying"}},
        {"id": "wrong", "text": "see you later", "expect": {"decision": "block"}},
    ]
    r = client.post("/v1/policies/test", json={"cases": cases}, headers=h)
    body = r.json()
    assert r.status_code == 200 and body["policy"] == "tutela-default" and (body["passed"], body["failed"]) == (1, 1)
    assert body["results"][1]["failures"] == ["decision allow, expected block"]
    r = client.post("/v1/policies/test", json={"source": POLICY, "cases": cases[:1]}, headers=h)
    assert r.json()["results"][0]["decision"] == "block"
    bad = client.post("/v1/policies/test", json={"source": "policy: x\nrules: []\n", "cases": cases}, headers=h)
    assert bad.status_code == 422 and bad.json()["details"][0]["line"] == 2
    cmp_ = client.post("/v1/policies/compare", json={"candidate": POLICY, "cases": cases}, headers=h).json()
    assert cmp_["live"] == "tutela-default" and cmp_["differ"] == 1 and cmp_["differences"][0]["shadow"] == "block"
    assert client.post("/v1/policies/test", json={"cases": []}, headers=h).status_code == 422


def test_the_fast_path_answers_as_the_route_and_leaves_refusals_to_it(client, h, auth, monkeypatch) -> None:
    """`tutela.api.fastpath` answers well-formed calls itself; the route must give the same answer,
    and every refusal (no key, wrong scope, a body that does not validate) stays the route's own."""
    from tutela.api import fastpath

    msg = {"text": SCENARIOS["secrecy"]["tr"], "context": CHILD_CTX}
    fast = client.post("/v1/moderate", json=msg, headers=h)
    # the same call through the framework (the fast path stood aside)
    monkeypatch.setattr(fastpath.ModerateFastPath, "_answer", lambda *_a, **_k: _none())
    slow = client.post("/v1/moderate", json=msg, headers=h)
    monkeypatch.undo()
    assert fast.status_code == slow.status_code == 200
    a, b = fast.json(), slow.json()
    for body in (a, b):
        body.pop("id"), body.pop("created_at")
    assert a == b and fast.headers["content-type"] == slow.headers["content-type"]

    other = auth("platform-b", ["reports"])
    refusals = [
        ({}, msg, 401),
        (other, msg, 403),
        (h, {"text": "hi", "unknown_field": 1}, 422),
        (h, {"text": "hi", "context": {"sender": {"age": "old"}}}, 422),
    ]
    for headers, body, status in refusals:
        r = client.post("/v1/moderate", json=body, headers=headers)
        assert r.status_code == status, (body, r.text)
        assert r.json()["error"]
    # the metrics still name the route, not "unmatched"
    metrics = client.get("/metrics").text
    assert 'route="/v1/moderate"' in metrics


async def _none() -> None:
    return None
