"""The audit chain, the vault (encryption at rest, key rotation) and retention with legal hold."""

from __future__ import annotations

import base64
import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from tutela.access import AccessError, Gone, get_org
from tutela.cases import audit, retention, service, vault
from tutela.config import Settings
from tutela.domain.cases import EvidenceFile, ReportIn
from tutela.storage.tables.cases import audit_log, evidence, retention_runs, vault_objects
from tutela.storage.times import utc_now


def _report(db, settings, text_: str = "invented description", **kw):
    return service.submit_report(
        db,
        settings,
        ReportIn(category="fraud", description=text_, **kw),
        files=[EvidenceFile(filename="f.txt", content_type="text/plain", data=text_.encode() + b" file")],
    )


def test_every_view_and_change_is_audited_and_the_chain_verifies(db, settings, client, org_keys, submit):
    cid = submit()["case_id"]
    client.get(f"/v1/cases/{cid}", headers=org_keys["a"])
    client.post(f"/v1/cases/{cid}/notes", json={"text": "n"}, headers=org_keys["a"])
    client.get("/v1/cases", headers=org_keys["a"])
    code = client.get(f"/v1/cases/{cid}", headers=org_keys["a"]).json()["reports"][0]["reference_code"]
    client.get(f"/v1/reports/{code}/status")
    actions = [e["action"] for e in audit.entries(db) if e["object_type"] != "api_key"][::-1]
    assert actions == [  # the reporter's status lookup is counted, not written as an entry (finding 6)
        "report.submit",
        "case.view",
        "case.note",
        "queue.view",
        "case.view",
    ]
    result = audit.verify(db)
    assert result.ok and result.checked == 5 + len(org_keys)  # and one `key.create` per key made


def test_status_lookups_are_counted_per_report_and_day_not_audited(db, client, submit, org_keys):
    from tutela.storage.tables.cases import report_status_lookups

    cid = submit()["case_id"]
    code = client.get(f"/v1/cases/{cid}", headers=org_keys["a"]).json()["reports"][0]["reference_code"]
    before = audit.verify(db).checked
    for _ in range(5):
        assert client.get(f"/v1/reports/{code}/status").status_code == 200
    assert audit.verify(db).checked == before
    with db.connect() as conn:
        rows = conn.execute(select(report_status_lookups)).mappings().all()
    assert len(rows) == 1 and rows[0]["lookups"] == 5 and rows[0]["day"] == utc_now().date().isoformat()


def test_tampering_with_an_entry_is_detected(db, settings):
    for i in range(5):
        _report(db, settings, f"invented report {i}")
    assert audit.verify(db).ok
    with db.begin() as conn:  # someone edits history with SQL
        conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(actor="someone-else"))
    result = audit.verify(db)
    assert not result.ok and result.broken_seq == 3 and "hash" in result.reason
    runner = CliRunner()
    from tutela.cli.main import app

    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 1 and "BROKEN at entry 3" in r.output


def test_a_deleted_or_truncated_entry_is_detected(db, settings):
    for i in range(4):
        _report(db, settings, f"invented report {i}")
    with db.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    r = audit.verify(db)
    assert not r.ok and r.broken_seq == 2 and "missing" in r.reason
    with db.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq >= 2"))
    r = audit.verify(db)
    assert not r.ok and "removed" in r.reason


def test_cli_verify_passes_on_an_intact_chain(db, settings):
    _report(db, settings)
    from tutela.cli.main import app

    r = CliRunner().invoke(app, ["audit", "verify"])
    assert r.exit_code == 0 and "intact: 1 entries" in r.output


def test_concurrent_writers_keep_one_unbroken_chain(db, settings):
    errors = []

    def worker(n: int) -> None:
        try:
            for i in range(8):
                _report(db, settings, f"invented concurrent {n}-{i}")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = audit.verify(db)
    assert result.ok and result.checked == 32


def test_evidence_is_encrypted_at_rest_with_a_private_key_file(db, settings):
    receipt = _report(db, settings, "invented secret words")
    key_file = settings.data_dir / "vault.key"
    assert key_file.exists() and (os.stat(key_file).st_mode & 0o777) == 0o600
    with db.connect() as conn:
        blobs = [bytes(b) for b in conn.execute(select(vault_objects.c.ciphertext)).scalars()]
        # a ciphertext moved onto another row does not open
        ids = [r for r in conn.execute(select(vault_objects.c.id)).scalars()]
    assert blobs and all(b"secret words" not in b for b in blobs)
    with db.begin() as conn:
        conn.execute(update(vault_objects).where(vault_objects.c.id == ids[0]).values(ciphertext=blobs[1]))
        with pytest.raises(vault.VaultError):
            vault.get(conn, settings, ids[0])
    assert receipt.case_id


def test_key_rotation_reencrypts_everything(db, settings, tmp_path):
    old = vault.new_key_b64()
    s_old = Settings(data_dir=settings.data_dir, vault_key=old)
    receipt = _report(db, s_old, "invented rotation text", urls=["https://rot.example.com/1"])
    new = vault.new_key_b64()
    s_new = Settings(data_dir=settings.data_dir, vault_key=new)
    with db.connect() as conn, pytest.raises(vault.VaultError, match="not loaded"):
        vault.get(conn, s_new, 1)
    result = vault.rotate(db, s_new, [vault.VaultKey.from_b64(old)])
    assert result["reencrypted"] >= 2 and result["without_key"] == 0
    with db.connect() as conn:
        assert {k for k in conn.execute(select(vault_objects.c.key_id)).scalars()} == {
            vault.VaultKey.from_b64(new).key_id
        }
    from tutela.access import Principal

    p = Principal(1, "x", frozenset({"admin"}), key_id="t")
    ev_id = service.get_case(db, s_new, p, receipt.case_id).evidence[0].id
    data, _ = service.evidence_content(db, s_new, p, ev_id)
    assert data == b"invented rotation text file"
    # deduplication keys do not depend on the vault key: the same URL still finds its case
    assert (
        _report(db, s_new, "invented again", urls=["https://rot.example.com/1"]).duplicate_of
        == receipt.case_id
    )
    assert audit.verify(db).ok
    with pytest.raises(vault.VaultError):
        vault.VaultKey.from_b64(base64.b64encode(b"short").decode())


def test_retention_deletes_on_schedule_respects_legal_hold_and_records_it(db, settings):
    from tutela.access import Principal

    p = Principal(1, "x", frozenset({"admin"}), key_id="t")
    done = _report(db, settings, "invented closed long ago", urls=["https://r.example.com/1"])
    held = _report(db, settings, "invented under hold", urls=["https://r.example.com/2"])
    fresh = _report(db, settings, "invented still open", urls=["https://r.example.com/3"])
    for r in (done, held):
        service.transition(db, settings, p, r.case_id, "closed", outcome="no_violation")
    service.set_legal_hold(db, p, held.case_id, True, reason="invented court order")

    # nothing is old enough yet
    assert retention.run(db, settings)["evidence_deleted"] == 0
    later = utc_now() + timedelta(days=31)
    dry = retention.run(db, settings, at=later, dry_run=True)
    assert dry["evidence_deleted"] == 1 and dry["contacts_deleted"] == 0
    summary = retention.run(db, settings, at=later)
    assert summary["evidence_deleted"] == 1 and summary["kept_by_hold"] == 0  # held case is skipped entirely

    with db.connect() as conn:
        rows = {r.case_id: r for r in conn.execute(select(evidence))}
        runs = conn.execute(select(retention_runs)).all()
    assert rows[done.case_id].deleted_at is not None and rows[done.case_id].sha256  # hashes kept
    assert rows[held.case_id].deleted_at is None and rows[fresh.case_id].deleted_at is None
    assert len(runs) == 3 and runs[-1].summary["evidence_deleted"] == 1
    with pytest.raises(AccessError) as exc:
        service.evidence_content(db, settings, p, rows[done.case_id].id)
    assert isinstance(exc.value, Gone)
    case = service.get_case(db, settings, p, done.case_id)
    assert case.evidence[0].deleted_at is not None
    # releasing the hold lets the next run delete
    service.set_legal_hold(db, p, held.case_id, False)
    assert retention.run(db, settings, at=later)["evidence_deleted"] == 1
    assert [e["action"] for e in audit.entries(db, object_type="retention")][0] == "retention.run"
    assert audit.verify(db).ok


def test_evidence_under_a_key_not_loaded_is_503_not_500(client, org_keys, settings):
    import json

    r = client.post(
        "/v1/reports",
        headers=org_keys["a"],
        data={"report": json.dumps({"category": "privacy", "description": "invented"})},
        files=[("files", ("a.txt", b"invented bytes", "text/plain"))],
    )
    case = client.get(f"/v1/cases/{r.json()['case_id']}", headers=org_keys["a"]).json()
    settings.vault_key = vault.new_key_b64()  # the operator switched keys but has not rotated yet
    got = client.get(f"/v1/evidence/{case['evidence'][0]['id']}", headers=org_keys["a"])
    assert got.status_code == 503 and "rotate-key" in got.json()["error"]


def test_retention_cli_runs_and_shows_its_history(db, settings):
    from tutela.cli.main import app

    _report(db, settings, "invented")
    runner = CliRunner()
    r = runner.invoke(app, ["retention", "run", "--dry-run"])
    assert r.exit_code == 0 and "would delete 0 evidence" in r.output
    r = runner.invoke(app, ["retention", "run"])
    assert r.exit_code == 0 and "deleted 0 evidence" in r.output
    r = runner.invoke(app, ["retention", "history"])
    lines = r.output.strip().splitlines()
    assert r.exit_code == 0 and len(lines) == 2 and "dry run" in lines[1] and "cli:retention" in lines[0]


def test_audit_verify_over_http_is_for_administrators(client, auth, org_keys, submit, db):
    submit()
    admin = auth("Platform A", ["admin"])
    assert client.get("/v1/audit/verify", headers=org_keys["a"]).status_code == 403
    org_a = get_org(db, "Platform A")["id"]
    mine = sum(1 for e in audit.entries(db, limit=1000) if e["org_id"] == org_a)
    body = client.get("/v1/audit/verify", headers=admin).json()
    assert body == {"ok": True, "entries_of_your_organisation": mine}
    # another organisation's admin learns nothing about how busy Platform A is (no instance-wide count)
    admin_c = auth("Platform C", ["admin"])
    other = client.get("/v1/audit/verify", headers=admin_c).json()
    assert other == {"ok": True, "entries_of_your_organisation": 1}  # its own admin key's creation
    with db.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 1).values(action="edited"))
    body = client.get("/v1/audit/verify", headers=admin).json()
    assert body["ok"] is False and "broken_seq" not in body and "checked" not in body
