"""Two real instances on loopback (uvicorn; PostgreSQL for one when available): pull, push, matching a
generated image, feedback both ways, a deletion that stops matching, a stale checkpoint, refusals."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tutela.domain.media import MatchTrust
from tutela.exchange import feed, feedback, identity, inbound, partners, transport
from tutela.exchange.errors import Refused
from tutela.hashing import banks
from tutela.hashing.hasher import hash_bytes
from tutela.hashing.matcher import match_bytes
from tutela.hashing.synthetic import synthetic_jpeg
from tutela.storage.times import utc_now

IMAGES = {seed: synthetic_jpeg(seed) for seed in (901, 902, 903)}


def _share_images(a) -> dict[int, str]:  # noqa: ANN001
    pdqs = {seed: hash_bytes(data).pdq for seed, data in IMAGES.items()}
    banks.create_bank(a.db, a.org_id, "known-csam")
    banks.add_entries(a.db, "known-csam", [("pdq", v) for v in pdqs.values()], org_id=a.org_id)
    feed.ensure_collection(a.db, a.org_id, "known-csam")  # offered to partners (their policies filter it)
    return pdqs


def _stix_id(a, value: str) -> str:  # noqa: ANN001
    col = feed.get_collection(a.db, a.org_id, "known-csam")
    return next(
        s.stix_id for s in feed.read_page(a.db, col.id, after=0, limit=1000).signals if s.value == value
    )


def test_share_match_feedback_and_delete_across_two_servers(two_instances) -> None:  # noqa: ANN001
    a, b = two_instances
    pdqs = _share_images(a)
    (result,) = transport.pull(b.db, b.org_id, a.org)
    assert result["added"] == 3 and result["pages"] >= 1

    # B matches a generated image against what A shared: a clue for review, not a block
    _, matches = match_bytes(b.db, IMAGES[901], org_id=b.org_id)
    assert [m.trust for m in matches] == [MatchTrust.REVIEW]
    assert matches[0].value == pdqs[901]
    # the match itself was counted as `seen` for A (the matcher records matches on received signals)
    assert [i["seen"] for i in feedback.pending(b.db, b.org_id, partners.get_partner(b.db, b.org_id, a.org).id)] == [1]

    # B confirms one signal and disputes another; A sees both, per signal and as precision
    confirmed, disputed = _stix_id(a, pdqs[901]), _stix_id(a, pdqs[902])
    feedback.record(b.db, b.org_id, confirmed, "confirmed")
    feedback.record(b.db, b.org_id, disputed, "disputed", reason="a cartoon, not abuse material")
    sent = feedback.send(b.db, b.org_id, a.org)
    assert sent["sent"] == 2 and sent["answer"] == {"kept": 2, "unknown": 0}
    assert feedback.for_signal(a.db, a.org_id, confirmed)[0]["opinion"] == "confirmed"
    assert feedback.for_signal(a.db, a.org_id, confirmed)[0]["seen"] == 1
    (dispute,) = feedback.for_signal(a.db, a.org_id, disputed)
    assert dispute["opinion"] == "disputed" and dispute["reason"] == "a cartoon, not abuse material"
    (prec,) = feedback.precision(a.db, a.org_id)
    assert (
        prec["partner"] == b.org
        and prec["confirmed"] == 1
        and prec["disputed"] == 1
        and prec["precision"] == 0.5
    )

    # A deletes a signal: one pull later B no longer matches it, and still matches the others
    banks.remove_entries(a.db, "known-csam", [pdqs[901]], org_id=a.org_id)
    (result,) = transport.pull(b.db, b.org_id, a.org)
    assert result["removed"] == 1 and result["added"] == 0
    assert match_bytes(b.db, IMAGES[901], org_id=b.org_id)[1] == []
    assert len(match_bytes(b.db, IMAGES[903], org_id=b.org_id)[1]) == 1

    # an incremental pull with nothing new moves nothing
    (result,) = transport.pull(b.db, b.org_id, a.org)
    assert (result["added"], result["removed"], result["updated"]) == (0, 0, 0)


def test_push_reaches_the_partner_inbox(two_instances) -> None:  # noqa: ANN001
    a, b = two_instances
    pdqs = _share_images(a)
    (pushed,) = transport.push(a.db, a.org_id, b.org)
    assert pushed["sent"] == 3
    assert len(match_bytes(b.db, IMAGES[902], org_id=b.org_id)[1]) == 1
    banks.remove_entries(a.db, "known-csam", [pdqs[902]], org_id=a.org_id)
    (pushed,) = transport.push(a.db, a.org_id, b.org)
    assert pushed["sent"] == 1  # only the tombstone: pushes go on from what the partner accepted
    assert match_bytes(b.db, IMAGES[902], org_id=b.org_id)[1] == []


def test_a_stale_checkpoint_resyncs_in_full(two_instances) -> None:  # noqa: ANN001
    a, b = two_instances
    pdqs = _share_images(a)
    transport.pull(b.db, b.org_id, a.org)
    banks.remove_entries(a.db, "known-csam", [pdqs[903]], org_id=a.org_id)
    col = feed.get_collection(a.db, a.org_id, "known-csam")
    feed.sync(a.db, col.id)
    # the tombstone is purged before B pulls again: B's checkpoint is now below the horizon
    assert feed.purge(a.db, col.id, older_than=utc_now() + timedelta(seconds=1)) == 1
    (result,) = transport.pull(b.db, b.org_id, a.org)
    assert result["full_resyncs"] == 1 and result["withdrawn_by_resync"] == 1
    assert match_bytes(b.db, IMAGES[903], org_id=b.org_id)[1] == []
    assert len(match_bytes(b.db, IMAGES[901], org_id=b.org_id)[1]) == 1
    (inb,) = inbound.list_inbound(b.db, b.org_id)
    assert inb.full_resyncs >= 1


def test_refusals_over_http(two_instances, instance_factory) -> None:  # noqa: ANN001
    a, b = two_instances
    _share_images(a)
    # a stranger (registered nowhere) signs its request with a key A does not know
    c = instance_factory("ir-ngo", kind="ngo", country="IR")
    partners.add_partner(c.db, c.org_id, a.org, identity.current_key(a.db, a.org_id).public_key, url=a.url)
    with pytest.raises(Refused, match="unknown key"):
        transport.pull(c.db, c.org_id, a.org)
    # a request replayed verbatim is refused
    auth, _ = transport.sign_request(
        b.db, b.org_id, "GET", "/taxii2/api/collections/", identity.current_key(a.db, a.org_id).key_id
    )
    with httpx.Client() as client:
        assert (
            client.get(a.url + "/taxii2/api/collections/", headers={"Authorization": auth}).status_code == 200
        )
        again = client.get(a.url + "/taxii2/api/collections/", headers={"Authorization": auth})
        assert again.status_code == 409 and "replayed" in again.json()["error"]
        # the same signature for another path is refused
        other = client.get(a.url + "/taxii2/api/collections/x/objects/", headers={"Authorization": auth})
        assert other.status_code == 401
    # A revokes B: B's pulls are refused and nothing more leaves A
    partners.revoke_partner(a.db, a.org_id, b.org)
    with pytest.raises(Refused, match="was revoked"):
        transport.pull(b.db, b.org_id, a.org)
    with pytest.raises(Refused, match="was revoked"):
        transport.push(a.db, a.org_id, b.org)
