"""Statements of reasons: every restricting decision, in the DSA schema, streamed in constant memory."""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest

from tutela.oversight import statements

from . import independent as ind

jsonschema = pytest.importorskip("jsonschema")


def test_every_restricting_decision_has_a_valid_statement(history):
    v = statements.validator()
    out = list(statements.statements(history.db, page=250))
    want = [r for r in ind.rows(history.db, "SELECT decision_id, decision, ground FROM moderation_decisions")
            if r["decision"] != "allow"]
    assert len(out) == len(want) > 1000  # complete: no 10,000-row (or any) limit, across pages
    assert {s["puid"] for s in out} == {r["decision_id"] for r in want}
    for s in out:
        errors = sorted(v.iter_errors(s), key=str)
        assert not errors, (s, [e.message for e in errors])
    minors = [s for s in out if s["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"]
    assert minors and all(s.get("category_specification") for s in minors
                          if s["puid"] in {r["decision_id"] for r in want if r["ground"] == "sexual_exploitation"})
    assert {s["automated_decision"] for s in out} >= {"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_NOT_AUTOMATED"}


def test_schema_refuses_what_the_database_would(history):
    v = statements.validator()
    good = next(statements.statements(history.db))
    for broken in ({**good, "category": "STATEMENT_CATEGORY_MADE_UP"},
                   {**good, "automated_detection": "maybe"},
                   {k: x for k, x in good.items() if k != "puid"},
                   {**good, "unexpected": 1},
                   {**good, "decision_visibility": []}):
        assert list(v.iter_errors(broken)), broken


def test_since_and_batches(history):
    all_ = list(statements.statements(history.db))
    since = sorted(s["application_date"] for s in all_)[len(all_) // 2]
    from datetime import UTC, datetime
    later = list(statements.statements(history.db, since=datetime.fromisoformat(since).replace(tzinfo=UTC)))
    assert 0 < len(later) < len(all_) and all(s["application_date"] >= since for s in later)
    buf = io.StringIO()
    n = statements.write(iter(all_), buf, batched=True)
    lines = buf.getvalue().splitlines()
    assert n == len(all_) and len(lines) == -(-n // 100)
    assert all(len(json.loads(line)["statements"]) <= 100 for line in lines)


def test_streaming_memory_stays_flat(history):
    """Memory for writing all statements does not grow with their number (pages of 200 rows)."""
    def peak(limit_pages: int) -> int:
        tracemalloc.start()
        it = statements.statements(history.db, page=200)
        for i, s in enumerate(it):
            if i >= limit_pages * 200:
                break
            json.dumps(s)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top
    small, large = peak(2), peak(10)
    assert large < small * 2  # five times the statements, nowhere near five times the memory


def test_one_mapping_from_the_taxonomy(history):
    """Statements take their category from the taxonomy's one table: trafficking and recruitment of
    children are protection of minors (the two old mappings disagreed)."""
    from tutela.domain.taxonomy import dsa_category

    grounds = {r["decision_id"]: r["ground"] for r in ind.rows(
        history.db, "SELECT decision_id, ground FROM moderation_decisions WHERE decision != 'allow'")}
    seen = set()
    for s in statements.statements(history.db):
        assert s["category"] == dsa_category(grounds[s["puid"]])
        seen.add((grounds[s["puid"]], s["category"]))
    assert ("trafficking", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS") in seen
    assert ("recruitment", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS") in seen
