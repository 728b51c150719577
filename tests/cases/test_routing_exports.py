"""Routing per country configuration, and exports (CyberTipline-shaped, DSA statement of reasons)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tutela.cases import routing
from tutela.cases.exports.cybertipline import validate
from tutela.domain.cases import Priority
from tutela.domain.taxonomy import Category


@pytest.mark.parametrize(
    "country, config", [("TR", "tr"), ("az", "az"), ("IR", "ir"), ("FR", "default"), (None, "default")]
)
def test_each_country_uses_its_config(country, config):
    assert routing.config_for(country).id == config


def test_every_shipped_config_routes_every_category_and_priority():
    for cfg in routing.load_configs().values():
        for cat in [c.value for c in Category] + ["other"]:
            for pr in Priority:
                routes = cfg.routes(cat, pr.value)
                assert routes, (cfg.id, cat, pr)
                assert len({r.agency_id for r in routes}) == len(routes)


@pytest.mark.parametrize(
    "country, category, priority, must_include, must_not",
    [
        ("TR", "sexual_exploitation", "high", {"ihbar_web", "egm_cyber"}, {"alo_183"}),
        ("TR", "self_harm", "critical", {"egm_cyber", "aile_bakanligi", "alo_183"}, set()),
        ("TR", "cyberbullying", "medium", {"platform", "alo_183"}, {"egm_cyber"}),
        ("AZ", "sexual_exploitation", "high", {"mia_cyber", "inhope_network"}, set()),
        ("IR", "self_harm", "critical", {"social_emergency", "welfare_counselling"}, set()),
        ("IR", "fraud", "low", {"platform"}, {"fata"}),
        (None, "sexual_exploitation", "high", {"national_hotline"}, {"police"}),
        (None, "sexual_exploitation", "critical", {"national_hotline", "police", "child_protection"}, set()),
    ],
)
def test_routing_rules(country, category, priority, must_include, must_not):
    got = {r.agency_id for r in routing.suggest(country, category, priority)}
    assert must_include <= got and not (must_not & got)


def test_broken_routing_files_fail_at_load_with_the_reason(tmp_path):
    bad = [
        ("id: x\nagencies: {a: {name: A, kind: wizard}}\n", "unknown kind"),
        ("id: x\nagencies: {a: {name: A, kind: police}}\nrules: [{route_to: [b]}]\n", "unknown agency"),
        (
            "id: x\nagencies: {a: {name: A, kind: police}}\nrules: [{categories: [nope], route_to: [a]}]\n",
            "unknown category",
        ),
        ("id: x\nrules: [{route_to: []}]\n", "route_to"),
        ("no_id: true\n", "needs an 'id'"),
        ("id: [unclosed\n", "not valid YAML"),
    ]
    for i, (text, message) in enumerate(bad):
        f = tmp_path / f"bad{i}.yaml"
        f.write_text(text)
        with pytest.raises(routing.RoutingConfigError, match=message):
            routing.load_file(f)


def test_operator_file_overrides_and_a_case_gets_its_routes(settings, submit, client, org_keys):
    (settings.data_dir / "routing").mkdir()
    (settings.data_dir / "routing" / "tr.yaml").write_text(
        "id: tr\ncountries: [TR]\nagencies: {h: {name: Local hotline, kind: hotline}}\n"
        "rules: [{categories: [fraud], route_to: [h]}]\ndefault: [h]\n"
    )
    cid = submit(country="TR", category="fraud", description="invented scam")["case_id"]
    case = client.get(f"/v1/cases/{cid}", headers=org_keys["a"]).json()
    assert [(r["config"], r["agency_id"], r["rule"]) for r in case["routes"]] == [("tr", "h", "rule-1")]


def _closed_case(client, org_keys, submit, **fields) -> int:
    import hashlib

    data = b"invented image bytes"
    body = {
        "category": "asking_for_photos",
        "description": "an invented adult asked for photos",
        "urls": ["https://chat.example.com/m/1"],
        "country": "TR",
        "reporter_kind": "trusted_flagger",
        "good_faith": True,
        "notifier": {"name": "Invented Flagger", "email": "flagger@example.org"},
        "reported_person": {
            "platform": "chat.example",
            "account_id": "acct-77",
            "username": "invented_adult",
        },
        "intended_recipient": {"username": "invented_child", "age": 13},
        "victim": {"age": 13, "country": "TR"},
        "incident_type": "Online Enticement of Children for Sexual Acts",
        "escalate": True,
    } | fields
    r = client.post(
        "/v1/reports",
        headers=org_keys["hotline"],
        data={"report": json.dumps(body)},
        files=[("files", ("photo.jpg", data, "image/jpeg"))],
    )
    assert r.status_code == 201, r.text
    cid = r.json()["case_id"]
    case = client.get(f"/v1/cases/{cid}", headers=org_keys["hotline"]).json()
    assert case["evidence"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    r = client.post(
        f"/v1/cases/{cid}/transition",
        json={"to_status": "closed", "outcome": "content_removed"},
        headers=org_keys["hotline"],
    )
    assert r.status_code == 200, r.text
    return cid


def test_cybertipline_export_has_the_schema_structure(client, org_keys, submit):
    cid = _closed_case(client, org_keys, submit)
    r = client.get(
        f"/v1/cases/{cid}/export/cybertipline?reporter_email=reports@hotline.example",
        headers=org_keys["hotline"],
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(r.content)
    assert validate(root) == []
    assert [c.tag for c in root] == [
        "incidentSummary",
        "internetDetails",
        "reporter",
        "personOrUserReported",
        "intendedRecipient",
        "victim",
        "additionalInfo",
    ]
    assert root.findtext("incidentSummary/incidentType") == "Online Enticement of Children for Sexual Acts"
    assert root.findtext("incidentSummary/escalateToHighPriority") == "true"
    assert root.findtext("internetDetails/webPageIncident/url") == "https://chat.example.com/m/1"
    assert root.findtext("personOrUserReported/espIdentifier") == "acct-77"
    assert root.findtext("intendedRecipient/ageAtTimeOfIncident") == "13"
    # the validator really checks: break the document and it says what is wrong
    root.remove(root.find("reporter"))
    assert any("needs <reporter>" in p for p in validate(root))
    as_json = client.get(
        f"/v1/cases/{cid}/export/cybertipline?format=json", headers=org_keys["hotline"]
    ).json()
    hashes = as_json["fileDetails"][0]["originalFileHash"]
    assert {h["@hashType"] for h in hashes} >= {"MD5", "SHA256"}


def test_dsa_statement_of_reasons_has_no_personal_data(client, org_keys, submit):
    cid = _closed_case(client, org_keys, submit)
    r = client.get(f"/v1/cases/{cid}/export/dsa", headers=org_keys["hotline"])
    assert r.status_code == 200, r.text
    sor = r.json()
    assert sor["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert sor["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert sor["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert sor["source_type"] == "SOURCE_TRUSTED_FLAGGER" and sor["puid"] == f"tutela-case-{cid}"
    assert "CONTENT_TYPE_IMAGE" in sor["content_type"]
    for personal in (
        "Invented Flagger",
        "flagger@example.org",
        "acct-77",
        "invented_adult",
        "invented_child",
        "chat.example.com",
        "asked for photos",
        "photo.jpg",
    ):
        assert personal not in r.text


def test_dsa_statement_needs_a_restriction(client, org_keys, submit):
    cid = submit(org="hotline", category="fraud", description="invented")["case_id"]
    r = client.get(f"/v1/cases/{cid}/export/dsa", headers=org_keys["hotline"])
    assert r.status_code == 422 and "restriction" in r.json()["error"]


def test_cli_export(client, org_keys, submit, tmp_path):
    from typer.testing import CliRunner

    from tutela.cli.main import app

    cid = _closed_case(client, org_keys, submit)
    out = tmp_path / "tip.xml"
    r = CliRunner().invoke(app, ["cases", "export", str(cid), "--org", "Hotline", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert validate(ET.parse(out).getroot()) == []
    r = CliRunner().invoke(app, ["cases", "export", str(cid), "--org", "Platform A"])
    assert r.exit_code != 0
