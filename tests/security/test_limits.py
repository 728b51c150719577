"""Bounded resources (issue #10, finding 5): every batch and every request's text has a cap,
refused with 413 naming the limit; big batches are processed in bounded memory."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from tutela.access import create_org
from tutela.api.limits import (
    MAX_BANK_ENTRIES_PER_REQUEST,
    MAX_BULK_CASES,
    MAX_TEXT_CHARS_PER_REQUEST,
    MAX_TEXTS_PER_REQUEST,
)
from tutela.detect import engine
from tutela.detect.engine import analyze_texts
from tutela.hashing import banks as B
from tutela.hashing.bank_io import read_entries
from tutela.storage.db import Database


def test_too_many_texts_is_413_with_the_limit(client, auth):
    r = client.post("/v1/analyze/text", json={"texts": ["hi"] * (MAX_TEXTS_PER_REQUEST + 1)},
                    headers=auth("o", ["analyze"]))
    assert r.status_code == 413
    assert r.json()["details"]["limit"] == MAX_TEXTS_PER_REQUEST


def test_too_much_text_in_one_request_is_413_with_the_limit(client, auth):
    # the attack: few texts, each long; the item count alone would let it through
    chunk = "hello there " * 10_000  # 120,000 characters
    n = MAX_TEXT_CHARS_PER_REQUEST // len(chunk) + 1
    r = client.post("/v1/analyze/text", json={"texts": [chunk] * n}, headers=auth("o", ["analyze"]))
    assert r.status_code == 413
    body = r.json()
    assert body["details"]["limit"] == MAX_TEXT_CHARS_PER_REQUEST and str(MAX_TEXT_CHARS_PER_REQUEST) in body["error"]


def test_a_batch_under_the_limits_is_analysed(client, auth):
    r = client.post("/v1/analyze/text", json={"texts": ["hello", "send me a pic, dont tell your mom"]},
                    headers=auth("o", ["analyze"]))
    assert r.status_code == 200 and len(r.json()["results"]) == 2


def test_list_caps_on_other_routes_are_413(client, auth):
    headers = auth("o", ["admin"])
    r = client.post("/v1/cases/bulk-transition", json={"case_ids": list(range(1, MAX_BULK_CASES + 2)),
                                                       "to_status": "triaged"}, headers=headers)
    assert r.status_code == 413 and r.json()["details"]["limit"] == MAX_BULK_CASES
    client.post("/v1/banks", json={"name": "b"}, headers=headers)
    r = client.request("DELETE", "/v1/banks/b/entries", headers=headers,
                       json={"entry_ids": list(range(1, MAX_BANK_ENTRIES_PER_REQUEST + 2))})
    assert r.status_code == 413 and r.json()["details"]["limit"] == MAX_BANK_ENTRIES_PER_REQUEST


def test_conversation_message_text_is_capped(client, auth):
    r = client.post("/v1/conversations/c1/messages", headers=auth("o", ["conversations"]),
                    json={"sender": "a", "text": "x " * (MAX_TEXT_CHARS_PER_REQUEST // 2 + 1)})
    assert r.status_code == 413 and r.json()["details"]["limit"] == MAX_TEXT_CHARS_PER_REQUEST


def test_sub_batches_give_the_same_answers(monkeypatch):
    texts = ["send me a pic, dont tell your mom", "", "hello, how was school?", "call me on +90 532 111 22 33",
             "you are so mature for your age"] * 4
    whole = analyze_texts(texts)
    monkeypatch.setattr(engine, "CHAR_BUDGET", 40)  # a few texts per sub-batch
    assert len(engine._sub_batches(texts, 20_000)) > 5
    chunked = analyze_texts(texts)
    assert [a.model_dump() for a in chunked] == [a.model_dump() for a in whole]


def test_a_big_batch_is_analysed_in_bounded_memory():
    """One batch of 1 MB of text peaked at ~150 MB of allocations when featurised at once."""
    words = "hello friend how old are you send me a pic the game was fun today homework".split()
    texts = [" ".join(words[(i + k) % len(words)] for k in range(2000))[:10_000] for i in range(100)]
    analyze_texts(texts[:1])  # models loaded outside the measurement
    tracemalloc.start()
    try:
        analyze_texts(texts)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 80 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def _csv(values: list[str]) -> io.StringIO:
    return io.StringIO("signal_type,value\n" + "".join(f"sha256,{v}\n" for v in values))


def _check_import_counts(database: Database) -> None:
    org = create_org(database, "hotline", kind="hotline")
    B.create_bank(database, org, "known")
    first = [f"{i:064x}" for i in range(1, 12_001)]  # more than one insert batch
    r = B.add_entries(database, "known", read_entries(_csv(first), "csv"), org_id=org)
    assert (r.added, r.duplicates) == (12_000, 0)
    again = first[:10] + [f"{i:064x}" for i in range(20_001, 20_006)] * 2  # old, new, and new twice
    r = B.add_entries(database, "known", read_entries(_csv(again), "csv"), org_id=org)
    assert (r.added, r.duplicates) == (5, 15)
    assert len(B.list_entries(database, "known", org_id=org)) == 12_005


def test_bank_import_counts_on_sqlite(db: Database) -> None:
    _check_import_counts(db)


@pytest.mark.postgres
def test_bank_import_counts_on_postgresql(pg_db: Database) -> None:
    _check_import_counts(pg_db)
