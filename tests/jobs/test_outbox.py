"""The outbox: committed with the decision, carried out once, even across a crash (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select, update

from tutela.access import Principal
from tutela.jobs import outbox
from tutela.jobs.drainer import drain
from tutela.storage.tables.jobs import outbox as outbox_t
from tutela.storage.tables.policy import moderation_decisions

from .conftest import CHILD_CTX, ORDINARY, PEER_CTX, THREAT, count_cases, run_proc


def _decide(db, settings, org, text=THREAT, ctx=CHILD_CTX):
    from tutela.policy.service import finish, prepare

    p = prepare(text, ctx, settings=settings, db=db, principal=Principal(org[0], org[1], frozenset({"moderate"})))
    p.defer = True
    return finish(p)


def _logged(db, decision_id):
    with db.connect() as conn:
        return conn.execute(select(moderation_decisions).where(
            moderation_decisions.c.decision_id == decision_id)).mappings().first()


def test_a_case_decision_commits_log_and_outbox_then_a_worker_opens_the_case(anydb, settings, org) -> None:
    d = _decide(anydb, settings, org)
    assert d.queued and d.case_refs == []
    # both rows are there before any worker ran, and no case yet
    assert _logged(anydb, d.id) is not None
    assert outbox.depth(anydb) == {"pending": 1} and count_cases(anydb, org[0]) == 0
    # the payload is sealed (it may hold preserved text): the row does not show the message
    with anydb.connect() as conn:
        raw = conn.execute(select(outbox_t.c.payload)).scalar()
    assert raw.startswith("vault1:") and "photos" not in raw

    assert drain(anydb, settings) == 1
    assert count_cases(anydb, org[0]) == 1
    refs = _logged(anydb, d.id)["case_refs"]
    assert len(refs) == 1 and refs[0].startswith("TUT-")
    with anydb.connect() as conn:
        row = conn.execute(select(outbox_t)).mappings().one()
    assert row["status"] == "done" and row["payload"] is None and row["result"] == refs[0]
    # nothing left to do, and a second drain does nothing
    assert drain(anydb, settings) == 0 and count_cases(anydb, org[0]) == 1


def test_the_case_of_a_message_the_semantic_stage_saw_is_triaged_on_that_analysis(
    anydb, settings, org, monkeypatch
) -> None:
    from tutela.cases import triage
    from tutela.storage.tables.cases import reports

    d = _decide(anydb, settings, org)  # an adult to a child: the cascade sends the message on
    calls = []
    monkeypatch.setattr(triage, "analyse", lambda *a, **k: calls.append(a))
    assert drain(anydb, settings) == 1
    assert calls == []  # no second pass over the generated description
    with anydb.connect() as conn:
        stored = conn.execute(select(reports.c.analysis).where(reports.c.external_id == d.id)).scalar()
    assert stored["stages"] == ["fast", "semantic"]
    assert set(stored["flags"]) == set(d.flags) and stored["flags"]
    assert all("text" not in e for e in stored["explanations"])  # as ever, no spans of the message


def test_triage_analyses_again_only_where_preserved_words_missed_the_semantic_stage(settings) -> None:
    from tutela.detect import analyze_text
    from tutela.detect.semantic.cascade import Audience
    from tutela.policy.service import triage_analysis

    peers = analyze_text(THREAT, audience=Audience(sender_minor=True, recipient_minor=True), stages="fast")
    assert peers.stages == ["fast"]
    # the description carries the message's words and no semantic pass read them: analysed again
    assert triage_analysis(peers, settings=settings, message_in_description=True) is None
    # nothing of the message in the description, or the semantic stage switched off: the message's analysis
    assert triage_analysis(peers, settings=settings, message_in_description=False) is peers
    off = settings.model_copy(update={"semantic_stage": "off"})
    assert triage_analysis(peers, settings=off, message_in_description=True) is peers
    assert triage_analysis(None) is None


def test_ordinary_decisions_write_no_outbox_rows(anydb, settings, org) -> None:
    d = _decide(anydb, settings, org, ORDINARY, PEER_CTX)
    assert d.queued == [] and outbox.depth(anydb) == {}


def test_running_a_job_twice_opens_one_case(anydb, settings, org) -> None:
    from tutela.jobs.handlers import handler_for

    _decide(anydb, settings, org)
    [job] = outbox.claim(anydb, settings, "w1")
    first = handler_for(job.kind)(anydb, settings, job)
    second = handler_for(job.kind)(anydb, settings, job)  # as after a crash before `complete`
    assert first == second and count_cases(anydb, org[0]) == 1


def test_claims_keep_two_workers_off_the_same_row_until_the_claim_expires(anydb, settings, org) -> None:
    _decide(anydb, settings, org)
    a = outbox.claim(anydb, settings, "a", claim_s=0.5)
    assert len(a) == 1 and outbox.claim(anydb, settings, "b") == []
    time.sleep(0.6)
    b = outbox.claim(anydb, settings, "b")
    assert [j.id for j in b] == [a[0].id]


def test_failures_back_off_then_go_dead_and_can_be_retried(anydb, settings, org, monkeypatch) -> None:
    _decide(anydb, settings, org)
    import tutela.policy.service as service

    def broken(*_a, **_k):
        raise RuntimeError("case store down")

    monkeypatch.setattr(service, "open_cases", lambda _db, _s, reports: [broken() for _ in reports])
    assert drain(anydb, settings) == 0
    with anydb.connect() as conn:
        row = conn.execute(select(outbox_t)).mappings().one()
    assert row["status"] == "pending" and row["attempts"] == 1 and "case store down" in row["last_error"]
    # not due yet (backoff); make it due and fail it to the end
    for _ in range(outbox.MAX_ATTEMPTS):
        with anydb.begin() as conn:
            conn.execute(update(outbox_t).values(available_at=outbox_t.c.created_at))
        drain(anydb, settings)
    assert outbox.depth(anydb) == {"dead": 1}
    monkeypatch.undo()
    assert outbox.retry_dead(anydb) == 1 and drain(anydb, settings) == 1
    assert count_cases(anydb, org[0]) == 1


def test_backoff_grows_and_is_capped() -> None:
    assert 0.8 <= outbox.backoff_s(1) <= 1.2 and 3.2 <= outbox.backoff_s(3) <= 4.8
    assert outbox.backoff_s(50) <= outbox.MAX_BACKOFF_S * 1.2


def test_a_process_killed_after_commit_loses_nothing(anydb, settings, org) -> None:
    """kill -9 right after the decision committed: the case is opened once after restart."""
    r = run_proc(anydb, settings, "decide-and-die", str(org[0]), org[1])
    assert r.returncode == -9, r.stderr[-2000:]
    decided = json.loads(r.stdout.strip().splitlines()[-1])
    assert _logged(anydb, decided["decision"]) is not None and count_cases(anydb, org[0]) == 0
    # "after restart": a worker (here this process) drains
    assert drain(anydb, settings) == 1 and count_cases(anydb, org[0]) == 1
    assert len(_logged(anydb, decided["decision"])["case_refs"]) == 1


def test_a_worker_killed_between_opening_the_case_and_marking_done_does_not_open_a_second(
        anydb, settings, org) -> None:
    d = _decide(anydb, settings, org)
    r = run_proc(anydb, settings, "open-and-die")
    assert r.returncode == -9, r.stderr[-2000:]
    assert count_cases(anydb, org[0]) == 1 and outbox.depth(anydb) == {"pending": 1}
    time.sleep(1.1)  # the dead worker's claim runs out
    assert drain(anydb, settings) == 1
    assert count_cases(anydb, org[0]) == 1 and outbox.depth(anydb) == {"done": 1}
    assert _logged(anydb, d.id)["case_refs"] == [json.loads(r.stdout.strip().splitlines()[-1])["ran"]]


def test_purge_keeps_recent_and_pending_rows(anydb, settings, org) -> None:
    _decide(anydb, settings, org)
    _decide(anydb, settings, org)
    [job, _other] = outbox.claim(anydb, settings, "w")
    outbox.complete(anydb, job, "x")
    assert outbox.purge_done(anydb, older_than_s=3600) == 0
    assert outbox.purge_done(anydb, older_than_s=-1) == 1
    assert outbox.depth(anydb) == {"pending": 1}


@pytest.mark.parametrize("external", [False, True])
def test_http_moderate_defers_and_the_embedded_server_drains_by_itself(settings, db, auth, external) -> None:
    from fastapi.testclient import TestClient

    from tutela.api.app import create_app

    s = settings.model_copy(update={"external_workers": external})
    h = auth("platform-h", ["moderate"])
    with TestClient(create_app(s, db)) as client:
        body = client.post("/v1/moderate", json={"text": THREAT, "context": CHILD_CTX}, headers=h).json()
        assert body["queued"] and body["case_refs"] == []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _logged(db, body["id"])["case_refs"]:
            time.sleep(0.05)
        refs = _logged(db, body["id"])["case_refs"]
    if external:  # a `tutela worker` would do it: nothing happened in the server
        assert not refs and outbox.depth(db) == {"pending": 1}
    else:
        assert refs and len(refs) == 1


def test_a_claimed_batch_opens_each_case_once_and_a_bad_row_fails_alone(anydb, settings, org) -> None:
    from tutela.jobs.drainer import drain_once
    from tutela.jobs.handlers import batch_handler_for

    def ctx(i: int) -> dict:  # another sender each: intake would merge reports about one account into one case
        return {**CHILD_CTX, "sender": {"age": 31, "id": f"acct-batch-{i}"}}

    decided = [_decide(anydb, settings, org, f"{THREAT} {i}", ctx(i)) for i in range(3)]
    jobs = outbox.claim(anydb, settings, "w1")
    assert len(jobs) == 3
    run_many = batch_handler_for(jobs[0].kind)
    first = run_many(anydb, settings, jobs)
    again = run_many(anydb, settings, jobs)  # as after a crash before the rows were marked done
    assert first == again and not any(isinstance(r, Exception) for r in first)
    assert count_cases(anydb, org[0]) == 3
    for d, ref in zip(decided, first, strict=True):
        assert _logged(anydb, d.id)["case_refs"] == [ref]
    # a row whose payload cannot be carried out fails on its own; the others in its batch are done
    with anydb.begin() as conn:
        conn.execute(update(outbox_t).values(claim=None, claimed_until=None))
    _decide(anydb, settings, org, f"{THREAT} 4", ctx(4))
    broken = outbox.Job(jobs[0].id, jobs[0].kind, jobs[0].key, jobs[0].org_id, {"decision": {}}, 0)
    results = run_many(anydb, settings, [broken, *jobs[1:]])
    assert isinstance(results[0], Exception) and results[1:] == first[1:]
    assert drain_once(anydb, settings) == 4 and outbox.depth(anydb) == {"done": 4}
    assert count_cases(anydb, org[0]) == 4


def test_case_decisions_waiting_together_share_one_commit_and_each_is_durable_when_answered(
        anydb, settings, org) -> None:
    """Group commit: while one commit is under way the next decisions queue, and are committed
    together; every caller is answered only once its rows are in the database."""
    import concurrent.futures

    from tutela.policy.log import decision_log
    from tutela.policy.service import finish, prepare
    from tutela.storage.writegate import gate_for

    principal = Principal(org[0], org[1], frozenset({"moderate"}))
    committer = decision_log(anydb).committer
    gate = gate_for(anydb.url)  # SQLite: hold it as another writer would; PostgreSQL has none
    pendings = [prepare(f"{THREAT} {i}", {**CHILD_CTX, "sender": {"age": 31, "id": f"acct-g-{i}"}},
                        settings=settings, db=anydb, principal=principal) for i in range(6)]

    def decide(p):  # noqa: ANN001, ANN202
        p.defer = True
        return finish(p)

    batches0 = committer.batches
    held = gate.held() if gate is not None else None
    if held is not None:
        held.__enter__()  # another writer holds the SQLite file: the decisions queue behind it
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(decide, p) for p in pendings]
        time.sleep(0.3)
        if held is not None:
            assert not any(f.done() for f in futures)  # nobody answered before the commit
            held.__exit__(None, None, None)
        decided = [f.result(30) for f in futures]
    for d in decided:
        assert d.queued and _logged(anydb, d.id) is not None
    assert outbox.depth(anydb) == {"pending": 6}
    if gate is not None:
        assert committer.batches - batches0 <= 2  # the first alone at most, the other five together
    assert drain(anydb, settings) == 6 and count_cases(anydb, org[0]) == 6


def test_a_case_decision_whose_rows_are_refused_fails_alone_in_its_group(anydb, settings, org) -> None:
    from tutela.policy.log import decision_log
    from tutela.storage.tables.jobs import outbox as table

    d = _decide(anydb, settings, org)
    log = decision_log(anydb)
    [taken] = outbox.claim(anydb, settings, "w")
    again = outbox.new_row(settings, "open_case", taken.key, {"x": 1}, org_id=org[0])  # a key already used
    fresh = [outbox.new_row(settings, "open_case", f"case:fresh-{i}", {"x": i}, org_id=org[0]) for i in range(2)]
    futures = [log.commit(None, [(table, fresh[0])]), log.commit(None, [(table, again)]),
               log.commit(None, [(table, fresh[1])])]
    assert futures[0].result(30) is None and futures[2].result(30) is None
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        futures[1].result(30)
    with anydb.connect() as conn:
        keys = sorted(conn.execute(select(outbox_t.c.key)).scalars())
    assert keys == sorted([f"case:{d.id}", "case:fresh-0", "case:fresh-1"])
