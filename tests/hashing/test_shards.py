"""Sharded matching: shards split by entry id, each following the database's
log; a query fans out and the merged answer equals one unsharded index's.
The multi-process test starts two real `tutela matcher` processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tutela.access import create_org
from tutela.hashing.banks import add_entries, create_bank, remove_entries
from tutela.hashing.index import brute_force
from tutela.hashing.matcher import Matcher
from tutela.hashing.mih import hex_to_words, words_to_hex
from tutela.hashing.shards import LocalShards, RemoteShards, ShardError
from tutela.storage.db import Database

SRC = Path(__file__).resolve().parents[2] / "src"


def _near(rng: np.random.Generator, words: np.ndarray, flips: int) -> np.ndarray:
    out = words.copy()
    for b in rng.choice(256, flips, replace=False):
        out[b // 64] ^= np.uint64(1) << np.uint64(63 - b % 64)
    return out


@pytest.fixture()
def bank_world(db: Database) -> dict:
    """Two banks of random PDQ hashes (300 entries) and queries near some of them."""
    rng = np.random.default_rng(21)
    org = create_org(db, "hotline-shards", kind="hotline")
    words = rng.integers(0, 2**64, size=(300, 4), dtype=np.uint64)
    values = words_to_hex(words)
    for name, part in (("a", values[:150]), ("b", values[150:])):
        bank = create_bank(db, org, name)
        assert add_entries(db, bank.id, [("pdq", v, f"{name}{i}") for i, v in enumerate(part)]).added == len(part)
    queries = np.stack([_near(rng, words[i], int(i % 40)) for i in range(0, 300, 7)]
                       + list(rng.integers(0, 2**64, size=(10, 4), dtype=np.uint64)))
    return {"org": org, "values": values, "queries": words_to_hex(queries)}


def _truth(db: Database, queries: list[str]) -> set[tuple[int, int, int]]:
    from sqlalchemy import select

    from tutela.storage.tables.media import hash_entries

    with db.connect() as conn:
        rows = conn.execute(select(hash_entries.c.id, hash_entries.c.value)
                            .where(hash_entries.c.signal_type == "pdq")).all()
    ids = np.asarray([r[0] for r in rows])
    qi, r, d = brute_force(hex_to_words([x[1] for x in rows]), hex_to_words(queries), 31)
    return set(zip(qi.tolist(), ids[r].tolist(), d.tolist(), strict=True))


def _as_set(hits: tuple[np.ndarray, ...]) -> set[tuple[int, int, int]]:
    return set(zip(*(h.tolist() for h in hits), strict=True))


def test_local_shards_split_by_id_and_merge_exactly(db: Database, bank_world: dict) -> None:
    shards = LocalShards(db, 3)
    sizes = [s.followers["pdq"].stats()["live"] for s in shards.shards]
    assert sum(sizes) == 300 and all(80 <= n <= 120 for n in sizes)  # balanced, disjoint by id % 3
    got = _as_set(shards.search("pdq", bank_world["queries"], 31))
    want = _truth(db, bank_world["queries"])
    assert got == want and len(want) > 20
    # one query at a time gives the same
    singles = set()
    for i, q in enumerate(bank_world["queries"]):
        singles |= {(i, e, d) for _, e, d in _as_set(shards.search("pdq", [q], 31))}
    assert singles == want


def test_shards_follow_additions_and_removals(db: Database, bank_world: dict) -> None:
    shards = LocalShards(db, 2)
    followers = [s.followers["pdq"].index for s in shards.shards]
    target = bank_world["values"][0]
    assert any(d == 0 for _, _, d in _as_set(shards.search("pdq", [target], 31)))
    assert remove_entries(db, "a", [target]) == 1
    fresh = "f" * 64
    add_entries(db, "b", [("pdq", fresh, "late")])
    got = _as_set(shards.search("pdq", [target, fresh], 31, fresh=True))
    assert not any(q == 0 and d == 0 for q, _, d in got)
    assert any(q == 1 and d == 0 for q, _, d in got)
    # caught up from the log, not rebuilt
    assert [s.followers["pdq"].index for s in shards.shards] == followers
    assert got == _truth(db, [target, fresh])


def test_matcher_on_shards_matches_like_the_local_one(db: Database, bank_world: dict) -> None:
    from tutela.domain.media import MediaHashes, MediaKind

    local = Matcher(db)
    sharded = Matcher(db, shards=LocalShards(db, 2))
    for q in bank_world["queries"]:
        h = MediaHashes(md5="", sha256="", size=0, kind=MediaKind.IMAGE, pdq=q, pdq_quality=100)
        a = [(m.entry_id, m.distance) for m in local.match(h).matches]
        b = [(m.entry_id, m.distance) for m in sharded.match(h).matches]
        assert a == b


@pytest.fixture()
def two_shard_processes(db: Database) -> Iterator[list[str]]:
    """Two `tutela matcher` processes on this test's database (same data dir)."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "TUTELA_LOG_LEVEL": "WARNING"}
    procs, urls = [], []
    try:
        for i in range(2):
            p = subprocess.Popen(
                [sys.executable, "-m", "tutela", "matcher", "--shard", f"{i}/2", "--period", "0.5"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            )
            procs.append(p)
        for p in procs:
            line = p.stdout.readline()  # type: ignore[union-attr]
            if not line:
                pytest.fail(f"shard process did not start: {p.stderr.read()}")  # type: ignore[union-attr]
            urls.append(json.loads(line)["address"])
        yield urls
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def test_two_shard_processes_answer_together(db: Database, bank_world: dict, two_shard_processes: list[str]) -> None:
    remote = RemoteShards(two_shard_processes, timeout=30)
    try:
        stats = remote.stats()
        assert sorted(s["shard"] for s in stats) == ["0/2", "1/2"]
        assert sum(s["pdq"]["live"] for s in stats) == 300
        queries = bank_world["queries"]
        assert _as_set(remote.search("pdq", queries, 31)) == _truth(db, queries)
        # a change made here is seen by both processes (read-your-writes with fresh)
        remove_entries(db, "a", [bank_world["values"][3]])
        add_entries(db, "b", [("pdq", "e" * 64, "late")])
        probe = [bank_world["values"][3], "e" * 64]
        assert _as_set(remote.search("pdq", probe, 31, fresh=True)) == _truth(db, probe)
        # and a matcher in this process can use them
        from tutela.domain.media import MediaHashes, MediaKind

        m = Matcher(db, shards=remote)
        h = MediaHashes(md5="", sha256="", size=0, kind=MediaKind.IMAGE, pdq="e" * 64, pdq_quality=100)
        assert [x.entry_label for x in m.match(h).matches] == ["late"]
    finally:
        remote.close()


def test_a_missing_shard_fails_closed(db: Database, bank_world: dict, two_shard_processes: list[str]) -> None:
    remote = RemoteShards([*two_shard_processes, "http://127.0.0.1:9"], timeout=2)
    try:
        with pytest.raises(ShardError):
            remote.search("pdq", bank_world["queries"][:1], 31)
    finally:
        remote.close()
