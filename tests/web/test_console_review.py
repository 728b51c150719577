"""The console as a review tool: what each role is offered and may do, and user text shown safely."""

from __future__ import annotations

import io
import re

import pytest

from tutela.access import create_org
from tutela.access.keys import get_org
from tutela.access.people import create_user, list_people

PASSWORD = "a long test password"
RLO = "\u202e"


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (24, 24), (200, 60, 60)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture()
def hotline(db, settings):
    """Hotline A with a supervisor and an analyst, and two invented public reports."""
    from tutela.cases.service import submit_report
    from tutela.domain.cases import EvidenceFile, ReportIn

    create_org(db, "Hotline A", kind="hotline")
    create_user(db, "Hotline A", "sup@a.example", PASSWORD, "supervisor")
    create_user(db, "Hotline A", "ana@a.example", PASSWORD, "analyst")
    return [
        submit_report(db, settings, ReportIn(
            category="asking_for_photos", language="en",
            description=f"he sent me the file invoice{RLO}gnp.exe and asked for a pic"),
            files=[EvidenceFile(filename=f"photo{RLO}gnp.exe", content_type="image/png", data=_png())]),
        submit_report(db, settings, ReportIn(category="scam", description="someone wants my card number")),
    ]


def _sign_in(client, csrf, email):
    client.cookies.clear()
    token = csrf(client.get("/login").text)
    res = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                      follow_redirects=False)
    assert res.status_code == 303


def test_an_analyst_is_not_offered_bulk_actions_and_a_refusal_says_what_to_do(client, csrf, hotline):
    _sign_in(client, csrf, "ana@a.example")
    queue = client.get("/console").text
    assert 'data-case-id="' in queue
    assert 'name="case_id"' not in queue and 'name="to_status"' not in queue  # no ticks, no bulk move
    res = client.post("/console/bulk", data={"csrf_token": csrf(queue), "to_status": "closed",
                                             "case_id": [str(r.case_id) for r in hotline]})
    assert res.status_code == 403
    message = re.search(r'id="console-error">([^<]+)<', res.text).group(1)
    assert "Open each case and move it there" in message and "role" not in message
    assert "data-case-id" not in client.get("/console?status=closed").text  # nothing moved


def test_a_supervisor_is_offered_bulk_actions_and_assigning_colleagues(client, csrf, hotline):
    _sign_in(client, csrf, "sup@a.example")
    queue = client.get("/console").text
    assert 'name="case_id"' in queue and 'name="to_status"' in queue
    case = client.get(f"/console/cases/{hotline[1].case_id}").text
    assert 'id="assign-me"' in case and 'id="assign-to"' in case


def test_an_analyst_takes_a_case_but_cannot_give_it_to_someone_else(client, csrf, db, hotline):
    _sign_in(client, csrf, "ana@a.example")
    case_id = hotline[1].case_id
    page = client.get(f"/console/cases/{case_id}").text
    assert 'id="assign-me"' in page and 'id="assign-to"' not in page
    token = csrf(page)
    sup_id = next(p["id"] for p in list_people(db, get_org(db, "Hotline A")["id"]) if p["email"] == "sup@a.example")
    res = client.post(f"/console/cases/{case_id}/assign", data={"csrf_token": token, "user_id": str(sup_id)})
    assert res.status_code == 403 and "ask a supervisor" in res.text and "role '" not in res.text
    client.post(f"/console/cases/{case_id}/assign", data={"csrf_token": token})
    assert '<dd id="case-assignee">ana@a.example</dd>' in client.get(f"/console/cases/{case_id}").text


def test_bidi_controls_are_shown_as_markers_in_descriptions_filenames_and_notes(client, csrf, hotline):
    _sign_in(client, csrf, "sup@a.example")
    case_id = hotline[0].case_id
    token = csrf(client.get(f"/console/cases/{case_id}").text)
    client.post(f"/console/cases/{case_id}/note", data={"csrf_token": token, "text": f"see file {RLO}fdp.exe"})
    page = client.get(f"/console/cases/{case_id}").text
    for control in ("\u202a", "\u202b", "\u202c", "\u202d", RLO, "\u2066", "\u2067", "\u2068", "\u2069",
                    "\u200e", "\u200f"):
        assert control not in page
    assert "invoice[U+202E]gnp.exe" in page  # description
    assert "photo[U+202E]gnp.exe" in page  # filename
    assert "see file [U+202E]fdp.exe" in page  # note


def test_note_authors_by_email_and_categories_in_words(client, csrf, hotline):
    _sign_in(client, csrf, "ana@a.example")
    case_id = hotline[0].case_id
    token = csrf(client.get(f"/console/cases/{case_id}").text)
    client.post(f"/console/cases/{case_id}/note", data={"csrf_token": token, "text": "Checked the chat."})
    page = client.get(f"/console/cases/{case_id}").text
    assert "ana@a.example" in re.search(r"<ul class=\"notes\">.*?</ul>", page, re.S).group(0)
    assert not re.search(r"user:\d", page)
    assert "Sexual exploitation and grooming" in page and ">sexual_exploitation<" not in page
    queue = client.get("/console").text
    assert "Sexual exploitation and grooming" in queue and "Fraud and identity theft" in queue


def _many_cases(db, org_name: str, n: int) -> None:
    """n plain cases straight into the table (intake is tested elsewhere): enough to need paging."""
    from datetime import UTC, datetime, timedelta

    from tutela.storage.tables.cases import cases

    org_id = get_org(db, org_name)["id"]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with db.begin() as conn:
        conn.execute(cases.insert(), [
            {"org_id": org_id, "status": "triaged", "priority": "low", "priority_rank": 3, "category": "fraud",
             "report_count": 1, "routes": [], "legal_hold": False, "created_at": start + timedelta(minutes=i),
             "updated_at": start, "stage_entered_at": start, "deadline_at": start + timedelta(days=30, minutes=i)}
            for i in range(n)
        ])


def test_queue_pages_beyond_two_hundred_cases(client, csrf, db, hotline):
    _many_cases(db, "Hotline A", 230)
    _sign_in(client, csrf, "sup@a.example")
    seen: list[int] = []
    url = "/console"
    while url:
        page = client.get(url.replace("&amp;", "&")).text
        seen += [int(x) for x in re.findall(r'data-case-id="(\d+)"', page)]
        nxt = re.search(r'href="([^"]+)" rel="next"', page)
        url = nxt.group(1) if nxt else None
    assert len(seen) == 232 and len(set(seen)) == 232  # every case once, across five pages


def test_queue_sorts_by_received_and_deadline(client, csrf, db, hotline):
    _many_cases(db, "Hotline A", 3)
    _sign_in(client, csrf, "sup@a.example")
    newest = [int(x) for x in re.findall(r'data-case-id="(\d+)"', client.get("/console?sort=received").text)]
    oldest = [int(x) for x in re.findall(r'data-case-id="(\d+)"', client.get("/console?sort=-received").text)]
    assert newest == list(reversed(oldest)) and newest[0] == hotline[1].case_id  # reports made just now
    by_deadline = client.get("/console?sort=deadline").text
    ids = [int(x) for x in re.findall(r'data-case-id="(\d+)"', by_deadline)]
    assert ids[:3] == sorted(ids[:3]) and hotline[0].case_id not in ids[:3]  # seeded: nearest, in id order
    assert 'aria-sort="ascending"' in by_deadline


def test_queue_search_by_reference_code_url_and_hash(client, csrf, db, settings, hotline):
    from tutela.cases.service import get_case, submit_report
    from tutela.domain.cases import ReportIn

    linked = submit_report(db, settings, ReportIn(category="scam", urls=["https://prize.example/claim?id=7"]))
    _sign_in(client, csrf, "sup@a.example")

    def found(q: str) -> list[int]:
        return [int(x) for x in re.findall(r'data-case-id="(\d+)"', client.get("/console", params={"q": q}).text)]

    assert found(hotline[1].reference_code.lower()) == [hotline[1].case_id]
    assert found("prize.example/claim") == [linked.case_id]
    from tutela.access.people import authenticate_person

    sup = authenticate_person(db, "sup@a.example", PASSWORD)
    sha = get_case(db, settings, sup, hotline[0].case_id).evidence[0].sha256
    assert found(sha[:12]) == [hotline[0].case_id]
    assert found(f"#{hotline[1].case_id}") == [hotline[1].case_id]
    assert found("nothing-like-this") == []
    assert found("100%_") == []  # LIKE wildcards are literal


def test_queue_columns_show_received_language_media_and_hash_match(client, csrf, db, hotline):
    from tutela.storage.tables.cases import reports

    with db.begin() as conn:  # as intake records a match on a hash list
        conn.execute(reports.update().where(reports.c.case_id == hotline[0].case_id)
                     .values(analysis={"hash_banks": ["known-abuse-test"]}))
    _sign_in(client, csrf, "ana@a.example")
    page = client.get("/console").text
    row = re.search(rf'<tr [^>]*data-case-id="{hotline[0].case_id}".*?</tr>', page, re.S).group(0)
    assert '<td class="has-media">yes</td>' in row and '<td class="lang">en</td>' in row
    assert "known-abuse-test" in row and "data-countdown" in row and "data-local" in row
    other = re.search(rf'<tr [^>]*data-case-id="{hotline[1].case_id}".*?</tr>', page, re.S).group(0)
    assert '<td class="has-media">no</td>' in other and '<td class="hash-match">no</td>' in other


def test_intake_records_which_hash_list_matched(client, csrf, db, settings, hotline, monkeypatch):
    """The bank's name reaches the queue through intake (the matcher itself is tested in tests/hashing)."""
    from types import SimpleNamespace

    import tutela.hashing
    from tutela.cases.service import submit_report
    from tutela.domain.cases import EvidenceFile, ReportIn

    monkeypatch.setattr(tutela.hashing, "match_hashes",
                        lambda db, media, org_id=None: [SimpleNamespace(bank="known-abuse-test")])
    receipt = submit_report(db, settings, ReportIn(category="sexual_content"),
                            files=[EvidenceFile(filename="x.png", content_type="image/png", data=_png())])
    assert receipt.priority in ("high", "critical")
    _sign_in(client, csrf, "sup@a.example")
    row = re.search(rf'<tr [^>]*data-case-id="{receipt.case_id}".*?</tr>', client.get("/console").text, re.S)
    assert "<strong>yes</strong>: known-abuse-test" in row.group(0)


def test_closing_needs_an_outcome_and_tells_the_reporter(client, csrf, db, settings, hotline):

    _sign_in(client, csrf, "ana@a.example")
    case_id = hotline[1].case_id
    page = client.get(f"/console/cases/{case_id}").text
    assert 'id="close-form"' in page and "DSA decision ground" in page
    token = csrf(page)
    refused = client.post(f"/console/cases/{case_id}/transition", data={"csrf_token": token, "to_status": "closed"},
                          follow_redirects=False)
    assert refused.status_code == 400 and "choose how the case ended" in refused.text  # the page again, no redirect
    client.post(f"/console/cases/{case_id}/transition",
                data={"csrf_token": token, "to_status": "closed", "outcome": "content_removed"})
    after = client.get(f"/console/cases/{case_id}").text
    assert re.search(r'id="case-status">closed<', after) and 'id="close-form"' not in after
    assert "has been taken down" in after  # the one message the reporter reads, from the outcome


def test_appeals_queue_overturn_reopens_and_analysts_are_not_offered_it(client, csrf, db, settings, hotline):
    from tutela.cases.service import submit_appeal

    _sign_in(client, csrf, "sup@a.example")
    token = csrf(client.get("/console").text)
    for case_id in (hotline[0].case_id, hotline[1].case_id):
        client.post(f"/console/cases/{case_id}/transition",
                    data={"csrf_token": token, "to_status": "closed", "outcome": "no_violation"})
    for r in hotline:
        submit_appeal(db, settings, r.reference_code, "It is still there, please look again.")
    queue = client.get("/console/appeals").text
    ids = [int(x) for x in re.findall(r'data-appeal-id="(\d+)"', queue)]
    assert len(ids) == 2
    client.post(f"/console/appeals/{ids[0]}", data={"csrf_token": token, "decision": "overturn"})
    res = client.post(f"/console/appeals/{ids[1]}", data={"csrf_token": token, "decision": "uphold"},
                      follow_redirects=False)
    assert "stays+closed" in res.headers["location"]
    assert 'data-appeal-id' not in client.get("/console/appeals").text
    assert re.search(r'id="case-status">triaged<', client.get(f"/console/cases/{hotline[0].case_id}").text)
    assert re.search(r'id="case-status">closed<', client.get(f"/console/cases/{hotline[1].case_id}").text)

    _sign_in(client, csrf, "ana@a.example")
    assert 'href="/console/appeals"' not in client.get("/console").text
    refused = client.get("/console/appeals")
    assert refused.status_code == 403 and "nobody reviews their own decision" in refused.text


def test_legal_hold_export_and_referral_progress(client, csrf, db, settings, hotline):
    _sign_in(client, csrf, "ana@a.example")
    page = client.get(f"/console/cases/{hotline[0].case_id}").text
    assert 'id="hold-form"' not in page and 'id="export-form"' not in page  # supervisors' tools
    _sign_in(client, csrf, "sup@a.example")
    case_id = hotline[0].case_id
    page = client.get(f"/console/cases/{case_id}").text
    token = csrf(page)
    no_reason = client.post(f"/console/cases/{case_id}/hold", data={"csrf_token": token, "on": "1"},
                            follow_redirects=False)
    assert no_reason.status_code == 400 and "say why the evidence must be kept" in no_reason.text
    client.post(f"/console/cases/{case_id}/hold", data={"csrf_token": token, "on": "1", "reason": "police request 42"})
    page = client.get(f"/console/cases/{case_id}").text
    assert "Legal hold</dt><dd>yes" in page and "Release legal hold" in page
    assert client.post(f"/console/cases/{case_id}/hold", data={"on": "0"}).status_code == 403  # no CSRF

    agency = re.search(r'name="agency_id" value="([^"]+)"', page).group(1)
    client.post(f"/console/cases/{case_id}/refer", data={"csrf_token": token, "agency_id": agency})
    page = client.get(f"/console/cases/{case_id}").text
    ref_id = int(re.search(r'action="/console/referrals/(\d+)"', page).group(1))
    for step in ("sent", "acknowledged"):
        client.post(f"/console/referrals/{ref_id}", data={"csrf_token": token, "case_id": str(case_id),
                                                          "status": step, "external_ref": "AG-7"})
    page = client.get(f"/console/cases/{case_id}").text
    assert re.search(rf'id="ref-{ref_id}">.*?<strong class="ref-status">acknowledged</strong>.*?AG-7', page, re.S)

    client.post(f"/console/cases/{case_id}/transition",
                data={"csrf_token": token, "to_status": "closed", "outcome": "content_removed"})
    out = client.post(f"/console/cases/{case_id}/export", data={"csrf_token": token, "format": "dsa"})
    assert out.status_code == 200 and "attachment" in out.headers["content-disposition"]
    assert out.json()["puid"] == f"tutela-case-{case_id}"


def test_full_size_viewer_stays_blurred_until_asked(client, csrf, db, hotline):
    create_org(db, "Platform B")
    create_user(db, "Platform B", "bob@b.example", PASSWORD, "analyst")
    _sign_in(client, csrf, "ana@a.example")
    case_id = hotline[0].case_id
    case = client.get(f"/console/cases/{case_id}").text
    viewer_url = re.search(r'<a class="full-size" href="([^"]+)"', case).group(1)
    viewer = client.get(viewer_url).text
    assert '<figure class="media full" data-evidence=' in viewer  # not revealed
    assert '<figure class="media full revealed"' in client.get(viewer_url + "?reveal=1").text
    assert client.get(f"/console/cases/{hotline[1].case_id}/media/1").status_code == 404  # not that case's
    _sign_in(client, csrf, "bob@b.example")
    assert client.get(viewer_url).status_code == 404
