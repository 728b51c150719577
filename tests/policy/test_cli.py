"""`tutela policy check | test | diff | default`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tutela.cli.main import app
from tutela.policy.model import DEFAULT_POLICY_PATH

CASES = Path(__file__).resolve().parents[2] / "examples" / "policy" / "cases.jsonl"
runner = CliRunner()


def test_check_valid_and_invalid(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["policy", "check", str(DEFAULT_POLICY_PATH)])
    assert ok.exit_code == 0 and "OK: policy 'tutela-default'" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("policy: x\nrules:\n  - id: a\n    when:\n      score: {sexul_content: 0.7}\n    then: [block]\n")
    res = runner.invoke(app, ["policy", "check", str(bad)])
    assert res.exit_code == 1
    assert f"{bad}:5: rule 'a': unknown category 'sexul_content'" in res.output
    missing = runner.invoke(app, ["policy", "check", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2


def test_test_runs_cases_through_the_real_engine() -> None:
    res = runner.invoke(app, ["policy", "test", str(DEFAULT_POLICY_PATH), "--cases", str(CASES)])
    assert res.exit_code == 0, res.output
    assert "9 passed, 0 failed" in res.output


def test_test_reports_failures_with_the_case_line(tmp_path: Path) -> None:
    cases = tmp_path / "c.jsonl"
    cases.write_text(json.dumps({"id": "wrong", "text": "hello there",
                                 "expect": {"decision": "block", "rules": ["x"]}}) + "\n")
    res = runner.invoke(app, ["policy", "test", str(DEFAULT_POLICY_PATH), "--cases", str(cases)])
    assert res.exit_code == 1
    assert "FAIL  wrong" in res.output and f"{cases}:1: decision allow, expected block" in res.output
    js = runner.invoke(app, ["policy", "test", str(DEFAULT_POLICY_PATH), "--cases", str(cases), "--json"])
    line = json.loads(js.output.strip().splitlines()[0])
    assert line["passed"] is False and line["decision"] == "allow"
    cases.write_text("{not json\n")
    res = runner.invoke(app, ["policy", "test", str(DEFAULT_POLICY_PATH), "--cases", str(cases)])
    assert res.exit_code == 2 and "c.jsonl:1: not valid JSON" in " ".join(res.output.split())


def test_diff_shows_where_a_candidate_differs(tmp_path: Path) -> None:
    cand = tmp_path / "cand.yaml"
    cand.write_text("policy: lenient\nrules:\n  - id: only-hashes\n    when: {hash_match: true}\n    then: [block]\n")
    res = runner.invoke(app, ["policy", "diff", str(cand), "--cases", str(CASES)])
    assert res.exit_code == 0
    out = json.loads(res.output)
    assert out["cases"] == 9 and out["differ"] == 7  # all but the two allowed cases


def test_default_prints_the_builtin_policy() -> None:
    res = runner.invoke(app, ["policy", "default"])
    assert res.exit_code == 0 and res.output == DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


def test_org_policy_versions_from_the_cli(tmp_path: Path, monkeypatch, settings) -> None:
    monkeypatch.setenv("TUTELA_DATA_DIR", str(settings.data_dir))
    from tutela.access import create_org
    from tutela.storage.db import Database

    db = Database.from_settings(settings)
    create_org(db, "cli-org")
    db.dispose()
    pol = tmp_path / "p.yaml"
    pol.write_text("policy: cli\nrules:\n  - id: r\n    when: {channel: dm}\n    then: [blur]\n")
    res = runner.invoke(app, ["policy", "upload", str(pol), "--org", "cli-org", "--shadow"])
    assert res.exit_code == 0 and "version 1 (shadow)" in res.output
    res = runner.invoke(app, ["policy", "versions", "--org", "cli-org"])
    assert "live: built-in default policy" in res.output and "shadow" in res.output
    assert runner.invoke(app, ["policy", "activate", "1", "--org", "cli-org"]).exit_code == 0
    assert "live" in runner.invoke(app, ["policy", "versions", "--org", "cli-org"]).output
    assert runner.invoke(app, ["policy", "activate", "5", "--org", "cli-org"]).exit_code == 2
    rep = runner.invoke(app, ["policy", "shadow-report", "--org", "cli-org"])
    assert json.loads(rep.output)["decisions"] == 0
    assert runner.invoke(app, ["policy", "versions", "--org", "nobody"]).exit_code == 2

    import tutela
    from tutela.access import get_org

    db = Database.from_settings(settings)
    org_id = get_org(db, "cli-org")["id"]
    tutela.moderate("hi", {"channel": "dm"}, db=db, settings=settings, org_id=org_id, sync_log=True)
    tutela.moderate("hi", {"channel": "group"}, db=db, settings=settings, org_id=org_id, sync_log=True)
    db.dispose()
    out = runner.invoke(app, ["policy", "statements", "--org", "cli-org", "--since", "2000-01-01"])
    lines = [json.loads(x) for x in out.output.splitlines()]
    assert len(lines) == 1 and lines[0]["decision_visibility"] == ["DECISION_VISIBILITY_OTHER"]
    assert "rule r: channel=dm" in lines[0]["decision_facts"]
