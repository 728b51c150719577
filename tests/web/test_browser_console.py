"""The review console in a real headless Chromium: sign-in, queue, blurred media, reveal, shortcuts, bulk, tenants."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _png(rgb: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (48, 48), rgb).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def cases(live_server):
    """Two invented public reports (plain coloured squares as 'screenshots') in Hotline A."""
    from tutela.cases.service import submit_report
    from tutela.domain.cases import EvidenceFile, ReportIn

    out = []
    for i, (category, text) in enumerate([
        ("asking_for_photos", "an adult in a chat asks me to send a photo and keep it secret"),
        ("scam", "a message says I won a phone and asks for my parents card"),
    ]):
        out.append(submit_report(
            live_server.db, live_server.settings, ReportIn(category=category, description=text),
            files=[EvidenceFile(filename=f"shot{i}.png", content_type="image/png",
                                data=_png((40 * i, 90, 160)))],
        ))
    return out


def sign_in(page, url, email, password):
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


PASSWORD = "a long test password"


def test_wrong_password_is_refused(page, live_server):
    sign_in(page, live_server.url, "sup@a.example", "not the password")
    assert page.get_by_role("alert").inner_text() == "Wrong email or password."
    assert page.get_by_label("Email").input_value() == "sup@a.example"


def test_login_form_without_csrf_is_refused(page, live_server):
    page.goto(f"{live_server.url}/login")
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    page.get_by_label("Email").fill("sup@a.example")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as resp:
        page.get_by_role("button", name="Sign in").click()
    assert resp.value.status == 403


def test_queue_case_blur_reveal_and_bulk(page, live_server, cases):
    sign_in(page, live_server.url, "sup@a.example", PASSWORD)
    page.get_by_role("heading", name="Queue").wait_for()
    rows = page.locator("tr.case-row")
    ids = [int(x) for x in rows.evaluate_all("rs => rs.map(r => r.dataset.caseId)")]
    assert cases[0].case_id in ids and cases[1].case_id in ids
    assert ids.index(cases[0].case_id) < ids.index(cases[1].case_id)  # higher priority first

    # keyboard: j selects the first row, o opens it
    page.locator("body").press("j")
    page.keyboard.press("o")
    page.wait_for_url(f"**/console/cases/{ids[0]}")

    page.goto(f"{live_server.url}/console/cases/{cases[0].case_id}")
    assert "keep it secret" in page.locator(".description").inner_text()
    img = page.locator(".media img").first
    page.locator(".media").first.scroll_into_view_if_needed()  # lazy-loaded: it loads once on screen
    img.wait_for()
    assert "blur" in img.evaluate("e => getComputedStyle(e).filter")
    assert "grayscale" in img.evaluate("e => getComputedStyle(e).filter")
    page.get_by_role("button", name="Reveal").first.click()
    assert img.evaluate("e => getComputedStyle(e).filter") == "none"
    page.get_by_role("button", name="Blur").first.click()
    assert "blur" in img.evaluate("e => getComputedStyle(e).filter")

    # ? shows the shortcuts
    page.locator("body").press("?")
    assert page.locator("#shortcuts").is_visible()

    # bulk: tick both cases and close them
    page.goto(f"{live_server.url}/console")
    for c in cases:
        page.locator(f"#sel-{c.case_id}").check()
    page.get_by_label("Move to").select_option("closed")
    page.get_by_role("button", name="Apply").click()
    assert "2 cases moved." in page.locator(".notice.ok").inner_text()
    page.goto(f"{live_server.url}/console?status=closed")
    closed = page.locator("tr.case-row").evaluate_all("rs => rs.map(r => Number(r.dataset.caseId))")
    assert {c.case_id for c in cases} <= set(closed)


def test_reveal_without_javascript(browser, live_server, cases):
    context = browser.new_context(java_script_enabled=False)
    try:
        pg = context.new_page()
        sign_in(pg, live_server.url, "ana@a.example", PASSWORD)
        pg.goto(f"{live_server.url}/console/cases/{cases[1].case_id}")
        assert pg.locator("figure.media:not(.revealed)").count() == 1
        pg.get_by_role("link", name="Reveal without JavaScript").click()
        expect(pg.locator("figure.media.revealed")).to_have_count(1)  # counted once the new page has loaded
    finally:
        context.close()


def test_another_organisation_is_refused(page, live_server, cases):
    sign_in(page, live_server.url, "bob@b.example", PASSWORD)
    page.get_by_role("heading", name="Queue").wait_for()
    assert page.locator(f'tr[data-case-id="{cases[0].case_id}"]').count() == 0
    response = page.goto(f"{live_server.url}/console/cases/{cases[0].case_id}")
    assert response.status == 404
    assert "keep it secret" not in page.content()


def test_regulator_sees_aggregates_only(page, live_server, cases):
    sign_in(page, live_server.url, "reg@r.example", PASSWORD)
    page.get_by_role("heading", name="Aggregates").wait_for()
    assert page.locator("tr.case-row").count() == 0
    assert "keep it secret" not in page.content()


def test_analyst_shortcuts_open_and_assign_to_me(page, live_server):
    from tutela.cases.service import submit_report
    from tutela.domain.cases import ReportIn

    receipt = submit_report(live_server.db, live_server.settings, ReportIn(
        category="bullying", description="invented: classmates post mean comments under my photos"))
    sign_in(page, live_server.url, "ana@a.example", PASSWORD)
    page.get_by_role("heading", name="Queue").wait_for()
    rows = page.locator("tr.case-row").evaluate_all("rs => rs.map(r => Number(r.dataset.caseId))")
    position = rows.index(receipt.case_id)
    for _ in range(position + 1):
        page.locator("body").press("j")
    page.keyboard.press("x")  # analysts may not move cases in bulk: no tick boxes, x does nothing
    assert page.locator("input[name=case_id]").count() == 0
    page.keyboard.press("o")
    page.wait_for_url(f"**/console/cases/{receipt.case_id}")
    page.keyboard.press("a")
    page.locator("#case-msg").wait_for()
    assert page.locator("#case-msg").inner_text() == "Assigned to you."
    assert page.locator("#case-status").inner_text() == "assigned"
