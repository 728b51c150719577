"""The bulk receive path (issue 14's speed work): what lands in the receiver's tables, on SQLite and
PostgreSQL, and the check of a page's signature over its bytes as they came."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import orjson
import pytest
import rfc8785

from tutela.exchange import bundles, envelope, feed, inbound, partners, stix
from tutela.exchange.errors import Refused
from tutela.hashing import banks
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_received

PDQ = [format(i, "064x") for i in range(1, 41)]
SHA = [format(i, "064x")[::-1] for i in range(1, 11)]
Introduce = Callable[[Database], tuple[int, int]]  # fixtures of conftest.py
ReceivedRows = Callable[[Database, int, str], dict[str, dict]]


def _page(db: Database, a: int, *, after: int = 0, limit: int = 1000) -> tuple[dict, bytes]:
    col = feed.ensure_collection(db, a, "known")
    feed.sync(db, col.id)
    to = partners.get_partner(db, a, "az-platform")
    return bundles.page_wire(db, a, col, after=after, limit=limit, to=to)


def test_a_page_lands_row_for_row_as_the_source_said(
    any_db: Database, introduce: Introduce, received_rows: ReceivedRows,
) -> None:
    db = any_db
    a, b = introduce(db)
    banks.create_bank(db, a, "known", source="tr-hotline list")
    banks.add_entries(db, "known", [("pdq", v) for v in PDQ] + [("sha256", v, None, None, "video") for v in SHA],
                      org_id=a)
    env, wire = _page(db, a)
    # the bytes sent are the envelope's RFC 8785 canonical form (as the reference package writes it), then
    # the signature: the page written from templates (`pagejson`) is byte for byte the generic one
    signed = {k: v for k, v in env.items() if k != "signature"}
    assert wire == rfc8785.dumps(signed)[:-1] + b',"signature":' + orjson.dumps(env["signature"]) + b"}"
    result = bundles.accept(db, b, None, raw=wire, partner="tr-hotline")
    assert (result.applied.added, result.applied.updated, result.applied.removed) == (50, 0, 0)
    sent = {s.stix_id: s for s in map(stix.from_indicator, stix.indicators_of(env["body"]["bundle"]))}
    rows = received_rows(db, b, "stix_id")
    assert set(rows) == set(sent)
    for sid, row in rows.items():
        s = sent[sid]
        assert (row["signal_type"], row["value"], row["category"], row["share_level"]) == (
            s.signal_type, s.value, s.category, s.share_level.value)
        assert row["content_type"] == s.content_type == ("video" if s.signal_type == "sha256" else None)
        assert row["provenance"] == s.provenance == {"bank": "known", "source": "tr-hotline list"}
        assert row["remote_seq"] == s.seq and row["matches"] == 0 and row["quarantined_at"] is None
        for name in ("first_seen", "last_seen"):
            got = row[name] if row[name].tzinfo else row[name].replace(tzinfo=UTC)
            assert got == getattr(s, name)
        entry = row["entry"]
        assert entry is not None and (entry["signal_type"], entry["value"]) == (s.signal_type, s.value)
        assert entry["content_type"] == s.content_type and entry["added_by"] == "exchange:tr-hotline"


def test_corrections_deletions_and_entries_already_in_the_bank(
    any_db: Database, introduce: Introduce, received_rows: ReceivedRows,
) -> None:
    db = any_db
    a, b = introduce(db)
    banks.create_bank(db, a, "known")
    banks.add_entries(db, "known", [("pdq", v) for v in PDQ[:10]], org_id=a)
    env, wire = _page(db, a)
    bundles.accept(db, b, None, raw=wire, partner="tr-hotline")
    first = received_rows(db, b, "stix_id")
    # an entry in B's bank whose received row is gone (the conflict path must find its id)
    feed_in = inbound.list_inbound(db, b)[0]
    keep_entry = next(r for r in first.values() if r["value"] == PDQ[3])
    with db.begin() as conn:
        conn.execute(exchange_received.delete().where(exchange_received.c.id == keep_entry["id"]))
    col = feed.get_collection(db, a, "known")
    fixed = stix.indicator_id(col.uuid, "pdq", PDQ[0])
    feed.correct(db, a, "known", fixed, confidence=55)  # a correction: an update at B
    banks.remove_entries(db, "known", [PDQ[1]], org_id=a)  # a deletion: gone at B
    feed.correct(db, a, "known", keep_entry["stix_id"], confidence=60)  # PDQ[3] sent again
    env, wire = _page(db, a, after=env["body"]["next"])
    result = bundles.accept(db, b, None, raw=wire, partner="tr-hotline")
    assert (result.applied.added, result.applied.updated, result.applied.removed) == (1, 1, 1)
    rows = received_rows(db, b, "stix_id")
    assert rows[fixed]["confidence"] == 55 and rows[fixed]["entry_id"] == first[fixed]["entry_id"]
    assert not any(r["value"] == PDQ[1] for r in rows.values())
    again = next(r for r in rows.values() if r["value"] == PDQ[3])
    assert again["entry_id"] == keep_entry["entry_id"] and again["confidence"] == 60  # the entry that was there
    assert feed_in.bank_id is not None and len(rows) == 9


def test_bytes_as_sent_verify_and_any_changed_byte_is_refused(any_db: Database, introduce: Introduce) -> None:
    db = any_db
    a, b = introduce(db)
    banks.create_bank(db, a, "known")
    banks.add_entries(db, "known", [("pdq", v) for v in PDQ[:5]], org_id=a)
    env, wire = _page(db, a)
    assert b'"confidence":80' in wire
    tampered = wire.replace(b'"confidence":80', b'"confidence":99', 1)
    with pytest.raises(Refused, match="tampered"):
        bundles.accept(db, b, None, raw=tampered, partner="tr-hotline")
    # the same envelope reformatted on the way (a proxy): not the bytes signed, still the document signed
    pretty = orjson.dumps(orjson.loads(wire), option=orjson.OPT_INDENT_2)
    assert envelope.open_envelope(db, b, None, raw=pretty, partner="tr-hotline").body == env["body"]
    with pytest.raises(Refused, match="tampered"):
        envelope.open_envelope(db, b, None, raw=pretty.replace(b'"confidence": 80', b'"confidence": 7', 1),
                               partner="tr-hotline")
    with pytest.raises(ValueError, match="not both"):
        envelope.open_envelope(db, b, env, raw=wire, partner="tr-hotline")
    bundles.accept(db, b, None, raw=wire, partner="tr-hotline")
    with pytest.raises(Refused, match="replayed"):
        bundles.accept(db, b, None, raw=wire, partner="tr-hotline")


def test_stix_times_with_offsets_are_kept_as_utc() -> None:
    assert stix.parse_time("2026-12-05T03:00:00+03:00") == datetime(2026, 12, 5, tzinfo=UTC)
    assert stix.parse_time("2026-12-05T00:00:00.000Z").tzinfo is UTC


def test_a_pushed_page_is_checked_over_its_bytes_at_the_inbox(
    db: Database, monkeypatch: pytest.MonkeyPatch, introduce: Introduce,
) -> None:
    """The inbox hands a pushed page's bytes on (as a pull does): the signature holds over them without
    a canonical form made again, and a changed byte is still refused as tampered."""
    from tutela.exchange import inbox, jose

    a, b = introduce(db)
    banks.create_bank(db, a, "known")
    banks.add_entries(db, "known", [("pdq", v) for v in PDQ[:5]], org_id=a)
    env, wire = _page(db, a)

    def no_canonical_check(*args: object, **kwargs: object) -> None:
        raise AssertionError("the canonical form was made again")

    tampered = wire.replace(b'"confidence":80', b'"confidence":99', 1)
    with pytest.raises(Refused, match="tampered"):  # not as signed: the canonical check decides, and refuses
        inbox.deliver(db, orjson.loads(tampered), raw=tampered)
    monkeypatch.setattr(jose, "verify", no_canonical_check)
    answer = inbox.deliver(db, orjson.loads(wire), raw=wire)
    assert answer["added"] == 5 and answer["partner"] == "tr-hotline"


def test_a_page_whose_provenance_holds_a_float_is_still_rfc8785(db: Database, introduce: Introduce) -> None:
    """Provenance is free-form JSON: a float there sends the page down the careful canonical path, so a
    receiver that gets it re-formatted (checked over the canonical form) still verifies it."""
    a, b = introduce(db)
    banks.create_bank(db, a, "known")
    banks.add_entries(db, "known", [("pdq", v) for v in PDQ[:3]], org_id=a)
    col = feed.ensure_collection(db, a, "known")
    feed.sync(db, col.id)
    from tutela.storage.tables.exchange import exchange_signals

    with db.begin() as conn:
        conn.execute(exchange_signals.update().values(provenance={"bank": "known", "score": 0.5}))
    env, wire = _page(db, a)
    pretty = orjson.dumps(orjson.loads(wire), option=orjson.OPT_INDENT_2)
    assert envelope.open_envelope(db, b, None, raw=pretty, partner="tr-hotline").body == env["body"]


def test_received_rows_are_found_by_the_indexes_migration_0014_made(db: Database) -> None:
    """Keyed identifiers by (group, value) from the partial index, and the rows a resync did not touch
    by (feed, time received): neither reads the whole table (SQLite's plan names the index)."""
    with db.connect() as conn:
        keyed = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM exchange_received WHERE signal_type = ? AND value = ? "
            "AND group_name = ?", ("url", "ab" * 32, "lantern-tr-az")).all()
        untouched = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id, entry_id FROM exchange_received WHERE inbound_id = ? "
            "AND received_at < ?", (1, "2026-12-06 00:00:00.000000")).all()
    assert "ix_exchange_received_keyed" in str(keyed)
    assert "ix_exchange_received_inbound_time" in str(untouched)
