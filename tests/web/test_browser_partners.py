"""The partners page in headless Chromium: a referral between two organisations, worked by the receiver
through the console and seen, with its times, by the sender. Both organisations live on the same live
server but talk only through its exchange inbox over HTTP, as two instances would."""

from __future__ import annotations

import pytest

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def referral(live_server):
    """Hotline A and Platform B registered as partners (B: fingerprints only), and one referral A -> B."""
    from tutela.access import Principal, get_org
    from tutela.cases.service import submit_report
    from tutela.domain.cases import ReportIn
    from tutela.exchange import identity, partners
    from tutela.exchange import referrals as xref

    db, settings = live_server.db, live_server.settings
    a, b = get_org(db, "Hotline A")["id"], get_org(db, "Platform B")["id"]
    partners.add_partner(db, a, "platform-b", identity.current_key(db, b).public_key, url=live_server.url,
                         share_level="amber+strict", country="AZ")
    partners.add_partner(db, b, "hotline-a", identity.current_key(db, a).public_key, url=live_server.url,
                         share_level="amber+strict", country="TR")
    me = Principal(a, "Hotline A", frozenset({"exchange", "cases", "reports"}), key_id="test")
    case_id = submit_report(db, settings, ReportIn(category="sexual_exploitation", country="TR",
                                                   reporter_kind="platform", urls=["https://host.example.az/p/9"]),
                            principal=me).case_id
    sent = xref.refer_case(db, settings, me, case_id, "platform-b", hosting=[{"host": "host.example.az",
                                                                           "provider": "Example AZ Hosting"}])
    assert sent.delivered and sent.received_at
    # what Platform B said of two signals Hotline A shared (as the exchange's feedback records it)
    from tutela.storage.tables.exchange import exchange_feedback
    from tutela.storage.times import utc_now

    partner_id = partners.get_partner(db, a, "platform-b").id
    with db.begin() as conn:
        for stix_id, opinion, seen in (("indicator--1", "confirmed", 3), ("indicator--2", "disputed", 1)):
            conn.execute(exchange_feedback.insert().values(
                org_id=a, partner_id=partner_id, direction="received", stix_id=stix_id, opinion=opinion,
                seen=seen, updated_at=utc_now()))
    return sent


def test_receiver_works_the_referral_and_sender_sees_the_times(page, live_server, referral):
    sign_in(page, live_server.url, "bob@b.example")
    page.get_by_role("link", name="Partners").click()
    page.get_by_role("heading", name="Partners", exact=True).wait_for()
    row = page.locator("#referrals-in tr[data-referral-id]").first
    assert "hotline-a" in row.inner_text() and "Example AZ Hosting" in row.inner_text()
    assert row.get_attribute("data-status") == "received"

    row.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url("**/console/partners?msg=*")
    assert "hotline-a told" in page.locator("#partners-msg").inner_text()
    row = page.locator("#referrals-in tr[data-referral-id]").first
    assert row.get_attribute("data-status") == "acknowledged"
    row.get_by_role("button", name="Content removed").click()
    page.wait_for_url("**/console/partners?msg=*")
    row = page.locator("#referrals-in tr[data-referral-id]").first
    row.get_by_label(f"Outcome for referral {row.get_attribute('data-referral-id')}").select_option("removed")
    row.get_by_role("button", name="Close").click()
    page.wait_for_url("**/console/partners?msg=*")
    row = page.locator("#referrals-in tr[data-referral-id]").first
    assert row.get_attribute("data-status") == "closed" and "(removed)" in row.inner_text()
    # steps go forward only: no button is left on a closed referral
    assert row.get_by_role("button").count() == 0

    page.context.clear_cookies()
    sign_in(page, live_server.url, "sup@a.example")
    page.goto(f"{live_server.url}/console/partners")
    out = page.locator(f"#referrals-out tr[data-referral-id='{referral.id}']")
    assert out.get_attribute("data-status") == "closed"
    assert out.locator("time").count() == 5  # sent, received, acknowledged, removed, closed
    partner = page.locator("#partners tr[data-partner='platform-b']")
    assert "TLP:AMBER+STRICT" in partner.inner_text() and "fingerprints only" in partner.inner_text()
    assert partner.locator(".sent").inner_text().startswith("1 (1 removed)")
    assert partner.locator(".feedback").inner_text() == "1 confirmed · 1 disputed · 4 seen"
    assert partner.locator(".precision").inner_text() == "50 %"
    assert partner.locator(".to-removal time, .to-removal").first.inner_text().endswith("h")


def test_a_step_without_the_form_token_is_refused(page, live_server, referral):
    sign_in(page, live_server.url, "bob@b.example")
    response = page.request.post(f"{live_server.url}/console/partners/referrals/{referral.id}/step",
                                 form={"step": "acknowledged"})
    assert response.status == 403


def test_regulator_is_sent_to_the_statistics(page, live_server):
    sign_in_reg = page.goto(f"{live_server.url}/login")
    assert sign_in_reg.ok
    page.get_by_label("Email").fill("reg@r.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    response = page.goto(f"{live_server.url}/console/partners")
    assert response.status == 403 and "regulators see the statistics" in page.content()
