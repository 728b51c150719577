"""The public report form in a real headless Chromium: every language, right-to-left, 320 px, no JavaScript."""

from __future__ import annotations

import json

import pytest

from tutela.web.i18n import I18N_DIR, LANGUAGES

pytestmark = pytest.mark.browser

STORIES = {
    "en": ("asking_for_photos", "A person in a game keeps asking me for photos."),
    "tr": ("threatening_me", "Biri bana mesaj atıp beni tehdit ediyor."),
    "az": ("bullying", "Sinif yoldaşlarım qrupda mənə pis sözlər yazır."),
    "fa": ("someone_wants_to_meet", "کسی در بازی می‌خواهد مرا ببیند."),
    "ru": ("scam", "Мне пишут, что я выиграл приз, и просят номер карты."),
}


def _cat(lang: str) -> dict[str, str]:
    return json.loads((I18N_DIR / f"{lang}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_report_and_read_its_status_in_every_language(page, live_server, lang):
    t = _cat(lang)
    category, story = STORIES[lang]
    page.goto(f"{live_server.url}/report?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    direction = page.evaluate("getComputedStyle(document.body).direction")
    assert direction == ("rtl" if lang == "fa" else "ltr")
    if lang == "fa":  # the start of a line is on the right: the first tile's radio sits at its right edge
        box = page.locator(".tile").first.bounding_box()
        radio = page.locator(".tile input").first.bounding_box()
        assert radio["x"] > box["x"] + box["width"] / 2

    page.get_by_label(t[f"cat_{category}"]).check()
    page.get_by_label(t["description_label"]).fill(story)
    page.get_by_role("button", name=t["submit"]).last.click()

    page.get_by_role("heading", name=t["thanks_title"]).wait_for()
    code = page.locator("#reference-code").inner_text().strip()
    assert code.startswith("TUT-")
    assert page.locator(".helpline").count() >= 1

    page.goto(f"{live_server.url}/report/status?lang={lang}")
    page.get_by_label(t["status_code_label"]).fill(code.lower())
    page.get_by_role("button", name=t["status_submit"]).click()
    status_text = page.locator("#status-text").inner_text()
    assert status_text in {t[k] for k in t if k.startswith("stage_")}


def test_wrong_code_says_so(page, live_server):
    t = _cat("en")
    page.goto(f"{live_server.url}/report/status?lang=en")
    page.get_by_label(t["status_code_label"]).fill("TUT-AAAA-BBBB-CCCC")
    page.get_by_role("button", name=t["status_submit"]).click()
    assert page.get_by_role("alert").inner_text() == t["status_not_found"]


def test_usable_at_320_px_without_horizontal_scroll(browser, live_server):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        pg = context.new_page()
        for lang in ("en", "fa", "ru"):
            pg.goto(f"{live_server.url}/report?lang={lang}")
            assert pg.evaluate("document.documentElement.scrollWidth") <= 320, lang
            submit = pg.get_by_role("button", name=_cat(lang)["submit"]).bounding_box()
            assert submit["width"] <= 320 and submit["height"] >= 44
        pg.goto(f"{live_server.url}/report/status?lang=az")
        assert pg.evaluate("document.documentElement.scrollWidth") <= 320
        t = _cat("ru")  # the thank-you page, with its large reference code, must fit too
        pg.goto(f"{live_server.url}/report?lang=ru")
        pg.get_by_label(t["cat_other"]).check()
        pg.get_by_label(t["description_label"]).fill("Проверка узкого экрана.")
        pg.get_by_role("button", name=t["submit"]).click()
        pg.locator("#reference-code").wait_for()
        assert pg.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        context.close()


def test_works_without_javascript_and_keeps_answers_on_error(browser, live_server):
    t = _cat("tr")
    context = browser.new_context(java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto(f"{live_server.url}/report?lang=tr")
        pg.get_by_label(t["description_label"]).fill("Bir hesap bana sürekli mesaj atıyor.")
        pg.get_by_role("button", name=t["submit"]).click()  # no category chosen yet
        assert pg.locator("#error-summary").is_visible()
        assert pg.get_by_label(t["description_label"]).input_value() == "Bir hesap bana sürekli mesaj atıyor."
        pg.locator("#error-summary a").first.click()
        pg.get_by_label(t["cat_bullying"]).check()
        pg.get_by_role("button", name=t["submit"]).click()
        code = pg.locator("#reference-code").inner_text().strip()
        assert code.startswith("TUT-")
        pg.get_by_role("button", name=t["check_status"]).first.click()
        assert pg.locator("#status-text").inner_text() in {t[k] for k in t if k.startswith("stage_")}
    finally:
        context.close()


def test_keyboard_only_can_choose_a_category(page, live_server):
    t = _cat("en")
    page.goto(f"{live_server.url}/report?lang=en")
    page.locator("#cat-asking_for_photos").focus()
    page.keyboard.press("ArrowDown")
    assert page.locator("#cat-threatening_me").is_checked()
    outline = page.evaluate("getComputedStyle(document.querySelector('.tile:has(input:focus)')).outlineStyle")
    assert outline != "none"
    assert t["cat_threatening_me"] in page.locator(".tile:has(input:checked)").inner_text()


def test_quick_exit_leaves_no_way_back(page, live_server):
    QUICK_EXIT_URL = live_server.settings.quick_exit_url
    page.route(QUICK_EXIT_URL + "**", lambda route: route.fulfill(body="<p>an ordinary page</p>",
                                                                  content_type="text/html"))
    page.goto(f"{live_server.url}/report?lang=fa")
    before = page.evaluate("history.length")
    page.get_by_role("link", name=_cat("fa")["quick_exit"]).click()
    page.wait_for_url(QUICK_EXIT_URL)
    assert page.evaluate("history.length") == before  # replaced, not pushed: "back" cannot return to it
