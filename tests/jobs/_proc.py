"""A second process for the two-process tests (run by tests/jobs/conftest.py:run_proc/spawn_proc).

Commands (argv[1]):
  decide-and-die ORG_ID ORG_NAME     commit a case-opening decision to the outbox, then SIGKILL itself
  open-and-die                       claim the outbox row, open its case, SIGKILL before marking it done
  lease NAME TTL START_AT HOLD_S      at wall-clock START_AT try to take the lease; print JSON; keep it HOLD_S
  auth-until-refused KEY SECONDS     authenticate every 20 ms; print the time of the first refusal
  policy-until KEY_ORG VERSION SECONDS  read the live policy every 50 ms; print when VERSION is live
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time


def _db():
    from tutela.config import Settings
    from tutela.storage.db import Database

    settings = Settings()
    return Database(os.environ["TT_DB_URL"], settings=settings), settings


def main() -> None:
    cmd, args = sys.argv[1], sys.argv[2:]
    db, settings = _db()
    if cmd == "decide-and-die":
        from tutela.access import Principal
        from tutela.policy.service import finish, prepare

        principal = Principal(int(args[0]), args[1], frozenset({"moderate"}), key_id="test")
        ctx = {"sender": {"age": 31, "id": "acct-1"}, "recipient": {"age": 12}, "country": "TR", "connected": False}
        p = prepare("pay me or I'll send your photos to everyone at your school", ctx, settings=settings, db=db,
                    principal=principal)
        p.defer = True
        d = finish(p)
        print(json.dumps({"decision": d.id, "queued": d.queued}), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    elif cmd == "open-and-die":
        from tutela.jobs import outbox
        from tutela.jobs.handlers import handler_for

        jobs = outbox.claim(db, settings, "dying-worker", claim_s=1.0)
        for job in jobs:
            print(json.dumps({"ran": handler_for(job.kind)(db, settings, job)}), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    elif cmd == "lease":
        from tutela.jobs.lease import Lease

        name, ttl, start_at, hold = args[0], float(args[1]), float(args[2]), float(args[3])
        lease = Lease(db, name, f"proc-{os.getpid()}", ttl_s=ttl)
        time.sleep(max(0.0, start_at - time.time()))
        got = lease.acquire()
        print(json.dumps({"holder": lease.holder, "got": got}), flush=True)
        end = time.time() + hold
        while got and time.time() < end:
            time.sleep(ttl / 4)
            lease.acquire()
    elif cmd == "auth-until-refused":
        from tutela.access import AccessError, authenticate_key

        key, seconds = args[0], float(args[1])
        end = time.time() + seconds
        ok = 0
        while time.time() < end:
            try:
                authenticate_key(db, key)
                ok += 1
            except AccessError:
                print(json.dumps({"refused_at": time.time(), "ok_before": ok}), flush=True)
                return
            if ok == 1:
                print(json.dumps({"accepted": True}), flush=True)
            time.sleep(0.02)
        print(json.dumps({"refused_at": None, "ok_before": ok}), flush=True)
    elif cmd == "policy-until":
        from tutela.policy.store import policies_for

        org_id, version, seconds = int(args[0]), int(args[1]), float(args[2])
        end = time.time() + seconds
        printed = False
        while time.time() < end:
            live, _shadow = policies_for(db, org_id)
            if live.version == version:
                print(json.dumps({"live_at": time.time()}), flush=True)
                return
            if not printed:
                print(json.dumps({"watching": live.version}), flush=True)
                printed = True
            time.sleep(0.05)
        print(json.dumps({"live_at": None}), flush=True)
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
