"""The child's crisis path in a real Chromium, at 320 px, in every language, with JavaScript on and off.

Choosing "I am thinking about hurting myself" must put a number to call in front of the child at
once (the helplines of their country and always an emergency number), and sending with nothing but
that choice must work and give a reference code that stays on one line.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tutela.web.i18n import I18N_DIR, LANGUAGES

pytestmark = pytest.mark.browser

#: The country each run chooses (None: leave "choose your country", i.e. another country) and the
#: emergency number the directory gives it.
COUNTRY = {"en": (None, "112"), "tr": ("TR", "112"), "az": ("AZ", "112"), "fa": ("IR", "115"),
           "ru": ("RU", "112")}
PERSIAN_DIGIT = re.compile(r"[۰-۹]")


def _cat(lang: str) -> dict:
    return json.loads((I18N_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def _narrow(browser, js: bool):
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=js)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _shown_digits(text: str, lang: str) -> str:
    return text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")) if lang == "fa" else text


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_hurting_myself_shows_help_first_and_sends_with_the_category_alone(browser, live_server, lang, js):
    t = _cat(lang)
    country, emergency = COUNTRY[lang]
    context, page = _narrow(browser, js)
    try:
        page.goto(f"{live_server.url}/report?lang={lang}")
        help_box = page.locator("#urgent-help")
        assert not help_box.is_visible()
        if country:
            page.get_by_label(t["country_label"]).select_option(country)
        page.get_by_label(t["cat_hurting_myself"]).check()

        # help now is on the form at once: a number to tap, an emergency number, before step 2
        help_box.wait_for(state="visible")
        shown = help_box.locator(".help-country:visible")
        assert shown.count() == 1
        call_now = shown.locator("a.call-now")
        assert call_now.is_visible() and call_now.get_attribute("href") == f"tel:{emergency}"
        assert _shown_digits(call_now.inner_text(), lang).endswith(emergency)
        if lang == "fa":
            assert PERSIAN_DIGIT.search(call_now.inner_text())
        if not country:  # another country: the fallback number comes with a note that it may not work there
            assert shown.locator(".note").is_visible()
        else:
            assert shown.locator("a[href^='tel:']").count() >= 2  # the country's own lines, not only 112
        step2 = page.locator("legend", has_text=t["step2"])
        assert call_now.bounding_box()["y"] < step2.bounding_box()["y"]
        if js:  # scrolled into view the moment the category was chosen
            assert page.evaluate("document.getElementById('urgent-help').getBoundingClientRect().top") < 640
        assert page.evaluate("document.documentElement.scrollWidth") <= 320

        # nothing typed: the category alone is enough to send
        help_box.get_by_role("button", name=t["submit"]).click()
        page.get_by_role("heading", name=t["thanks_title"]).wait_for()
        first_help = page.locator("#help-now a.call-now")
        code = page.locator("#reference-code")
        assert first_help.get_attribute("href") == f"tel:{emergency}"
        assert first_help.bounding_box()["y"] < code.bounding_box()["y"]  # help before anything else
        assert re.fullmatch(r"TUT-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code.inner_text().strip())
        assert page.evaluate("document.getElementById('reference-code').getClientRects().length") == 1
        line = page.evaluate("parseFloat(getComputedStyle(document.getElementById('reference-code')).lineHeight)"
                             " || parseFloat(getComputedStyle(document.getElementById('reference-code')).fontSize) * 1.6")
        assert code.bounding_box()["height"] <= line * 1.2  # one line, never broken
        assert page.evaluate("getComputedStyle(document.getElementById('reference-code')).whiteSpace") == "nowrap"
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        copy = page.get_by_role("button", name=t["copy"])
        assert copy.is_visible() == js  # one tap copies with JavaScript; without it one tap selects it all
        assert page.evaluate("getComputedStyle(document.getElementById('reference-code')).userSelect") == "all"
    finally:
        context.close()


def test_the_copy_button_copies_the_code(browser, live_server):
    t = _cat("en")
    context, page = _narrow(browser, True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    try:
        page.goto(f"{live_server.url}/report?lang=en")
        page.get_by_label(t["cat_threatening_me"]).check()
        page.locator("#urgent-help").get_by_role("button", name=t["submit"]).click()
        code = page.locator("#reference-code").inner_text().strip()
        page.get_by_role("button", name=t["copy"]).click()
        page.get_by_role("button", name=t["copied"]).wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == code
    finally:
        context.close()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_changing_the_country_changes_the_numbers(browser, live_server, js):
    t = _cat("ru")
    context, page = _narrow(browser, js)
    try:
        page.goto(f"{live_server.url}/report?lang=ru")
        page.get_by_label(t["cat_someone_wants_to_meet"]).check()
        page.get_by_label(t["country_label"]).select_option("IR")
        assert page.locator("#urgent-help .help-country:visible a.call-now").get_attribute("href") == "tel:115"
        page.get_by_label(t["country_label"]).select_option("other")
        visible = page.locator("#urgent-help .help-country:visible")
        assert visible.locator("a.call-now").get_attribute("href") == "tel:112" and visible.locator(".note").is_visible()
        page.get_by_label(t["cat_bullying"]).check()  # not urgent: the box goes away again
        assert not page.locator("#urgent-help").is_visible()
    finally:
        context.close()


def test_persian_is_right_to_left_with_persian_digits_and_solar_hijri_dates(browser, live_server, tmp_path):
    """A screenshot of the Persian status page, plus the computed direction and the digits on screen."""
    t = _cat("fa")
    context, page = _narrow(browser, True)
    try:
        page.goto(f"{live_server.url}/report?lang=fa")
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        page.get_by_label(t["country_label"]).select_option("IR")
        page.get_by_label(t["cat_hurting_myself"]).check()
        steps = page.locator(".step").all_inner_texts()
        assert steps == ["۱", "۲", "۳"]
        page.locator("#urgent-help").get_by_role("button", name=t["submit"]).click()
        phones = page.locator("#help-now a[href^='tel:']").all_inner_texts()
        assert phones and all(PERSIAN_DIGIT.search(p) and not re.search(r"[0-9]", p) for p in phones)
        page.get_by_role("button", name=t["check_status"]).first.click()
        page.locator("#status-text").wait_for()
        assert page.locator("#status-text").inner_text() == t["stage_received"]
        when = page.locator(".status-box time").first.inner_text()
        assert PERSIAN_DIGIT.search(when) and not re.search(r"[0-9]", when)
        assert re.search("فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند", when)
        heading = page.get_by_role("heading", name=t["status_title"]).bounding_box()
        assert heading["x"] + heading["width"] > 320 - 40  # the heading starts at the right edge
        out = Path(os.environ.get("TUTELA_SCREENSHOT_DIR") or tmp_path)
        out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out / "fa-status-320.png"), full_page=True)
        assert (out / "fa-status-320.png").stat().st_size > 5_000
    finally:
        context.close()


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_bad_input_gets_a_message_in_the_language_and_keeps_what_was_typed(browser, live_server, lang):
    t = _cat(lang)
    context, page = _narrow(browser, False)
    try:
        page.goto(f"{live_server.url}/report?lang={lang}")
        page.get_by_label(t["cat_threatening_me"]).check()
        page.get_by_label(t["description_label"]).fill("invented words 123")
        page.get_by_label(t["url_label"]).fill("not a link")
        page.get_by_role("button", name=t["submit"]).last.click()
        assert page.locator("#err-url").inner_text() == t["err_url"]
        assert page.get_by_label(t["description_label"]).input_value() == "invented words 123"
        assert page.get_by_label(t["url_label"]).input_value() == "not a link"
        assert page.get_by_label(t["cat_threatening_me"]).is_checked()
        # an urgent choice: the numbers come first, before the list of errors
        first = page.locator("#help-first a.call-now")
        assert first.bounding_box()["y"] < page.locator("#error-summary").bounding_box()["y"]
    finally:
        context.close()
