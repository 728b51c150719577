"""Signed bundle files: export from A, import at B into a bank B reviews; deletions and refusals."""

from __future__ import annotations

import copy

import pytest

from tutela.domain.media import SubscriptionMode
from tutela.exchange import bundles, feed, partners, stix
from tutela.exchange.errors import Refused
from tutela.hashing import banks, subscriptions

PDQ = ["f" * 8 + format(i, "056x") for i in range(3)]
SHA = ["a" * 60 + format(i, "04x") for i in range(2)]


def _bank(pair, name: str = "known") -> None:
    banks.create_bank(pair.db, pair.a, name)
    banks.add_entries(pair.db, name, [("pdq", v) for v in PDQ] + [("sha256", v) for v in SHA], org_id=pair.a)


def _received(pair) -> dict[str, str]:
    (sub,) = subscriptions.list_subscriptions(pair.db, pair.b)
    return {e.value: e.signal_type for e in banks.list_entries(pair.db, sub.bank_id)}


def test_export_import_lands_in_a_bank_the_receiver_reviews(pair) -> None:
    _bank(pair)
    env = bundles.export_file(pair.db, pair.a, "known")
    objects = env["body"]["bundle"]["objects"]
    assert len(stix.indicators_of(env["body"]["bundle"])) == 5
    assert {o["type"] for o in objects} >= {
        "identity",
        "extension-definition",
        "marking-definition",
        "indicator",
    }
    assert env["to"] is None and env["share_level"] == "amber"
    result = bundles.accept(pair.db, pair.b, env, partner="tr-hotline")
    assert result.applied.added == 5
    (sub,) = subscriptions.list_subscriptions(pair.db, pair.b)
    assert sub.mode is SubscriptionMode.REVIEW and sub.active
    assert _received(pair) == {**dict.fromkeys(PDQ, "pdq"), **dict.fromkeys(SHA, "sha256")}
    assert banks.get_bank(pair.db, sub.bank_id).owner_org_id not in (pair.a, pair.b)


def test_a_deletion_and_a_readd_reach_the_receiver(pair) -> None:
    _bank(pair)
    bundles.accept(pair.db, pair.b, bundles.export_file(pair.db, pair.a, "known"), partner="tr-hotline")
    banks.remove_entries(pair.db, "known", [PDQ[0]], org_id=pair.a)
    env = bundles.export_file(pair.db, pair.a, "known")
    assert sum(1 for o in stix.indicators_of(env["body"]["bundle"]) if o.get("revoked")) == 1
    result = bundles.accept(pair.db, pair.b, env, partner="tr-hotline")
    assert result.applied.removed == 1 and PDQ[0] not in _received(pair)
    banks.add_entries(pair.db, "known", [("pdq", PDQ[0])], org_id=pair.a)
    bundles.accept(pair.db, pair.b, bundles.export_file(pair.db, pair.a, "known"), partner="tr-hotline")
    assert PDQ[0] in _received(pair)


def test_replayed_tampered_and_older_bundles_are_refused(pair) -> None:
    _bank(pair)
    first = bundles.export_file(pair.db, pair.a, "known")
    bundles.accept(pair.db, pair.b, first, partner="tr-hotline")
    with pytest.raises(Refused, match="replayed"):
        bundles.accept(pair.db, pair.b, first, partner="tr-hotline")
    banks.add_entries(pair.db, "known", [("sha256", "b" * 64)], org_id=pair.a)
    second = bundles.export_file(pair.db, pair.a, "known")
    tampered = copy.deepcopy(second)
    tampered["body"]["bundle"]["objects"][-1]["confidence"] = 100
    with pytest.raises(Refused, match="tampered"):
        bundles.accept(pair.db, pair.b, tampered, partner="tr-hotline")
    bundles.accept(pair.db, pair.b, second, partner="tr-hotline")
    banks.add_entries(pair.db, "known", [("sha256", "c" * 64)], org_id=pair.a)
    third = bundles.export_file(pair.db, pair.a, "known")
    fourth = bundles.export_file(pair.db, pair.a, "known")
    bundles.accept(pair.db, pair.b, fourth, partner="tr-hotline")
    feed.sync(pair.db, feed.get_collection(pair.db, pair.a, "known").id)
    assert third["body"]["next"] == fourth["body"]["next"]  # same position: not older, accepted
    bundles.accept(pair.db, pair.b, third, partner="tr-hotline")


def test_nothing_above_the_partner_level_leaves_and_nothing_above_ours_enters(pair) -> None:
    _bank(pair)
    feed.ensure_collection(pair.db, pair.a, "known", share_level="red")
    to_b = partners.get_partner(pair.db, pair.a, "az-platform")  # amber
    env = bundles.export_file(pair.db, pair.a, "known", to=to_b)
    assert stix.indicators_of(env["body"]["bundle"]) == []  # red signals withheld from an amber partner
    partners.update_partner(pair.db, pair.a, "az-platform", share_level="red")
    env = bundles.export_file(
        pair.db, pair.a, "known", to=partners.get_partner(pair.db, pair.a, "az-platform")
    )
    assert len(stix.indicators_of(env["body"]["bundle"])) == 5 and env["share_level"] == "red"
    with pytest.raises(Refused, match="TLP:RED is above partner 'tr-hotline'"):
        bundles.accept(pair.db, pair.b, env, partner="tr-hotline")
    assert subscriptions.list_subscriptions(pair.db, pair.b) == []


def test_an_indicator_above_the_envelope_claim_is_refused(pair) -> None:
    """A sender cannot slip a RED object into an envelope it signed as GREEN (its own bug or malice)."""
    from tutela.exchange import envelope, identity

    _bank(pair)
    env = bundles.export_file(pair.db, pair.a, "known")
    body = copy.deepcopy(env["body"])
    body["bundle"]["objects"][-1]["object_marking_refs"] = [stix.TLP_MARKINGS[stix.TLP.RED]]
    forged = envelope.seal(pair.db, pair.a, bundles.KIND, body, to=None, share_level="green")
    assert identity.current_key(pair.db, pair.a).key_id == forged["from"]["key_id"]
    with pytest.raises(Refused, match="above the bundle's TLP:GREEN"):
        bundles.accept(pair.db, pair.b, forged, partner="tr-hotline")
