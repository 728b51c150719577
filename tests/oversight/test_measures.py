"""Every measure against a plain computation over the raw rows of a synthetic history."""

from __future__ import annotations

from typing import Any

import pytest

from tutela.oversight import measures
from tutela.oversight.buckets import EDGES_H
from tutela.oversight.measures import Filters

from . import independent as ind

DIMS = {"platform": "platform", "category": "category", "country": "country", "language": "language",
        "month": "month"}


def expected(cases: list[dict[str, Any]], nots: list[dict[str, Any]], decisions: list[dict[str, Any]],
             keep=lambda row, kind: True) -> dict[str, Any]:
    cs = [c for c in cases if keep(c, "case")]
    ns = [n for n in nots if keep(n, "notice")]
    ds = [d for d in decisions if keep(d, "decision")]
    ack = [c["ack_h"] for c in cs if c["ack_h"] is not None] + [n["ack_h"] for n in ns if n["ack_h"] is not None]
    rem = [c["rem_h"] for c in cs if c["rem_h"] is not None] + [n["rem_h"] for n in ns if n["rem_h"] is not None]
    return {
        "cases": len(cs), "reports": sum(c["reports"] for c in cs), "referrals": sum(c["referrals"] for c in cs),
        "appeals": sum(c["appeals"] for c in cs), "reversals": sum(c["reversals"] for c in cs),
        "repeat_accounts": sum(c["repeat"] for c in cs), "hash_matches": sum(c["hash"] for c in cs),
        "actioned": sum(c["actioned"] for c in cs),
        "notices": sum(n["kind"] == "notice" for n in ns), "orders": sum(n["kind"] == "order" for n in ns),
        "met_deadline": sum(n["met"] for n in ns), "missed_deadline": sum(n["missed"] for n in ns),
        "refused": sum(n["refused_"] for n in ns),
        "decisions": len(ds), "automated": sum(bool(d["automated"]) for d in ds),
        "restricted": sum(d["decision"] != "allow" for d in ds),
        "ack": ack, "rem": rem,
    }


def check_durations(got: dict[str, Any], values: list[float]) -> None:
    assert got["n"] == len(values)
    if not values:
        assert got["median_h"] is None
        return
    for q, name in ((0.5, "median"), (0.9, "p90")):
        true = ind.nearest_rank(values, q)
        lo, hi = got[f"{name}_bucket_h"]
        assert lo <= true and (hi is None or true < hi), (name, true, lo, hi)
        assert lo <= got[f"{name}_h"] and (hi is None or got[f"{name}_h"] <= hi)
    for name, hours in (("24h", 24), ("3d", 72), ("7d", 168)):
        assert got[f"within_{name}"] == pytest.approx(sum(v < hours for v in values) / len(values), abs=1e-4)
    assert got["mean_h"] == pytest.approx(sum(values) / len(values), abs=0.01)


def check_cell(got: dict[str, Any], want: dict[str, Any]) -> None:
    for k, v in want.items():
        if k == "ack":
            check_durations(got["acknowledge"], v)
        elif k == "rem":
            check_durations(got["removal"], v)
        else:
            assert got[k] == v, (k, got[k], v)
    if want["decisions"]:
        assert got["automated_share"] == pytest.approx(want["automated"] / want["decisions"], abs=1e-4)


@pytest.fixture(scope="module")
def raw(history):
    decisions = ind.rows(history.db, "SELECT * FROM moderation_decisions")
    kinds = {r["id"]: r["kind"] for r in ind.rows(history.db, "SELECT id, kind FROM orgs")}
    for d in decisions:
        d["platform"] = d["org_id"] if kinds.get(d["org_id"]) == "platform" else 0
        d["category"] = d["ground"] or ""
        d["country"] = d["country"] or ""
        d["language"] = ""
        d["month"] = ind._t(d["created_at"]).strftime("%Y-%m")
    nots = ind.notices_plain(history.db)
    for n in nots:
        n["platform"] = n["platform_org_id"]
        n["country"] = n["country"] or ""
        n["language"] = ""
    return ind.per_case(history.db), nots, decisions


def test_history_is_realistic(history, raw):
    cases, nots, decisions = raw
    assert len(cases) >= 3000 and sum(c["reports"] for c in cases) > len(cases)
    assert {c["category"] for c in cases} >= {"sexual_exploitation", "trafficking", "self_harm", "profanity"}
    assert len({c["category"] for c in cases}) == 12
    assert {c["language"] for c in cases} >= {"en", "tr", "az", "fa", "ru"}
    assert len({c["month"] for c in cases}) >= 6
    assert len({c["platform"] for c in cases} - {0}) == 4
    assert any(n["met"] for n in nots) and any(n["missed"] for n in nots) and any(n["refused_"] for n in nots)


def test_total_matches_plain_computation(history, raw):
    m = measures.metrics(history.db, history.regulator, threshold=1)
    check_cell(m.total, expected(*raw))


@pytest.mark.parametrize("dim", list(DIMS))
def test_each_breakdown_matches_plain_computation(history, raw, dim):
    m = measures.metrics(history.db, history.regulator, threshold=1)
    groups = m.by[dim]
    assert groups, dim
    for g in groups:
        want = expected(*raw, keep=lambda row, kind, g=g: row[DIMS[dim]] == g["key"])
        check_cell(g, want)
    # the groups partition the total
    assert sum(g["cases"] for g in groups) == m.total["cases"]


def test_filters_and_period_match_plain_computation(history, raw):
    pid = history.world.platforms[1]
    f = Filters(platform=pid, country="TR", month_from="2026-07", month_to="2026-09")
    m = measures.metrics(history.db, history.regulator, f, threshold=1)
    want = expected(*raw, keep=lambda row, kind: row["platform"] == pid and row["country"] == "TR"
                    and "2026-07" <= row["month"] <= "2026-09")
    check_cell(m.total, want)


def test_ranking_orders_platforms_by_median_removal(history):
    m = measures.metrics(history.db, history.regulator)
    medians = [r["median_h"] for r in m.ranking]
    assert len(m.ranking) == 4 and medians == sorted(medians)
    assert m.ranking[-1]["platform"].endswith("Platform D")  # the slow one in the synthetic world


def test_platform_sees_its_own_record_only(history, raw):
    pid = history.world.platforms[0]
    me = history.principal(pid, scopes=("oversight",))
    m = measures.metrics(history.db, me, threshold=1)
    check_cell(m.total, expected(*raw, keep=lambda row, kind: row["platform"] == pid))
    assert {g["key"] for g in m.by["platform"]} == {pid}


def test_a_hotline_sees_its_own_work(history, raw):
    me = history.principal(history.world.hotline, role="supervisor")
    m = measures.metrics(history.db, me, threshold=1)
    hotline = history.world.hotline
    want = expected(*raw, keep=lambda row, kind: (row.get("org_id") if kind != "notice" else row["issuer_org_id"])
                    == hotline)
    check_cell(m.total, want)


def test_period_words():
    assert measures.period_months("2026-Q4") == ("2026-10", "2026-12")
    assert measures.period_months("2026-h1") == ("2026-01", "2026-06")
    assert measures.period_months("2026-02") == ("2026-02", "2026-02")
    for bad in ("2026-Q5", "26-Q1", "2026-13", "last year"):
        with pytest.raises(ValueError):
            measures.period_months(bad)


def test_bucket_edges_include_the_shares():
    for hours in (24, 72, 168):
        assert hours in EDGES_H
