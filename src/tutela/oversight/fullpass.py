"""The first rollup of an existing database, computed by the database: INSERT … SELECT … GROUP BY.

Why: the incremental path (`rollup.case_adds`) computes each case in Python, which suits the few cases
that change between two refreshes and is far too slow for the first pass over a million (about 180
cases a second: an hour and a half). Here one statement per range of case ids works out what every
case in the range adds (into a temporary table), a second writes the `oversight_facts` rows the
incremental path later compares against, and a third adds the range to the rollup grouped by its
key. `rollup.refresh` runs each range in its own transaction with the position it reached, so an
interrupted first pass resumes where it stopped, and memory stays bounded by the range.

The rules are `case_adds`' rules, spelled in SQL for PostgreSQL and SQLite (a test compares the two
on one history, row by row, facts included). Decisions are append-only and are always added this way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, bindparam, text

from tutela.oversight.buckets import EDGES_H, N_BUCKETS
from tutela.storage.tables.oversight import ACK_BUCKETS, COUNTERS, KEY, REM_BUCKETS

#: Case ids per transaction of the first pass.
CASE_CHUNK = 50_000
#: Decision ids per statement.
DECISION_CHUNK = 250_000
_TMP = "oversight_full_tmp"
#: Outcomes that restricted content or an account.
RESTRICTING_OUTCOMES = frozenset({"content_removed", "account_actioned"})
#: Verdicts of the decision log that restricted something (see `tutela.policy.statement.VISIBILITY`).
RESTRICTING_DECISIONS = frozenset({"block", "hold_for_review", "blur", "warn_sender"})


class _Sql:
    """The few expressions PostgreSQL and SQLite spell differently."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def secs(self, later: str, earlier: str) -> str:
        """Whole seconds from `earlier` to `later` (floored, as Python's int() of a positive
        timedelta's seconds; negative ones are clamped to 0 by the caller). NULL if either is."""
        if self.pg:
            return f"FLOOR(EXTRACT(EPOCH FROM ({later} - {earlier})))::bigint"
        # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): whole seconds from strftime('%s'),
        # minus one where the later microseconds are fewer (exact, no floating point)
        return (f"(CAST(strftime('%s', {later}) AS INTEGER) - CAST(strftime('%s', {earlier}) AS INTEGER)"
                f" - (CASE WHEN CAST(substr({later}, 21, 6) AS INTEGER) < CAST(substr({earlier}, 21, 6) AS INTEGER)"
                " THEN 1 ELSE 0 END))")

    def month(self, col: str) -> str:
        return f"to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM')" if self.pg else f"substr({col}, 1, 7)"

    def least(self, *cols: str) -> str:
        """The smallest of the values that are not NULL (NULL when all are)."""
        if len(cols) == 1:
            return cols[0]
        if self.pg:
            return f"LEAST({', '.join(cols)})"
        anyone = f"COALESCE({', '.join(cols)})"  # SQLite's min(a, b) is NULL if either is
        return f"MIN({', '.join(f'COALESCE({c}, {anyone})' for c in cols)})"

    def hashed(self, col: str) -> str:
        """The report's analysis names a hash bank (Python: `analysis.get("hash_banks")` is truthy)."""
        if self.pg:
            return (f"({col}::text LIKE '%hash_banks%' AND ({col}::jsonb -> 'hash_banks') NOT IN "
                    "('null'::jsonb, 'false'::jsonb, '0'::jsonb, '\"\"'::jsonb, '[]'::jsonb, '{}'::jsonb))")
        v = f"json_extract({col}, '$.hash_banks')"
        return (f"(CASE json_type({col}, '$.hash_banks') WHEN 'array' THEN json_array_length({col}, '$.hash_banks') > 0"
                f" WHEN 'object' THEN {v} <> '{{}}' WHEN 'true' THEN 1 WHEN 'integer' THEN {v} <> 0"
                f" WHEN 'real' THEN {v} <> 0 WHEN 'text' THEN {v} <> '' ELSE 0 END)")

    def adds(self, pairs: Sequence[tuple[str, str]]) -> str:
        """A JSON object of the pairs whose value is not NULL (`case_adds` keeps only non-zero counters)."""
        args = ", ".join(f"{k}, {v}" for k, v in pairs)
        return f"json_strip_nulls(json_build_object({args}))" if self.pg else f"json_patch('{{}}', json_object({args}))"


def _clamp(expr: str) -> str:
    return f"(CASE WHEN ({expr}) IS NULL THEN NULL WHEN ({expr}) < 0 THEN 0 ELSE ({expr}) END)"


def _bucket(col: str) -> str:
    """`buckets.bucket_of` on whole seconds: every edge is a whole number of seconds, so comparing the
    floored duration gives the same bucket as comparing the exact one."""
    whens = " ".join(f"WHEN {col} < {round(edge * 3600)} THEN {i}" for i, edge in enumerate(EDGES_H))
    return f"(CASE WHEN {col} IS NULL THEN NULL {whens} ELSE {N_BUCKETS - 1} END)"


def _case_rows_sql(q: _Sql) -> str:
    """Every case in [lo, hi] with its key and what it adds, as `case_adds` computes them."""
    first_platform_referral = (
        "(SELECT rf.target_org_id FROM referrals rf LEFT JOIN orgs t ON t.id = rf.target_org_id"
        " WHERE rf.case_id = c.id AND rf.target_org_id IS NOT NULL AND rf.target_org_id <> 0"
        " AND (rf.agency_kind = 'platform' OR t.kind = 'platform') ORDER BY rf.id LIMIT 1)")
    own_removal = "CASE WHEN y.platform_id = y.org_id AND y.outcome = 'content_removed' THEN y.closed_at END"
    restricting = ", ".join(f"'{o}'" for o in sorted(RESTRICTING_OUTCOMES))
    return f"""
INSERT INTO {_TMP} (case_id, org_id, platform_id, category, country, language, month, reports, referrals,
                    appeals, reversals, repeats, hash_matches, actioned, ack_s, rem_s, ack_b, rem_b)
WITH y AS MATERIALIZED (
    SELECT c.id AS case_id, c.org_id,
           CASE WHEN o.kind = 'platform' THEN c.org_id
                WHEN n.first_id IS NOT NULL THEN fn.platform_org_id
                ELSE COALESCE({first_platform_referral}, 0) END AS platform_id,
           c.category, UPPER(COALESCE(c.country, '')) AS country,
           COALESCE((SELECT SUBSTR(COALESCE(rp.language, ''), 1, 16) FROM reports rp
                     WHERE rp.case_id = c.id ORDER BY rp.id LIMIT 1), '') AS language,
           {q.month('c.created_at')} AS month,
           CASE WHEN COALESCE(c.report_count, 0) = 0 THEN 1 ELSE c.report_count END AS reports,
           COALESCE(r.n, 0) + COALESCE(xr.n_own, 0) AS referrals,
           COALESCE(a.n, 0) AS appeals, COALESCE(a.upheld, 0) AS reversals,
           CASE WHEN EXISTS (SELECT 1 FROM case_keys k JOIN case_keys e ON e.org_id = k.org_id
                             AND e.kind = k.kind AND e.value = k.value AND e.case_id < k.case_id
                             WHERE k.case_id = c.id AND k.kind = 'account') THEN 1 ELSE 0 END AS repeats,
           CASE WHEN EXISTS (SELECT 1 FROM reports hp WHERE hp.case_id = c.id AND {q.hashed('hp.analysis')})
                THEN 1 ELSE 0 END AS hash_matches,
           CASE WHEN c.outcome IN ({restricting}) THEN 1 ELSE 0 END AS actioned,
           {q.least('r.sent', 'n.sent', 'xr.sent')} AS first_sent,
           {q.least('r.acked', 'n.acked', 'xr.acked')} AS first_acked,
           r.removed AS ref_removed, xr.removed AS x_removed, n.removed AS n_removed,
           c.outcome, c.closed_at, c.created_at
    FROM cases c
    LEFT JOIN orgs o ON o.id = c.org_id
    LEFT JOIN (SELECT case_id, COUNT(*) AS n, MIN(sent_at) AS sent, MIN(acknowledged_at) AS acked,
                      MIN(content_removed_at) AS removed
               FROM referrals WHERE case_id BETWEEN :lo AND :hi GROUP BY case_id) r ON r.case_id = c.id
    LEFT JOIN (SELECT case_id, MIN(id) AS first_id, MIN(sent_at) AS sent, MIN(acknowledged_at) AS acked,
                      MIN(CASE WHEN action = 'content_removed' THEN actioned_at END) AS removed
               FROM oversight_notices WHERE case_id BETWEEN :lo AND :hi GROUP BY case_id) n ON n.case_id = c.id
    LEFT JOIN oversight_notices fn ON fn.id = n.first_id
    LEFT JOIN (SELECT case_id, SUM(CASE WHEN referral_id IS NULL THEN 1 ELSE 0 END) AS n_own,
                      MIN(sent_at) AS sent, MIN(acknowledged_at) AS acked, MIN(removed_at) AS removed
               FROM exchange_referrals WHERE direction = 'out' AND case_id BETWEEN :lo AND :hi
               GROUP BY case_id) xr ON xr.case_id = c.id
    LEFT JOIN (SELECT case_id, COUNT(*) AS n, SUM(CASE WHEN status = 'upheld' THEN 1 ELSE 0 END) AS upheld
               FROM case_appeals WHERE case_id BETWEEN :lo AND :hi GROUP BY case_id) a ON a.case_id = c.id
    WHERE c.id BETWEEN :lo AND :hi
), z AS MATERIALIZED (
  SELECT y.*,
         {_clamp(q.secs('y.first_acked', 'y.first_sent'))} AS ack_s,
         {_clamp(q.secs(q.least('y.ref_removed', 'y.x_removed', 'y.n_removed', own_removal), 'y.created_at'))} AS rem_s
  FROM y
)
SELECT z.case_id, z.org_id, z.platform_id, z.category, z.country, z.language, z.month, z.reports, z.referrals,
       z.appeals, z.reversals, z.repeats, z.hash_matches, z.actioned, z.ack_s, z.rem_s,
       {_bucket('z.ack_s')}, {_bucket('z.rem_s')}
FROM z"""


def _facts_sql(q: _Sql) -> str:
    def nz(col: str) -> str:
        return f"NULLIF({col}, 0)"

    def present(col: str) -> str:
        return f"CASE WHEN {col} IS NOT NULL THEN 1 END"

    pairs = [("'cases'", "1"), ("'reports'", nz("reports")), ("'referrals'", nz("referrals")),
             ("'ack_n'", present("ack_s")), ("'ack_sum'", nz("ack_s")),
             ("COALESCE('ack_b' || ack_b, 'ack_b0')", present("ack_s")),
             ("'rem_n'", present("rem_s")), ("'rem_sum'", nz("rem_s")),
             ("COALESCE('rem_b' || rem_b, 'rem_b0')", present("rem_s")),
             ("'appeals'", nz("appeals")), ("'reversals'", nz("reversals")), ("'repeats'", nz("repeats")),
             ("'hash_matches'", nz("hash_matches")), ("'actioned'", nz("actioned"))]
    return (f"INSERT INTO oversight_facts (source, object_id, {', '.join(KEY)}, adds) "
            f"SELECT 'case', case_id, {', '.join(KEY)}, {q.adds(pairs)} FROM {_TMP}")


def _add_to_rollup(key_sql: str, sums: dict[str, str], source: str) -> str:
    """INSERT the grouped rows, adding them to rows that exist (`rollup._apply` in one statement).
    Every counter is written (the table's defaults are SQLAlchemy's, not the database's)."""
    cols = COUNTERS + ACK_BUCKETS + REM_BUCKETS
    key = ", ".join(KEY)
    values = ", ".join(sums.get(c, "0") for c in cols)
    return (f"INSERT INTO oversight_rollup ({key}, {', '.join(cols)}) SELECT {key_sql}, {values} {source} "
            f"ON CONFLICT ({key}) DO UPDATE SET "
            + ", ".join(f"{c} = oversight_rollup.{c} + excluded.{c}" for c in cols if c in sums))


def _case_rollup_sql() -> str:
    sums = {"cases": "COUNT(*)", "reports": "SUM(reports)", "referrals": "SUM(referrals)",
            "appeals": "SUM(appeals)", "reversals": "SUM(reversals)", "repeats": "SUM(repeats)",
            "hash_matches": "SUM(hash_matches)", "actioned": "SUM(actioned)",
            "ack_n": "COUNT(ack_s)", "ack_sum": "COALESCE(SUM(ack_s), 0)",
            "rem_n": "COUNT(rem_s)", "rem_sum": "COALESCE(SUM(rem_s), 0)"}
    for prefix, names in (("ack", ACK_BUCKETS), ("rem", REM_BUCKETS)):
        for i, name in enumerate(names):
            sums[name] = f"SUM(CASE WHEN {prefix}_b = {i} THEN 1 ELSE 0 END)"
    key = ", ".join(KEY)
    # WHERE: SQLite needs one before ON CONFLICT in an INSERT … SELECT (its parser would read ON as a join)
    return _add_to_rollup(key, sums, f"FROM {_TMP} WHERE 1 = 1 GROUP BY {key}")


def _create_tmp(conn: Any) -> None:
    if conn.dialect.name == "postgresql":
        # the planner's cost estimate for these wide statements asks for JIT compilation, which then
        # takes a minute a chunk (measured at 1M cases) to save milliseconds: off, for this transaction
        conn.execute(text("SET LOCAL jit = off"))
    conn.execute(text(f"DROP TABLE IF EXISTS {_TMP}"))
    conn.execute(text(
        f"CREATE TEMPORARY TABLE {_TMP} (case_id INTEGER PRIMARY KEY, org_id INTEGER, platform_id INTEGER,"
        " category VARCHAR(40), country VARCHAR(2), language VARCHAR(16), month VARCHAR(7), reports INTEGER,"
        " referrals INTEGER, appeals INTEGER, reversals INTEGER, repeats INTEGER, hash_matches INTEGER,"
        " actioned INTEGER, ack_s BIGINT, rem_s BIGINT, ack_b INTEGER, rem_b INTEGER)"))


def add_cases(conn: Any, lo: int, hi: int) -> int:
    """Add every case with an id in [lo, hi] to the rollup and write its facts; returns how many.

    Only for cases that have no facts yet (the first pass): it adds, it does not replace."""
    q = _Sql(conn.dialect.name)
    _create_tmp(conn)
    try:
        n = conn.execute(text(_case_rows_sql(q)), {"lo": lo, "hi": hi}).rowcount
        if n:
            conn.execute(text(_facts_sql(q)))
            conn.execute(text(_case_rollup_sql()))
    finally:
        conn.execute(text(f"DROP TABLE IF EXISTS {_TMP}"))
    return int(n or 0)


def add_decisions(conn: Any, after: int, upto: int, settled: datetime) -> tuple[int, int | None]:
    """Add the logged decisions with ids in (after, upto] made by `settled`; returns how many and the
    highest id added (None if none)."""
    q = _Sql(conn.dialect.name)
    where = "d.id > :after AND d.id <= :upto AND d.created_at <= :settled"
    params = {"after": after, "upto": upto, "settled": settled}
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL jit = off"))
    ts = bindparam("settled", type_=DateTime(timezone=True))
    n, top = conn.execute(text(f"SELECT COUNT(*), MAX(d.id) FROM moderation_decisions d WHERE {where}")
                          .bindparams(ts), params).one()
    if not n:
        return 0, None
    restricting = ", ".join(f"'{d}'" for d in sorted(RESTRICTING_DECISIONS))
    key_sql = ("COALESCE(d.org_id, 0), CASE WHEN o.kind = 'platform' THEN d.org_id ELSE 0 END,"
               f" SUBSTR(COALESCE(d.ground, ''), 1, 40), UPPER(COALESCE(d.country, '')), '', {q.month('d.created_at')}")
    sums = {"decisions": "COUNT(*)", "automated": "SUM(CASE WHEN d.automated THEN 1 ELSE 0 END)",
            "restricted": f"SUM(CASE WHEN d.decision IN ({restricting}) THEN 1 ELSE 0 END)"}
    source = f"FROM moderation_decisions d LEFT JOIN orgs o ON o.id = d.org_id WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6"
    conn.execute(text(_add_to_rollup(key_sql, sums, source)).bindparams(ts), params)
    return int(n), int(top)


__all__ = ["CASE_CHUNK", "DECISION_CHUNK", "RESTRICTING_DECISIONS", "RESTRICTING_OUTCOMES", "add_cases",
           "add_decisions"]
