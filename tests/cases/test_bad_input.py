"""Bad input gets a clear JSON error with the right status, and nothing is stored half-way."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tutela.storage.tables.cases import audit_log, cases, evidence, reports, vault_objects


def _counts(db) -> tuple[int, ...]:
    with db.connect() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (reports, cases, evidence, vault_objects, audit_log)
        )


@pytest.fixture()
def small_uploads(settings):
    settings.max_upload_bytes = 1000
    return settings


def test_oversized_upload_is_413_and_nothing_is_stored(client, org_keys, db, small_uploads):
    before = _counts(db)
    r = client.post(
        "/v1/reports",
        headers=org_keys["a"],
        data={"report": json.dumps({"category": "fraud", "description": "x"})},
        files=[("files", ("big.txt", b"x" * 5000, "text/plain"))],
    )
    assert r.status_code == 413 and "limit" in r.json()["error"]
    # a file under the body cap but over the per-file cap
    r = client.post(
        "/v1/reports",
        headers=org_keys["a"],
        data={"report": json.dumps({"category": "fraud", "description": "x"})},
        files=[("files", ("big.txt", b"x" * 1200, "text/plain"))],
    )
    assert r.status_code == 413 and "error" in r.json()
    # a JSON body over its 1 MiB cap
    big_json = json.dumps({"category": "fraud", "description": "x" * (2 * 1024 * 1024)})
    r = client.post(
        "/v1/reports", headers=org_keys["a"] | {"content-type": "application/json"}, content=big_json
    )
    assert r.status_code == 413 and "limit" in r.json()["error"]
    assert _counts(db) == before


def test_wrong_types_are_refused(client, org_keys, db):
    before = _counts(db)
    r = client.post("/v1/reports", headers=org_keys["a"] | {"content-type": "text/plain"}, content=b"hello")
    assert r.status_code == 415 and "application/json" in r.json()["error"]
    r = client.post(
        "/v1/reports",
        headers=org_keys["a"],
        data={"report": json.dumps({"category": "fraud", "description": "x"})},
        files=[("files", ("run.exe", b"MZ\x90\x00", "application/x-msdownload"))],
    )
    assert r.status_code == 415 and "allowed" in r.json()["error"]
    r = client.post("/v1/reports", headers=org_keys["a"], json={"category": "fraud", "description": 42})
    assert r.status_code == 422 and r.json()["details"][0]["loc"] == ["description"]
    assert _counts(db) == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"description": "no category"}, "category"),
        ({"category": "not_a_harm", "description": "x"}, "category"),
        ({"category": "fraud", "description": "x", "country": "Turkey"}, "country"),
        ({"category": "fraud", "description": "x", "surprise": 1}, "surprise"),
        ({"category": "fraud", "reporter_kind": "platform", "good_faith": False, "description": "x"}, None),
        ({"category": "fraud", "file_refs": [{"sha256": "not-hex"}]}, "file_refs"),
        # DSA Article 16 notices (good_faith given) must be complete; name and e-mail only optional for CSAM
        (
            {"category": "fraud", "good_faith": True, "description": "x", "urls": ["https://e.example.com"]},
            None,
        ),
        (
            {
                "category": "fraud",
                "good_faith": True,
                "urls": ["https://e.example.com"],
                "notifier": {"name": "N", "email": "n@example.org"},
            },
            None,
        ),
        (
            {
                "category": "fraud",
                "good_faith": True,
                "description": "x",
                "notifier": {"name": "N", "email": "n@example.org"},
            },
            None,
        ),
    ],
)
def test_missing_or_invalid_fields_are_422(client, org_keys, db, body, field):
    before = _counts(db)
    r = client.post("/v1/reports", headers=org_keys["a"], json=body)
    assert r.status_code == 422, r.text
    out = r.json()
    assert out["error"] == "invalid report"
    if field:
        assert any(field in map(str, d["loc"]) for d in out["details"])
    assert _counts(db) == before


def test_a_csam_notice_needs_no_notifier_name(client, org_keys):
    r = client.post(
        "/v1/reports",
        headers=org_keys["a"],
        json={
            "category": "sexual_exploitation",
            "good_faith": True,
            "reporter_kind": "trusted_flagger",
            "description": "invented notice text",
            "urls": ["https://e.example.com/x"],
        },
    )
    assert r.status_code == 201, r.text


def test_a_report_with_nothing_to_act_on_is_422(client, org_keys, db):
    before = _counts(db)
    r = client.post("/v1/reports", headers=org_keys["a"], json={"category": "fraud"})
    assert r.status_code == 422 and "at least one of" in r.json()["error"]
    assert _counts(db) == before


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b"\xff\xfe"])
def test_malformed_json_is_a_clear_error(client, org_keys, db, raw):
    before = _counts(db)
    r = client.post("/v1/reports", headers=org_keys["a"] | {"content-type": "application/json"}, content=raw)
    assert r.status_code in (400, 422) and "error" in r.json()
    assert _counts(db) == before


def test_bad_input_on_case_endpoints(client, org_keys, submit):
    cid = submit()["case_id"]
    h = org_keys["a"]
    assert client.post(f"/v1/cases/{cid}/notes", json={"text": ""}, headers=h).status_code == 422
    assert (
        client.post(
            f"/v1/cases/{cid}/notes", content=b"{oops", headers=h | {"content-type": "application/json"}
        ).status_code
        == 422
    )
    assert client.post(f"/v1/cases/{cid}/transition", json={}, headers=h).status_code == 422
    r = client.post(
        f"/v1/cases/{cid}/transition", json={"to_status": "closed", "outcome": "shrug"}, headers=h
    )
    assert r.status_code == 422 and "outcome" in r.json()["error"]
    assert client.get("/v1/cases?priority=urgent", headers=h).status_code == 422
    assert client.get("/v1/cases/999999", headers=h).status_code == 404
    assert client.get("/v1/cases/not-a-number", headers=h).status_code == 422
    r = client.post(f"/v1/cases/{cid}/referrals", json={"agency_ids": ["nobody"]}, headers=h)
    assert r.status_code == 422 and "unknown agencies" in r.json()["error"]
    r = client.get(f"/v1/cases/{cid}/export/pdf", headers=h)
    assert r.status_code == 422 and "cybertipline" in r.json()["error"]
    case = client.get(f"/v1/cases/{cid}", headers=h).json()
    assert case["status"] == "triaged" and case["notes"] == []


def test_validate_checks_without_storing_and_the_openapi_spec_resolves(client, org_keys, db):
    import re

    before = _counts(db)
    ok = client.post(
        "/v1/reports/validate",
        json={"category": "asking_for_photos", "description": "x"},
        headers=org_keys["a"],
    )
    assert ok.status_code == 200 and ok.json()["category"] == "sexual_exploitation"
    bad = client.post("/v1/reports/validate", json={"category": "nope"}, headers=org_keys["a"])
    assert bad.status_code == 422 and "error" in bad.json()
    assert _counts(db) == before
    spec = client.get("/openapi.json").json()
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(spec)))
    assert refs <= set(spec["components"]["schemas"])
