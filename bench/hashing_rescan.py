"""Benchmark: a rescan of stored PDQ hashes against a new bank, killed halfway and resumed.

    python bench/hashing_rescan.py --stored 1000000 --new 100000                     # SQLite in a temp dir
    python bench/hashing_rescan.py --stored 10000000 --new 100000 --database-url postgresql+psycopg://...   # COPY

Steps: store `--stored` random PDQ hashes in a disabled bank (a platform's
past uploads) and a new bank of `--new` hashes, `--planted` of which are
near-duplicates of stored ones (0..40 bits away, so some are beyond radius
31); create a rescan job; run it in a child process (`tutela.hashing.rescan.
run_rescan`, one worker) and SIGKILL that process when the job is halfway;
resume (`resume_rescan(take_over=True)`, the dead worker's lease freed) and
run to the end in this process. Checks: every stored hash scanned exactly
once across the two runs, and the hits equal the planted pairs within the
radius (random 256-bit hashes are never within 31 bits of each other by
chance). Throughput is reported per worker-second (the work time recorded in
the ranges) and in wall-clock time.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np


def _db(url: str | None, data_dir: Path):
    from tutela.config import Settings
    from tutela.storage.db import Database

    s = Settings(data_dir=data_dir, database_url=url)
    s.ensure_data_dir()
    db = Database.from_settings(s)
    if not db.is_sqlite:
        db.create_all()
    return db


def _insert(db, bank_id: int, words: np.ndarray, chunk: int = 50_000) -> None:
    """Store hashes as bank entries. PostgreSQL takes them through COPY: row-by-row inserts made loading
    the 10M of the target the slow part of the bench (about 5 minutes a million on SQLite under load)."""
    from tutela.hashing.mih import words_to_hex
    from tutela.storage.tables.media import hash_entries
    from tutela.storage.times import utc_now

    now = utc_now()
    if not db.is_sqlite:
        _copy(db, bank_id, words_to_hex(words), now)
        return
    for s in range(0, len(words), chunk):
        rows = [{"bank_id": bank_id, "signal_type": "pdq", "value": v, "added_at": now, "added_by": "bench"}
                for v in words_to_hex(words[s : s + chunk])]
        with db.begin() as conn:
            conn.execute(hash_entries.insert(), rows)


def _copy(db, bank_id: int, values: list[str], now) -> None:
    """The same rows as `_insert`'s, through PostgreSQL's COPY (psycopg 3) in one transaction."""
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(
                "COPY hash_entries (bank_id, signal_type, value, added_at, added_by) FROM STDIN") as copy:
            for v in values:
                copy.write_row((bank_id, "pdq", v, now, "bench"))
        raw.commit()
    finally:
        raw.close()


def child(job: int, url: str | None, data_dir: Path, chunk: int) -> None:
    from tutela.hashing.rescan import run_rescan

    print(json.dumps(run_rescan(_db(url, data_dir), job, worker="bench-child", chunk=chunk)), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stored", type=int, default=1_000_000)
    ap.add_argument("--new", type=int, default=100_000)
    ap.add_argument("--planted", type=int, default=2000)
    ap.add_argument("--chunk", type=int, default=50_000)
    ap.add_argument("--ranges", type=int, default=10, help="ranges the job is cut into")
    ap.add_argument("--database-url", default=None, help="default: SQLite in a temporary data dir")
    ap.add_argument("--child", nargs=2, metavar=("JOB", "DATA_DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(int(args.child[0]), args.database_url, Path(args.child[1]), args.chunk)
        return

    from tutela.access import create_org
    from tutela.hashing.banks import create_bank
    from tutela.hashing.rescan import create_rescan, rescan_status, resume_rescan, run_rescan

    tmp = Path(tempfile.mkdtemp(prefix="tutela-rescan-"))
    db = _db(args.database_url, tmp)
    rng = np.random.default_rng(7)
    org = create_org(db, f"bench-platform-{os.getpid()}", kind="platform")
    uploads = create_bank(db, org, "uploads", enabled=False)
    partner = create_bank(db, org, "partner-list")
    t = time.perf_counter()
    stored = rng.integers(0, 2**64, size=(args.stored, 4), dtype=np.uint64)
    for s in range(0, args.stored, 1_000_000):
        _insert(db, uploads.id, stored[s : s + 1_000_000])
    insert_s = time.perf_counter() - t
    picks = rng.choice(args.stored, args.planted, replace=False)
    near = stored[picks].copy()
    dists = np.arange(args.planted) % 41
    for i, d in enumerate(dists):
        for b in rng.choice(256, int(d), replace=False):
            near[i, b // 64] ^= np.uint64(1) << np.uint64(63 - b % 64)
    fresh = np.concatenate([near, rng.integers(0, 2**64, size=(args.new - args.planted, 4), dtype=np.uint64)])
    _insert(db, partner.id, fresh)
    expected = int((dists <= 31).sum())
    del stored
    print(json.dumps({"stored": args.stored, "new": args.new, "insert_s": round(insert_s, 1),
                      "expected_hits": expected, "db": "postgresql" if not db.is_sqlite else "sqlite"}), flush=True)

    job = create_rescan(db, "bank:uploads", ["partner-list"], range_size=max(1, -(-args.stored // args.ranges)))
    # phase 1: a worker process, killed (SIGKILL, no clean-up) once the job is halfway
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"),
                                                         os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, __file__, "--child", str(job), str(tmp), "--chunk", str(args.chunk)]
    if args.database_url:
        cmd += ["--database-url", args.database_url]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env)
    while proc.poll() is None:
        time.sleep(0.5)
        if rescan_status(db, job)["progress"] >= 0.5:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            break
    phase1_wall = time.perf_counter() - t
    mid = rescan_status(db, job)
    print(json.dumps({"phase": "killed", "wall_s": round(phase1_wall, 1), **mid}), flush=True)

    # phase 2: resume here, taking over the dead worker's claimed range
    resume_rescan(db, job, take_over=True)
    t, c = time.perf_counter(), time.process_time()
    final = run_rescan(db, job, worker="bench-resume", chunk=args.chunk)
    phase2_wall, phase2_cpu = time.perf_counter() - t, time.process_time() - c
    resumed = final["scanned"] - mid["scanned"]
    print(json.dumps({"phase": "resumed", "wall_s": round(phase2_wall, 1), "cpu_s": round(phase2_cpu, 1),
                      "scanned_in_resume": resumed, "per_cpu_second_resume": round(resumed / phase2_cpu),
                      **final}), flush=True)
    ok = final["status"] == "done" and final["scanned"] == args.stored and final["hits"] == expected
    print(json.dumps({
        "ok": ok, "stored": args.stored, "new": args.new, "hits": final["hits"], "expected_hits": expected,
        "per_worker_second": final["per_second"], "work_seconds": final["work_seconds"],
        "wall_s_total": round(phase1_wall + phase2_wall, 1),
    }), flush=True)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
