"""Bulk inserts that skip rows already present, in one statement per batch.

Why not "select what exists, then insert the rest": on PostgreSQL a row-value
`IN` over a composite key is not served by the unique index, so every batch
scanned the whole table and a 100,000-entry bank import took minutes.
`INSERT ... ON CONFLICT DO NOTHING RETURNING` lets the unique index decide.

On PostgreSQL the batch travels as one array per column
(`INSERT ... SELECT * FROM unnest(...)`): one statement with a handful of
parameters, close to COPY speed, where multi-row VALUES makes the driver
parse a query of thousands of placeholders for every thousand rows. SQLite
is in-process, so SQLAlchemy's multi-row VALUES is already cheap there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Table, text


def insert_new(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], conflict: Sequence[str]) -> int:
    """Insert `rows`, silently skipping those whose `conflict` columns (a unique key) already
    exist; returns how many were inserted."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        return _insert_new_pg(conn, table, rows, conflict)
    if conn.dialect.name != "sqlite":  # pragma: no cover - Tutela runs on SQLite and PostgreSQL only
        raise NotImplementedError(conn.dialect.name)
    from sqlalchemy.dialects.sqlite import insert

    pk = list(table.primary_key.columns)[0]
    stmt = insert(table).on_conflict_do_nothing(index_elements=list(conflict)).returning(pk)
    return len(conn.execute(stmt, list(rows)).all())


def _insert_new_pg(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], conflict: Sequence[str]) -> int:
    names = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    cols = [table.c[name] for name in names]
    arrays = ", ".join(f"CAST(:c{k} AS {col.type.compile(dialect=conn.dialect)}[])" for k, col in enumerate(cols))
    pk = list(table.primary_key.columns)[0]
    sql = (
        f"INSERT INTO {conn.dialect.identifier_preparer.format_table(table)} ({', '.join(quote(n) for n in names)}) "
        f"SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO NOTHING RETURNING {quote(pk.name)}"
    )
    params = {f"c{k}": [row.get(name) for row in rows] for k, name in enumerate(names)}
    return len(conn.execute(text(sql), params).all())




# --- DB-API bulk paths for hot loops (a feed page of 10,000 rows) ---
#
# SQLAlchemy's executemany builds a parameter dict per row and runs every value through its
# processors one by one (~25 us a row of 15 columns); the paths below hand the DB-API driver
# tuples made once with the same processors, so what lands in the table is what SQLAlchemy
# itself would have written (SQLite keeps datetimes as text in SQLAlchemy's format).

#: SQLite's bound-parameter limit (SQLITE_MAX_VARIABLE_NUMBER since 3.32)
_SQLITE_VARS = 32_766


def row_binder(conn: Connection, table: Table, names: Sequence[str]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function turning a row of Python values (in `names` order) into DB-API parameters.

    Datetimes must be UTC (SQLite's processor drops the offset). JSON columns become JSON text
    (orjson; the PostgreSQL statements cast it), everything else goes through the column's own
    SQLAlchemy bind processor, once per distinct value (a feed page repeats a few timestamps
    thousands of times)."""
    dialect = conn.dialect
    steps: list[tuple[int, Callable[[Any], Any], dict[Any, Any] | None]] = []
    for k, name in enumerate(names):
        col = table.c[name]
        if _is_json(col.type):
            steps.append((k, _json_text, None))
            continue
        proc = col.type.dialect_impl(dialect).bind_processor(dialect)
        if proc is not None:
            steps.append((k, proc, {}))
    if not steps:
        return tuple

    def bind(row: Sequence[Any]) -> tuple[Any, ...]:
        out = list(row)
        for k, proc, memo in steps:
            value = out[k]
            if value is None:
                continue
            if memo is None:
                out[k] = proc(value)
                continue
            done = memo.get(value, _MISSING)
            if done is _MISSING:
                done = proc(value)
                if len(memo) < 10_000:
                    memo[value] = done
            out[k] = done
        return tuple(out)

    return bind


_MISSING = object()


def raw_columns(table: Table, names: Sequence[str]) -> list[Any]:
    """The columns to select for `row_reader`: as the driver returns them (no SQLAlchemy processing)."""
    from sqlalchemy import type_coerce
    from sqlalchemy.types import NullType

    return [type_coerce(table.c[n], NullType()).label(n) for n in names]


def row_reader(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    then: Mapping[str, Callable[[Any], Any]] | None = None,
) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """The counterpart of `row_binder` for reading: a row selected with `raw_columns` becomes what
    SQLAlchemy would have returned (its own result processors), each distinct value processed once.
    `then[name]` is applied after the column's processor, in the same memo (e.g. `times.as_utc`, so
    a page of 25,000 rows sharing one timestamp converts it once, not 25,000 times)."""
    steps = [(k, proc, {}) for k, proc in enumerate(_processors(conn, table, names, then)) if proc is not None]
    if not steps:
        return tuple

    def read(row: Sequence[Any]) -> tuple[Any, ...]:
        out = list(row)
        for k, proc, memo in steps:
            value = out[k]
            try:
                done = memo.get(value, _MISSING)
            except TypeError:  # unhashable (a JSON value the driver parsed already)
                out[k] = proc(value)
                continue
            if done is _MISSING:
                done = proc(value)
                if len(memo) < 10_000:
                    memo[value] = done
            out[k] = _copy(done) if isinstance(done, (dict, list)) else done
        return tuple(out)

    return read


def read_columns(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    then: Mapping[str, Callable[[Any], Any]] | None = None,
) -> list[list[Any]]:
    """Rows selected with `raw_columns`, as one list per column, each column converted as
    `row_reader` would (its processor, then `then[name]`), but a column at a time: each distinct
    raw value is converted once and the result is *shared* by every row that had it (a feed page of
    25,000 rows holds one provenance dict, not 25,000 copies). The caller must treat the values as
    read-only; `row_reader` is the one to use for values a caller changes.

    Why: a page of 25,000 rows through `row_reader` spends ~3 us a row in its per-value loop and
    copies; a column at a time, the distinct values are found by a set and the rest is a C-level map."""
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in names]
    for k, proc in enumerate(_processors(conn, table, names, then)):
        if proc is None:
            continue
        col = columns[k]
        try:
            memo = {v: proc(v) for v in set(col)}
        except TypeError:  # unhashable (a JSON value the driver parsed already): one by one
            columns[k] = [proc(v) for v in col]
            continue
        columns[k] = list(map(memo.__getitem__, col))
    return columns


def _processors(
    conn: Connection, table: Table, names: Sequence[str], then: Mapping[str, Callable[[Any], Any]] | None,
) -> list[Callable[[Any], Any] | None]:
    """Per column of `names`, what SQLAlchemy does to a raw value on reading (its result processor), then
    `then[name]`; None where the driver's value stands as it is."""
    dialect = conn.dialect
    out: list[Callable[[Any], Any] | None] = []
    for name in names:
        proc: Callable[[Any], Any] | None = table.c[name].type.dialect_impl(dialect).result_processor(dialect, None)
        after = (then or {}).get(name)
        out.append(_then(proc, after) if after is not None else proc)
    return out


def _then(proc: Callable[[Any], Any] | None, after: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`after(proc(value))`, None passed through (a nullable column)."""

    def both(value: Any) -> Any:
        if proc is not None:
            value = proc(value)
        return None if value is None else after(value)

    return both


def _copy(value: Any) -> Any:
    """A JSON value from the memo, copied so that callers may change it (nested values are shared)."""
    return dict(value) if isinstance(value, dict) else list(value)


def _is_json(type_: Any) -> bool:
    from sqlalchemy import JSON

    return isinstance(type_, JSON)


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _pg_arrays(conn: Connection, table: Table, names: Sequence[str]) -> str:
    return ", ".join(
        f"CAST(:c{k} AS {table.c[n].type.compile(dialect=conn.dialect)}[])" for k, n in enumerate(names)
    )


def _pg_params(rows: Sequence[Sequence[Any]], width: int) -> dict[str, list[Any]]:
    cols: list[list[Any]] = [[] for _ in range(width)]
    for row in rows:
        for k in range(width):
            cols[k].append(row[k])
    return {f"c{k}": c for k, c in enumerate(cols)}


def insert_rows(conn: Connection, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT bound rows (see `row_binder`) in the caller's transaction: SQLite executemany, PostgreSQL
    one `unnest` statement per 10,000 rows."""
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    target = f"{conn.dialect.identifier_preparer.format_table(table)} ({', '.join(quote(n) for n in names)})"
    if conn.dialect.name == "postgresql":
        sql = text(f"INSERT INTO {target} SELECT * FROM unnest({_pg_arrays(conn, table, names)})")
        for i in range(0, len(rows), 10_000):
            conn.execute(sql, _pg_params(rows[i : i + 10_000], len(names)))
        return
    conn.exec_driver_sql(f"INSERT INTO {target} VALUES ({', '.join('?' * len(names))})", list(rows))


def insert_new_returning(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict: Sequence[str],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """INSERT bound rows, skipping those whose `conflict` columns exist; the `returning` columns of the
    rows inserted (not of the skipped ones), in no particular order."""
    if not rows:
        return []
    quote = conn.dialect.identifier_preparer.quote
    target = f"{conn.dialect.identifier_preparer.format_table(table)} ({', '.join(quote(n) for n in names)})"
    tail = f"ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO NOTHING RETURNING " + ", ".join(
        quote(r) for r in returning
    )
    out: list[tuple[Any, ...]] = []
    if conn.dialect.name == "postgresql":
        sql = text(f"INSERT INTO {target} SELECT * FROM unnest({_pg_arrays(conn, table, names)}) {tail}")
        for i in range(0, len(rows), 10_000):
            out.extend(tuple(r) for r in conn.execute(sql, _pg_params(rows[i : i + 10_000], len(names))))
        return out
    per = max(1, _SQLITE_VARS // len(names))
    one = "(" + ", ".join("?" * len(names)) + ")"
    for i in range(0, len(rows), per):
        part = rows[i : i + per]
        flat = [v for row in part for v in row]
        sql = f"INSERT INTO {target} VALUES {', '.join([one] * len(part))} {tail}"
        out.extend(tuple(r) for r in conn.exec_driver_sql(sql, tuple(flat)))
    return out


def select_in(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    key: str,
    values: Sequence[Any],
    where: dict[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """The `columns` of rows whose `key` is one of `values` (and whose `where` columns equal the values
    given), in big batches of plain parameters, without building SQLAlchemy expressions per value."""
    if not values:
        return []
    quote = conn.dialect.identifier_preparer.quote
    cols = ", ".join(quote(c) for c in columns)
    eqs = list((where or {}).items())
    out: list[tuple[Any, ...]] = []
    if conn.dialect.name == "postgresql":
        cond = " AND ".join([f"{quote(n)} = :w{k}" for k, (n, _) in enumerate(eqs)] + [f"{quote(key)} = ANY(:keys)"])
        sql = text(f"SELECT {cols} FROM {conn.dialect.identifier_preparer.format_table(table)} WHERE {cond}")
        base = {f"w{k}": v for k, (_, v) in enumerate(eqs)}
        for i in range(0, len(values), 10_000):
            out.extend(tuple(r) for r in conn.execute(sql, {**base, "keys": list(values[i : i + 10_000])}))
        return out
    per = _SQLITE_VARS - len(eqs)
    for i in range(0, len(values), per):
        part = list(values[i : i + per])
        cond = " AND ".join([f"{quote(n)} = ?" for n, _ in eqs] + [f"{quote(key)} IN ({', '.join('?' * len(part))})"])
        sql = f"SELECT {cols} FROM {conn.dialect.identifier_preparer.format_table(table)} WHERE {cond}"
        out.extend(tuple(r) for r in conn.exec_driver_sql(sql, tuple([v for _, v in eqs] + part)))
    return out


__all__ = [
    "insert_new", "insert_new_returning", "insert_rows", "raw_columns", "read_columns", "row_binder", "row_reader",
    "select_in",
]
