"""Three real instances on loopback (the platform on PostgreSQL when TUTELA_TEST_POSTGRES_URL is set):
a hotline in Türkiye routes one case to a platform in Azerbaijan and a hotline in Iran at once; each
answers at its own pace, and the hotline measures each partner separately. Both partners witness the
hotline's audit trail, and both see it when the trail is cut."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

_spec = importlib.util.spec_from_file_location("loopback_harness", Path(__file__).with_name("loopback_harness.py"))
harness = sys.modules.setdefault("loopback_harness", importlib.util.module_from_spec(_spec))
if not hasattr(harness, "running"):
    _spec.loader.exec_module(harness)  # type: ignore[union-attr]

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

ROUTING = """
id: tr
name: Türkiye, with partners in Azerbaijan and Iran
countries: [TR]
agencies:
  az_platform: {name: Platform AZ, kind: platform, partner: az-platform}
  ir_hotline: {name: Hotline IR, kind: hotline, partner: ir-hotline}
  egm_cyber: {name: Cybercrime police, kind: police}
rules:
  - name: exploitation-abroad
    categories: [sexual_exploitation]
    route_to: [az_platform, ir_hotline]
default: [egm_cyber]
"""


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    with harness.running(tmp_path_factory.mktemp("three"), [
        {"org": "Hotline TR", "kind": "hotline", "country": "TR"},
        {"org": "Platform AZ", "kind": "platform", "country": "AZ", "pg": True},
        {"org": "Hotline IR", "kind": "hotline", "country": "IR"},
    ]) as (a, b, c):
        harness.introduce(a, b, a_calls_b="az-platform", b_calls_a="tr-hotline", share_level="amber+strict")
        harness.introduce(a, c, a_calls_b="ir-hotline", b_calls_a="tr-hotline", share_level="amber+strict")
        (a.settings.data_dir / "routing").mkdir(exist_ok=True)
        (a.settings.data_dir / "routing" / "tr.yaml").write_text(ROUTING, encoding="utf-8")
        yield a, b, c


def _incoming(inst, uid_of_case: set[str]) -> dict:
    rows = inst.api("GET", "/v1/exchange/referrals", params={"direction": "in"}).json()
    (row,) = [r for r in rows if r["uid"] in uid_of_case]
    return row


def test_one_case_two_partners_each_measured(three):
    from tutela.cases.service import submit_report
    from tutela.domain.cases import EvidenceFile, ReportIn

    a, b, c = three
    case_id = submit_report(
        a.db, a.settings,
        ReportIn(category="sexual_exploitation", country="TR", reporter_kind="platform",
                 urls=["https://img.example.az/x/1", "https://mirror.example.ir/x/1"]),
        principal=a.principal(),
        files=[EvidenceFile(filename="g.png", content_type="image/png", data=harness.png((50, 60, 70)))],
    ).case_id
    r = a.api("POST", f"/v1/cases/{case_id}/referrals", json={"agency_ids": ["az_platform", "ir_hotline"]})
    assert r.status_code == 201, r.text
    sent = a.api("GET", "/v1/exchange/referrals", params={"direction": "out", "case_id": case_id}).json()
    assert {s["partner"] for s in sent} == {"az-platform", "ir-hotline"}
    assert all(s["delivered"] and s["received_at"] for s in sent)
    uids = {s["uid"] for s in sent}
    assert len(uids) == 2  # one referral per partner, each with its own id

    at_b, at_c = _incoming(b, uids), _incoming(c, uids)
    assert at_b["payload"]["hashes"] == at_c["payload"]["hashes"]  # the same case, the same fingerprints
    for step in ({"step": "acknowledged"}, {"step": "removed"}, {"step": "closed", "outcome": "removed"}):
        assert b.api("POST", f"/v1/exchange/referrals/{at_b['id']}/steps", json=step).status_code == 200
    assert c.api("POST", f"/v1/exchange/referrals/{at_c['id']}/steps",
                 json={"step": "closed", "outcome": "declined"}).status_code == 200

    by_partner = {s["partner"]: s for s in
                  a.api("GET", "/v1/exchange/referrals", params={"direction": "out", "case_id": case_id}).json()}
    assert by_partner["az-platform"]["removed_at"] and by_partner["az-platform"]["outcome"] == "removed"
    assert by_partner["ir-hotline"]["removed_at"] is None and by_partner["ir-hotline"]["outcome"] == "declined"
    timings = {(t["partner"], t["direction"]): t for t in a.api("GET", "/v1/exchange/referrals/timings").json()}
    assert timings[("az-platform", "out")]["removed"] == 1
    assert timings[("ir-hotline", "out")]["removed"] == 0 and timings[("ir-hotline", "out")]["closed"] == 1
    assert timings[("ir-hotline", "out")]["median_hours_to_remove"] is None

    case = a.api("GET", f"/v1/cases/{case_id}").json()
    status = {x["agency_id"]: x["status"] for x in case["referrals"]}
    assert status == {"az_platform": "content_removed", "ir_hotline": "declined"}

    # B and C are not partners of each other: B refuses what C signs, whatever C addresses it to
    from tutela.exchange import partners, sealed
    from tutela.exchange import referrals as xref

    partners.add_partner(c.db, c.org_id, "az", b.public_key, url=b.url)
    env, _ = sealed.seal(c.db, c.org_id, xref.KIND_REFERRAL, {"referral": "c" * 36, "case": {}},
                         to=sealed.peer(c.db, c.org_id, "az"), share_level="amber")
    import httpx

    r = httpx.post(b.url + "/v1/exchange/referrals/inbox", content=env)
    assert r.status_code == 401 and "unknown key" in r.json()["error"]


def test_both_witnesses_see_the_cut(three):
    from tutela.storage.tables.cases import audit_head, audit_log

    a, b, c = three
    for partner in ("az-platform", "ir-hotline"):
        r = a.api("POST", f"/v1/exchange/witness/{partner}")
        assert r.status_code == 200 and r.json()["delivered"], r.text
    last = a.api("POST", "/v1/exchange/witness/az-platform").json()["seq"]
    a.api("POST", "/v1/exchange/witness/ir-hotline")
    with a.db.begin() as conn:  # the newest entries and the head removed together
        keep = last - 3
        conn.execute(delete(audit_log).where(audit_log.c.seq > keep))
        conn.execute(update(audit_head).values(
            seq=keep, last_hash=conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == keep)).scalar()))
    for partner in ("az-platform", "ir-hotline"):
        assert a.api("POST", f"/v1/exchange/witness/{partner}").json()["verdict"] == "cut"
    for inst in (b, c):
        (w,) = inst.api("GET", "/v1/exchange/witness").json()
        assert w["partner"] == "tr-hotline" and w["problems"] == 1
