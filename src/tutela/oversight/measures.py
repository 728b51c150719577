"""The measures: sums over the rollups, per platform, category, country, language and month.

`metrics` answers one question (filters) with a total, breakdowns by each dimension and by month,
and a ranking of platforms by median time to removal. It reads only `oversight_rollup` (a few
thousand rows for a year of a national hotline, some 44,000 for a million cases) plus the open notices
past their deadline; the sums are kept per rollup version (`tutela.oversight.cache`), so a question
asked again before the rollups change costs a primary-key read and the overdue count.

Small counts are suppressed (`tutela.oversight.suppress`) before anything leaves this module.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, text

from tutela.access import Principal
from tutela.oversight import cache, suppress
from tutela.oversight.buckets import EDGES_H, WITHIN_H, quantile, share_within
from tutela.oversight.scope import Scope, scope_for
from tutela.storage.db import Database
from tutela.storage.tables.access import orgs
from tutela.storage.tables.oversight import ACK_BUCKETS, COUNTERS, REM_BUCKETS, notices, rollup
from tutela.storage.times import utc_now

DIMENSIONS = ("month", "platform", "category", "country", "language")
_COLUMN = {"platform": "platform_id", "month": "month", "category": "category", "country": "country",
           "language": "language"}
DEFAULT_THRESHOLD = 10
_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]|\d{2}))?$")


def period_months(period: str) -> tuple[str, str]:
    """'2026-Q4' -> ('2026-10', '2026-12'); also '2026', '2026-H1', '2026-11'."""
    m = _PERIOD.match((period or "").strip().upper())
    if not m:
        raise ValueError(f"period {period!r}: use YYYY, YYYY-Qn, YYYY-Hn or YYYY-MM, e.g. 2026-Q4")
    year, part = m.group(1), m.group(2)
    if part is None:
        return f"{year}-01", f"{year}-12"
    if part.startswith("Q"):
        q = int(part[1])
        return f"{year}-{3 * q - 2:02d}", f"{year}-{3 * q:02d}"
    if part.startswith("H"):
        return (f"{year}-01", f"{year}-06") if part == "H1" else (f"{year}-07", f"{year}-12")
    if not 1 <= int(part) <= 12:
        raise ValueError(f"period {period!r}: month must be 01 to 12")
    return f"{year}-{part}", f"{year}-{part}"


@dataclass(frozen=True)
class Filters:
    """What a caller asks about; every field optional. `platform` is an organisation id."""

    platform: int | None = None
    category: str | None = None
    country: str | None = None
    language: str | None = None
    month_from: str | None = None
    month_to: str | None = None

    @classmethod
    def parse(cls, db: Database, *, platform: str | None = None, category: str | None = None,
              country: str | None = None, language: str | None = None, period: str | None = None,
              month_from: str | None = None, month_to: str | None = None) -> Filters:
        """From the words a person or a query string uses; ValueError names what is wrong."""
        from tutela.access import get_org
        from tutela.domain.taxonomy import definition

        pid = None
        if platform:
            org = get_org(db, int(platform) if platform.isdigit() else platform)
            if org is None or org["kind"] != "platform":
                raise ValueError(f"no platform {platform!r}")
            pid = org["id"]
        if category:
            definition(category)
        if country and (len(country) != 2 or not country.isalpha()):
            raise ValueError("country must be an ISO 3166-1 alpha-2 code such as TR, AZ, IR")
        if period:
            month_from, month_to = period_months(period)
        for m in (month_from, month_to):
            if m and not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", m):
                raise ValueError(f"month {m!r}: use YYYY-MM")
        return cls(pid, category or None, country.upper() if country else None,
                   (language or "").lower() or None, month_from or None, month_to or None)

    def without(self, name: str) -> Filters:
        return Filters(**{**asdict(self), name: None})


@dataclass
class Metrics:
    threshold: int
    filters: dict[str, Any]
    total: dict[str, Any]
    by: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ranking: list[dict[str, Any]] = field(default_factory=list)
    buckets_h: list[float] = field(default_factory=lambda: list(EDGES_H))
    as_of: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _where(scope: Scope, f: Filters) -> list[Any]:
    w: list[Any] = []
    if scope.org_ids is not None:
        w.append(rollup.c.org_id.in_(sorted(scope.org_ids)))
    if scope.platform_id is not None:
        w.append(rollup.c.platform_id == scope.platform_id)
    if scope.country:
        w.append(rollup.c.country == scope.country)
    if f.platform is not None:
        w.append(rollup.c.platform_id == f.platform)
    if f.category:
        w.append(rollup.c.category == f.category)
    if f.country:
        w.append(rollup.c.country == f.country)
    if f.language:
        w.append(rollup.c.language == f.language)
    if f.month_from:
        w.append(rollup.c.month >= f.month_from)
    if f.month_to:
        w.append(rollup.c.month <= f.month_to)
    return w


_SUMS = COUNTERS + ACK_BUCKETS + REM_BUCKETS


def _sums(conn: Any, scope: Scope, f: Filters, group: str | None) -> dict[Any, dict[str, int]]:
    cols = [func.coalesce(func.sum(getattr(rollup.c, c)), 0).label(c) for c in _SUMS]
    if group is None:
        row = conn.execute(select(*cols).where(and_(True, *_where(scope, f)))).mappings().one()
        return {None: {c: int(row[c]) for c in _SUMS}}
    g = getattr(rollup.c, _COLUMN[group])
    out = {}
    for row in conn.execute(select(g.label("g"), *cols).where(and_(True, *_where(scope, f))).group_by(g)).mappings():
        out[row["g"]] = {c: int(row[c]) for c in _SUMS}
    return out


def _all_groups(conn: Any, scope: Scope, f: Filters, dims: tuple[str, ...]) -> tuple[dict[str, int], dict[str, dict[Any, dict[str, int]]]]:
    """The total and every breakdown in one pass over the rollup rows (PostgreSQL GROUPING SETS);
    other databases get one query per breakdown."""
    if conn.dialect.name != "postgresql":
        by = {d: _sums(conn, scope, f, d) for d in dims}
        return _sums(conn, scope, f, None)[None], by
    cols = [func.coalesce(func.sum(getattr(rollup.c, c)), 0).label(c) for c in _SUMS]
    groups = [getattr(rollup.c, _COLUMN[d]) for d in dims]
    flags = [func.grouping(g).label(f"g_{d}") for d, g in zip(dims, groups, strict=True)]
    sets = ", ".join(["()"] + [f"({_COLUMN[d]})" for d in dims])
    q = (select(*[g.label(d) for d, g in zip(dims, groups, strict=True)], *flags, *cols)
         .where(and_(True, *_where(scope, f))).group_by(text(f"GROUPING SETS ({sets})")))
    total = {c: 0 for c in _SUMS}
    by: dict[str, dict[Any, dict[str, int]]] = {d: {} for d in dims}
    for row in conn.execute(q).mappings():
        sums = {c: int(row[c]) for c in _SUMS}
        open_ = [d for d in dims if row[f"g_{d}"] == 0]
        if not open_:
            total = sums
        else:
            by[open_[0]][row[open_[0]]] = sums
    return total, by


def _overdue(conn: Any, scope: Scope, f: Filters, now: datetime) -> int:
    """Notices and orders still open past their deadline (live: time, not a change, makes them overdue)."""
    q = select(func.count()).select_from(notices).where(notices.c.status.in_(("open", "acknowledged")),
                                                        notices.c.deadline_at < now)
    if scope.org_ids is not None:
        q = q.where(notices.c.issuer_org_id.in_(sorted(scope.org_ids)))
    if scope.platform_id is not None:
        q = q.where(notices.c.platform_org_id == scope.platform_id)
    if scope.country:
        q = q.where(notices.c.country == scope.country)
    if f.platform is not None:
        q = q.where(notices.c.platform_org_id == f.platform)
    if f.category:
        q = q.where(notices.c.category == f.category)
    if f.country:
        q = q.where(notices.c.country == f.country)
    if f.language:
        return 0  # notices carry no language
    return int(conn.execute(q).scalar() or 0)


def _durations(s: dict[str, int], prefix: str, buckets: tuple[str, ...]) -> dict[str, Any]:
    hist = [s[b] for b in buckets]
    n = s[f"{prefix}_n"]
    med, p90 = quantile(hist, 0.5), quantile(hist, 0.9)
    out: dict[str, Any] = {
        "n": n,
        "mean_h": round(s[f"{prefix}_sum"] / n / 3600, 2) if n else None,
        "median_h": round(med.hours, 2) if med else None,
        "median_bucket_h": [med.lo, med.hi] if med else None,
        "p90_h": round(p90.hours, 2) if p90 else None,
        "p90_bucket_h": [p90.lo, p90.hi] if p90 else None,
        "histogram": hist,
    }
    for name, hours in WITHIN_H.items():
        share = share_within(hist, hours)
        out[f"within_{name}"] = round(share, 4) if share is not None else None
    return out


def cell(s: dict[str, int]) -> dict[str, Any]:
    """One group's measures from its summed counters (before suppression)."""
    return {
        "reports": s["reports"], "cases": s["cases"], "referrals": s["referrals"],
        "actioned": s["actioned"], "appeals": s["appeals"], "reversals": s["reversals"],
        "repeat_accounts": s["repeats"], "hash_matches": s["hash_matches"],
        "decisions": s["decisions"], "automated": s["automated"], "restricted": s["restricted"],
        "automated_share": round(s["automated"] / s["decisions"], 4) if s["decisions"] else None,
        "notices": s["notices"], "orders": s["orders"], "met_deadline": s["met"],
        "missed_deadline": s["missed"], "refused": s["refused"],
        "acknowledge": _durations(s, "ack", ACK_BUCKETS),
        "removal": _durations(s, "rem", REM_BUCKETS),
    }


def metrics(db: Database, principal: Principal, filters: Filters | None = None, *,
            threshold: int = DEFAULT_THRESHOLD, now: datetime | None = None,
            dimensions: tuple[str, ...] = DIMENSIONS) -> Metrics:
    """The measures a caller may see, with small counts suppressed."""
    scope = scope_for(db, principal)
    return metrics_for_scope(db, scope, filters, threshold=threshold, now=now, dimensions=dimensions)


def metrics_for_scope(db: Database, scope: Scope, filters: Filters | None = None, *,
                      threshold: int = DEFAULT_THRESHOLD, now: datetime | None = None,
                      dimensions: tuple[str, ...] = DIMENSIONS) -> Metrics:
    """The measures for a scope: the rollup sums as kept for the rollups' current version
    (`tutela.oversight.cache`) or summed now, and the notices overdue at `now`, always live."""
    f = filters or Filters()
    now = now or utc_now()
    with db.connect() as conn:
        names = {r.id: r.name for r in conn.execute(select(orgs.c.id, orgs.c.name))}
        version = cache.version(conn)
        # the figures depend on the scope's limits, not on which regulator asks
        key = ("metrics", db.url, version, scope.kind if scope.kind != "regulator" else "regulator",
               scope.org_ids, scope.platform_id, scope.country, f, threshold, dimensions,
               tuple(sorted(names.items())))
        m = cache.get(key) if version else None
        if m is None:
            m = _sum_up(conn, scope, f, threshold, dimensions, names)
            if version:
                cache.put(key, m)
        m.total["overdue"] = _overdue(conn, scope, f, now)
    m.as_of = now.isoformat()
    return m


def _sum_up(conn: Any, scope: Scope, f: Filters, threshold: int, dimensions: tuple[str, ...],
            names: dict[int, str]) -> Metrics:
    total_raw, grouped = _all_groups(conn, scope, f, dimensions)
    total = cell(total_raw)
    # the same total with each filter dropped in turn: a filtered figure that differs from its
    # parent by fewer than `threshold` would reveal the small rest, so it is suppressed too
    parents = [cell(_sums(conn, scope, f.without(name), None)[None])
               for name in ("platform", "category", "country", "language") if getattr(f, name)]
    by: dict[str, list[dict[str, Any]]] = {}
    for dim in dimensions:
        groups = grouped[dim]
        rows = []
        for g, s in sorted(groups.items(), key=lambda kv: str(kv[0])):
            c = cell(s)
            c["key"] = g
            if dim == "platform":
                c["label"] = names.get(g) if g else None
            rows.append(c)
        by[dim] = rows
    suppress.total(total, parents, threshold)
    for rows in by.values():
        suppress.breakdown(rows, total, threshold)
    ranking = [
        {"platform": r["label"], "platform_id": r["key"], "median_h": r["removal"]["median_h"],
         "p90_h": r["removal"]["p90_h"], "within_24h": r["removal"]["within_24h"], "n": r["removal"]["n"]}
        for r in by.get("platform", []) if r["key"] and r["removal"]["median_h"] is not None
    ]
    ranking.sort(key=lambda r: (r["median_h"], r["p90_h"] or 0))
    shown = {k: v for k, v in asdict(f).items() if v is not None}
    if f.platform is not None:
        shown["platform"] = names.get(f.platform)
    return Metrics(threshold, shown, total, by, ranking)


def warm(db: Database) -> None:
    """Sum the instance-wide answers again after the rollups changed (the background refresh calls
    this), so the first regulator to look after a change does not wait for the sums."""
    from tutela.oversight.scope import Scope

    threshold = getattr(db.settings, "oversight_min_count", DEFAULT_THRESHOLD) if db.settings else DEFAULT_THRESHOLD
    with db.connect() as conn:
        countries = set(conn.execute(select(orgs.c.country).where(orgs.c.kind == "regulator")).scalars())
    for country in {None} | countries:
        metrics_for_scope(db, Scope("regulator", 0, country=country), threshold=threshold)


__all__ = ["DEFAULT_THRESHOLD", "DIMENSIONS", "Filters", "Metrics", "cell", "metrics", "metrics_for_scope",
           "period_months", "warm"]
