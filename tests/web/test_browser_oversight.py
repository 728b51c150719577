"""The oversight dashboard in headless Chromium: charts drawn, readable at 320 px, Persian right to left."""

from __future__ import annotations

import pytest

from tutela.oversight import rollup, synthetic

pytestmark = pytest.mark.browser

PASSWORD = "a long test password"


@pytest.fixture(scope="module")
def history(live_server):
    """A synthetic history (its own platforms and regulator orgs) added to the live server's database."""
    world = synthetic.make_orgs(live_server.db, prefix="Browser")
    synthetic.load(live_server.db, world, n_cases=800, seed=11)
    rollup.refresh(live_server.db)
    return world


def _sign_in(page, url):
    page.goto(f"{url}/login")
    page.fill("input[name=email]", "reg@r.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_dashboard_draws_its_charts_at_320px(browser, live_server, history, lang):
    context = browser.new_context(viewport={"width": 320, "height": 700})
    page = context.new_page()
    page.set_default_timeout(15_000)
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)
    try:
        _sign_in(page, live_server.url)
        page.goto(f"{live_server.url}/oversight?lang={lang}&period=2026-Q3")
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "fa" else "ltr")
        charts = page.locator("svg.chart")
        assert charts.count() == 6
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box and 200 < box["width"] <= 320 and box["height"] > 40  # drawn, and inside the screen
            assert charts.nth(i).locator("rect").count() >= 2
        # nothing wider than the screen: no sideways scrolling of the page itself
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320 + 1, width
        bars = page.locator("#chart-category svg rect")
        if lang == "fa":  # bars grow from the right
            first = bars.first.bounding_box()
            assert first["x"] + first["width"] > 250
        assert not failed and not external
        page.screenshot(path=str(live_server.settings.data_dir / f"oversight-{lang}.png"), full_page=True)
    finally:
        context.close()
