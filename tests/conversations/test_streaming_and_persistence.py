"""Incremental updates equal a batch recompute, and state survives a restart."""

from __future__ import annotations

import pytest

from tutela.access import create_org
from tutela.config import Settings
from tutela.conversations import ConversationTracker, score_conversation, service
from tutela.conversations.corpus import load_corpus
from tutela.storage.db import Database

from .conftest import strip_labels


def _org(db: Database, name: str = "platform-a") -> int:
    return create_org(db, name)


def test_streaming_with_database_and_restarts_equals_batch(db: Database, settings: Settings) -> None:
    org = _org(db)
    convs = [c for c in load_corpus() if c["split"] == "heldout"][::3]
    # semantic windows off throughout: a window lives in one process's memory and a restart empties it
    # (by design, no chat text at rest), so only the stored state can equal a batch recompute
    batch = {c["id"]: score_conversation(strip_labels(c), c["id"], tracker=ConversationTracker(semantic_windows=False))
             for c in convs}
    # interleave the conversations message by message, restarting the tracker (new process) every 7 messages
    streams = {c["id"]: strip_labels(c) for c in convs}
    order = [(cid, i) for i in range(max(len(m) for m in streams.values())) for cid, m in streams.items()
             if i < len(m)]
    tracker = ConversationTracker(db, org, flush_every=5, cache_size=3, semantic_windows=False)
    for n, (cid, i) in enumerate(order):
        tracker.feed(cid, streams[cid][i])
        if n % 7 == 6:
            tracker.close()
            tracker = ConversationTracker(
                Database(settings.effective_database_url), org, flush_every=5, cache_size=3, semantic_windows=False
            )
    tracker.close()
    fresh = ConversationTracker(Database(settings.effective_database_url), org, semantic_windows=False)
    for cid, expected in batch.items():
        got = fresh.conversation_risk(cid)
        assert got is not None
        assert got.risk == expected.risk
        assert got.first_alert_at == expected.first_alert_at
        assert [(e.message_index, e.stage) for e in got.evidence] == [
            (e.message_index, e.stage) for e in expected.evidence
        ]


def test_service_state_survives_restart(settings: Settings) -> None:
    db = Database.from_settings(settings)
    org = _org(db)
    conv = next(c for c in load_corpus("en", "heldout") if c["kind"] == "grooming")
    msgs = strip_labels(conv)
    half = len(msgs) // 2
    for m in msgs[:half]:
        service.ingest_message(db, settings, org, "conv-1", m)
    db.dispose()
    db2 = Database.from_settings(settings)  # a restart: nothing in memory survives
    last = None
    for m in msgs[half:]:
        last = service.ingest_message(db2, settings, org, "conv-1", m)
    # the service writes through on every message from any process: it runs no in-memory windows
    expected = score_conversation(msgs, "conv-1", tracker=ConversationTracker(semantic_windows=False))
    assert last is not None and last.risk == expected.risk and last.message_count == len(msgs)
    again = service.conversation_risk(db2, settings, org, "conv-1")
    assert again is not None and again.risk == expected.risk
    acc = service.account_risk(db2, settings, org, "adult")
    assert acc is not None and acc.message_count == sum(1 for m in msgs if m["sender"] == "adult")
    db2.dispose()


def test_organisations_do_not_see_each_other(db: Database, settings: Settings) -> None:
    a, b = _org(db, "org-a"), _org(db, "org-b")
    service.ingest_message(db, settings, a, "shared-id", {"sender": "u1", "text": "are you home alone?"})
    assert service.conversation_risk(db, settings, b, "shared-id") is None
    unseen = service.account_risk(db, settings, b, "u1")
    assert unseen.risk == 0.0 and unseen.message_count == 0
    assert service.conversation_risk(db, settings, a, "shared-id") is not None


def test_identifiers_stored_as_keyed_hashes(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("TUTELA_DATA_DIR", str(tmp_path / "d"))
    s = Settings(data_dir=tmp_path / "d", identifier_salt="test-salt-not-secret")
    db = Database.from_settings(s)
    org = _org(db)
    r = service.ingest_message(db, s, org, "conv-secret-42", {"sender": "alice-account", "text": "hi, are you alone?"})
    assert r.conversation_id == "conv-secret-42"
    from sqlalchemy import select

    from tutela.storage.tables.conversations import account_states, conversation_states

    with db.connect() as conn:
        keys = [row[0] for row in conn.execute(select(conversation_states.c.conv_key))]
        accounts = [row[0] for row in conn.execute(select(account_states.c.account_key))]
        blobs = b"".join(row[0] for row in conn.execute(select(conversation_states.c.state)))
    assert keys and all(k.startswith("h:") and "conv-secret-42" not in k for k in keys)
    assert accounts and all("alice-account" not in k for k in accounts)
    assert b"alice-account" not in blobs
    got = service.conversation_risk(db, s, org, "conv-secret-42")
    assert got is not None and got.message_count == 1
    assert service.account_risk(db, s, org, "alice-account").message_count == 1
    db.dispose()


def test_without_a_configured_key_ids_are_hashed_with_a_generated_one(db: Database, settings: Settings) -> None:
    org = _org(db)
    service.ingest_message(db, settings, org, "conv-plain-7", {"sender": "bob-account", "text": "hi"})
    from sqlalchemy import select

    from tutela.storage.tables.conversations import conversation_states

    with db.connect() as conn:
        keys = [row[0] for row in conn.execute(select(conversation_states.c.conv_key))]
    assert keys and all(k.startswith("h:") for k in keys)
    key_file = settings.data_dir / "identifier.salt"
    assert key_file.exists() and key_file.stat().st_mode & 0o777 == 0o600
    assert service.conversation_risk(db, settings, org, "conv-plain-7").message_count == 1


@pytest.mark.postgres
def test_postgres_service_and_restart(pg_db: Database, settings: Settings) -> None:
    org = _org(pg_db, "pg-org")
    msgs = [
        {"sender": "g", "text": "you're so mature for your age", "ts": 1},
        {"sender": "c", "text": "im 12", "ts": 2},
        {"sender": "g", "text": "don't tell your parents about us", "ts": 3},
        {"sender": "g", "text": "add me on telegram", "ts": 4},
    ]
    for m in msgs:
        service.ingest_message(pg_db, settings, org, "pg-conv", m)
    got = service.conversation_risk(pg_db, settings, org, "pg-conv")
    expected = score_conversation(msgs, "pg-conv", tracker=ConversationTracker(semantic_windows=False))
    assert got is not None and got.risk == expected.risk and got.message_count == 4
    tracker = ConversationTracker(pg_db, org, flush_every=2, semantic_windows=False)
    for m in msgs:
        tracker.feed("pg-stream", m)
    tracker.close()
    fresh = ConversationTracker(pg_db, org, semantic_windows=False).conversation_risk("pg-stream")
    assert fresh is not None and fresh.risk == expected.risk


def _batch_equals_one_by_one(db: Database, settings: Settings) -> None:
    """A stream worker's batch (`ingest_messages`, one transaction) leaves the same states and
    answers the same risks as the messages sent one at a time (`ingest_message` + `account_risk`)."""
    one, many = _org(db, "one-by-one"), _org(db, "batched")
    texts = ["you're so mature for your age", "im 12", "don't tell your parents about us", "add me on telegram",
             "what school do you go to", "send me a pic", "lol ok", "haha"]
    items = [(f"c{i % 3}", {"sender": f"g{i % 2}" if i % 4 else "kid", "text": t, "ts": i + 1,
                            "recipients": ["kid"] if i % 4 else ["g0"]})
             for i, t in enumerate(texts * 2)]
    items.insert(5, ("c1", {"text": "no sender"}))  # a bad message in the middle: refused, nothing stored
    singles = []
    for cid, m in items:
        try:
            conv = service.ingest_message(db, settings, one, cid, m)
        except service.MessageError:
            singles.append(None)
            continue
        singles.append((conv, service.account_risk(db, settings, one, m["sender"])))
    batched = service.ingest_messages(db, settings, many, items)
    assert len(batched) == len(items)
    for s, b in zip(singles, batched, strict=True):
        if s is None:
            assert isinstance(b, service.MessageError)
            continue
        assert not isinstance(b, Exception)
        assert (b[0].risk, b[0].message_count, b[0].alert) == (s[0].risk, s[0].message_count, s[0].alert)
        assert (b[1].risk, b[1].account_id) == (s[1].risk, s[1].account_id)
    assert any(s is not None and s[0].risk > 0.3 for s in singles)  # the grooming pattern registered
    for cid in ("c0", "c1", "c2"):
        a = service.conversation_risk(db, settings, one, cid)
        b = service.conversation_risk(db, settings, many, cid)
        assert a is not None and b is not None and (a.risk, a.message_count) == (b.risk, b.message_count)
    for acc in ("g0", "g1", "kid"):
        assert service.account_risk(db, settings, one, acc).risk == service.account_risk(db, settings, many, acc).risk


def test_a_batch_equals_messages_one_by_one(db: Database, settings: Settings) -> None:
    _batch_equals_one_by_one(db, settings)


@pytest.mark.postgres
def test_a_batch_equals_messages_one_by_one_on_postgres(pg_db: Database, settings: Settings) -> None:
    _batch_equals_one_by_one(pg_db, settings)
