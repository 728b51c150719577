"""Singleton roles and caches across processes: the scheduler lease, key revocation, policy changes."""

from __future__ import annotations

import json
import time

from tutela.jobs.lease import Lease
from tutela.jobs.scheduler import Scheduler, Task

from .conftest import spawn_proc


def _lines(proc) -> list[dict]:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    return [json.loads(x) for x in out.strip().splitlines()]


def test_two_processes_racing_for_the_lease_get_one_holder_and_the_other_takes_over_after_expiry(
        anydb, settings) -> None:
    start = time.time() + 4  # both interpreters are up and waiting by then
    a = spawn_proc(anydb, settings, "lease", "scheduler", "3.0", str(start), "0")
    b = spawn_proc(anydb, settings, "lease", "scheduler", "3.0", str(start), "0")
    got = [_lines(a)[0], _lines(b)[0]]
    assert sorted(g["got"] for g in got) == [False, True], got
    winner = next(g["holder"] for g in got if g["got"])
    # the winner's process has exited without releasing: the row is still its own until it expires
    from sqlalchemy import select

    from tutela.storage.tables.jobs import leases
    from tutela.storage.times import as_utc, utc_now

    with anydb.connect() as conn:
        row = conn.execute(select(leases).where(leases.c.name == "scheduler")).mappings().one()
    assert row["holder"] == winner
    me = Lease(anydb, "scheduler", "me", ttl_s=60.0)  # long: holder_now() must still see it on a loaded machine
    left = (as_utc(row["expires_at"]) - utc_now()).total_seconds()
    if left > 0.2:  # (on a slow machine it may have run out already)
        assert not me.acquire()
        time.sleep(left + 0.1)
    assert me.acquire() and me.holder_now() == "me"


def test_a_holder_renews_and_keeps_the_lease_while_alive(anydb, settings) -> None:
    holder = spawn_proc(anydb, settings, "lease", "scheduler", "2.0", "0", "7")
    first = json.loads(holder.stdout.readline())
    assert first["got"]
    me = Lease(anydb, "scheduler", "me", ttl_s=2.0)
    for _ in range(4):  # well past its ttl, it still renews
        time.sleep(1.0)
        assert not me.acquire()
    _lines(holder)


def test_a_scheduler_runs_each_task_once_per_interval_even_with_two_schedulers(anydb, settings) -> None:
    runs: list[str] = []
    tasks = {"t": Task("t", 3600, lambda db, s: runs.append("t"), "test")}
    one = Scheduler(anydb, settings, "one", tasks=tasks)
    two = Scheduler(anydb, settings, "two", tasks=tasks)
    assert one.tick() == ["t"] and two.tick() == [] and one.tick() == []
    assert runs == ["t"]
    # the role's holder dies: after its lease runs out the second holds the role, and the task
    # is still not due again within its interval
    one.lease.ttl_s = 0.3
    one.tick()
    time.sleep(0.4)
    assert two.tick() == [] and two.lease.holder_now() == "two" and runs == ["t"]


def test_a_scheduled_task_that_fails_does_not_stop_the_others(anydb, settings) -> None:
    ran: list[str] = []

    def boom(db, s):
        raise RuntimeError("x")

    tasks = {"a": Task("a", 60, boom, "fails"), "b": Task("b", 60, lambda db, s: ran.append("b"), "ok")}
    assert Scheduler(anydb, settings, "s", tasks=tasks).tick() == ["a", "b"] and ran == ["b"]


def test_the_shipped_tasks_run_on_an_empty_database(anydb, settings) -> None:
    assert Scheduler(anydb, settings, "s").tick() == [
        "retention", "audit-checkpoint", "outbox-purge", "exchange-pull", "exchange-tombstone-purge"
    ]


def test_a_key_revoked_by_one_process_is_refused_by_another_within_the_cache_ttl(anydb, settings) -> None:
    from tutela.access import create_key, create_org
    from tutela.access.keys import CACHE_TTL, revoke_key

    create_org(anydb, "two-procs")
    key = create_key(anydb, "two-procs", ["moderate"])
    other = spawn_proc(anydb, settings, "auth-until-refused", key, "30")
    assert json.loads(other.stdout.readline()) == {"accepted": True}  # it has the key cached now
    revoked_at = time.time()
    revoke_key(anydb, key.split("_")[1])
    refused = _lines(other)[-1]
    assert refused["refused_at"] is not None
    assert refused["refused_at"] - revoked_at <= CACHE_TTL + 0.5


def test_a_policy_activated_by_one_process_is_live_in_another_within_the_cache_time(anydb, settings) -> None:
    from tutela.access import create_org
    from tutela.policy.store import CACHE_SECONDS, save_version

    org_id = create_org(anydb, "policy-procs")
    src = "policy: p\nrules:\n  - id: r\n    when: {flag: cyberbullying}\n    then: [block]\n"
    save_version(anydb, org_id, src, activate=True)
    other = spawn_proc(anydb, settings, "policy-until", str(org_id), "2", "30")
    assert json.loads(other.stdout.readline()) == {"watching": 1}
    changed_at = time.time()
    save_version(anydb, org_id, src.replace("block", "hold_for_review"), activate=True)
    live = _lines(other)[-1]
    assert live["live_at"] is not None and live["live_at"] - changed_at <= CACHE_SECONDS + 0.5
