"""Keep the measures' rollups current by reading only what changed since last time.

`refresh` picks the cases touched since the last watermark (a case's own `updated_at`, its
referrals' `updated_at`, its appeals' decisions, the notices and cross-border referrals about it), recomputes what each of them
adds to the rollup (`case_adds`), and applies the difference from what it added last time (kept in
`oversight_facts`). Applying the same state twice changes nothing, so the window looks back a few
minutes past the watermark to catch transactions that committed late, at no risk of counting twice.
Moderation decisions are append-only and are added once each, by id, once they are a minute old
(the decision log writes within a fraction of a second), by the database (`fullpass.add_decisions`).

The first refresh of a database (or a `rebuild`) does not go case by case: `tutela.oversight.fullpass`
adds every case in SQL, one range of ids per transaction, recording how far it got (resumable), and
the incremental path then catches up with whatever changed while it ran.

Nothing here reads a child's identity: dimensions are organisation ids, the harm category, the
country and language of the report, and the month; accounts are compared only as keyed hashes.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text

from tutela.oversight import fullpass
from tutela.oversight.buckets import bucket_of
from tutela.oversight.fullpass import RESTRICTING_DECISIONS, RESTRICTING_OUTCOMES
from tutela.storage.db import Database
from tutela.storage.tables.access import orgs
from tutela.storage.tables.cases import appeals, case_keys, cases, referrals, reports
from tutela.storage.tables.crossborder import exchange_referrals as xrefs
from tutela.storage.tables.oversight import (
    ACK_BUCKETS,
    COUNTERS,
    KEY,
    REM_BUCKETS,
    facts,
    notices,
    rollup,
    state,
)
from tutela.storage.tables.policy import moderation_decisions
from tutela.storage.times import as_utc, as_utc_or_none, utc_now
from tutela.storage.upsert import upsert_insert

log = logging.getLogger(__name__)

#: How far before the watermark a refresh looks again, for transactions that committed late (case
#: transactions last milliseconds; what it finds again and finds unchanged costs a read, not a write).
LOOKBACK = timedelta(seconds=30)
#: Decisions younger than this wait for the next refresh (the log may still be writing their batch).
DECISION_SETTLE = timedelta(minutes=1)
#: Objects per transaction.
BATCH = 2000
_LOCK_KEY = 0x7475_7465  # PostgreSQL advisory lock: one refresh at a time per database

Key = tuple[int, int, str, str, str, str]


def month_of(at: datetime) -> str:
    return as_utc(at).strftime("%Y-%m")


def _duration(adds: dict[str, int], prefix: str, buckets: Sequence[str], seconds: float) -> None:
    adds[f"{prefix}_n"] = 1
    adds[f"{prefix}_sum"] = int(max(0.0, seconds))
    adds[buckets[bucket_of(seconds)]] = 1


def _org_kinds(conn: Any) -> dict[int, str]:
    return {r.id: r.kind for r in conn.execute(select(orgs.c.id, orgs.c.kind))}


def case_adds(conn: Any, case_ids: Sequence[int], kinds: dict[int, str]) -> dict[int, tuple[Key, dict[str, int]]]:
    """What each case adds to the rollup now: its key (dimensions) and its counters."""
    if not case_ids:
        return {}
    rows = {r.id: r for r in conn.execute(
        select(cases.c.id, cases.c.org_id, cases.c.category, cases.c.country, cases.c.created_at,
               cases.c.outcome, cases.c.closed_at, cases.c.report_count).where(cases.c.id.in_(case_ids)))}
    language: dict[int, str] = {}
    hashed: set[int] = set()
    for r in conn.execute(select(reports.c.case_id, reports.c.language, reports.c.analysis)
                          .where(reports.c.case_id.in_(case_ids)).order_by(reports.c.id)):
        language.setdefault(r.case_id, (r.language or "")[:16])
        if isinstance(r.analysis, dict) and r.analysis.get("hash_banks"):
            hashed.add(r.case_id)
    refs: dict[int, list[Any]] = defaultdict(list)
    for r in conn.execute(select(referrals.c.case_id, referrals.c.agency_kind, referrals.c.target_org_id,
                                 referrals.c.sent_at, referrals.c.acknowledged_at, referrals.c.content_removed_at)
                          .where(referrals.c.case_id.in_(case_ids)).order_by(referrals.c.id)):
        refs[r.case_id].append(r)
    nots: dict[int, list[Any]] = defaultdict(list)
    for r in conn.execute(select(notices.c.case_id, notices.c.platform_org_id, notices.c.sent_at,
                                 notices.c.acknowledged_at, notices.c.actioned_at, notices.c.action)
                          .where(notices.c.case_id.in_(case_ids)).order_by(notices.c.id)):
        nots[r.case_id].append(r)
    # cross-border referrals this side sent about the case: their times count like a referral's; one
    # that carries a local referral is that referral (counted once)
    xs: dict[int, list[Any]] = defaultdict(list)
    for r in conn.execute(select(xrefs.c.case_id, xrefs.c.referral_id, xrefs.c.sent_at, xrefs.c.acknowledged_at,
                                 xrefs.c.removed_at)
                          .where(xrefs.c.case_id.in_(case_ids), xrefs.c.direction == "out").order_by(xrefs.c.id)):
        xs[r.case_id].append(r)
    apps: dict[int, list[str]] = defaultdict(list)
    for r in conn.execute(select(appeals.c.case_id, appeals.c.status).where(appeals.c.case_id.in_(case_ids))):
        apps[r.case_id].append(r.status)
    earlier = case_keys.alias("earlier")
    repeat = set(conn.execute(
        select(case_keys.c.case_id).distinct().join(earlier, and_(
            earlier.c.org_id == case_keys.c.org_id, earlier.c.kind == case_keys.c.kind,
            earlier.c.value == case_keys.c.value, earlier.c.case_id < case_keys.c.case_id))
        .where(case_keys.c.case_id.in_(case_ids), case_keys.c.kind == "account")).scalars())

    out: dict[int, tuple[Key, dict[str, int]]] = {}
    for cid, c in rows.items():
        created = as_utc(c.created_at)
        platform = 0
        if kinds.get(c.org_id) == "platform":
            platform = c.org_id
        elif nots[cid]:
            platform = nots[cid][0].platform_org_id
        else:
            platform = next((r.target_org_id for r in refs[cid] if r.target_org_id and (
                r.agency_kind == "platform" or kinds.get(r.target_org_id) == "platform")), 0)
        adds: dict[str, int] = {"cases": 1, "reports": int(c.report_count or 1),
                                "referrals": len(refs[cid]) + sum(1 for x in xs[cid] if x.referral_id is None)}
        sent = [as_utc(x.sent_at) for x in refs[cid] + nots[cid] + xs[cid] if x.sent_at]
        acked = [as_utc(x.acknowledged_at) for x in refs[cid] + nots[cid] + xs[cid] if x.acknowledged_at]
        removed = [as_utc(r.content_removed_at) for r in refs[cid] if r.content_removed_at]
        removed += [as_utc(x.removed_at) for x in xs[cid] if x.removed_at]
        removed += [as_utc(n.actioned_at) for n in nots[cid] if n.actioned_at and n.action == "content_removed"]
        if platform == c.org_id and c.outcome == "content_removed" and c.closed_at:
            removed.append(as_utc(c.closed_at))
        if sent and acked:
            _duration(adds, "ack", ACK_BUCKETS, (min(acked) - min(sent)).total_seconds())
        if removed:
            _duration(adds, "rem", REM_BUCKETS, (min(removed) - created).total_seconds())
        if apps[cid]:
            adds["appeals"] = len(apps[cid])
            adds["reversals"] = sum(1 for s in apps[cid] if s == "upheld")
        if cid in repeat:
            adds["repeats"] = 1
        if cid in hashed:
            adds["hash_matches"] = 1
        if c.outcome in RESTRICTING_OUTCOMES:
            adds["actioned"] = 1
        key: Key = (c.org_id, platform or 0, c.category, (c.country or "").upper(), language.get(cid, ""),
                    month_of(created))
        out[cid] = key, {k: v for k, v in adds.items() if v}
    return out


def notice_adds(conn: Any, notice_ids: Sequence[int]) -> dict[int, tuple[Key, dict[str, int]]]:
    """What each notice or order adds: counted as sent, met or missed by its deadline, refused.

    A notice about a case lends its acknowledgement and removal times to the case; one without a
    case carries them itself (from when it was sent), so no time is counted twice.
    """
    out: dict[int, tuple[Key, dict[str, int]]] = {}
    for n in conn.execute(select(notices).where(notices.c.id.in_(notice_ids))):
        adds: dict[str, int] = {"notices" if n.kind == "notice" else "orders": 1}
        sent, deadline = as_utc(n.sent_at), as_utc(n.deadline_at)
        actioned = as_utc_or_none(n.actioned_at)
        if actioned is not None:
            adds["met" if actioned <= deadline else "missed"] = 1
        elif n.status == "refused":
            adds["refused"] = 1
        if n.case_id is None:
            if n.acknowledged_at is not None:
                _duration(adds, "ack", ACK_BUCKETS, (as_utc(n.acknowledged_at) - sent).total_seconds())
            if actioned is not None and n.action == "content_removed":
                _duration(adds, "rem", REM_BUCKETS, (actioned - sent).total_seconds())
        key: Key = (n.issuer_org_id, n.platform_org_id, n.category, (n.country or "").upper(), "", month_of(sent))
        out[n.id] = key, adds
    return out


def _apply(conn: Any, deltas: dict[Key, dict[str, int]]) -> None:
    """Add the deltas to the rollup rows, creating rows that do not exist yet, in one statement."""
    cols = COUNTERS + ACK_BUCKETS + REM_BUCKETS
    rows = []
    for key, d in deltas.items():
        if not any(d.values()):
            continue
        row = dict(zip(KEY, key, strict=True))
        row.update({c: d.get(c, 0) for c in cols})
        rows.append(row)
    if not rows:
        return
    stmt = upsert_insert(conn, rollup)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(KEY), set_={c: getattr(rollup.c, c) + getattr(stmt.excluded, c) for c in cols})
    conn.execute(stmt, rows)


def _reapply(conn: Any, source: str, new: dict[int, tuple[Key, dict[str, int]]], gone: Iterable[int] = ()) -> int:
    """Replace what each object added last time by what it adds now; returns how many changed."""
    ids = list(new) + list(gone)
    if not ids:
        return 0
    old = {r.object_id: ((r.org_id, r.platform_id, r.category, r.country, r.language, r.month), r.adds)
           for r in conn.execute(select(facts).where(facts.c.source == source, facts.c.object_id.in_(ids)))}
    deltas: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    upserts, deletes = [], []
    for oid in ids:
        before = old.get(oid)
        after = new.get(oid)
        if before == after:
            continue
        if before is not None:
            for c, v in before[1].items():
                deltas[before[0]][c] -= int(v)
        if after is not None:
            for c, v in after[1].items():
                deltas[after[0]][c] += int(v)
            upserts.append({"source": source, "object_id": oid, **dict(zip(KEY, after[0], strict=True)), "adds": after[1]})
        else:
            deletes.append(oid)
    _apply(conn, deltas)
    if upserts:
        stmt = upsert_insert(conn, facts)
        stmt = stmt.on_conflict_do_update(
            index_elements=["source", "object_id"],
            set_={c: getattr(stmt.excluded, c) for c in (*KEY, "adds")})
        conn.execute(stmt, upserts)
    if deletes:
        conn.execute(facts.delete().where(facts.c.source == source, facts.c.object_id.in_(deletes)))
    if upserts or deletes:
        touch(conn)
    return len(upserts) + len(deletes)


def _get(conn: Any, name: str) -> str | None:
    return conn.execute(select(state.c.value).where(state.c.name == name)).scalar()


def _set(conn: Any, name: str, value: str) -> None:
    stmt = upsert_insert(conn, state)
    conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"value": stmt.excluded.value}),
                 {"name": name, "value": value})


def touch(conn: Any) -> None:
    """Give the rollups a new version, in the transaction that changes them (answers kept for the
    old one are not used again: `tutela.oversight.cache`)."""
    _set(conn, "version", f"{time.time_ns()}-{uuid.uuid4().hex[:8]}")  # fits the 40 characters of a value


def _lock(conn: Any) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})


def _changed_cases(conn: Any, since: datetime) -> list[int]:
    def window(col: Any) -> Any:
        return col >= since

    ids: set[int] = set(conn.execute(select(cases.c.id).where(window(cases.c.updated_at))).scalars())
    ids.update(conn.execute(select(referrals.c.case_id).where(window(referrals.c.updated_at))).scalars())
    ids.update(conn.execute(select(appeals.c.case_id).where(
        or_(window(appeals.c.decided_at), window(appeals.c.created_at)))).scalars())
    ids.update(x for x in conn.execute(select(xrefs.c.case_id).where(
        window(xrefs.c.updated_at), xrefs.c.case_id.is_not(None))).scalars())
    ids.update(x for x in conn.execute(select(notices.c.case_id).where(
        window(notices.c.updated_at), notices.c.case_id.is_not(None))).scalars())
    return sorted(ids)


def _full_pass_allowed(conn: Any) -> bool:
    """The set-based first pass only adds: it may run where nothing was rolled up yet, or to finish
    one it started (a database left half-done by a case-by-case refresh goes on case by case)."""
    if _get(conn, "full_cases_after") is not None:
        return True
    return conn.execute(select(facts.c.object_id).where(facts.c.source == "case").limit(1)).first() is None


def _first_pass(db: Database, now: datetime, chunk: int) -> tuple[datetime, int]:
    """Add every case in SQL, a range of ids per transaction; returns when the pass began (changes
    from then on are caught up case by case) and how many cases it added."""
    with db.begin() as conn:
        _lock(conn)
        began = _get(conn, "full_started")
        if conn.dialect.name == "postgresql":
            # a freshly restored or bulk-loaded database has no statistics yet, and without them the
            # planner picks plans that take minutes a range instead of seconds (seen at 1M cases)
            conn.execute(text("ANALYZE cases, reports, referrals, case_keys, case_appeals, oversight_notices,"
                              " exchange_referrals, moderation_decisions"))
        if began is None:
            began = now.isoformat()
            _set(conn, "full_started", began)
            _set(conn, "full_cases_after", "0")
        top = int(conn.execute(select(func.coalesce(func.max(cases.c.id), 0))).scalar() or 0)
    added = 0
    while True:
        with db.begin() as conn:
            _lock(conn)
            after = int(_get(conn, "full_cases_after") or 0)
            if after >= top:
                break
            upto = min(top, after + chunk)
            added += fullpass.add_cases(conn, after + 1, upto)
            _set(conn, "full_cases_after", str(upto))
            touch(conn)
        log.info("oversight first rollup: cases up to id %d of %d", upto, top)
    return datetime.fromisoformat(began), added


def _add_decisions(db: Database, settled: datetime, chunk: int) -> int:
    with db.begin() as conn:
        top = int(conn.execute(select(func.coalesce(func.max(moderation_decisions.c.id), 0))).scalar() or 0)
    added = 0
    cursor: int | None = None
    while True:
        with db.begin() as conn:
            _lock(conn)
            if cursor is None:
                cursor = int(_get(conn, "decisions_after") or 0)
            if cursor >= top:
                return added
            upto = min(top, cursor + chunk)
            n, last = fullpass.add_decisions(conn, cursor, upto, settled)
            if last is not None:
                _set(conn, "decisions_after", str(last))
                touch(conn)
            added += n
            cursor = upto


def refresh(db: Database, *, now: datetime | None = None, batch: int = BATCH, set_based: bool = True) -> dict[str, int]:
    """Bring the rollups up to date with everything that changed since the last refresh.

    Returns how many cases, notices and decisions changed what they add. Safe to call from several
    processes: on PostgreSQL one refresh runs at a time (an advisory lock), on SQLite the database
    lock serialises them. The first refresh adds every case in SQL (`fullpass`) unless `set_based`
    is False (case by case, as every later refresh: kept to check one against the other).
    """
    now = now or utc_now()
    counts = {"cases": 0, "notices": 0, "decisions": 0}
    with db.begin() as conn:
        _lock(conn)
        mark = _get(conn, "changes_until")
        first = set_based and mark is None and _full_pass_allowed(conn)
    since = (datetime.fromisoformat(mark) - LOOKBACK) if mark else datetime(1970, 1, 1, tzinfo=now.tzinfo)
    case_since = since
    if first:  # then only the cases that changed while it ran; every notice (few) goes case by case
        began, counts["cases"] = _first_pass(db, now, fullpass.CASE_CHUNK)
        case_since = began - LOOKBACK
    with db.begin() as conn:
        _lock(conn)
        case_ids = _changed_cases(conn, case_since)
        notice_ids = sorted(conn.execute(select(notices.c.id).where(notices.c.updated_at >= since)).scalars())
        kinds = _org_kinds(conn)
    for i in range(0, len(case_ids), batch):
        chunk = case_ids[i:i + batch]
        with db.begin() as conn:
            _lock(conn)
            new = case_adds(conn, chunk, kinds)
            counts["cases"] += _reapply(conn, "case", new, gone=[c for c in chunk if c not in new])
    for i in range(0, len(notice_ids), batch):
        chunk = notice_ids[i:i + batch]
        with db.begin() as conn:
            _lock(conn)
            counts["notices"] += _reapply(conn, "notice", notice_adds(conn, chunk))
    counts["decisions"] = _add_decisions(db, now - DECISION_SETTLE, fullpass.DECISION_CHUNK)
    with db.begin() as conn:
        _lock(conn)
        _set(conn, "changes_until", now.isoformat())
        if _get(conn, "version") is None:  # rolled up before versions were kept
            touch(conn)
        conn.execute(state.delete().where(state.c.name.in_(("full_started", "full_cases_after"))))
    return counts


def has_run(db: Database) -> bool:
    """Whether a refresh ever completed here (the first one is the long one)."""
    with db.connect() as conn:
        return _get(conn, "changes_until") is not None


_last_refresh: dict[str, float] = {}
_running: dict[str, threading.Thread] = {}
_guard = threading.Lock()


def refresh_if_stale(db: Database, *, max_age: float = 5.0, wait: bool = False) -> None:
    """Start a refresh in the background unless one ran in this process less than `max_age` seconds
    ago or is running now. Readers call it and do not wait: they answer from the rollups as they are
    (at most a few seconds behind), so a reader's time never includes a refresh. `wait=True` waits
    (the CLI, tests)."""
    now = time.monotonic()
    with _guard:
        running = _running.get(db.url)
        if running is not None and running.is_alive():
            thread = running
        elif now - _last_refresh.get(db.url, -1e9) < max_age and not wait:
            return
        else:
            _last_refresh[db.url] = now
            thread = threading.Thread(target=_quiet_refresh, args=(db,), name="tutela-oversight-refresh",
                                      daemon=True)
            _running[db.url] = thread
            thread.start()
    if wait:
        thread.join()


def _quiet_refresh(db: Database) -> None:
    from tutela.oversight import measures

    try:
        refresh(db)
        measures.warm(db)  # the instance-wide answer, summed again only if the rollups changed
    except Exception:  # a failed refresh is retried by the next reader; it never takes a reader down
        log.exception("oversight rollup refresh failed")


def rebuild(db: Database, *, set_based: bool = True, now: datetime | None = None) -> dict[str, int]:
    """Start the rollups again from nothing (after a restore, or to check them): a full scan, on purpose."""
    with db.begin() as conn:
        _lock(conn)
        for t in (rollup, facts, state):
            conn.execute(t.delete())
    return refresh(db, set_based=set_based, now=now)


def rollup_rows(db: Database) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(rollup)).scalar() or 0)


__all__ = ["RESTRICTING_DECISIONS", "RESTRICTING_OUTCOMES", "case_adds", "has_run", "month_of", "notice_adds",
           "rebuild", "refresh", "refresh_if_stale", "touch"]
