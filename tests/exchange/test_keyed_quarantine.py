"""Keyed URLs and accounts travel as HMACs only members can test; a surging signal is quarantined."""

from __future__ import annotations

import json

import pytest

from tutela.exchange import bundles, feed, keyed, partners, quarantine
from tutela.exchange.errors import ExchangeError
from tutela.hashing import banks, subscriptions

URL = "https://Example.TEST:443/path/page?id=7#top"


def test_keyed_identifiers_never_travel_in_the_clear(pair) -> None:  # noqa: ANN001
    made = keyed.create_group(pair.db, pair.a, "lantern-tr-az")
    key = keyed.group_key(pair.db, pair.a, "lantern-tr-az")
    joined = keyed.create_group(pair.db, pair.b, "lantern-tr-az", key_b64=key)
    assert joined["key_id"] == made["key_id"]
    assert keyed.share(pair.db, pair.a, "urls", "lantern-tr-az", "url", [URL]) == 1
    assert keyed.share(pair.db, pair.a, "urls", "lantern-tr-az", "account", ["Chat:@Groomer_1"]) == 1
    col = feed.get_collection(pair.db, pair.a, "urls")
    env = bundles.page_envelope(
        pair.db, pair.a, col, after=0, limit=100, to=partners.get_partner(pair.db, pair.a, "az-platform")
    )
    text = json.dumps(env).lower()
    assert "example.test" not in text and "groomer" not in text
    bundles.accept(pair.db, pair.b, env)
    # B finds them under its own spelling of the same URL and account; others are not listed
    assert [
        h["category"] for h in keyed.lookup(pair.db, pair.b, "url", "https://example.test/path/page?id=7")
    ] == ["sexual_exploitation"]
    assert len(keyed.lookup(pair.db, pair.b, "account", "chat:groomer_1")) == 1
    assert keyed.lookup(pair.db, pair.b, "url", "https://example.test/other") == []


def test_without_the_group_key_a_url_cannot_be_tested(pair) -> None:  # noqa: ANN001
    keyed.create_group(pair.db, pair.a, "g")
    keyed.create_group(pair.db, pair.b, "g")  # another key under the same name
    keyed.share(pair.db, pair.a, "urls", "g", "url", [URL])
    col = feed.get_collection(pair.db, pair.a, "urls")
    bundles.accept(
        pair.db,
        pair.b,
        bundles.page_envelope(
            pair.db, pair.a, col, after=0, limit=100, to=partners.get_partner(pair.db, pair.a, "az-platform")
        ),
    )
    assert keyed.lookup(pair.db, pair.b, "url", URL) == []


@pytest.mark.parametrize(
    "kind, bad", [("url", "no host here://"), ("account", "justahandle"), ("phone", "1")]
)
def test_bad_identifiers_are_refused(kind: str, bad: str) -> None:
    with pytest.raises(ExchangeError):
        keyed.normalise(kind, bad)


def test_a_sudden_surge_of_matches_quarantines_the_signal(pair) -> None:  # noqa: ANN001
    banks.create_bank(pair.db, pair.a, "known")
    banks.add_entries(pair.db, "known", [("sha256", "a" * 64), ("sha256", "b" * 64)], org_id=pair.a)
    bundles.accept(pair.db, pair.b, bundles.export_file(pair.db, pair.a, "known"), partner="tr-hotline")
    (sub,) = subscriptions.list_subscriptions(pair.db, pair.b)
    entries = {e.value: e.id for e in banks.list_entries(pair.db, sub.bank_id)}
    # a few matches are normal and quarantine nothing
    assert quarantine.record_matches(pair.db, pair.b, [entries["a" * 64]] * 5) == []
    # then a flood on one signal
    hit = quarantine.record_matches(pair.db, pair.b, [entries["b" * 64]] * 60)
    assert len(hit) == 1
    (q,) = quarantine.list_quarantined(pair.db, pair.b)
    assert q["value"] == "b" * 64 and "60 matches today" in q["reason"]
    assert {e.value for e in banks.list_entries(pair.db, sub.bank_id)} == {"a" * 64}  # it stopped matching
    # a fresh pull does not bring it back while it is quarantined
    bundles.accept(pair.db, pair.b, bundles.export_file(pair.db, pair.a, "known"), partner="tr-hotline")
    assert {e.value for e in banks.list_entries(pair.db, sub.bank_id)} == {"a" * 64}
    quarantine.release(pair.db, pair.b, q["stix_id"])
    assert {e.value for e in banks.list_entries(pair.db, sub.bank_id)} == {"a" * 64, "b" * 64}
    assert quarantine.list_quarantined(pair.db, pair.b) == []


def test_the_quarantine_reads_the_same_over_http(pair, client, auth) -> None:  # noqa: ANN001
    """The typed answer of GET /v1/exchange/quarantine is the engine's list, times as `isoformat()` writes
    them (`+00:00`, as before the route had a model), and a release answers in its own shape."""
    banks.create_bank(pair.db, pair.a, "known")
    banks.add_entries(pair.db, "known", [("sha256", "c" * 64)], org_id=pair.a)
    bundles.accept(pair.db, pair.b, bundles.export_file(pair.db, pair.a, "known"), partner="tr-hotline")
    (sub,) = subscriptions.list_subscriptions(pair.db, pair.b)
    (entry,) = banks.list_entries(pair.db, sub.bank_id)
    assert len(quarantine.record_matches(pair.db, pair.b, [entry.id] * 60)) == 1
    (q,) = quarantine.list_quarantined(pair.db, pair.b)
    key = auth("az-platform", ["exchange"])
    got = client.get("/v1/exchange/quarantine", headers=key)
    assert got.status_code == 200
    assert got.json() == [{**q, "quarantined_at": q["quarantined_at"].isoformat()}]
    assert got.json()[0]["quarantined_at"].endswith("+00:00")
    assert client.get("/v1/exchange/quarantine", headers=auth("tr-hotline", ["exchange"])).json() == []
    released = client.post(f"/v1/exchange/quarantine/{q['stix_id']}/release", headers=key)
    assert released.json() == {"released": q["stix_id"]}
    missing = client.post(f"/v1/exchange/quarantine/{q['stix_id']}/release", headers=key)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
