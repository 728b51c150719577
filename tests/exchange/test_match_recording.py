"""A match on a signal received from a partner is recorded by the matcher itself: `seen` feedback
for the source, and a count that quarantines the signal when it surges."""

from __future__ import annotations

import logging

from tutela.domain.media import MediaHashes, MediaKind
from tutela.exchange import bundles, envelope, feedback, observe, partners, quarantine
from tutela.hashing import banks, subscriptions
from tutela.hashing.matcher import match_hashes

SEEN, FLOOD = "c" * 64, "d" * 64


def _file(sha256: str) -> MediaHashes:
    return MediaHashes(md5="0" * 32, sha256=sha256, size=0, kind=MediaKind.OTHER)


def _received(pair) -> int:  # noqa: ANN001
    """A shares a bank of two SHA-256 signals; B accepts it. Returns B's bank id for them."""
    banks.create_bank(pair.db, pair.a, "known")
    banks.add_entries(pair.db, "known", [("sha256", SEEN), ("sha256", FLOOD)], org_id=pair.a)
    bundles.accept(pair.db, pair.b, bundles.export_file(pair.db, pair.a, "known"), partner="tr-hotline")
    (sub,) = subscriptions.list_subscriptions(pair.db, pair.b)
    return sub.bank_id


def test_a_match_on_a_received_signal_reaches_the_source_as_seen(pair) -> None:  # noqa: ANN001
    _received(pair)
    source = partners.get_partner(pair.db, pair.b, "tr-hotline")
    assert feedback.pending(pair.db, pair.b, source.id) == []
    (m,) = match_hashes(pair.db, _file(SEEN), org_id=pair.b)
    assert m.value == SEEN and m.subscribed
    match_hashes(pair.db, _file(SEEN), org_id=pair.b)
    (item,) = feedback.pending(pair.db, pair.b, source.id)
    assert item["seen"] == 2 and item["opinion"] is None
    # what `feedback.send` would deliver, opened at the source: A sees its signal was seen twice by B
    env = envelope.seal(pair.db, pair.b, feedback.KIND, {"opinions": [item]}, to=source, share_level="amber")
    assert feedback.accept(pair.db, pair.a, env) == {"kept": 1, "unknown": 0}
    (at_source,) = feedback.for_signal(pair.db, pair.a, item["stix_id"])
    assert at_source["seen"] == 2


def test_matches_on_own_banks_and_untrusted_callers_record_nothing(pair) -> None:  # noqa: ANN001
    _received(pair)
    # A matches its own bank: no received signal, no feedback for anyone
    assert [m.value for m in match_hashes(pair.db, _file(SEEN), org_id=pair.a)] == [SEEN]
    # a local caller without an organisation (CLI) is not a receiver either
    match_hashes(pair.db, _file(SEEN))
    for org in (pair.a, pair.b):
        for p in partners.list_partners(pair.db, org):
            assert feedback.pending(pair.db, org, p.id) == []


def test_a_surge_of_matches_quarantines_the_received_signal(pair) -> None:  # noqa: ANN001
    bank_id = _received(pair)
    for _ in range(quarantine.MIN_SURGE - 1):
        assert [m.value for m in match_hashes(pair.db, _file(FLOOD), org_id=pair.b)] == [FLOOD]
    assert quarantine.list_quarantined(pair.db, pair.b) == []
    # the match that makes the surge still answers; the next one no longer matches
    assert [m.value for m in match_hashes(pair.db, _file(FLOOD), org_id=pair.b)] == [FLOOD]
    (q,) = quarantine.list_quarantined(pair.db, pair.b)
    assert q["value"] == FLOOD and q["matches"] == quarantine.MIN_SURGE
    assert match_hashes(pair.db, _file(FLOOD), org_id=pair.b) == []
    assert {e.value for e in banks.list_entries(pair.db, bank_id)} == {SEEN}
    assert [m.value for m in match_hashes(pair.db, _file(SEEN), org_id=pair.b)] == [SEEN]


def test_a_failure_while_recording_is_logged_and_the_match_stands(pair, monkeypatch, caplog) -> None:  # noqa: ANN001
    _received(pair)

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("feedback table unavailable")

    monkeypatch.setattr(feedback, "seen", broken)
    with caplog.at_level(logging.ERROR, logger=observe.__name__):
        assert [m.value for m in match_hashes(pair.db, _file(SEEN), org_id=pair.b)] == [SEEN]
    assert "the match stands" in caplog.text
