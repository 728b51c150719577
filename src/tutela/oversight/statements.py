"""Every statement of reasons, in the DSA Transparency Database schema, streamed.

Statements come from the decision log (`tutela.policy.statement` says how one decision reads as a
statement, with the category and keywords the taxonomy gives its harm; this module drops what the
database does not take, fills what it requires and checks the shape). Rows are read with a server-side cursor in pages, and written one line at a
time, so memory stays flat whether there are ten statements or a hundred million; there is no row
limit. `batches` groups them by 100, the size the database's API takes in one call.

The schema (`schemas/dsa_statement.schema.json`) was written from the database's public API
documentation; its one deliberate deviation is documented in it (territorial scope outside the EEA).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from tutela.policy.statement import statement_of_reasons
from tutela.storage.db import Database
from tutela.storage.tables.policy import moderation_decisions as md

SCHEMA_PATH = Path(__file__).parent / "schemas" / "dsa_statement.schema.json"
#: The database takes at most this many statements in one API call.
BATCH = 100
PAGE = 1000

@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _fields() -> frozenset[str]:
    return frozenset(schema()["properties"])


def from_decision(row: dict[str, Any]) -> dict[str, Any] | None:
    """The statement for one logged decision, in the database's shape; None for a decision that
    restricted nothing (an allow needs no statement)."""
    sor = statement_of_reasons(row)
    if sor is None:
        return None
    keep = _fields()
    out = {k: v for k, v in sor.items() if k in keep and v not in (None, [], "")}
    ground = row.get("ground")
    if "DECISION_VISIBILITY_OTHER" in out.get("decision_visibility", ()):
        out["decision_visibility_other"] = ", ".join(row.get("actions") or [row["decision"]])[:500]
    if out.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT":
        out.setdefault("illegal_content_explanation",
                       f"Assessed by automated rules as {ground}: {out.get('decision_facts', '')}"[:2000])
    else:
        out.setdefault("incompatible_content_explanation",
                       f"Assessed by automated rules as {ground or 'outside the terms of service'}."[:2000])
    created = row.get("created_at")
    if created is not None:
        out.setdefault("content_date", created.date().isoformat())
    out.setdefault("territorial_scope", [])
    out["puid"] = str(out.get("puid") or row["decision_id"])
    return out


def statements(db: Database, *, since: datetime | None = None, org_id: int | None = None,
               page: int = PAGE) -> Iterator[dict[str, Any]]:
    """Every statement of reasons (oldest first), read page by page by id: constant memory, no limit."""
    from tutela.policy.log import decision_log

    decision_log(db).flush()
    last = 0
    while True:
        q = select(md).where(md.c.id > last)
        if since is not None:
            q = q.where(md.c.created_at >= since)
        if org_id is not None:
            q = q.where(md.c.org_id == org_id)
        with db.connect() as conn:
            rows = conn.execute(q.order_by(md.c.id).limit(page)).mappings().all()
        if not rows:
            return
        for r in rows:
            sor = from_decision(dict(r))
            if sor is not None:
                yield sor
        last = rows[-1]["id"]


def batches(items: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def write(items: Iterable[dict[str, Any]], out: IO[str], *, batched: bool = False) -> int:
    """JSON Lines: one statement per line, or with `batched` one `{"statements": [...]}` (100) per line."""
    n = 0
    if batched:
        for b in batches(items):
            out.write(json.dumps({"statements": b}, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += len(b)
        return n
    for s in items:
        out.write(json.dumps(s, ensure_ascii=False, separators=(",", ":")) + "\n")
        n += 1
    return n


def validator() -> Any:
    """A jsonschema validator for the statements (jsonschema is a test and tooling dependency)."""
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


__all__ = ["BATCH", "SCHEMA_PATH", "batches", "from_decision", "schema", "statements", "validator", "write"]
