"""An organisation's own examples count in every door that analyses text for it: `tutela scan --org`,
`/v1/moderate` and the triage of its reports (the flags its console shows), not only `/v1/analyze/text`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tutela.detect.semantic.orgbank import add_example

AZ_EXAMPLE = "bank kartını bizə ver, hər köçürmədən 10 faiz qazanacaqsan, heç kim bilməyəcək"
EN_PARAPHRASE = "lend us your bank card for some transfers and you keep ten percent of each one, nobody will know"


def _teach(db, org_id: int) -> None:
    add_example(db, org_id, category="fraud", label="harm", text=AZ_EXAMPLE, lang="az", actor="test", source="cli")


def test_scan_with_org_uses_its_examples(semantic_on, db, settings, tmp_path) -> None:
    from tutela.access import create_org
    from tutela.cli.main import app

    org_id = create_org(db, "Platform S")
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "m1", "text": EN_PARAPHRASE}) + "\n", encoding="utf-8")
    runner = CliRunner()

    def flags(*extra: str) -> list[str]:
        res = runner.invoke(app, ["scan", str(src), "--deep", "-q", *extra])
        assert res.exit_code == 0, res.output
        (rec,) = [json.loads(x) for x in res.stdout.splitlines()]
        return rec["flags"]

    assert "fraud" not in flags("--org", "Platform S")
    _teach(db, org_id)
    assert "fraud" in flags("--org", "Platform S")
    assert "fraud" not in flags()  # without --org only the built-in banks count
    bad = runner.invoke(app, ["scan", str(src), "--org", "No Such Org"])
    assert bad.exit_code != 0 and "No Such Org" in bad.output


def test_moderate_uses_the_callers_examples(semantic_on, client, auth, db) -> None:
    from tutela.access import get_org
    from tutela.detect.semantic import orgbank

    a = auth(org="org-a", scopes=["moderate"])
    b = auth(org="org-b", scopes=["moderate"])

    def flags(headers: dict[str, str]) -> list[str]:
        r = client.post("/v1/moderate", json={"text": EN_PARAPHRASE}, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()["flags"]

    assert "fraud" not in flags(a)
    _teach(db, int(get_org(db, "org-a")["id"]))
    orgbank._RECENT.clear()  # the hot path reuses an overlay read up to RECENT_SECONDS ago
    assert "fraud" in flags(a)
    assert "fraud" not in flags(b)  # another organisation is not affected


def test_report_triage_uses_the_receiving_orgs_examples(semantic_on, db, settings) -> None:
    from tutela.access import Principal, create_org
    from tutela.cases import service
    from tutela.domain.cases import ReportIn

    org_id = create_org(db, "Platform R")
    principal = Principal(org_id, "Platform R", frozenset({"reports", "cases"}), key_id="t")
    report = ReportIn(category="other", description=EN_PARAPHRASE)

    def flags() -> list[str]:
        receipt = service.submit_report(db, settings, report, principal=principal)
        case = service.get_case(db, settings, principal, receipt.case_id)
        return case.reports[-1].analysis_flags

    assert "fraud" not in flags()
    _teach(db, org_id)
    assert "fraud" in flags()
