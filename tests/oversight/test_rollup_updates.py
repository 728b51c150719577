"""Rollups follow changes: a case that moves, a referral that progresses, an appeal, a notice answered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from tutela.oversight import measures, rollup
from tutela.storage.tables.cases import appeals, cases, referrals
from tutela.storage.tables.oversight import rollup as rollup_table
from tutela.storage.times import utc_now

from . import independent as ind
from .test_measures import check_cell, expected


def _raw(h):
    decisions = ind.rows(h.db, "SELECT * FROM moderation_decisions")
    for d in decisions:
        d["platform"] = d["org_id"]
    return ind.per_case(h.db), ind.notices_plain(h.db), decisions


def _sums(db):
    with db.connect() as conn:
        rows = conn.execute(select(rollup_table)).mappings().all()
    out = {}
    for r in rows:
        key = tuple(r[k] for k in ("org_id", "platform_id", "category", "country", "language", "month"))
        vals = {k: v for k, v in r.items() if k not in ("id", "org_id", "platform_id", "category", "country",
                                                         "language", "month") and v}
        if vals:
            out[key] = vals
    return out


def test_changes_are_applied_without_a_full_scan(fresh_history):
    h = fresh_history
    db = h.db
    now = utc_now()
    with db.begin() as conn:
        # a referral gets its removal, a case changes category and country, an appeal is upheld
        ref = conn.execute(select(referrals).where(referrals.c.content_removed_at.is_(None))
                           .order_by(referrals.c.id).limit(1)).mappings().one()
        conn.execute(update(referrals).where(referrals.c.id == ref["id"]).values(
            status="content_removed", content_removed_at=ref["sent_at"] + timedelta(hours=30), updated_at=now))
        moved = conn.execute(select(cases.c.id).order_by(cases.c.id.desc()).limit(1)).scalar()
        conn.execute(update(cases).where(cases.c.id == moved).values(category="trafficking", country="AZ",
                                                                     updated_at=now))
        appeal = conn.execute(select(appeals).where(appeals.c.status == "rejected").limit(1)).mappings().first()
        if appeal:
            conn.execute(update(appeals).where(appeals.c.id == appeal["id"]).values(status="upheld", decided_at=now))
    changed = rollup.refresh(db, now=now + timedelta(seconds=1))
    assert 2 <= changed["cases"] <= 3, changed  # only what changed, not the 600 cases
    m = measures.metrics(db, h.regulator, threshold=1)
    check_cell(m.total, expected(*_raw(h)))
    by = {g["key"]: g for g in m.by["category"]}
    raw = _raw(h)
    check_cell(by["trafficking"], expected(*raw, keep=lambda r, k: r.get("category", r.get("ground")) == "trafficking"
                                           if k != "decision" else r["ground"] == "trafficking"))
    # a second refresh with nothing new changes nothing; a rebuild from nothing gives the same rollups
    assert rollup.refresh(db, now=now + timedelta(seconds=2))["cases"] == 0
    before = _sums(db)
    rollup.rebuild(db)
    assert _sums(db) == before


def test_answers_are_kept_until_the_rollups_change(fresh_history):
    """The sums are kept per rollup version: asked again, the same answer; after a refresh that
    changed something, the new figures (the same as summed from nothing); overdue always live."""
    from tutela.oversight import cache
    from tutela.storage.tables.oversight import notices

    h = fresh_history
    db = h.db
    first = measures.metrics(db, h.regulator, threshold=1)
    now = utc_now()
    with db.begin() as conn:
        moved = conn.execute(select(cases.c.id).where(cases.c.category != "trafficking")
                             .order_by(cases.c.id).limit(1)).scalar()
        conn.execute(update(cases).where(cases.c.id == moved).values(category="trafficking", updated_at=now))
        # a notice still open, its deadline passed a minute ago: overdue now, whatever the rollups say
        conn.execute(update(notices).where(notices.c.id == conn.execute(
            select(notices.c.id).where(notices.c.status == "actioned").limit(1)).scalar()).values(
            status="open", actioned_at=None, action=None, deadline_at=now - timedelta(minutes=1)))
    again = measures.metrics(db, h.regulator, threshold=1)
    assert again.by == first.by  # not refreshed yet: the kept answer
    assert again.total["overdue"] == first.total["overdue"] + 1  # live
    assert rollup.refresh(db, now=now + timedelta(seconds=1))["cases"] >= 1
    after = measures.metrics(db, h.regulator, threshold=1)
    cats = {g["key"]: g["cases"] for g in after.by["category"]}
    before = {g["key"]: g["cases"] for g in first.by["category"]}
    assert cats["trafficking"] == before["trafficking"] + 1
    cache.clear()
    assert measures.metrics(db, h.regulator, threshold=1).as_dict() | {"as_of": ""} == after.as_dict() | {"as_of": ""}
