"""The console's review flows per role in headless Debian Chromium: an analyst searches, opens, reveals
and closes; a supervisor handles appeals, referral progress, a legal hold and an export; an admin sets the
outcome list; every reviewer has settings, saved filters and a break reminder; actions a role may not use
are not shown. Invented reports only (plain coloured squares as 'screenshots')."""

from __future__ import annotations

import io
import itertools
import json
import re

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser

_n = itertools.count(1)


def _png(rgb: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 40), rgb).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def people(live_server):
    """An admin and two analysts of Hotline A of their own, so settings here touch no other test."""
    from tutela.access.people import create_user

    for email, role in [("adm@a.example", "admin"), ("ana-r@a.example", "analyst"), ("ana-w@a.example", "analyst")]:
        create_user(live_server.db, "Hotline A", email, PASSWORD, role)
    return live_server


def _report(live_server, category="asking_for_photos", media=True):
    from tutela.cases.service import submit_report
    from tutela.domain.cases import EvidenceFile, ReportIn

    n = next(_n)
    files = [EvidenceFile(filename=f"review{n}.png", content_type="image/png", data=_png((30 * n % 255, 120, 90)))]
    return submit_report(live_server.db, live_server.settings, ReportIn(
        category=category, description=f"invented review report {n}: an adult asks for pictures",
        urls=[f"https://chat.example.com/review/{n}"]), files=files if media else None)


def _filter(img) -> str:
    return img.evaluate("e => getComputedStyle(e).filter")


def test_analyst_searches_opens_reveals_and_closes_with_an_outcome(page, people):
    live = people
    receipt = _report(live)
    sign_in(page, live.url, "ana-r@a.example")
    page.get_by_label("Search").fill(receipt.reference_code)
    page.get_by_role("button", name="Filter").click()
    # the click returns once the filtered page's URL is committed, before its rows are parsed
    page.wait_for_url("**/console?q=*", wait_until="load")
    rows = page.locator("tr.case-row")
    expect(rows).to_have_count(1)
    assert rows.first.get_attribute("data-case-id") == str(receipt.case_id)
    rows.first.locator("a.case-link").click()
    page.wait_for_url(f"**/console/cases/{receipt.case_id}")

    # what an analyst is not offered
    for hidden in ("#hold-form", "#export-form", "#assign-next", "a[href='/console/appeals']",
                   "a[href='/console/outcomes']"):
        assert page.locator(hidden).count() == 0, hidden

    img = page.locator(".media img").first
    page.locator(".media").first.scroll_into_view_if_needed()  # lazy-loaded: it loads once on screen
    img.wait_for()
    assert "blur" in _filter(img) and "grayscale" in _filter(img)
    page.get_by_role("button", name="Reveal").first.click()
    assert _filter(img) == "none"

    page.get_by_label("referred to the police").check()
    page.get_by_role("button", name="Close case").click()
    assert page.locator("#case-msg").inner_text() == "Closed: referred to the police."
    assert page.locator("#case-status").inner_text() == "closed"


def test_supervisor_appeals_referral_hold_and_export(page, people):
    from tutela.access.people import authenticate_person
    from tutela.cases import service

    live = people
    sup = authenticate_person(live.db, "sup@a.example", PASSWORD)
    over, keep, referred = _report(live), _report(live), _report(live)
    for r in (over, keep):
        service.transition(live.db, live.settings, sup, r.case_id, "closed", outcome="no_violation")
        service.submit_appeal(live.db, live.settings, r.reference_code, "invented: it is still online, look again")
    refs = service.refer(live.db, live.settings, sup, referred.case_id)
    assert refs, "the routing configuration suggests no agency for this report"

    sign_in(page, live.url, "sup@a.example")
    page.get_by_role("link", name="Appeals").click()
    for appeal_case, button, words in [(over, "Overturn: reopen the case", "reopened"),
                                       (keep, "Uphold the decision", "stays closed")]:
        row = page.locator("tr[data-appeal-id]", has=page.locator(f"a[href='/console/cases/{appeal_case.case_id}']"))
        row.get_by_role("button", name=button).click()
        assert words in page.locator("#appeals-msg").inner_text()
    assert service.get_case(live.db, live.settings, sup, over.case_id).status == "triaged"
    assert service.get_case(live.db, live.settings, sup, keep.case_id).status == "closed"

    # referral progress
    page.goto(f"{live.url}/console/cases/{referred.case_id}")
    ref = refs[0]
    page.locator(f"#rs-{ref.id}").select_option("acknowledged")
    page.locator(f"#rx-{ref.id}").fill("AG-2026-0042")
    page.locator(f"#ref-{ref.id}").get_by_role("button", name="Record").click()
    assert "agency acknowledged" in page.locator("#case-msg").inner_text()
    assert "AG-2026-0042" in page.locator(f"#ref-{ref.id}").inner_text()

    # legal hold, then an export of a case closed with content removed
    page.get_by_label("Legal hold: reason").fill("invented police request ref 77")
    page.get_by_role("button", name="Set legal hold").click()
    assert page.locator("#case-msg").inner_text().startswith("Legal hold set")
    page.get_by_role("button", name="Release legal hold").wait_for()

    page.goto(f"{live.url}/console/cases/{over.case_id}")
    page.get_by_label("content removed").check()
    page.get_by_role("button", name="Close case").click()
    page.get_by_label("Export").select_option("dsa")
    with page.expect_download() as dl:
        page.locator("#export-form").get_by_role("button").click()
    statement = json.loads(open(dl.value.path(), encoding="utf-8").read())
    assert statement["puid"] == f"tutela-case-{over.case_id}"
    assert statement["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]


def test_admin_sets_the_outcome_list_and_reviewers_close_with_it(page, browser, people):
    live = people
    receipt = _report(live, media=False)
    sign_in(page, live.url, "adm@a.example")
    page.get_by_role("link", name="Outcomes").click()
    page.locator("#default-note").wait_for()
    new = page.locator("tr.outcome-row.new")
    new.get_by_label(re.compile("^Id")).fill("adult_only")
    new.get_by_label(re.compile("^Words reviewers see")).fill("adults only, no child involved")
    new.get_by_label(re.compile("^Kind of ending")).select_option("no_violation")
    new.get_by_label(re.compile("^DSA decision ground")).select_option("none")
    new.get_by_label(re.compile("^Order")).fill("0")  # first in the list
    page.get_by_role("button", name="Save the list").click()
    assert page.locator("#outcomes-msg").inner_text() == "The outcome list is saved."
    try:
        context = browser.new_context()
        analyst = context.new_page()
        sign_in(analyst, live.url, "ana-r@a.example")
        analyst.goto(f"{live.url}/console/cases/{receipt.case_id}")
        first = analyst.locator("#close-form input[name=outcome]").first
        assert first.get_attribute("value") == "adult_only"
        analyst.get_by_label("adults only, no child involved").check()
        analyst.get_by_role("button", name="Close case").click()
        assert analyst.locator("#case-msg").inner_text() == "Closed: adults only, no child involved."
        context.close()
    finally:  # other tests of this live server close with the defaults
        page.goto(f"{live.url}/console/outcomes")
        page.get_by_role("button", name="Go back to the default list").click()
        assert page.locator("#outcomes-msg").inner_text() == "The default outcome list is back."


def test_settings_change_how_media_appear_and_the_break_reminder(page, people):
    live = people
    critical = [_report(live, category="hurting_myself") for _ in range(2)]
    sign_in(page, live.url, "ana-w@a.example")
    page.get_by_role("link", name="My settings").click()
    page.get_by_label("Blur them until I reveal one").uncheck()
    page.get_by_label("Suggest a break after this many hard items").fill("3")
    page.get_by_role("button", name="Save").click()
    assert page.locator("#settings-msg").inner_text() == "Saved."

    page.goto(f"{live.url}/console/cases/{critical[0].case_id}")  # a critical case: 1 hard item
    img = page.locator(".media img").first
    page.locator(".media").first.scroll_into_view_if_needed()  # lazy-loaded: it loads once on screen
    img.wait_for()
    assert "blur" not in _filter(img) and "grayscale" in _filter(img)  # grey, not blurred
    assert page.locator("#break-reminder").is_hidden()
    with page.expect_response("**/console/wellness/hard"):  # counted before the next page load cuts it off
        page.get_by_role("button", name="Reveal").first.click()  # 2
    page.goto(f"{live.url}/console/cases/{critical[1].case_id}")  # 3: the reminder is due
    reminder = page.get_by_role("dialog", name="Time for a short break?")
    reminder.wait_for()
    assert "3 hard items" in reminder.inner_text()
    reminder.get_by_role("button", name="Carry on").click()
    page.wait_for_url(f"**/console/cases/{critical[1].case_id}")
    assert page.locator("#break-reminder").is_hidden()

    # the reveal button alone brings the reminder up, without a page load
    page.get_by_role("link", name="My settings").click()
    page.get_by_label("Suggest a break after this many hard items").fill("1")
    page.get_by_role("button", name="Save").click()
    page.goto(f"{live.url}/console/cases/{critical[1].case_id}")  # seen before "carry on": not counted again
    assert page.locator("#break-reminder").is_hidden()
    page.get_by_role("button", name="Reveal").first.click()
    page.get_by_role("dialog", name="Time for a short break?").wait_for()
    assert "1 hard item " in page.locator("#break-text").inner_text()


def test_saved_filters_and_assign_to_next_available(page, people):
    live = people
    receipt = _report(live)
    sign_in(page, live.url, "sup@a.example")
    page.get_by_label("Priority").select_option("high")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/console?*priority=high*", wait_until="load")
    page.get_by_label("Name for this filter").fill("high, any status")
    page.get_by_role("button", name="Save this filter").click()
    assert page.locator("#queue-msg").inner_text() == "Filter saved: high, any status."
    page.goto(f"{live.url}/console")
    page.get_by_role("link", name="high, any status").click()
    page.wait_for_url("**/console?priority=high")
    assert page.get_by_label("Priority").input_value() == "high"
    page.get_by_role("button", name="Delete high, any status").click()
    assert page.locator("#queue-msg").inner_text() == "Filter deleted."
    assert page.get_by_role("link", name="high, any status").count() == 0

    page.goto(f"{live.url}/console/cases/{receipt.case_id}")
    page.get_by_role("button", name="Assign to next available").click()
    message = page.locator("#case-msg").inner_text()
    who = page.locator("#case-assignee").inner_text()
    assert message == f"Assigned to {who}." and who.endswith("@a.example")


def test_an_analyst_is_not_offered_supervisor_tools(page, people):
    sign_in(page, people.url, "ana-r@a.example")
    for hidden in ("#auto-assign", "input[name=case_id]", "a[href='/console/appeals']", "a[href='/console/outcomes']"):
        assert page.locator(hidden).count() == 0, hidden
    response = page.goto(f"{people.url}/console/outcomes")
    assert response.status == 403
    response = page.goto(f"{people.url}/console/appeals")
    assert response.status == 403
