"""Every door: the API, the dashboard, the CLI and the exports give a regulator aggregates and the
register, and refuse them any case. Platforms see their own record; bad input gets clear errors."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from tutela.access import create_key
from tutela.access.people import create_user
from tutela.cases.service import submit_report
from tutela.domain.cases import ReportIn
from tutela.oversight import rollup, synthetic

PASSWORD = "a long test password"
URL = re.compile(r"""(?:src|href)=["'](?:https?:)?//""")


@pytest.fixture()
def world(db, settings):
    w = synthetic.make_orgs(db)
    synthetic.load(db, w, n_cases=400, seed=3)
    create_user(db, "Synthetic Regulator", "reg@r.example", PASSWORD, "regulator")
    create_user(db, "Synthetic Hotline", "sup@h.example", PASSWORD, "supervisor")
    create_user(db, "Synthetic Platform A", "ana@pa.example", PASSWORD, "analyst")
    receipt = submit_report(db, settings, ReportIn(
        category="asking_for_photos", language="en", country="TR",
        description="he says send me a pic and dont tell your mom"))
    rollup.refresh(db)
    keys = {
        "regulator": {"Authorization": f"Bearer {create_key(db, 'Synthetic Regulator', ['oversight'])}"},
        "platform_a": {"Authorization": f"Bearer {create_key(db, 'Synthetic Platform A', ['oversight'])}"},
        "platform_b": {"Authorization": f"Bearer {create_key(db, 'Synthetic Platform B', ['oversight'])}"},
        "hotline": {"Authorization": f"Bearer {create_key(db, 'Synthetic Hotline', ['oversight', 'cases'])}"},
        "cases_only": {"Authorization": f"Bearer {create_key(db, 'Synthetic Hotline', ['cases'])}"},
    }
    return w, keys, receipt


def _sign_in(client, csrf, email):
    token = csrf(client.get("/login").text)
    res = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                      follow_redirects=False)
    assert res.status_code == 303


def test_api_metrics_and_register_for_a_regulator(client, world):
    w, keys, _ = world
    m = client.get("/v1/oversight/metrics", headers=keys["regulator"])
    assert m.status_code == 200, m.text
    body = m.json()
    # four platforms; one may be left out where complementary suppression hides its times
    assert body["total"]["reports"] > 0 and 3 <= len(body["ranking"]) <= 4
    assert all(r["n"] >= 10 for r in body["ranking"])  # a platform with few removals is not ranked
    q3 = client.get("/v1/oversight/metrics", params={"period": "2026-Q3"}, headers=keys["regulator"]).json()
    assert q3["filters"] == {"month_from": "2026-07", "month_to": "2026-09"} and q3["total"]["reports"] > 0
    assert {"month", "platform", "category", "country", "language"} <= set(body["by"])
    r = client.get("/v1/oversight/register", params={"status": "overdue"}, headers=keys["regulator"])
    assert r.status_code == 200
    items = r.json()["items"]
    assert items and all(i["outcome"] == "overdue" for i in items)
    assert all("case_id" not in i for i in items)  # the register never points a regulator at a case


def test_regulator_refused_every_case_door(client, world, db, settings, csrf, tmp_path, monkeypatch):
    w, keys, receipt = world
    reg = keys["regulator"]
    cid = receipt.case_id
    for path in ("/v1/cases", f"/v1/cases/{cid}", f"/v1/cases/{cid}/export/dsa",
                 f"/v1/cases/{cid}/export/cybertipline", "/v1/referrals", "/v1/appeals", "/v1/evidence/1"):
        res = client.get(path, headers=reg)
        assert res.status_code in (403, 404), (path, res.status_code)
        assert "send me a pic" not in res.text
    # keys and people of a regulator cannot be given more than oversight
    with pytest.raises(ValueError, match="only the 'oversight' scope"):
        create_key(db, "Synthetic Regulator", ["cases"])
    with pytest.raises(ValueError, match="regulator"):
        create_user(db, "Synthetic Regulator", "two@r.example", PASSWORD, "analyst")
    # the console: the dashboard yes, a case no
    _sign_in(client, csrf, "reg@r.example")
    assert client.get("/oversight").status_code == 200
    res = client.get(f"/console/cases/{cid}")
    assert res.status_code in (403, 404) and "send me a pic" not in res.text
    # the CLI's case export refuses a regulator's organisation
    from tutela.cli.main import app

    monkeypatch.setenv("TUTELA_DATA_DIR", str(settings.data_dir))
    out = CliRunner().invoke(app, ["cases", "export", str(cid), "--org", "Synthetic Regulator", "--format", "dsa"])
    assert out.exit_code == 2 and "never a case" in out.output


def test_platform_sees_its_own_record_and_answers_its_notices(client, world):
    w, keys, _ = world
    a = w.platforms[0]
    reg_a = client.get("/v1/oversight/register", params={"limit": 1000}, headers=keys["platform_a"]).json()
    assert reg_a["items"] and {i["platform_id"] for i in reg_a["items"]} == {a}
    m = client.get("/v1/oversight/metrics", headers=keys["platform_a"]).json()
    assert {g["key"] for g in m["by"]["platform"]} == {a}
    # the hotline sends a notice to platform A; B cannot see or answer it, A can
    sent = client.post("/v1/oversight/notices", headers=keys["hotline"], json={
        "platform": "Synthetic Platform A", "legal_ground": "Law 5651 art. 9", "what": "remove the post",
        "category": "sexual_exploitation", "deadline_hours": 24, "country": "TR"})
    assert sent.status_code == 201, sent.text
    nid = sent.json()["id"]
    assert sent.json()["kind"] == "notice" and sent.json()["outcome"] == "open"
    assert client.post(f"/v1/oversight/notices/{nid}/answers", headers=keys["platform_b"],
                       json={"answer": "content_removed"}).status_code == 404
    done = client.post(f"/v1/oversight/notices/{nid}/answers", headers=keys["platform_a"],
                       json={"answer": "content_removed"})
    assert done.status_code == 200 and done.json()["outcome"] == "met"
    again = client.post(f"/v1/oversight/notices/{nid}/answers", headers=keys["platform_a"],
                        json={"answer": "content_removed"})
    assert again.status_code == 422 and "cannot follow" in again.text
    # a platform does not send notices
    assert client.post("/v1/oversight/notices", headers=keys["platform_a"], json={
        "platform": "Synthetic Platform B", "legal_ground": "x", "what": "y", "category": "fraud",
        "deadline_hours": 1}).status_code == 403


def test_bad_input_and_missing_scope(client, world):
    _, keys, _ = world
    assert client.get("/v1/oversight/metrics", headers=keys["cases_only"]).status_code == 403
    assert client.get("/v1/oversight/metrics").status_code == 401
    for params in ({"period": "2026-Q9"}, {"category": "nonsense"}, {"platform": "Nobody"}, {"country": "TUR"}):
        res = client.get("/v1/oversight/metrics", params=params, headers=keys["regulator"])
        assert res.status_code == 422, (params, res.status_code)
    res = client.post("/v1/oversight/notices", headers=keys["hotline"], json={
        "platform": "Synthetic Platform A", "legal_ground": "", "what": "y", "category": "fraud", "deadline_hours": 1})
    assert res.status_code == 422


@pytest.mark.parametrize("lang", ["en", "tr", "az", "fa", "ru"])
def test_dashboard_in_each_language(client, world, csrf, lang):
    _sign_in(client, csrf, "reg@r.example")
    page = client.get("/oversight", params={"lang": lang, "period": "2026-Q3"})
    assert page.status_code == 200
    html = page.text
    assert f'lang="{lang}"' in html and html.count("<svg") == 6
    assert not URL.search(html), "no external resource"
    assert ('dir="rtl"' in html) == (lang == "fa")
    if lang == "fa":
        assert re.search("[۰-۹]", html) and "نظارت" in html
        summary = html[html.index('id="ov-summary"'):html.index("</table>", html.index('id="ov-summary"'))]
        assert not re.search(r">\s*[0-9][0-9,.]*\s*<", summary), "Latin digits in the Persian summary"
    if lang == "ru":
        assert "Надзор" in html
    assert "send me a pic" not in html


def test_dashboard_filters_and_who_may_open_it(client, world, csrf):
    w, _, _ = world
    _sign_in(client, csrf, "ana@pa.example")  # an analyst: no stats permission
    assert client.get("/oversight").status_code == 403
    client.cookies.clear()
    _sign_in(client, csrf, "sup@h.example")
    page = client.get("/oversight", params={"category": "trafficking", "country": "tr"})
    assert page.status_code == 200 and 'value="trafficking" selected' in page.text
    bad = client.get("/oversight", params={"period": "soon"})
    assert bad.status_code == 200 and 'role="alert"' in bad.text


def test_register_record_matches_the_items(client, world):
    """Each platform's record per month (from the rollups, plus open items live) agrees with the items."""
    from collections import Counter

    _, keys, _ = world
    reg = client.get("/v1/oversight/register", params={"limit": 1000}, headers=keys["regulator"]).json()
    assert reg["total"] == len(reg["items"])
    want: Counter = Counter()
    for i in reg["items"]:
        key = (i["platform_id"], i["sent_at"][:7])
        want[key + ("sent",)] += 1
        want[key + (i["outcome"],)] += 1
    got: Counter = Counter()
    for r in reg["record"]:
        for k in ("sent", "met", "missed", "refused", "overdue", "open", "withdrawn"):
            if r[k]:
                got[(r["platform_id"], r["month"], k)] = r[k]
    assert got == +want
