"""Privacy at rest (issue #10, finding 7): what the database and the data dir hold.

The report texts and ids here are invented (example.org addresses, made-up numbers).
"""

from __future__ import annotations

import json
import os
import stat

import pytest
from sqlalchemy import select

from tutela.config import Settings
from tutela.conversations import service as conversations
from tutela.detect.detectors.privacy import mask
from tutela.domain.cases import ReportIn
from tutela.storage.db import Database
from tutela.storage.tables.cases import reports
from tutela.storage.tables.conversations import account_states, conversation_states

PHONE = "+90 532 111 22 33"
EMAIL = "little.ayse2013@example.org"
DESCRIPTION = (f"a man keeps asking her to call {PHONE} or mail {EMAIL}; "
               "he says he knows she lives at 221 Baker Street and goes to Riverside Primary School")


def test_masks_show_shape_not_content():
    assert mask("phone", PHONE) == "+90 *** *** ** 33"
    assert mask("e-mail address", EMAIL) == "l***@***.org"
    assert mask("street address", "221 Baker Street") == "2** ***** ******"


def _stored_explanations(database: Database, settings: Settings) -> tuple[str, list[dict]]:
    from tutela.cases import service

    service.submit_report(database, settings, ReportIn(category="privacy", description=DESCRIPTION))
    with database.connect() as conn:
        analysis = conn.execute(select(reports.c.analysis)).scalar_one()
    if isinstance(analysis, str):
        analysis = json.loads(analysis)
    return json.dumps(analysis), analysis["explanations"]


def _check_masked(database: Database, settings: Settings) -> None:
    dumped, explanations = _stored_explanations(database, settings)
    privacy = [e for e in explanations if e["detector"] == "privacy"]
    assert privacy, explanations  # the detector fired: the test is about what it left behind
    for secret in (PHONE, "532 111", EMAIL, "little.ayse", "Baker Street", "Riverside"):
        assert secret not in dumped
    assert any("+90 *** *** ** 33" in e["reason"] for e in privacy)
    for e in privacy:  # where the evidence is stays known, for those who may decrypt the text
        assert DESCRIPTION[e["start"]:e["end"]] and e["end"] > e["start"]


def test_stored_report_analysis_keeps_masked_evidence_only(db: Database, settings: Settings) -> None:
    _check_masked(db, settings)


@pytest.mark.postgres
def test_stored_report_analysis_keeps_masked_evidence_only_on_postgresql(pg_db: Database,
                                                                          settings: Settings) -> None:
    _check_masked(pg_db, settings)


def test_case_view_still_shows_the_span_to_its_analysts(client, auth) -> None:
    headers = auth("Hotline", ["reports", "cases"], "hotline")
    r = client.post("/v1/reports", json={"category": "privacy", "description": DESCRIPTION}, headers=headers)
    assert r.status_code == 201, r.text
    case_id = client.get("/v1/cases", headers=headers).json()[0]["id"]
    view = client.get(f"/v1/cases/{case_id}", headers=headers).json()
    spans = [f["text"] for rep in view["reports"] for f in rep["explanations"] if f["detector"] == "privacy"]
    assert PHONE in spans


def _check_moderate_ids_hashed(client, auth, database: Database) -> None:
    headers = auth("Platform A", ["moderate"])
    body = {"text": "hey, are you alone? how old are you", "id": "content-secret-9",
            "context": {"conversation_id": "conv-secret-42", "sender": {"id": "sender-secret-7", "age": 31},
                        "recipient": {"id": "recipient-secret-5", "age": 12}}}
    r = client.post("/v1/moderate", json=body, headers=headers)
    assert r.status_code == 200, r.text
    from tutela.policy.log import flush_all

    flush_all()
    with database.connect() as conn:
        dump = repr([conn.execute(select(t)).all() for t in (conversation_states, account_states)])
        from tutela.storage.tables.policy import moderation_decisions

        dump += repr(conn.execute(select(moderation_decisions)).all())
    assert "conv-secret-42" in body["context"]["conversation_id"]  # sanity: the values were sent
    for secret in ("conv-secret-42", "sender-secret-7", "recipient-secret-5", "content-secret-9"):
        assert secret not in dump
    assert "h:" in dump  # the conversation was stored, keyed


def test_moderate_stores_platform_ids_keyed_hashed(client, auth, db: Database) -> None:
    _check_moderate_ids_hashed(client, auth, db)


@pytest.mark.postgres
def test_moderate_stores_platform_ids_keyed_hashed_on_postgresql(settings: Settings, pg_db: Database, make_key):
    from fastapi.testclient import TestClient

    from tutela.access import create_key, create_org
    from tutela.api.app import create_app

    create_org(pg_db, "Platform A")

    def auth(org: str, scopes: list[str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {create_key(pg_db, org, scopes)}"}

    with TestClient(create_app(settings, pg_db)) as client:
        _check_moderate_ids_hashed(client, auth, pg_db)


def _mode(path) -> int:  # noqa: ANN001
    return stat.S_IMODE(os.stat(path).st_mode)


def test_data_dir_is_0700_and_database_files_0600(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TUTELA_DATA_DIR", str(tmp_path / "fresh"))
    old = os.umask(0o022)  # a typical umask: what SQLite would otherwise use
    try:
        s = Settings(data_dir=tmp_path / "fresh")
        database = Database.from_settings(s)
        conversations.ingest_message(database, s, _org(database), "c", {"sender": "a", "text": "hi"})
        assert _mode(s.data_dir) == 0o700
        files = [p for p in s.data_dir.iterdir() if p.name.startswith("tutela.sqlite3")]
        assert {p.name for p in files} >= {"tutela.sqlite3", "tutela.sqlite3-wal"}
        assert all(_mode(p) == 0o600 for p in files), {p.name: oct(_mode(p)) for p in files}
        database.dispose()
    finally:
        os.umask(old)


def test_existing_loose_permissions_are_tightened_on_start(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TUTELA_DATA_DIR", str(tmp_path / "old"))
    s = Settings(data_dir=tmp_path / "old")
    Database.from_settings(s).dispose()
    s.data_dir.chmod(0o755)
    for p in s.data_dir.iterdir():
        if p.name.startswith("tutela.sqlite3"):
            p.chmod(0o644)
    Database.from_settings(s).dispose()
    assert _mode(s.data_dir) == 0o700
    assert all(_mode(p) == 0o600 for p in s.data_dir.iterdir() if p.name.startswith("tutela.sqlite3"))


def _org(database: Database) -> int:
    from tutela.access import create_org

    return create_org(database, "perm-org")


def _check_notes_and_filenames_sealed(client, auth, database: Database) -> None:
    from tutela.storage.tables.cases import case_notes, evidence

    headers = auth("Hotline", ["reports", "cases"])
    r = client.post("/v1/reports", headers=headers, data={"category": "fraud", "description": "asked for money"},
                    files={"files": ("ayse-yilmaz-school-photo.png", b"not really a png", "image/png")})
    assert r.status_code == 201, r.text
    case_id = client.get("/v1/cases", headers=headers).json()[0]["id"]
    note = "spoke to the mother, Ayse Yilmaz, at 221 Baker Street"
    assert client.post(f"/v1/cases/{case_id}/notes", json={"text": note}, headers=headers).status_code == 201
    with database.connect() as conn:
        stored_notes = [t for (t,) in conn.execute(select(case_notes.c.text))]
        stored_names = [n for (n,) in conn.execute(select(evidence.c.filename))]
    assert stored_notes and all(note not in t and "Yilmaz" not in t for t in stored_notes)
    assert stored_names and all("ayse" not in n for n in stored_names)
    view = client.get(f"/v1/cases/{case_id}", headers=headers).json()  # the API is unchanged
    assert note in [n["text"] for n in view["notes"]]
    assert [e["filename"] for e in view["evidence"]] == ["ayse-yilmaz-school-photo.png"]


def test_case_notes_and_evidence_filenames_are_sealed(client, auth, db: Database) -> None:
    _check_notes_and_filenames_sealed(client, auth, db)


@pytest.mark.postgres
def test_case_notes_and_evidence_filenames_are_sealed_on_postgresql(settings: Settings, pg_db: Database) -> None:
    from fastapi.testclient import TestClient

    from tutela.access import create_key, create_org
    from tutela.api.app import create_app

    create_org(pg_db, "Hotline", kind="hotline")

    def auth(org: str, scopes: list[str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {create_key(pg_db, org, scopes)}"}

    with TestClient(create_app(settings, pg_db)) as client:
        _check_notes_and_filenames_sealed(client, auth, pg_db)


def test_a_long_filename_still_fits_its_column_when_sealed(settings: Settings) -> None:
    from tutela.cases import vault
    from tutela.cases.intake_batch import short_name

    name = "ş" * 290 + ".jpeg"
    short = short_name(name)
    assert short.endswith(".jpeg") and len(short.encode()) <= 150
    sealed = vault.seal_field(settings, short, purpose="evidence.filename")
    assert len(sealed) <= 300
    assert vault.open_field(settings, sealed, purpose="evidence.filename") == short
    assert vault.open_field(settings, sealed, purpose="case_note").startswith("[sealed")  # bound to its purpose
