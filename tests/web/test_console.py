"""The review console through HTTP: queue, case view, evidence, bulk actions, tenants and regulators."""

from __future__ import annotations

import io
import re

import pytest

from tutela.access import create_org
from tutela.access.people import create_user

PASSWORD = "a long test password"


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (30, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture()
def world(db, settings):
    """Hotline A receives public reports; Platform B is another tenant; R is a regulator."""
    from tutela.cases.service import submit_report
    from tutela.domain.cases import EvidenceFile, ReportIn

    create_org(db, "Hotline A", kind="hotline")
    create_org(db, "Platform B")
    create_org(db, "Regulator R", kind="regulator")
    create_user(db, "Hotline A", "sup@a.example", PASSWORD, "supervisor")
    create_user(db, "Platform B", "bob@b.example", PASSWORD, "analyst")
    create_user(db, "Regulator R", "reg@r.example", PASSWORD, "regulator")
    receipts = [
        submit_report(db, settings, ReportIn(
            category="asking_for_photos", language="en", country="TR",
            description="he says you are so mature for your age, send me a pic and dont tell your mom"),
                      files=[EvidenceFile(filename="shot.png", content_type="image/png", data=_png())]),
        submit_report(db, settings, ReportIn(category="scam", description="someone wants my card number")),
    ]
    return receipts


def _sign_in(client, csrf, email):
    token = csrf(client.get("/login").text)
    res = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                      follow_redirects=False)
    assert res.status_code == 303


def test_queue_lists_cases_by_priority_with_deadlines(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    page = client.get("/console")
    assert page.status_code == 200
    ids = [int(x) for x in re.findall(r'data-case-id="(\d+)"', page.text)]
    assert ids == [world[0].case_id, world[1].case_id]  # the grooming report first
    assert "<time datetime=" in page.text
    filtered = client.get("/console?priority=low&status=closed")
    assert 'id="empty-queue"' in filtered.text


def test_case_view_explains_and_blurs_media(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    page = client.get(f"/console/cases/{world[0].case_id}")
    assert page.status_code == 200
    assert "send me a pic" in page.text
    mark = r'<mark title="sexual_exploitation \(lexicon\)[^"]*">dont tell your mom</mark>'
    assert re.search(mark, page.text)
    assert re.search(r'<figure class="media" data-evidence="\d+">', page.text)  # blurred: not revealed
    ev_id = int(re.search(r'/console/evidence/(\d+)"', page.text).group(1))
    revealed = client.get(f"/console/cases/{world[0].case_id}?reveal={ev_id}")
    assert f'<figure class="media revealed" data-evidence="{ev_id}">' in revealed.text
    media = client.get(f"/console/evidence/{ev_id}")
    assert media.status_code == 200 and media.content == _png()
    assert media.headers["cache-control"] == "no-store"
    assert media.headers["x-content-type-options"] == "nosniff"


def test_another_organisation_cannot_open_the_case_or_its_media(client, csrf, world):
    _sign_in(client, csrf, "bob@b.example")
    assert f'data-case-id="{world[0].case_id}"' not in client.get("/console").text
    res = client.get(f"/console/cases/{world[0].case_id}")
    assert res.status_code == 404 and "send me a pic" not in res.text
    assert client.get("/console/evidence/1").status_code == 404


def test_regulator_sees_counts_never_cases(client, csrf, world):
    _sign_in(client, csrf, "reg@r.example")
    page = client.get("/console")
    assert page.status_code == 200 and 'id="stats-total"' in page.text
    assert "send me a pic" not in page.text and "data-case-id" not in page.text
    assert client.get(f"/console/cases/{world[0].case_id}").status_code in (403, 404)


def test_bulk_action_needs_csrf_and_moves_cases(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    token = csrf(client.get("/console").text)
    ids = [str(r.case_id) for r in world]
    refused = client.post("/console/bulk", data={"case_id": ids, "to_status": "closed"},
                          follow_redirects=False)
    assert refused.status_code == 403
    res = client.post("/console/bulk", data={"csrf_token": token, "case_id": ids, "to_status": "closed"},
                      follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/console?done=2"
    assert client.get("/console?status=closed").text.count("data-case-id=") == 2


def test_case_actions_and_a_message_the_reporter_reads(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    case_id = world[1].case_id
    token = csrf(client.get(f"/console/cases/{case_id}").text)
    res = client.post(f"/console/cases/{case_id}/assign", data={"csrf_token": token}, follow_redirects=False)
    assert res.status_code == 303
    res = client.post(f"/console/cases/{case_id}/note",
                      data={"csrf_token": token, "text": "We asked the site to remove it.",
                            "for_reporter": "1"},
                      follow_redirects=False)
    assert res.status_code == 303
    page = client.get(f"/console/cases/{case_id}").text
    assert "assigned" in re.search(r'id="case-status">([^<]+)<', page).group(1)
    assert "We asked the site to remove it." in page
    status_page = client.get("/report/status")
    status = client.post("/report/status", data={"csrf_token": csrf(status_page.text),
                                                  "code": world[1].reference_code})
    assert status.status_code == 200 and "We asked the site to remove it." in status.text


def test_sign_out_ends_the_session(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    token = csrf(client.get("/console").text)
    res = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert res.status_code == 303
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_supervisor_refers_and_assigns_to_a_colleague(client, csrf, db, world):
    colleague = create_user(db, "Hotline A", "ana@a.example", PASSWORD, "analyst")
    _sign_in(client, csrf, "sup@a.example")
    case_id = world[0].case_id
    page = client.get(f"/console/cases/{case_id}").text
    token = csrf(page)
    agency = re.search(r'name="agency_id" value="([^"]+)"', page).group(1)
    assert f'<option value="{colleague}"' in page
    res = client.post(f"/console/cases/{case_id}/refer", data={"csrf_token": token, "agency_id": agency},
                      follow_redirects=False)
    assert res.status_code == 303 and "Referred+to" in res.headers["location"]
    client.post(f"/console/cases/{case_id}/assign", data={"csrf_token": token, "user_id": str(colleague)})
    after = client.get(f"/console/cases/{case_id}").text
    assert '<dd id="case-assignee">ana@a.example</dd>' in after and "Referrals" in after


def test_reporter_can_appeal_a_finished_report(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    token = csrf(client.get("/console").text)
    client.post("/console/bulk", data={"csrf_token": token, "case_id": [str(world[1].case_id)],
                                       "to_status": "closed"})
    client.cookies.clear()
    page = client.get("/report/status?lang=tr")
    token = csrf(page.text)
    status = client.post("/report/status", data={"csrf_token": token, "lang": "tr",
                                                 "code": world[1].reference_code})
    assert "Yanlış karar verdiğimizi mi düşünüyorsun?" in status.text
    empty = client.post("/report/appeal", data={"csrf_token": token, "lang": "tr",
                                                "code": world[1].reference_code, "reason": ""})
    assert empty.status_code == 400 and "Neden yanlış karar verdiğimizi düşündüğünü yaz." in empty.text
    done = client.post("/report/appeal", data={"csrf_token": token, "lang": "tr",
                                               "code": world[1].reference_code, "reason": "It is still online."})
    assert done.status_code == 200 and 'id="appeal-done"' in done.text
    assert "Katılmıyor musun?" not in done.text  # one open appeal at a time


def test_overdue_cases_are_highlighted(client, csrf, db, world):
    from datetime import UTC, datetime, timedelta

    from tutela.storage.tables.cases import cases

    with db.begin() as conn:
        conn.execute(cases.update().where(cases.c.id == world[1].case_id)
                     .values(deadline_at=datetime.now(UTC) - timedelta(hours=1)))
    _sign_in(client, csrf, "sup@a.example")
    page = client.get("/console").text
    row = re.search(rf'<tr class="case-row overdue"[^>]*data-case-id="{world[1].case_id}"', page)
    assert row and "overdue</strong>" in page
    assert not re.search(rf'<tr class="case-row overdue"[^>]*data-case-id="{world[0].case_id}"', page)


def test_bulk_without_a_status_changes_nothing(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    token = csrf(client.get("/console").text)
    res = client.post("/console/bulk", data={"csrf_token": token, "case_id": [str(world[0].case_id)],
                                             "to_status": ""}, follow_redirects=False)
    assert res.status_code == 303 and "failed=choose" in res.headers["location"]
    assert "closed" not in re.findall(r'<td>(\w+)</td>', client.get("/console").text)


def test_a_referred_organisation_sees_the_case_but_cannot_work_it(client, csrf, db, settings, world):
    """Routing names Platform B as the organisation that works 'platform' referrals."""
    import yaml

    from tutela.cases.routing import PACKAGE_DIR

    config = yaml.safe_load((PACKAGE_DIR / "tr.yaml").read_text(encoding="utf-8"))
    config["agencies"]["platform"]["org"] = "Platform B"
    (settings.data_dir / "routing").mkdir(exist_ok=True)
    (settings.data_dir / "routing" / "tr.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    create_user(db, "Platform B", "liaison@b.example", PASSWORD, "agency_liaison")

    _sign_in(client, csrf, "sup@a.example")
    case_id = world[0].case_id
    token = csrf(client.get(f"/console/cases/{case_id}").text)
    res = client.post(f"/console/cases/{case_id}/refer", data={"csrf_token": token, "agency_id": "platform"},
                      follow_redirects=False)
    assert "Referred+to" in res.headers["location"]

    client.cookies.clear()
    _sign_in(client, csrf, "liaison@b.example")
    assert f'data-case-id="{case_id}"' in client.get("/console").text
    page = client.get(f"/console/cases/{case_id}")
    assert page.status_code == 200 and "send me a pic" in page.text
    assert 'id="assign-me"' not in page.text and "/transition" not in page.text  # read, note, not work
    other = client.get(f"/console/cases/{world[1].case_id}")
    assert other.status_code == 404  # not referred: invisible


def test_bulk_reports_cases_that_could_not_move(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    token = csrf(client.get("/console").text)
    client.post("/console/bulk", data={"csrf_token": token, "case_id": [str(world[1].case_id)],
                                       "to_status": "closed"})
    res = client.post("/console/bulk", data={"csrf_token": token, "to_status": "actioned",
                                             "case_id": [str(world[0].case_id), str(world[1].case_id)]},
                      follow_redirects=False)
    assert res.headers["location"] == "/console?done=1&failed=1+could+not+move+to+actioned"
    page = client.get(res.headers["location"]).text
    assert "1 case moved." in page and "1 could not move to actioned" in page
