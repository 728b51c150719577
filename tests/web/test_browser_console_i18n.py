"""The console in a real headless Chromium in five languages: sign in from a Persian browser and see the
console right to left (bounding boxes and a screenshot), switch to Russian and Turkish with the switcher
and see the queue in that language, remembered across pages; a bad sign-in answered in the language."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tutela.web.i18n import translator

pytestmark = pytest.mark.browser

PASSWORD = "a long test password"
PERSIAN_DIGIT = re.compile("[۰-۹]")


@pytest.fixture(scope="module")
def cases(live_server):
    """An invented public report with a deadline, so the queue has a row to read."""
    from tutela.cases.service import submit_report
    from tutela.domain.cases import ReportIn

    return [submit_report(live_server.db, live_server.settings,
                          ReportIn(category="threatening_me", description="someone says they will post my photo"))]


def _context(browser, locale: str, width: int = 1024):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _text_box(locator) -> dict:
    """Where the words of an element are on screen (a block's own box spans the whole line)."""
    return locator.evaluate("el => { const r = document.createRange(); r.selectNodeContents(el);"
                            " const b = r.getBoundingClientRect(); return {x: b.x, width: b.width}; }")


def _sign_in(page, url: str, lang: str, email: str = "sup@a.example", password: str = PASSWORD) -> None:
    t = translator(lang, "console")
    page.goto(f"{url}/login")
    page.get_by_label(t("email")).fill(email)
    page.get_by_label(t("password"), exact=True).fill(password)
    page.get_by_role("button", name=t("signin_button")).click()


def test_persian_browser_gets_a_right_to_left_console(browser, live_server, cases, tmp_path):
    t = translator("fa", "console")
    context, page = _context(browser, "fa-IR")
    try:
        _sign_in(page, live_server.url, "fa")
        page.get_by_role("heading", name=t("queue_title"), exact=True).wait_for()
        assert page.locator("html").get_attribute("lang") == "fa"
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        main = page.locator("main").bounding_box()
        heading = _text_box(page.get_by_role("heading", name=t("queue_title"), exact=True))
        assert heading["x"] + heading["width"] > main["x"] + main["width"] - 40  # starts at the right
        assert heading["x"] > main["x"] + main["width"] / 2
        nav = page.locator(".console-nav")
        first, last = nav.get_by_role("link", name=t("nav_queue")), nav.get_by_role("link", name=t("nav_password"))
        assert first.bounding_box()["x"] > last.bounding_box()["x"]  # the first link is the rightmost
        headers = page.locator("table.queue thead th")
        case_col = page.locator("table.queue thead th", has_text=t("col_case")).bounding_box()
        reports_col = headers.last.bounding_box()
        assert case_col["x"] > reports_col["x"]  # columns run right to left
        row = page.locator(f"tr[data-case-id='{cases[0].case_id}']")
        link = row.locator("a.case-link").inner_text()
        assert PERSIAN_DIGIT.search(link) and not re.search(r"[0-9]", link)
        received = row.locator("td.received time").inner_text()  # local time, converted by the script
        assert re.fullmatch(r"۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}", received), received
        deadline = row.locator("td.deadline time").inner_text()
        assert ("دیگر" in deadline or "پیش" in deadline) and not re.search(r"[0-9]", deadline), deadline
        out = Path(os.environ.get("TUTELA_SCREENSHOT_DIR") or tmp_path)
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / "fa-console-queue.png"), full_page=True)
        assert (out / "fa-console-queue.png").stat().st_size > 10_000
        page.locator("a.case-link").first.click()
        page.locator("#case-status").wait_for()
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        facts = _text_box(page.locator("dl.facts dt").first)
        value = _text_box(page.locator("dl.facts dd").first)
        assert facts["x"] > value["x"]  # the label on the right, its value to its left
    finally:
        context.close()


def test_switcher_turns_the_queue_russian_then_turkish_and_remembers(browser, live_server, cases):
    context, page = _context(browser, "en-GB")
    try:
        _sign_in(page, live_server.url, "en")
        page.get_by_role("heading", name="Queue", exact=True).wait_for()
        page.locator("#console-langs").get_by_role("link", name="Русский").click()
        ru = translator("ru", "console")
        page.get_by_role("heading", name=ru("queue_title"), exact=True).wait_for()
        assert page.locator("html").get_attribute("dir") == "ltr"
        head = page.locator("table.queue thead").inner_text()
        for key in ("col_case", "priority", "col_received", "col_deadline", "col_hash_match"):
            assert ru(key) in head, key
        row = page.locator(f"tr[data-case-id='{cases[0].case_id}']")
        category = row.locator("td").nth(3).inner_text()  # case, priority, status, category
        assert re.match("[А-Яа-я]", category) and "_" not in category, category
        deadline = row.locator("td.deadline time").inner_text()
        assert "через" in deadline or "назад" in deadline, deadline  # the countdown speaks Russian
        row.locator("a.case-link").click()  # another page, no ?lang=: the choice is remembered
        page.get_by_role("heading", name=ru("actions")).wait_for()
        assert page.get_by_role("button", name=ru("save_note")).is_visible()
        page.locator("#console-langs").get_by_role("link", name="Türkçe").click()
        tr = translator("tr", "console")
        page.get_by_role("heading", name=tr("actions")).wait_for()
        page.goto(f"{live_server.url}/console")
        page.get_by_role("heading", name=tr("queue_title"), exact=True).wait_for()
        assert tr("col_hash_match") in page.locator("table.queue thead").inner_text()
        assert page.get_by_role("button", name=tr("sign_out")).is_visible()
    finally:
        context.close()


def test_wrong_password_in_turkish_keeps_the_email(browser, live_server):
    tr = translator("tr", "console")
    context, page = _context(browser, "tr-TR")
    try:
        _sign_in(page, live_server.url, "tr", password="not the password")
        assert page.get_by_role("alert").inner_text() == tr("err_wrong_login")
        assert page.get_by_label(tr("email")).input_value() == "sup@a.example"
        assert page.locator("html").get_attribute("lang") == "tr"
    finally:
        context.close()
