"""The console's review tools over HTTP: my settings, the outcome list, saved filters, the break
reminder and assignment that balances load; each for the roles that may use it. Invented data only."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tutela.access import create_org
from tutela.access.people import create_user

PASSWORD = "a long test password"


@pytest.fixture()
def hotline(db, settings):
    """Hotline A with an admin, a supervisor and two analysts, and three invented reports."""
    from tutela.cases.service import submit_report
    from tutela.domain.cases import ReportIn

    create_org(db, "Hotline A", kind="hotline")
    ids = {e: create_user(db, "Hotline A", e, PASSWORD, r) for e, r in [
        ("adm@a.example", "admin"), ("sup@a.example", "supervisor"),
        ("ana@a.example", "analyst"), ("ana2@a.example", "analyst")]}
    cases = [submit_report(db, settings, ReportIn(category=c, description=d)).case_id for c, d in [
        ("scam", "invented: a message says I won a phone"),
        ("bullying", "invented: classmates post mean comments"),
        ("hate", "invented: a group chat calls names"),
    ]]
    return ids, cases


def _sign_in(client, csrf, email):
    client.cookies.clear()
    token = csrf(client.get("/login").text)
    res = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                      follow_redirects=False)
    assert res.status_code == 303
    return csrf(client.get("/console/settings").text)  # the session's own token


def _msg(html: str, element_id: str) -> str:
    m = re.search(rf'id="{element_id}"[^>]*>([^<]+)<', html)
    assert m, element_id
    return unescape(m.group(1))


def test_settings_page_saves_and_keeps_bad_numbers_with_a_message(client, csrf, hotline, db):
    from tutela.access.wellness import get_prefs

    ids, _ = hotline
    _sign_in(client, csrf, "ana@a.example")
    page = client.get("/console/settings").text
    assert 'id="pref-blur" value="1" checked' in page
    res = client.post("/console/settings", data={"csrf_token": csrf(page), "greyscale": "1", "break_after": "4",
                                                 "window_min": "15"})
    assert res.status_code == 200 and _msg(res.text, "settings-msg") == "Saved."
    prefs = get_prefs(db, ids["ana@a.example"])
    assert (prefs.blur, prefs.greyscale, prefs.video_muted, prefs.break_after, prefs.window_min) == \
        (False, True, False, 4, 15)
    bad = client.post("/console/settings", data={"csrf_token": csrf(page), "break_after": "many", "window_min": "2"})
    assert bad.status_code == 400
    assert _msg(bad.text, "err-break_after") == "Enter a whole number from 0 to 100."
    assert _msg(bad.text, "err-window_min") == "Enter a whole number from 5 to 480."
    assert 'value="many"' in bad.text
    assert get_prefs(db, ids["ana@a.example"]).break_after == 4  # nothing saved
    assert client.post("/console/settings", data={"break_after": "1"}).status_code == 403  # no CSRF token


def test_settings_words_come_in_the_reviewers_language(client, csrf, hotline):
    _sign_in(client, csrf, "ana@a.example")
    page = client.get("/console/settings?lang=tr").text
    assert "Ayarlarım" in page


def test_outcome_list_is_for_admins_and_closing_uses_it(client, csrf, hotline, db, settings):
    _, cases = hotline
    _sign_in(client, csrf, "sup@a.example")
    assert client.get("/console/outcomes").status_code == 403
    assert 'href="/console/outcomes"' not in client.get("/console").text

    token = _sign_in(client, csrf, "adm@a.example")
    page = client.get("/console/outcomes").text
    assert 'id="default-note"' in page and page.count('class="outcome-row') == 8  # 7 defaults + 1 to add
    form = {"csrf_token": token,
            "order": ["2", "1", "3"], "key": ["adult_only", "removed_tos", ""],
            "label": ["adults only, no child", "removed: against our rules", ""],
            "kind": ["no_violation", "content_removed", "no_violation"],
            "ground": ["none", "incompatible", "none"]}
    res = client.post("/console/outcomes", data=form)
    assert res.status_code == 200 and _msg(res.text, "outcomes-msg") == "The outcome list is saved."
    assert res.text.index("removed_tos") < res.text.index("adult_only")  # the order numbers decide

    bad = client.post("/console/outcomes", data=form | {"ground": ["none", "none", "none"]})
    assert bad.status_code == 400 and "needs a DSA ground" in _msg(bad.text, "outcomes-msg")
    assert 'value="removed: against our rules"' in bad.text  # the list comes back as typed

    _sign_in(client, csrf, "sup@a.example")
    case_page = client.get(f"/console/cases/{cases[0]}").text
    assert 'value="removed_tos"' in case_page and 'value="content_removed"' not in case_page
    assert "DSA decision ground: incompatible with the terms of service" in case_page
    done = client.post(f"/console/cases/{cases[0]}/transition",
                       data={"csrf_token": csrf(case_page), "to_status": "closed", "outcome": "removed_tos"})
    assert _msg(done.text, "case-msg") == "Closed: removed: against our rules."
    refused = client.post(f"/console/cases/{cases[1]}/transition",
                          data={"csrf_token": csrf(case_page), "to_status": "closed", "outcome": "content_removed"})
    assert "unknown outcome 'content_removed'" in _msg(refused.text, "case-msg")


def test_saved_filters_apply_and_delete_per_person(client, csrf, hotline):
    token = _sign_in(client, csrf, "ana@a.example")
    queue = client.get("/console?priority=high&sort=received").text
    assert 'id="save-filter"' in queue
    res = client.post("/console/filters", data={"csrf_token": token, "name": "urgent first", "priority": "high",
                                                "sort": "received"})
    assert _msg(res.text, "queue-msg") == "Filter saved: urgent first."
    link = re.search(r'<a href="([^"]+)" class="saved-filter">urgent first</a>', res.text).group(1)
    assert link == "/console?priority=high&amp;sort=received"
    fid = re.search(r'action="/console/filters/(\d+)/delete"', res.text).group(1)

    other = _sign_in(client, csrf, "ana2@a.example")
    assert "urgent first" not in client.get("/console").text
    assert client.post(f"/console/filters/{fid}/delete", data={"csrf_token": other}).status_code == 404

    token = _sign_in(client, csrf, "ana@a.example")
    gone = client.post(f"/console/filters/{fid}/delete", data={"csrf_token": token})
    assert _msg(gone.text, "queue-msg") == "Filter deleted." and "urgent first" not in gone.text


def test_break_reminder_shows_after_the_run_and_is_dismissed(client, csrf, hotline, db, settings):
    from tutela.access.wellness import WellnessPrefs, set_prefs
    from tutela.cases.service import submit_report
    from tutela.domain.cases import ReportIn

    ids, _ = hotline
    set_prefs(db, ids["ana@a.example"], WellnessPrefs(break_after=2))
    critical = [submit_report(db, settings, ReportIn(category="hurting_myself", description=d)).case_id
                for d in ("invented: I want to hurt myself tonight", "invented: I cut myself again today")]
    token = _sign_in(client, csrf, "ana@a.example")
    first = client.get(f"/console/cases/{critical[0]}").text
    assert re.search(r'id="break-reminder"[^>]* hidden', first)
    client.get(f"/console/cases/{critical[0]}")  # the same case again counts once
    assert re.search(r'id="break-reminder"[^>]* hidden', client.get("/console").text)
    second = client.get(f"/console/cases/{critical[1]}").text
    assert not re.search(r'id="break-reminder"[^>]* hidden', second)
    assert _msg(second, "break-text") == "You have looked at 2 hard items in the last 30 minutes."
    res = client.post("/console/wellness/dismiss", data={"csrf_token": token, "next": "https://evil.example/"},
                      follow_redirects=False)
    assert res.headers["location"] == "/console"
    assert re.search(r'id="break-reminder"[^>]* hidden', client.get("/console").text)
    # the reveal button's beacon
    beacon = client.post("/console/wellness/hard", data={"csrf_token": token, "id": "5"})
    assert beacon.json()["count"] == 1 and beacon.json()["due"] is False


def test_assign_next_and_share_out_for_supervisors_only(client, csrf, hotline, db):
    ids, cases = hotline
    token = _sign_in(client, csrf, "ana@a.example")
    page = client.get(f"/console/cases/{cases[0]}").text
    assert 'id="assign-next"' not in page and 'id="auto-assign"' not in client.get("/console").text
    assert client.post(f"/console/cases/{cases[0]}/assign-next", data={"csrf_token": token}).status_code == 403
    assert client.post("/console/auto-assign", data={"csrf_token": token, "case_id": [str(cases[0])]}
                       ).status_code == 403

    token = _sign_in(client, csrf, "sup@a.example")
    assert 'id="auto-assign"' in client.get("/console").text
    res = client.post(f"/console/cases/{cases[0]}/assign-next", data={"csrf_token": token})
    assert _msg(res.text, "case-msg") == "Assigned to sup@a.example."  # nobody has a case: lowest id of the least recent
    shared = client.post("/console/auto-assign", data={"csrf_token": token,
                                                       "case_id": [str(c) for c in cases[1:]]})
    assert _msg(shared.text, "queue-msg") == "2 cases shared out among reviewers."
    from sqlalchemy import select

    from tutela.storage.tables.cases import cases as cases_table
    with db.connect() as conn:
        holders = conn.execute(select(cases_table.c.assigned_to).where(cases_table.c.id.in_(cases))).scalars().all()
    assert sorted(holders) == sorted([ids["sup@a.example"], ids["ana@a.example"], ids["ana2@a.example"]])
