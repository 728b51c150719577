"""Rescans: id-range jobs with checkpoints, stop and resume, several workers."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from typer.testing import CliRunner

from tutela.access import create_org
from tutela.hashing.banks import add_entries, create_bank
from tutela.hashing.index import brute_force
from tutela.hashing.mih import hex_to_words, words_to_hex
from tutela.hashing.rescan import (
    RescanError,
    claim_range,
    create_rescan,
    rescan_hits_of,
    rescan_status,
    resume_rescan,
    run_rescan,
    run_rescan_range,
    stop_rescan,
)
from tutela.storage.db import Database


@pytest.fixture()
def stored(db: Database) -> dict:
    """A disabled bank of 2,000 stored upload hashes and a new partner list of 200, 60 of them near stored ones."""
    rng = np.random.default_rng(5)
    org = create_org(db, "platform-r", kind="platform")
    seen = rng.integers(0, 2**64, size=(2000, 4), dtype=np.uint64)
    uploads = create_bank(db, org, "uploads", enabled=False)
    add_entries(db, uploads.id, [("pdq", v) for v in words_to_hex(seen)])
    near = seen[rng.choice(2000, 60, replace=False)].copy()
    for i in range(60):
        for b in rng.choice(256, i % 35, replace=False):
            near[i, b // 64] ^= np.uint64(1) << np.uint64(63 - b % 64)
    fresh = np.concatenate([near, rng.integers(0, 2**64, size=(140, 4), dtype=np.uint64)])
    partner = create_bank(db, org, "partner")
    add_entries(db, partner.id, [("pdq", v) for v in words_to_hex(fresh)])
    return {"seen": seen, "fresh": fresh}


def _expected(db: Database, stored: dict) -> set[tuple[int, int]]:
    from tutela.hashing.banks import list_entries

    up = list_entries(db, "uploads")
    pa = list_entries(db, "partner")
    qi, rows, _ = brute_force(hex_to_words([e.value for e in pa]), hex_to_words([e.value for e in up]), 31)
    return {(up[q].id, pa[r].id) for q, r in zip(qi.tolist(), rows.tolist(), strict=True)}


def test_rescan_finds_what_brute_force_finds(db: Database, stored: dict) -> None:
    job = create_rescan(db, "bank:uploads", ["partner"], range_size=700)
    status = run_rescan(db, job, chunk=250)
    want = _expected(db, stored)
    got = {(h["source_id"], h["entry_id"]) for h in rescan_hits_of(db, job, limit=10_000)}
    assert got == want and len(want) >= 40
    assert status["status"] == "done" and status["scanned"] == 2000 and status["hits"] == len(want)
    assert status["ranges"]["total"] == 3 and status["progress"] == 1.0


def test_stop_and_resume_neither_repeats_nor_loses(db: Database, stored: dict) -> None:
    job = create_rescan(db, "bank:uploads", ["partner"], range_size=1000)
    r = claim_range(db, job, worker="w1")
    assert r is not None
    assert run_rescan_range(db, job, r.start_id, r.end_id, worker="w1", chunk=400).status == "done"
    stop_rescan(db, job)  # stopped halfway: one of two ranges done
    assert claim_range(db, job, worker="w1") is None  # a stopped job hands out nothing
    mid = rescan_status(db, job)
    assert mid["status"] == "stopped" and 0.4 < mid["progress"] < 0.6 and mid["scanned"] == 1000
    resume_rescan(db, job)
    status = run_rescan(db, job, chunk=400)
    assert status["status"] == "done" and status["scanned"] == 2000
    pairs = [(h["source_id"], h["entry_id"]) for h in rescan_hits_of(db, job, limit=10_000)]
    assert len(pairs) == len(set(pairs)) and set(pairs) == _expected(db, stored)


def test_a_stop_event_keeps_the_checkpoint(db: Database, stored: dict) -> None:
    job = create_rescan(db, "bank:uploads", ["partner"], range_size=5000)
    r = claim_range(db, job, worker="w1")
    stop = threading.Event()
    stop.set()
    res = run_rescan_range(db, job, r.start_id, r.end_id, worker="w1", stop=stop, chunk=300)
    assert res.status == "stopped" and res.scanned == 0
    assert rescan_status(db, job)["ranges"]["running"] == 0  # released, not held
    assert run_rescan(db, job, chunk=300)["scanned"] == 2000


def test_two_workers_never_share_a_range(db: Database, stored: dict) -> None:
    job = create_rescan(db, "bank:uploads", ["partner"], range_size=500)
    a = claim_range(db, job, worker="a")
    b = claim_range(db, job, worker="b")
    assert a is not None and b is not None and a.start_id != b.start_id
    assert run_rescan_range(db, job, a.start_id, a.end_id, worker="b").status == "busy"
    assert run_rescan_range(db, job, a.start_id, a.end_id, worker="a").status == "done"
    # a dead worker's range is freed by take_over
    resume_rescan(db, job, take_over=True)
    status = run_rescan(db, job, worker="c")
    assert status["status"] == "done" and status["scanned"] == 2000


def test_bad_requests_are_refused(db: Database, stored: dict) -> None:
    with pytest.raises(RescanError, match="unknown source"):
        create_rescan(db, "somewhere", ["partner"])
    with pytest.raises(RescanError, match="no bank"):
        create_rescan(db, "bank:uploads", ["nope"])
    with pytest.raises(RescanError, match="exact"):
        create_rescan(db, "bank:uploads", ["partner"], signal="md5")
    with pytest.raises(RescanError, match="no rescan job"):
        rescan_status(db, 999)


def test_cli_start_status_resume(db: Database, stored: dict) -> None:
    from tutela.cli.main import app

    runner = CliRunner()
    out = runner.invoke(app, ["rescan", "start", "--source", "bank:uploads", "--bank", "partner", "--no-run"])
    assert out.exit_code == 0, out.output
    job = json.loads(out.output.strip().splitlines()[-1])["job"]
    out = runner.invoke(app, ["rescan", "status", str(job)])
    assert json.loads(out.output)["status"] == "pending"
    out = runner.invoke(app, ["rescan", "resume", str(job)])
    assert out.exit_code == 0, out.output
    final = json.loads(out.output.strip().splitlines()[-1])
    assert final["status"] == "done" and final["hits"] == len(_expected(db, stored))
