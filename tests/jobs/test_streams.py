"""The stream path on both brokers (embedded; Redis when TUTELA_TEST_REDIS_URL is set) and both databases."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from tutela.jobs import outbox
from tutela.jobs.broker import Backpressure
from tutela.jobs.streams import GROUP, StreamWorker, ingest, names, partition_of
from tutela.storage.tables.jobs import stream_messages
from tutela.storage.tables.policy import moderation_decisions

from .conftest import CHILD_CTX, ORDINARY, PEER_CTX, THREAT


def _msg(mid: str, text: str = ORDINARY, ctx: dict | None = None, conv: str | None = None) -> dict:
    c = dict(ctx or PEER_CTX)
    if conv:
        c["conversation_id"] = conv
    return {"id": mid, "text": text, "context": c}


def _worker(db, s, broker, name="w1", **kw) -> StreamWorker:
    return StreamWorker(db, s, broker, name, block_ms=20, **kw)


def _run_until(workers, n_rows, db, timeout=60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for w in workers:
            w.run_once()
        if _count(db, stream_messages) >= n_rows:
            return
    raise AssertionError(f"only {_count(db, stream_messages)} of {n_rows} processed")


def _count(db, table) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar())


def _results(broker, s, org_id) -> list[dict]:
    return [json.loads(e.fields["result"]) for e in broker.range(names(s).results(org_id), None, 10_000)]


def test_partitions_are_stable_per_conversation_and_spread_otherwise() -> None:
    assert len({partition_of(1, "conv-a", f"m{i}", 8) for i in range(50)}) == 1
    assert len({partition_of(1, None, f"m{i}", 8) for i in range(200)}) == 8


def test_pushed_messages_are_decided_logged_published_and_acknowledged(anydb, stream_settings, broker, org) -> None:
    s = stream_settings
    msgs = [_msg(f"m{i}") for i in range(10)] + [_msg("bad", THREAT, CHILD_CTX)]
    assert len(ingest(broker, s, org[0], msgs)) == 11
    _run_until([_worker(anydb, s, broker)], 11, anydb)
    results = {r["message_id"]: r for r in _results(broker, s, org[0])}
    assert set(results) == {m["id"] for m in msgs}
    assert results["bad"]["decision"] == "block" and results["bad"]["queued"]
    assert results["m0"]["decision"] == "allow"
    assert _count(anydb, moderation_decisions) == 11
    assert outbox.depth(anydb) == {"pending": 1}  # the case, for a worker's drainer
    n = names(s)
    assert sum(broker.length(n.inbound(p)) + broker.pending(n.inbound(p), GROUP) for p in range(4)) == 0


def test_a_message_pushed_twice_is_decided_once(anydb, stream_settings, broker, org) -> None:
    s = stream_settings
    ingest(broker, s, org[0], [_msg("same", THREAT, CHILD_CTX)])
    w = _worker(anydb, s, broker)
    _run_until([w], 1, anydb)
    ingest(broker, s, org[0], [_msg("same", THREAT, CHILD_CTX)])  # a platform retry after a timeout
    for _ in range(5):
        w.run_once()
    results = _results(broker, s, org[0])
    assert len(results) == 2 and results[0]["id"] == results[1]["id"]  # the same decision, twice
    assert _count(anydb, stream_messages) == 1 and _count(anydb, moderation_decisions) == 1
    assert outbox.depth(anydb) == {"pending": 1}


def test_messages_of_one_conversation_are_decided_in_order_across_two_workers(
        anydb, stream_settings, broker, org) -> None:
    s = stream_settings
    msgs = []
    for i in range(30):
        msgs.append(_msg(f"a{i:02d}", conv="conv-a"))
        msgs.append(_msg(f"b{i:02d}", conv="conv-b"))
    ingest(broker, s, org[0], msgs)
    _run_until([_worker(anydb, s, broker, "w1", batch=7), _worker(anydb, s, broker, "w2", batch=5)], 60, anydb)
    with anydb.connect() as conn:
        order = [r.message_id for r in conn.execute(select(stream_messages.c.message_id)
                                                    .order_by(stream_messages.c.id))]
    assert [m for m in order if m[0] == "a"] == [f"a{i:02d}" for i in range(30)]
    assert [m for m in order if m[0] == "b"] == [f"b{i:02d}" for i in range(30)]


def test_two_workers_share_the_partitions(anydb, stream_settings, broker) -> None:
    s = stream_settings
    w1, w2 = _worker(anydb, s, broker, "w1"), _worker(anydb, s, broker, "w2")
    w1.rebalance()
    assert len(w1.owned) == 4  # alone: everything
    w2.rebalance()
    w1.rebalance()  # sees two alive: gives back down to its share
    w2.rebalance()
    assert len(w1.owned) == 2 and len(w2.owned) == 2 and not (w1.owned & w2.owned)


def test_a_dead_workers_entries_are_reclaimed_and_decided_once(anydb, stream_settings, broker, org) -> None:
    s = stream_settings.model_copy(update={"stream_partitions": 1})
    ingest(broker, s, org[0], [_msg(f"m{i}", conv="c") for i in range(6)])
    dead = _worker(anydb, s, broker, "dead", own_ms=300)
    dead.rebalance()
    got = broker.read(names(s).inbound(0), GROUP, "dead", 100, 50)
    assert len(got) == 6  # delivered to it, never acknowledged: it "died" here
    alive = _worker(anydb, s, broker, "alive", own_ms=300)
    alive.run_once()
    assert _count(anydb, stream_messages) == 0  # the dead one's partition lease still holds
    time.sleep(0.4)
    _run_until([alive], 6, anydb)
    with anydb.connect() as conn:
        order = [r.message_id for r in conn.execute(select(stream_messages.c.message_id)
                                                    .order_by(stream_messages.c.id))]
    assert order == [f"m{i}" for i in range(6)]
    assert broker.pending(names(s).inbound(0), GROUP) == 0 and broker.length(names(s).inbound(0)) == 0


def test_poison_and_malformed_entries_go_to_the_dead_letter_stream(anydb, stream_settings, broker, org) -> None:
    s = stream_settings.model_copy(update={"stream_partitions": 1, "stream_max_deliveries": 1})
    n = names(s)
    broker.append(n.inbound(0), {"org": str(org[0]), "mid": "x", "body": "{not json"}, 100)
    ingest(broker, s, org[0], [{"id": "empty", "context": {}}])  # no text, no media
    w = _worker(anydb, s, broker)
    for _ in range(3):
        w.run_once()
    w.release_all()
    # a message that crashed its worker: delivered once, never acknowledged, then reclaimed
    ingest(broker, s, org[0], [_msg("poison")])
    dying = _worker(anydb, s, broker, "dying", own_ms=200)
    dying.rebalance()
    assert len(broker.read(n.inbound(0), GROUP, "dying", 10, 50)) == 1
    time.sleep(0.3)
    w2 = _worker(anydb, s, broker, "w2", own_ms=200)
    for _ in range(3):
        w2.run_once()
    dead = {e.fields["mid"]: e.fields["reason"] for e in broker.range(n.dead, None, 100)}
    assert set(dead) == {"x", "empty", "poison"}
    assert "malformed" in dead["x"] and "text" in dead["empty"] and "delivered 2 times" in dead["poison"]
    assert _count(anydb, stream_messages) == 0 and broker.length(n.inbound(0)) == 0


def test_a_full_stream_refuses_more_and_takes_them_again_once_drained(anydb, stream_settings, broker, org) -> None:
    s = stream_settings.model_copy(update={"stream_partitions": 1, "stream_maxlen": 3})
    with pytest.raises(Backpressure) as exc:
        ingest(broker, s, org[0], [_msg(f"m{i}") for i in range(5)])
    assert exc.value.accepted == 3
    _run_until([_worker(anydb, s, broker)], 3, anydb)
    assert len(ingest(broker, s, org[0], [_msg("m3"), _msg("m4")])) == 2


def test_results_are_signed_webhooks_when_configured(anydb, stream_settings, broker, org, monkeypatch) -> None:
    from tutela.jobs import webhooks
    from tutela.jobs.drainer import drain

    sent: list[tuple[str, bytes, str]] = []

    class _Resp:
        status_code = 200

    def post(url, content, headers, timeout):
        sent.append((url, content, headers[webhooks.HEADER]))
        return _Resp()

    import httpx

    monkeypatch.setattr(httpx, "post", post)
    s = stream_settings.model_copy(update={"result_webhook_url": "https://platform.example/hook",
                                           "result_webhook_secret": "s3cret"})
    ingest(broker, s, org[0], [_msg("m1")])
    _run_until([_worker(anydb, s, broker)], 1, anydb)
    assert drain(anydb, s) == 1 and len(sent) == 1
    url, body, sig = sent[0]
    assert url == "https://platform.example/hook" and json.loads(body)["message_id"] == "m1"
    assert webhooks.verify("s3cret", body, sig) and not webhooks.verify("other", body, sig)
    assert not webhooks.verify("s3cret", body + b" ", sig)


def test_webhook_failures_are_retried_and_a_refusal_is_dead(anydb, stream_settings, broker, org, monkeypatch) -> None:
    import httpx

    from tutela.jobs.drainer import drain

    statuses = [503, 200]

    class _Resp:
        def __init__(self, code: int) -> None:
            self.status_code = code

    monkeypatch.setattr(httpx, "post", lambda *a, **k: _Resp(statuses.pop(0)))
    s = stream_settings.model_copy(update={"result_webhook_url": "https://p.example/h",
                                           "result_webhook_secret": "k"})
    ingest(broker, s, org[0], [_msg("m1")])
    _run_until([_worker(anydb, s, broker)], 1, anydb)
    assert drain(anydb, s) == 0 and outbox.depth(anydb) == {"pending": 1}
    from sqlalchemy import update

    from tutela.storage.tables.jobs import outbox as t

    with anydb.begin() as conn:
        conn.execute(update(t).values(available_at=t.c.created_at))
    assert drain(anydb, s) == 1 and outbox.depth(anydb) == {"done": 1}
    statuses[:] = [400]
    ingest(broker, s, org[0], [_msg("m2")])
    _run_until([_worker(anydb, s, broker)], 2, anydb)
    drain(anydb, s)
    assert outbox.depth(anydb) == {"done": 1, "dead": 1}


def test_http_push_and_results_on_the_embedded_server(settings, db, auth) -> None:
    from fastapi.testclient import TestClient

    from tutela.api.app import create_app
    from tutela.jobs.broker import reset_embedded

    reset_embedded()
    h = auth("platform-s", ["moderate"])
    with TestClient(create_app(settings, db)) as client:
        r = client.post("/v1/stream/messages", headers=h,
                        json={"messages": [_msg("m1"), _msg("m2", THREAT, CHILD_CTX)]})
        assert r.status_code == 202 and r.json() == {"accepted": 2}
        deadline, got = time.monotonic() + 30, []
        while time.monotonic() < deadline and len(got) < 2:
            got = client.get("/v1/stream/results", headers=h).json()["results"]
            time.sleep(0.05)
        by_id = {x["message_id"]: x for x in got}  # (two partitions: no order between them)
        assert set(by_id) == {"m1", "m2"} and by_id["m2"]["decision"] == "block"
        after = client.get("/v1/stream/results", headers=h, params={"after": got[0]["cursor"]}).json()
        assert [x["message_id"] for x in after["results"]] == [got[1]["message_id"]]
        assert client.post("/v1/stream/messages", headers=h, json={"messages": []}).status_code == 422
        assert client.post("/v1/stream/messages", json={"messages": [_msg("x")]}).status_code == 401
    reset_embedded()


def test_http_push_answers_429_when_full_and_503_when_redis_is_away(settings, db, auth) -> None:
    from fastapi.testclient import TestClient

    from tutela.api.app import create_app
    from tutela.jobs.broker import reset_embedded

    reset_embedded()
    s = settings.model_copy(update={"stream_partitions": 1, "stream_maxlen": 2, "external_workers": True})
    h = auth("platform-t", ["moderate"])
    with TestClient(create_app(s, db)) as client:
        r = client.post("/v1/stream/messages", headers=h, json={"messages": [_msg(f"m{i}") for i in range(3)]})
        assert r.status_code == 429 and r.json()["details"]["accepted"] == 2 and r.headers["Retry-After"]
    s2 = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0", "external_workers": True})
    with TestClient(create_app(s2, db)) as client:
        r = client.post("/v1/stream/messages", headers=h, json={"messages": [_msg("m")]})
        assert r.status_code == 503 and "Redis" in r.json()["error"]
    reset_embedded()
