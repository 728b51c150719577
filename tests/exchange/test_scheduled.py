"""The scheduler's exchange tasks: a periodic pull from each partner with a URL (feedback delivered with
it), and the purge of old tombstones, each run as `tutela scheduler --once` runs a round."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tutela.exchange import feed, feedback, partners, periodic
from tutela.hashing import banks
from tutela.hashing.hasher import hash_bytes
from tutela.hashing.matcher import match_bytes
from tutela.hashing.synthetic import synthetic_jpeg
from tutela.jobs.scheduler import TASKS, Scheduler
from tutela.storage.tables.exchange import exchange_signals
from tutela.storage.times import utc_now

IMAGES = {seed: synthetic_jpeg(seed) for seed in (911, 912)}


def _round(inst, *names: str) -> list[str]:  # noqa: ANN001
    """One scheduler round on an instance, with only the named shipped tasks."""
    return Scheduler(inst.db, inst.settings, "test", tasks={n: TASKS[n] for n in names}).tick()


def test_a_scheduled_pull_brings_the_partners_signals_and_delivers_seen(two_instances) -> None:  # noqa: ANN001
    a, b = two_instances
    pdqs = {seed: hash_bytes(data).pdq for seed, data in IMAGES.items()}
    banks.create_bank(a.db, a.org_id, "known-csam")
    banks.add_entries(a.db, "known-csam", [("pdq", v) for v in pdqs.values()], org_id=a.org_id)
    feed.ensure_collection(a.db, a.org_id, "known-csam")
    assert match_bytes(b.db, IMAGES[911], org_id=b.org_id)[1] == []

    assert _round(b, "exchange-pull") == ["exchange-pull"]
    _, matches = match_bytes(b.db, IMAGES[911], org_id=b.org_id)
    assert [m.value for m in matches] == [pdqs[911]]
    # within its interval the task does not run again; the seen waits for the next pull
    assert _round(b, "exchange-pull") == []
    source = partners.get_partner(b.db, b.org_id, a.org)
    assert [i["seen"] for i in feedback.pending(b.db, b.org_id, source.id)] == [1]

    # a partner without a URL is skipped; the round still reaches A and delivers the seen
    partners.add_partner(
        b.db, b.org_id, "no-url-platform", partners.get_partner(b.db, b.org_id, a.org).keys[0].public_key
    )
    (result,) = periodic.pull_all(b.db, b.settings)
    assert result["partner"] == a.org and "error" not in result and result["feedback_sent"] == 1
    (seen_at_a,) = feedback.for_signal(
        a.db,
        a.org_id,
        next(
            s.stix_id
            for s in feed.read_page(
                a.db, feed.get_collection(a.db, a.org_id, "known-csam").id, after=0, limit=10
            ).signals
            if s.value == pdqs[911]
        ),
    )
    assert seen_at_a["seen"] == 1 and seen_at_a["partner"] == b.org


def test_a_partner_that_is_down_is_reported_and_the_others_still_pulled(two_instances) -> None:  # noqa: ANN001
    a, b = two_instances
    key = partners.get_partner(b.db, b.org_id, a.org).keys[0].public_key
    partners.add_partner(b.db, b.org_id, "down-hotline", key, url="http://127.0.0.1:9")
    results = {r["partner"]: r for r in periodic.pull_all(b.db)}
    assert "error" in results["down-hotline"]
    assert "error" not in results[a.org]


def test_the_scheduled_purge_drops_only_tombstones_past_the_horizon(two_instances) -> None:  # noqa: ANN001
    a, _ = two_instances
    pdqs = [hash_bytes(data).pdq for data in IMAGES.values()]
    banks.create_bank(a.db, a.org_id, "known-csam")
    banks.add_entries(a.db, "known-csam", [("pdq", v) for v in pdqs], org_id=a.org_id)
    col = feed.ensure_collection(a.db, a.org_id, "known-csam")
    feed.sync(a.db, col.id)
    banks.remove_entries(a.db, "known-csam", pdqs, org_id=a.org_id)
    feed.sync(a.db, col.id)
    assert feed.counts(a.db, col.id)["tombstones"] == 2
    old = utc_now() - timedelta(days=a.settings.exchange_tombstone_days + 1)
    with a.db.begin() as conn:
        conn.execute(
            update(exchange_signals)
            .where(exchange_signals.c.collection_id == col.id, exchange_signals.c.value == pdqs[0])
            .values(updated_at=old)
        )
    assert _round(a, "exchange-tombstone-purge") == ["exchange-tombstone-purge"]
    assert feed.counts(a.db, col.id)["tombstones"] == 1
