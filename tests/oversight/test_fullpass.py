"""The set-based first rollup (`fullpass`, in SQL) gives exactly what the case-by-case path gives:
the same rollup rows and the same facts, on one synthetic history with its awkward corners added
(negative and bucket-edge durations, a referral to a platform known only by its organisation, a
first report without a language, an empty hash list, a case without reports), in SQLite and, when
TUTELA_TEST_POSTGRES_URL is set, PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from tutela.access import create_org
from tutela.oversight import fullpass, rollup, synthetic
from tutela.storage.db import Database
from tutela.storage.tables.cases import cases, referrals, reports
from tutela.storage.tables.crossborder import exchange_referrals
from tutela.storage.tables.oversight import KEY, facts, state
from tutela.storage.tables.oversight import rollup as rollup_table
from tutela.storage.tables.policy import moderation_decisions
from tutela.storage.times import utc_now


def _corners(db: Database, world: synthetic.World) -> None:
    """Edit a few synthetic rows into the cases the plain history may not contain."""
    other = create_org(db, "Synthetic Platform Z", kind="platform")
    with db.begin() as conn:
        refs = conn.execute(select(referrals).order_by(referrals.c.id).limit(6)).mappings().all()
        # acknowledged before it was sent (clock skew): counts as zero
        conn.execute(update(referrals).where(referrals.c.id == refs[0]["id"]).values(
            acknowledged_at=refs[0]["sent_at"] - timedelta(minutes=5)))
        # exactly on the 24 h edge, and one microsecond under it
        conn.execute(update(referrals).where(referrals.c.id == refs[1]["id"]).values(
            acknowledged_at=refs[1]["sent_at"] + timedelta(hours=24)))
        conn.execute(update(referrals).where(referrals.c.id == refs[2]["id"]).values(
            acknowledged_at=refs[2]["sent_at"] + timedelta(hours=24, microseconds=-1)))
        # a platform known by its organisation's kind only, not the agency kind
        conn.execute(update(referrals).where(referrals.c.id == refs[3]["id"]).values(
            agency_kind="other", target_org_id=other))
        # a second referral (on a case that has one) carried by a cross-border referral: counted once
        conn.execute(insert(exchange_referrals).values(
            org_id=world.hotline, direction="out", partner="Partner", uid="corner-0001", case_id=refs[4]["case_id"],
            referral_id=refs[4]["id"], category="grooming", priority="medium", country="TR", share_level="TLP:AMBER",
            payload={}, status="acknowledged", sent_at=refs[4]["sent_at"] - timedelta(hours=3),
            acknowledged_at=refs[4]["sent_at"] - timedelta(hours=1), created_at=refs[4]["sent_at"],
            updated_at=refs[4]["sent_at"]))
        case_ids = list(conn.execute(select(cases.c.id).order_by(cases.c.id).limit(5)).scalars())
        first = conn.execute(select(reports.c.id).where(reports.c.case_id == case_ids[0])
                             .order_by(reports.c.id).limit(1)).scalar()
        conn.execute(update(reports).where(reports.c.id == first).values(language=None))
        conn.execute(update(reports).where(reports.c.case_id == case_ids[1]).values(analysis={"hash_banks": []}))
        created = conn.execute(select(cases.c.created_at).where(cases.c.id == case_ids[2])).scalar()
        conn.execute(insert(cases).values(  # a case without reports, its country in lower case
            org_id=world.hotline, status="triaged", priority="medium", priority_rank=2, category="grooming",
            country="tr", report_count=0, routes=[], legal_hold=False, created_at=created, updated_at=created,
            stage_entered_at=created))
        conn.execute(update(moderation_decisions).where(moderation_decisions.c.id == 1).values(org_id=None))


def _snapshot(db: Database) -> tuple[dict[Any, dict[str, int]], dict[Any, Any]]:
    with db.connect() as conn:
        rows = {tuple(r[k] for k in KEY): {c: v for c, v in r.items() if c not in KEY and c != "id"}
                for r in conn.execute(select(rollup_table)).mappings()}
        fs = {(r["source"], r["object_id"]): (tuple(r[k] for k in KEY), r["adds"])
              for r in conn.execute(select(facts)).mappings()}
    return rows, fs


def _check_same(db: Database, world: synthetic.World) -> None:
    synthetic.load(db, world, n_cases=700, seed=11, days=120)
    _corners(db, world)
    now = utc_now() + timedelta(days=400)
    by_case = rollup.rebuild(db, set_based=False, now=now)
    case_by_case = _snapshot(db)
    in_sql = rollup.rebuild(db, set_based=True, now=now)
    set_based = _snapshot(db)
    assert in_sql == by_case
    assert by_case["cases"] == 701 and by_case["decisions"] > 600
    assert set_based[1] == case_by_case[1]  # every case's and notice's facts, key and counters
    assert set_based[0] == case_by_case[0]  # every rollup row, every counter and histogram bucket
    rows = set_based[0].values()
    for name in ("ack_n", "rem_n", "repeats", "hash_matches", "reversals", "decisions", "automated", "met"):
        assert sum(r[name] for r in rows) > 0, name  # the history exercises every counter compared


def test_set_based_first_rollup_equals_case_by_case(db):
    _check_same(db, synthetic.make_orgs(db))


def test_set_based_first_rollup_equals_case_by_case_in_postgresql(pg_db):
    _check_same(pg_db, synthetic.make_orgs(pg_db))


def test_an_interrupted_first_pass_resumes_where_it_stopped(db, monkeypatch):
    world = synthetic.make_orgs(db)
    synthetic.load(db, world, n_cases=300, seed=5)
    rollup.refresh(db, set_based=False)
    want = _snapshot(db)
    with db.begin() as conn:
        for t in (rollup_table, facts, state):
            conn.execute(t.delete())
    monkeypatch.setattr(fullpass, "CASE_CHUNK", 40)
    real = fullpass.add_cases
    calls = []

    def flaky(conn: Any, lo: int, hi: int) -> int:
        calls.append(lo)
        if len(calls) == 3:
            raise RuntimeError("interrupted")
        return real(conn, lo, hi)

    monkeypatch.setattr(fullpass, "add_cases", flaky)
    with pytest.raises(RuntimeError):
        rollup.refresh(db)
    with db.connect() as conn:
        done = conn.execute(select(func.count()).select_from(facts)).scalar()
        assert done == 80  # two chunks kept, the third rolled back
    rollup.refresh(db)
    assert calls[3] == calls[2]  # it went on from the chunk that failed, not from the start
    assert _snapshot(db) == want
