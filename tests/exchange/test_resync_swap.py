"""A full resync staged aside and swapped in (`exchange.resync`), on SQLite and PostgreSQL: the live rows
serve until the last page, a resync broken off midway changes nothing, tombstones and signals changed
during the resync end as the source has them, and matching follows the swap."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

import pytest
from sqlalchemy import func, select

from tutela.exchange import bundles, feed, inbound, partners, resync, stix
from tutela.exchange.errors import Refused
from tutela.hashing import banks
from tutela.hashing.hasher import hash_bytes
from tutela.hashing.matcher import match_bytes
from tutela.hashing.synthetic import synthetic_jpeg
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_received, exchange_staged

PDQ = [format(i, "064x") for i in range(1, 41)]
SHA = [format(i, "064x")[::-1] for i in range(1, 11)]
Introduce = Callable[[Database], tuple[int, int]]  # fixtures of conftest.py
ReceivedRows = Callable[[Database, int, str], dict[str, dict]]
IMAGES = {seed: synthetic_jpeg(seed) for seed in (911, 912)}


def _pages(db: Database, a: int, *, limit: int, after: int = 0) -> list[tuple[dict, bytes]]:
    """The feed from `after` (default: all of it), as a puller would get it, in pages of `limit`."""
    col = feed.ensure_collection(db, a, "known")
    feed.sync(db, col.id)
    to = partners.get_partner(db, a, "az-platform")
    out = []
    while True:
        env, wire = bundles.page_wire(db, a, col, after=after, limit=limit, to=to)
        out.append((env, wire))
        after = env["body"]["next"]
        if not env["body"]["more"]:
            return out


def _accept(db: Database, b: int, wire: bytes, run: resync.Run | None = None) -> bundles.Accepted:
    """A page of a full resync, as a pull takes it (`run`: the resync it belongs to; one of its own)."""
    return bundles.accept(db, b, None, raw=wire, partner="tr-hotline", allow_older=True,
                          staged=run or _RUN.setdefault(id(db), resync.Run()))


_RUN: dict[int, resync.Run] = {}


def _state_of(rows: dict[str, dict]) -> dict[str, tuple]:
    return {v: (r["stix_id"], r["entry_id"], r["remote_seq"], r["received_at"]) for v, r in rows.items()}


def _staged(db: Database) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(exchange_staged)).scalar() or 0)


def test_a_full_resync_lands_as_the_source_said_and_only_at_its_last_page(
    any_db: Database, introduce: Introduce, received_rows: ReceivedRows,
) -> None:
    db = any_db
    a, b = introduce(db)
    banks.create_bank(db, a, "known", source="tr-hotline list")
    banks.add_entries(db, "known", [("pdq", v) for v in PDQ] + [("sha256", v, None, None, "video") for v in SHA],
                      org_id=a)
    pages = _pages(db, a, limit=15)
    assert len(pages) == 4
    for _env, wire in pages[:-1]:
        result = _accept(db, b, wire)
        assert result.more and result.applied.added == 0
        # nothing live yet, and the checkpoint has not moved: a pull broken off here starts again from 0
        assert received_rows(db, b, "value") == {} and inbound.list_inbound(db, b)[0].checkpoint == 0
    result = _accept(db, b, pages[-1][1])
    assert (result.applied.added, result.applied.updated, result.applied.removed) == (50, 0, 0)
    assert _staged(db) == 0
    (feed_in,) = inbound.list_inbound(db, b)
    assert feed_in.checkpoint == pages[-1][0]["body"]["next"] and feed_in.full_resyncs == 1
    sent = {s.value: s for env, _ in pages for s in map(stix.from_indicator, stix.indicators_of(env["body"]["bundle"]))}
    rows = received_rows(db, b, "value")
    assert set(rows) == set(sent)
    for value, row in rows.items():
        s = sent[value]
        assert (row["stix_id"], row["signal_type"], row["category"], row["share_level"], row["remote_seq"]) == (
            s.stix_id, s.signal_type, s.category, s.share_level.value, s.seq)
        assert row["content_type"] == s.content_type == ("video" if s.signal_type == "sha256" else None)
        assert row["provenance"] == {"bank": "known", "source": "tr-hotline list"}
        assert row["matches"] == 0 and row["quarantined_at"] is None
        got = row["first_seen"] if row["first_seen"].tzinfo else row["first_seen"].replace(tzinfo=UTC)
        assert got == s.first_seen
        entry = row["entry"]
        assert (entry["signal_type"], entry["value"], entry["content_type"]) == (s.signal_type, value, s.content_type)
        assert entry["added_by"] == "exchange:tr-hotline"


def test_a_resync_broken_off_midway_leaves_the_old_data_serving(
    any_db: Database, introduce: Introduce, received_rows: ReceivedRows,
) -> None:
    db = any_db
    a, b = introduce(db)
    pdqs = [hash_bytes(data).pdq for data in IMAGES.values()]
    banks.create_bank(db, a, "known")
    banks.add_entries(db, "known", [("pdq", v) for v in [*pdqs, *PDQ[:10]]], org_id=a)
    for _, wire in _pages(db, a, limit=5):
        _accept(db, b, wire)
    before = received_rows(db, b, "value")
    checkpoint = inbound.list_inbound(db, b)[0].checkpoint
    assert len(before) == 12 and len(match_bytes(db, IMAGES[911], org_id=b)[1]) == 1

    # the source withdraws one image and adds ten; a resync gets two pages in, then a page is refused
    banks.remove_entries(db, "known", [pdqs[0]], org_id=a)
    banks.add_entries(db, "known", [("pdq", v) for v in PDQ[10:20]], org_id=a)
    pages = _pages(db, a, limit=5)
    for _, wire in pages[:2]:
        _accept(db, b, wire)
    with pytest.raises(Refused, match="tampered"):
        _accept(db, b, pages[2][1].replace(b'"confidence":80', b'"confidence":99', 1))
    # the live rows, the bank and matching are as before; the checkpoint did not move
    assert _state_of(received_rows(db, b, "value")) == _state_of(before) and _staged(db) > 0
    assert inbound.list_inbound(db, b)[0].checkpoint == checkpoint
    assert len(match_bytes(db, IMAGES[911], org_id=b)[1]) == 1

    # the next resync starts again from 0, clears what was staged, and swaps the source's state in
    pages = _pages(db, a, limit=5)
    for _, wire in pages:
        result = _accept(db, b, wire)
    assert _staged(db) == 0
    after = received_rows(db, b, "value")
    assert set(after) == {pdqs[1], *PDQ[:20]}
    assert (result.applied.added, result.withdrawn_by_snapshot) == (10, 0)
    assert result.applied.removed == 1  # the tombstone of the withdrawn image
    for value in (pdqs[1], *PDQ[:10]):  # rows that stayed keep their bank entry
        assert after[value]["entry_id"] == before[value]["entry_id"]
    assert match_bytes(db, IMAGES[911], org_id=b)[1] == []
    assert len(match_bytes(db, IMAGES[912], org_id=b)[1]) == 1


def test_tombstones_and_signals_changed_during_the_resync_end_as_the_source_has_them(
    any_db: Database, introduce: Introduce, received_rows: ReceivedRows,
) -> None:
    db = any_db
    a, b = introduce(db)
    banks.create_bank(db, a, "known")
    banks.add_entries(db, "known", [("pdq", v) for v in PDQ[:12]], org_id=a)
    col = feed.ensure_collection(db, a, "known")
    feed.sync(db, col.id)
    to = partners.get_partner(db, a, "az-platform")
    # the receiver holds the first 12 already, one of them quarantined, with matches counted
    for _, wire in _pages(db, a, limit=100):
        _accept(db, b, wire)
    with db.begin() as conn:
        conn.execute(exchange_received.update().where(exchange_received.c.value == PDQ[7]).values(matches=3))
    held = received_rows(db, b, "value")
    from tutela.exchange import quarantine

    assert quarantine.record_matches(db, b, [held[PDQ[8]]["entry_id"]], min_surge=1, factor=1.0) == [
        held[PDQ[8]]["stix_id"]]

    # a resync: the first page is read, then the source deletes a signal that page carried and
    # corrects another (both move to the end of the feed), and deletes one the receiver holds
    env, wire = bundles.page_wire(db, a, col, after=0, limit=5, to=to)
    _accept(db, b, wire)
    banks.remove_entries(db, "known", [PDQ[1], PDQ[10]], org_id=a)
    feed.correct(db, a, "known", stix.indicator_id(col.uuid, "pdq", PDQ[2]), confidence=40)
    for _, wire in _pages(db, a, limit=5, after=env["body"]["next"]):
        result = _accept(db, b, wire)
    rows = received_rows(db, b, "value")
    assert set(rows) == set(PDQ[:12]) - {PDQ[1], PDQ[10]}
    assert result.applied.removed == 2 and result.applied.added == 0
    assert rows[PDQ[2]]["confidence"] == 40  # the latest state won over the one of the first page
    assert rows[PDQ[7]]["matches"] == 3 and rows[PDQ[7]]["entry_id"] == held[PDQ[7]]["entry_id"]
    # the quarantined signal stays out of the bank, still quarantined
    assert rows[PDQ[8]]["quarantined_at"] is not None and rows[PDQ[8]]["entry"] is None


def test_a_first_sync_takes_the_latest_state_of_a_signal_sent_twice(
    any_db: Database, introduce: Introduce, received_rows: ReceivedRows,
) -> None:
    """Nothing held yet (the fast path of a first sync): a signal deleted and one corrected after the
    first page was read come twice; the rows, the bank and matching end as the source has them."""
    db = any_db
    a, b = introduce(db)
    pdqs = [hash_bytes(data).pdq for data in IMAGES.values()]
    banks.create_bank(db, a, "known")
    banks.add_entries(db, "known", [("pdq", v) for v in [*pdqs, *PDQ[:10]]], org_id=a)
    col = feed.ensure_collection(db, a, "known")
    feed.sync(db, col.id)
    to = partners.get_partner(db, a, "az-platform")
    env, wire = bundles.page_wire(db, a, col, after=0, limit=5, to=to)
    sent_first = {s.value for s in map(stix.from_indicator, stix.indicators_of(env["body"]["bundle"]))}
    assert {pdqs[0], PDQ[1]} <= sent_first  # both travel on the first page, live
    _accept(db, b, wire)
    banks.remove_entries(db, "known", [pdqs[0]], org_id=a)
    feed.correct(db, a, "known", stix.indicator_id(col.uuid, "pdq", PDQ[1]), confidence=40)
    for _, wire in _pages(db, a, limit=5, after=env["body"]["next"]):
        result = _accept(db, b, wire)
    rows = received_rows(db, b, "value")
    assert set(rows) == {pdqs[1], *PDQ[:10]}
    assert (result.applied.added, result.applied.updated, result.applied.removed) == (11, 0, 0)
    assert rows[PDQ[1]]["confidence"] == 40  # the corrected state, not the first page's
    assert all(row["entry"]["value"] == value for value, row in rows.items())
    with db.connect() as conn:
        from tutela.storage.tables.media import hash_entries

        held = set(conn.execute(select(hash_entries.c.value).where(
            hash_entries.c.bank_id == inbound.list_inbound(db, b)[0].bank_id)).scalars())
    assert held == set(rows)  # no entry left behind by the deleted signal's first state
    assert match_bytes(db, IMAGES[911], org_id=b)[1] == []
    assert len(match_bytes(db, IMAGES[912], org_id=b)[1]) == 1
    assert _staged(db) == 0


def test_a_swap_refuses_a_feed_whose_bank_was_deleted(db: Database, introduce: Introduce) -> None:
    from tutela.exchange import resync
    from tutela.exchange.errors import ExchangeError

    _, b = introduce(db)
    partner = partners.get_partner(db, b, "tr-hotline")
    with pytest.raises(ExchangeError, match="lost its bank"):
        resync.swap_in(db, partner, 1, None)


def test_two_resyncs_of_one_feed_at_once_never_swap_in_a_mixed_snapshot(
    db: Database, introduce: Introduce, received_rows: ReceivedRows,
) -> None:
    a, b = introduce(db)
    banks.create_bank(db, a, "known")
    banks.add_entries(db, "known", [("pdq", v) for v in PDQ[:12]], org_id=a)
    pages = _pages(db, a, limit=5)
    first, second = resync.Run(), resync.Run()
    _accept(db, b, pages[0][1], first)
    _accept(db, b, pages[1][1], first)
    again = _pages(db, a, limit=5)  # another pull starts a resync of the same feed meanwhile
    _accept(db, b, again[0][1], second)
    from tutela.exchange.errors import ExchangeError

    with pytest.raises(ExchangeError, match="another resync of this feed"):
        _accept(db, b, pages[2][1], first)
    assert received_rows(db, b, "value") == {} and inbound.list_inbound(db, b)[0].checkpoint == 0
    _accept(db, b, again[1][1], second)
    with pytest.raises(ExchangeError, match="another resync of this feed"):
        _accept(db, b, again[2][1], second)  # the first one's last page was staged among its own: refused too
    assert received_rows(db, b, "value") == {}
    third = resync.Run()
    for _, wire in _pages(db, a, limit=5):  # the next pull resyncs in full
        _accept(db, b, wire, third)
    assert set(received_rows(db, b, "value")) == set(PDQ[:12])
