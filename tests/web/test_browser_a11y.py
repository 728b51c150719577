"""Accessibility checks a browser can make honestly: text contrast (WCAG AA) and names for controls."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

#: For every visible element with its own text: its colour against the first opaque background behind it.
CONTRAST_JS = """
() => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bg = el => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length || el.closest(".hp, .visually-hidden, [hidden]")) continue;
    const st = getComputedStyle(el);
    if (st.visibility === "hidden") continue;
    const fg = parse(st.color).slice(0, 3), back = bg(el);
    const [hi, lo] = [lum(fg), lum(back)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight) >= 700;
    const need = (size >= 24 || (size >= 18.66 && bold)) ? 3 : 4.5;
    if (ratio < need) bad.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return bad;
}
"""

#: Every form control must have an accessible name (a label, aria-label or aria-labelledby).
UNNAMED_JS = """
() => Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea, button"))
  .filter(el => !el.closest(".hp") && !el.hidden)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                && !el.getAttribute("aria-labelledby") && !(el.tagName === "BUTTON" && el.textContent.trim()))
  .map(el => el.outerHTML.slice(0, 80))
"""


@pytest.mark.parametrize("path", ["/report?lang=en", "/report?lang=fa", "/report/status?lang=ru", "/login"])
def test_public_pages_have_enough_contrast_and_named_controls(page, live_server, path):
    page.goto(live_server.url + path)
    assert page.evaluate(CONTRAST_JS) == []
    assert page.evaluate(UNNAMED_JS) == []


def test_error_state_and_thank_you_page_too(page, live_server):
    page.goto(f"{live_server.url}/report?lang=az")
    page.locator("#f-form > p > button[type=submit]").click()  # nothing chosen: errors shown
    page.locator("#error-summary").wait_for()
    assert page.evaluate(CONTRAST_JS) == []
    page.locator("#cat-other").check()
    page.locator("#f-description").fill("Yoxlama üçün uydurma mətn.")
    page.locator("#f-form > p > button[type=submit]").click()
    page.locator("#reference-code").wait_for()
    assert page.evaluate(CONTRAST_JS) == []
    assert page.evaluate(UNNAMED_JS) == []


def test_the_contrast_check_does_catch_faint_text(page, live_server):
    page.goto(f"{live_server.url}/report?lang=en")
    page.evaluate("""() => { const p = document.createElement('p'); p.textContent = 'faint words';
                             p.style.color = '#c8c8c8'; document.querySelector('main').append(p); }""")
    found = page.evaluate(CONTRAST_JS)
    assert len(found) == 1 and "faint words" in found[0]


def test_console_pages_have_enough_contrast(page, live_server):
    from tutela.cases.service import submit_report
    from tutela.domain.cases import ReportIn

    receipt = submit_report(live_server.db, live_server.settings, ReportIn(
        category="hurting_myself", description="invented test: I feel like hurting myself tonight"))
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill("ana@a.example")
    page.get_by_label("Password").fill("a long test password")
    page.get_by_role("button", name="Sign in").click()
    page.locator("table.queue").wait_for()
    assert page.evaluate(CONTRAST_JS) == []
    assert page.evaluate(UNNAMED_JS) == []
    page.goto(f"{live_server.url}/console/cases/{receipt.case_id}")
    assert page.evaluate(CONTRAST_JS) == []
    assert page.evaluate(UNNAMED_JS) == []
