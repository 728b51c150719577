"""CPU per case opened by the outbox, in process: case-opening decisions are committed to the
outbox (as `/v1/moderate` does), then drained, in claims of up to 50 or one at a time.

    OMP_NUM_THREADS=1 python bench/outbox_cases.py --cases 60
    OMP_NUM_THREADS=1 TUTELA_SEMANTIC_STAGE=off python bench/outbox_cases.py --cases 40 --one-at-a-time

Prints one JSON document: CPU milliseconds per decision committed (analysis included, one message at
a time) and per case opened (the whole process: drainer and intake writer). Not a test; figures go to
docs/benchmarks.md with the machine, the date and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from moderate_load import HARMFUL, _setup  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=60)
    ap.add_argument("--one-at-a-time", action="store_true", help="drain after each decision (no batches)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tutela-cases-") as tmp:
        key = _setup(Path(tmp))
        from tutela.access.keys import authenticate_key
        from tutela.config import load_settings
        from tutela.jobs.drainer import drain
        from tutela.policy.log import flush_all
        from tutela.policy.service import finish, prepare
        from tutela.storage.db import Database

        settings = load_settings(data_dir=Path(tmp))
        db = Database.from_settings(settings)
        principal = authenticate_key(db, key)
        text, ctx = HARMFUL[0]  # the bench's case-opening message (an adult to a child)

        def decide(tag: str) -> float:
            t0 = time.process_time()
            p = prepare(f"{text} {tag}", ctx, settings=settings, db=db, principal=principal)
            p.defer = True
            finish(p)
            return time.process_time() - t0

        decide("warm")
        drain(db, settings)
        committed = drained = 0.0
        opened = 0
        if args.one_at_a_time:
            for i in range(args.cases):
                committed += decide(str(i))
                t0 = time.process_time()
                opened += drain(db, settings)
                drained += time.process_time() - t0
        else:
            committed = sum(decide(str(i)) for i in range(args.cases))
            t0 = time.process_time()
            opened = drain(db, settings, timeout=300)
            drained = time.process_time() - t0
        flush_all()
        db.dispose()
    print(json.dumps({
        "semantic_stage": settings.semantic_stage, "drained": "one at a time" if args.one_at_a_time else "claims of 50",
        "cases_opened": opened, "cpu_ms_per_decision_committed": round(committed * 1000 / args.cases, 2),
        "cpu_ms_per_case_opened": round(drained * 1000 / max(opened, 1), 2), "load_average": os.getloadavg()[0],
    }, indent=2))


if __name__ == "__main__":
    main()
