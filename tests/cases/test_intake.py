"""Intake: receipts, reference codes, idempotency, deduplication, triage priority, anonymity."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tutela.cases import service
from tutela.cases.reference import normalise_reference
from tutela.domain.cases import Contact, EvidenceFile, ReportIn
from tutela.storage.tables.cases import reports, vault_objects


def test_api_report_gets_a_receipt_and_a_public_status(client, submit):
    receipt = submit()
    assert receipt["reference_code"].startswith("TUT-")
    assert normalise_reference(receipt["reference_code"]) == receipt["reference_code"]
    assert receipt["status"] == "triaged" and receipt["duplicate_of"] is None
    # the reporter's status page needs no credential and tolerates how people type codes
    typed = receipt["reference_code"].lower().replace("-", " ")
    r = client.get(f"/v1/reports/{typed}/status")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stage"] == "received"  # automatic triage only: no person has looked yet
    assert set(body) == {"reference_code", "status", "stage", "messages", "updated_at", "can_appeal"}
    assert client.get("/v1/reports/TUT-AAAA-AAAA-AAAA/status").status_code == 404


def test_idempotency_key_returns_the_original_receipt_and_refuses_reuse(client, org_keys, submit, db):
    first = submit(headers={"Idempotency-Key": "notice-42"})
    again = client.post(
        "/v1/reports",
        json={
            "category": "cyberbullying",
            "description": "they keep posting mean comments about me",
            "urls": ["https://social.example.com/post/1"],
        },
        headers=org_keys["a"] | {"Idempotency-Key": "notice-42"},
    )
    assert again.status_code == 200
    assert again.json()["reference_code"] == first["reference_code"] and again.json()["replayed"] is True
    other = client.post(
        "/v1/reports",
        json={"category": "fraud", "description": "a different notice"},
        headers=org_keys["a"] | {"Idempotency-Key": "notice-42"},
    )
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["error"]
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reports)).scalar_one() == 1
    # keys are per organisation: B may use the same key for its own notice
    assert (
        submit(org="b", headers={"Idempotency-Key": "notice-42"})["reference_code"] != first["reference_code"]
    )


def test_same_url_account_or_file_merges_into_the_open_case(submit, client, org_keys):
    first = submit(urls=["http://www.Social.example.com/post/1/?utm_source=share#top"])
    same_url = submit(urls=["https://social.example.com/post/1"], description="another child saw it too")
    assert same_url["duplicate_of"] == first["case_id"] == same_url["case_id"]

    acct = {"platform": "chat.example", "account_id": "u-1001", "username": "invented_user"}
    by_account = submit(urls=[], reported_person=acct, description="this account sends me messages")
    again_account = submit(
        urls=["https://other.example.org/x"], reported_person=acct | {"username": "renamed"}
    )
    assert again_account["case_id"] == by_account["case_id"] != first["case_id"]

    sha = "ab" * 32
    by_file = submit(urls=[], file_refs=[{"sha256": sha}], description="a file was shared")
    again_file = submit(urls=[], file_refs=[{"sha256": sha.upper()}], description="same file")
    assert again_file["duplicate_of"] == by_file["case_id"]

    # another organisation's identical report is never merged into A's case
    other_org = submit(org="b", urls=["https://social.example.com/post/1"])
    assert other_org["duplicate_of"] is None and other_org["case_id"] != first["case_id"]

    case = client.get(f"/v1/cases/{first['case_id']}", headers=org_keys["a"]).json()
    assert case["report_count"] == 2 and len(case["reports"]) == 2
    assert any(e["event"] == "merged" for e in case["timeline"])


def test_merged_report_after_close_opens_a_new_case(submit, client, org_keys):
    first = submit()
    r = client.post(
        f"/v1/cases/{first['case_id']}/transition",
        json={"to_status": "closed", "outcome": "content_removed"},
        headers=org_keys["a"],
    )
    assert r.status_code == 200, r.text
    later = submit()
    assert later["duplicate_of"] is None and later["case_id"] != first["case_id"]


def test_imminent_danger_goes_to_the_top_of_the_queue(submit, client, org_keys):
    low = submit(category="profanity", urls=["https://a.example.com/1"], description="rude words")
    danger = submit(category="hurting_myself", urls=["https://a.example.com/2"], description="I feel unsafe")
    meeting = submit(
        category="someone_wants_to_meet",
        urls=["https://a.example.com/3"],
        description="he wants to meet me after school",
    )
    escalated = submit(category="sexual_exploitation", urls=["https://a.example.com/4"], escalate=True)
    assert danger["priority"] == meeting["priority"] == escalated["priority"] == "critical"
    assert low["priority"] == "low"
    queue = client.get("/v1/cases", headers=org_keys["a"]).json()
    assert [c["priority"] for c in queue][:3] == ["critical"] * 3
    assert queue[-1]["id"] == low["case_id"]
    critical = client.get("/v1/cases?priority=critical", headers=org_keys["a"]).json()
    assert {c["id"] for c in critical} == {danger["case_id"], meeting["case_id"], escalated["case_id"]}
    assert all(c["deadline_at"] for c in critical)


def test_public_anonymous_report_goes_to_the_hotline_and_contact_is_encrypted(db, settings):
    from tutela.access import create_org
    from tutela.access.people import create_user

    create_org(db, "Invented Hotline", kind="hotline")
    create_user(db, "Invented Hotline", "ana@hotline.example", "a long test password", "analyst")
    contact = "invented.parent@example.org"
    receipt = service.submit_report(
        db,
        settings,
        ReportIn(
            category="asking_for_photos",
            description="someone I do not know asks for photos",
            contact=Contact(email=contact),
            reporter_kind="child",
        ),
        files=[EvidenceFile(filename="shot.png", content_type="image/png", data=b"not really a png")],
    )
    # a child's own account ("someone ... asks for photos") raises the disclosure signal: urgent
    assert receipt.priority == "critical"
    with db.connect() as conn:
        rep = conn.execute(select(reports).where(reports.c.id == receipt.report_id)).mappings().one()
        blobs = [bytes(b) for b in conn.execute(select(vault_objects.c.ciphertext)).scalars()]
    assert rep["anonymous"] is True and rep["contact_vault_id"] is not None
    assert all(contact.encode() not in b and b"photos" not in b for b in blobs)
    from tutela.access import get_org

    assert get_org(db, rep["org_id"])["name"] == "Invented Hotline"
    status = service.report_status(db, receipt.reference_code)
    assert status is not None and status.stage == "received"  # only automatic triage has run
    from tutela.access import Principal

    hotline = Principal(rep["org_id"], "Invented Hotline", frozenset({"cases"}), key_id="t")
    case = service.get_case(db, settings, hotline, receipt.case_id)
    assert case.reports[0].contact.email == contact  # the owner can call back; nobody else sees it


def test_multipart_report_with_files_records_hashes(client, org_keys):
    import hashlib
    import json

    data = b"invented evidence bytes"
    r = client.post(
        "/v1/reports",
        headers=org_keys["a"],
        data={"report": json.dumps({"category": "privacy", "description": "my address was posted"})},
        files=[("files", ("note.txt", data, "text/plain"))],
    )
    assert r.status_code == 201, r.text
    case = client.get(f"/v1/cases/{r.json()['case_id']}", headers=org_keys["a"]).json()
    (ev,) = case["evidence"]
    assert ev["sha256"] == hashlib.sha256(data).hexdigest() and ev["md5"] == hashlib.md5(data).hexdigest()
    got = client.get(f"/v1/evidence/{ev['id']}", headers=org_keys["a"])
    assert got.status_code == 200 and got.content == data
    chain = client.get(f"/v1/evidence/{ev['id']}/custody", headers=org_keys["a"]).json()
    assert [c["action"] for c in chain] == ["received", "viewed"]


def test_analysis_flags_drive_priority_and_spans_are_shown_to_reviewers(db, settings, monkeypatch):
    """With the detector's verdict stubbed, intake ranks by it and the case view shows the flagged span."""
    from tutela.access import Principal
    from tutela.cases import triage
    from tutela.domain.analysis import Explanation, TextAnalysis
    from tutela.domain.taxonomy import CATEGORIES, Category

    text = "invented: he says he will share my photos unless I pay"

    def fake(t, **_kw):
        start = t.index("share my photos")
        return TextAnalysis(
            lang="en",
            scores={c: 0.0 for c in CATEGORIES} | {Category.SEXUAL_EXPLOITATION: 0.93},
            flags=[Category.SEXUAL_EXPLOITATION],
            explanations=[
                Explanation(
                    category=Category.SEXUAL_EXPLOITATION,
                    detector="stub",
                    reason="sextortion threat",
                    score=0.93,
                    start=start,
                    end=start + len("share my photos"),
                )
            ],
        )

    monkeypatch.setattr(triage, "analyse", lambda t, **kw: fake(t))
    receipt = service.submit_report(db, settings, ReportIn(category="other", description=text))
    assert receipt.priority == "critical"
    case = service.get_case(
        db, settings, Principal(1, "hotline", frozenset({"admin"}), key_id="t"), receipt.case_id
    )
    (rep,) = case.reports
    assert case.category == "sexual_exploitation" and rep.analysis_flags == ["sexual_exploitation"]
    assert rep.explanations[0].text == "share my photos"
    with db.connect() as conn:  # the matched text itself is not stored in the clear
        stored = conn.execute(select(reports.c.analysis)).scalar_one()
    assert "share my photos" not in str(stored)


def test_triage_without_analysis_uses_the_reporters_choice():
    from tutela.cases.triage import triage

    assert triage("bullying", None).priority == "medium"
    assert triage("hurting_myself", None).priority == "critical"
    assert triage("other", None).category == "other"
    assert triage("fraud", None, hash_matched=True).priority == "high"


def test_one_batch_deduplicates_and_replays_within_itself(db, settings):
    """Reports committed together behave as if they had arrived one after the other."""
    from tutela.access import Principal, create_org
    from tutela.cases import audit
    from tutela.cases.intake import prepare
    from tutela.cases.intake_batch import IdempotencyConflict, store_batch

    org = create_org(db, "Batch Platform")
    p = Principal(org, "Batch Platform", frozenset({"reports", "cases"}), key_id="t")

    def item(url: str, category: str = "bullying", key: str | None = None, text_: str = "invented"):
        return prepare(
            db,
            settings,
            ReportIn(category=category, description=text_, urls=[url]),
            principal=p,
            idempotency_key=key,
        )

    batch = [
        item("https://b.example.com/1", key="k1"),
        item("https://b.example.com/1", category="hurting_myself"),  # same URL: merged, priority rises
        item("https://b.example.com/2", key="k1"),  # same key, same org, different report: conflict
        item("https://b.example.com/1", key="k1"),  # exact repeat of the first: a replay
        item("https://b.example.com/3"),
    ]
    with audit.writing(db) as conn:
        out = store_batch(conn, batch)
    first, merged, conflict, replay, other = out
    assert merged.case_id == first.case_id and merged.duplicate_of == first.case_id
    assert merged.priority == "critical" and first.priority == "medium"
    assert isinstance(conflict, IdempotencyConflict)
    assert replay.replayed and replay.reference_code == first.reference_code
    assert other.case_id != first.case_id and other.duplicate_of is None
    case = service.get_case(db, settings, p, first.case_id)
    assert case.report_count == 2 and case.priority == "critical" and len(case.reports) == 2
    assert [e.event for e in case.timeline] == ["received", "triaged", "merged"]
    assert "priority raised to critical" in case.timeline[-1].detail
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reports)).scalar_one() == 3
    # a later batch merges into the case and replays the stored key
    with audit.writing(db) as conn:
        later, again = store_batch(
            conn, [item("https://b.example.com/1"), item("https://b.example.com/1", key="k1")]
        )
    assert later.duplicate_of == first.case_id and later.priority == "critical"
    assert again.replayed and again.reference_code == first.reference_code
    assert audit.verify(db).ok


def test_an_uploaded_image_gets_a_pdq_hash(client, org_keys):
    """PDQ comes from the media engine (tutela.hashing) when the file is an image it can decode."""
    import io

    from PIL import Image

    img = Image.new("RGB", (64, 64))
    for x in range(64):
        for y in range(64):
            img.putpixel((x, y), ((x * 4) % 256, (y * 4) % 256, ((x + y) * 2) % 256))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    r = client.post(
        "/v1/reports",
        headers=org_keys["a"],
        data={"category": "sexual_content", "description": "an invented picture"},
        files=[("files", ("pic.png", buf.getvalue(), "image/png"))],
    )
    assert r.status_code == 201, r.text  # plain form fields work as well as a `report` JSON field
    case = client.get(f"/v1/cases/{r.json()['case_id']}", headers=org_keys["a"]).json()
    pdq = case["evidence"][0]["pdq"]
    assert pdq and len(pdq) == 64 and int(pdq, 16) >= 0


def test_reference_codes_are_random_and_forgiving_to_type():
    from tutela.cases.reference import new_reference

    codes = {new_reference() for _ in range(2000)}
    assert len(codes) == 2000
    code = next(iter(codes))
    assert normalise_reference(code.lower().replace("-", " ")) == code
    assert normalise_reference(code[4:].replace("-", "")) == code
    assert normalise_reference("TUT-0000-0000-0000") is None and normalise_reference("") is None


def test_a_reported_conversation_is_scored_and_an_alert_makes_it_critical(db, settings, monkeypatch):
    """Wiring to the conversation engine: its verdict is stored with the report and drives priority."""
    from tutela.access import Principal
    from tutela.cases import triage

    chat = [
        {"sender": "adult-1", "text": "invented: hi, how old are you?"},
        {"sender": "child-1", "text": "invented: 13"},
        {"sender": "adult-1", "text": "invented: keep this our secret ok"},
    ]
    real = service.submit_report(db, settings, ReportIn(category="other", conversation=chat))
    hotline = Principal(1, "hotline", frozenset({"admin"}), key_id="t")
    view = service.get_case(db, settings, hotline, real.case_id).reports[0]
    assert view.conversation_risk["messages"] == 3  # the real engine scored all three messages
    assert view.notice["conversation"][2]["text"].endswith("our secret ok")  # kept, encrypted, for reviewers

    verdict = {
        "risk": 0.97,
        "alert": True,
        "stages": ["trust_building", "isolation"],
        "flags": ["sexual_exploitation"],
        "evidence": [{"message_index": 2, "stage": "isolation", "score": 0.9}],
        "first_alert_at": 2,
        "messages": 3,
    }
    monkeypatch.setattr(triage, "analyse_conversation", lambda messages: verdict)
    alerted = service.submit_report(
        db, settings, ReportIn(category="other", conversation=chat, urls=["https://chat.example.com/c/2"])
    )
    assert alerted.priority == "critical"
    case = service.get_case(db, settings, hotline, alerted.case_id)
    assert case.category == "sexual_exploitation"
    assert "possible grooming" in case.timeline[1].detail


def test_a_failing_detector_loses_nothing_and_the_case_says_so(db, settings, monkeypatch):
    import tutela.detect.engine as engine

    def broken(*_a, **_kw):
        raise RuntimeError("invented detector failure")

    monkeypatch.setattr(engine, "analyze_text", broken)
    receipt = service.submit_report(db, settings, ReportIn(category="bullying", description="invented words"))
    from tutela.access import Principal

    case = service.get_case(
        db, settings, Principal(1, "h", frozenset({"admin"}), key_id="t"), receipt.case_id
    )
    assert case.priority == "medium" and "text analysis unavailable" in case.timeline[1].detail


def test_the_status_says_a_person_looks_only_once_a_person_has(db, settings):
    """Automatic triage is not a person: "received" until someone signed in acts on the case."""
    from tutela.access import Principal

    receipt = service.submit_report(db, settings, ReportIn(category="bullying", description="invented words"))
    before = service.report_status(db, receipt.reference_code)
    assert before.stage == "received" and "will look at it" in before.status
    with db.connect() as conn:
        org_id = conn.execute(select(reports.c.org_id).where(reports.c.id == receipt.report_id)).scalar_one()
    key = Principal(org_id, "hotline", frozenset({"cases"}), key_id="k")  # a machine: still nobody has looked
    service.add_note(db, settings, key, receipt.case_id, "an automatic note")
    assert service.report_status(db, receipt.reference_code).stage == "received"
    person = Principal(org_id, "hotline", frozenset({"cases"}), user_id=7, role="analyst")
    service.add_note(db, settings, person, receipt.case_id, "read it, calling the platform")
    after = service.report_status(db, receipt.reference_code)
    assert after.stage == "being_reviewed" and "reviewing" in after.status


def test_a_category_alone_is_a_report_from_the_public_but_not_from_a_platform(db, settings):
    from tutela.access import Principal

    receipt = service.submit_report(db, settings, ReportIn(category="hurting_myself"))
    assert receipt.priority == "critical"
    platform = Principal(receipt.case_id, "p", frozenset({"reports"}), key_id="k")
    with pytest.raises(ValueError, match="at least one of"):
        service.submit_report(db, settings, ReportIn(category="fraud"), principal=platform)
