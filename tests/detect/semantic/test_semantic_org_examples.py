"""An organisation's own examples: CRUD through HTTP and CLI, audit, immediate effect, isolation."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from tutela.storage.tables.cases import audit_log

AZ_EXAMPLE = "bank kartını bizə ver, hər köçürmədən 10 faiz qazanacaqsan, heç kim bilməyəcək"
EN_PARAPHRASE = "lend us your bank card for some transfers and you keep ten percent of each one, nobody will know"
URL = "/v1/examples"


def _fraud(client, headers) -> tuple[bool, dict]:
    r = client.post("/v1/analyze/text", json={"text": EN_PARAPHRASE, "stages": "deep"}, headers=headers)
    assert r.status_code == 200, r.text
    res = r.json()["results"][0]
    return "fraud" in res["flags"], res


def test_added_example_takes_effect_at_once_for_its_org_only(semantic_on, client, auth, db) -> None:
    a = auth(org="org-a", scopes=["examples", "analyze"])
    b = auth(org="org-b", scopes=["examples", "analyze"])
    assert _fraud(client, a)[0] is False and _fraud(client, b)[0] is False

    r = client.post(URL, json={"category": "fraud", "label": "harm", "text": AZ_EXAMPLE, "lang": "az",
                               "sub": "money_mule"}, headers=a)
    assert r.status_code == 201, r.text
    ex = r.json()
    assert ex["created_by"] and ex["source"] == "api" and ex["category"] == "fraud"

    flagged, res = _fraud(client, a)
    assert flagged, res["scores"]
    sem = [e for e in res["explanations"] if e["detector"] == "semantic" and e["category"] == "fraud"]
    assert sem[0]["examples"][0]["text"] == AZ_EXAMPLE  # the org's own example explains the flag
    assert _fraud(client, b)[0] is False  # another organisation is not affected

    assert [e["id"] for e in client.get(URL, headers=a).json()["examples"]] == [ex["id"]]
    assert client.get(URL, headers=b).json()["examples"] == []
    assert client.delete(f"{URL}/{ex['id']}", headers=b).status_code == 404  # not b's to remove
    assert client.delete(f"{URL}/{ex['id']}", headers=a).status_code == 200
    assert _fraud(client, a)[0] is False  # removal takes effect at once too

    with db.connect() as conn:
        actions = [r.action for r in conn.execute(select(audit_log.c.action, audit_log.c.details))]
        details = " ".join(str(r.details) for r in conn.execute(select(audit_log.c.details)))
    assert actions.count("examples.add") == 1 and actions.count("examples.remove") == 1
    assert AZ_EXAMPLE not in details  # the audit records what and who, not the text


def test_scope_and_bad_examples(client, auth) -> None:
    assert client.get(URL, headers=auth(scopes=["analyze"])).status_code == 403
    h = auth(scopes=["examples"])
    for body in [
        {"category": "scams", "label": "harm", "text": "x"},
        {"category": "fraud", "label": "maybe", "text": "x"},
        {"category": "fraud", "label": "harm", "text": "   "},
        {"category": "ordinary", "label": "harm", "text": "hello"},
        {"category": "fraud", "label": "harm", "text": "x", "lang": "de"},
    ]:
        r = client.post(URL, json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert "error" in r.json()


def test_cli_add_list_remove(db, settings, monkeypatch) -> None:
    from tutela.access import create_org
    from tutela.cli.main import app

    create_org(db, "Platform C")
    runner = CliRunner()
    out = runner.invoke(app, ["examples", "add", AZ_EXAMPLE, "--org", "Platform C", "--category", "fraud",
                              "--label", "harm", "--lang", "az"])
    assert out.exit_code == 0, out.output
    listed = runner.invoke(app, ["examples", "list", "--org", "Platform C", "--json"])
    (rec,) = [json.loads(x) for x in listed.stdout.splitlines()]
    assert rec["text"] == AZ_EXAMPLE and rec["source"] == "cli" and rec["created_by"] == "cli"
    bad = runner.invoke(app, ["examples", "add", "x", "--org", "Platform C", "--category", "nope", "--label", "harm"])
    assert bad.exit_code != 0 and "category" in bad.output
    assert runner.invoke(app, ["examples", "remove", str(rec["id"]), "--org", "Platform C"]).exit_code == 0
    assert runner.invoke(app, ["examples", "remove", str(rec["id"]), "--org", "Platform C"]).exit_code != 0
    assert "no examples" in runner.invoke(app, ["examples", "list", "--org", "Platform C"]).stdout
