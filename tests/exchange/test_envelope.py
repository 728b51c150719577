"""Signed envelopes: the sender's policy before signing, every receiver check after."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from tutela.access import create_org
from tutela.domain.exchange import TLP
from tutela.exchange import envelope, identity, partners
from tutela.exchange.errors import Refused
from tutela.storage.times import utc_now

BODY = {"type": "bundle", "objects": [{"value": "ab" * 32}]}


def _sealed(pair, **kw):
    to = partners.get_partner(pair.db, pair.a, "az-platform")
    return envelope.seal(
        pair.db, pair.a, "stix-bundle", BODY, to=to, share_level=kw.pop("share_level", "amber"), **kw
    )


def _open(pair, env, **kw):
    return envelope.open_envelope(pair.db, pair.b, env, kind="stix-bundle", partner="tr-hotline", **kw)


def test_sealed_envelope_opens_once(pair) -> None:
    env = _sealed(pair)
    opened = _open(pair, env)
    assert opened.body == BODY and opened.partner.name == "tr-hotline" and opened.share_level is TLP.AMBER
    with pair.db.begin() as conn:
        envelope.remember(conn, pair.b, opened)
    with pytest.raises(Refused, match="replayed envelope"):
        _open(pair, env)
    with pytest.raises(Refused, match="replayed envelope"), pair.db.begin() as conn:
        envelope.remember(conn, pair.b, opened)


def test_the_signing_key_finds_the_partner(pair) -> None:
    assert envelope.open_envelope(pair.db, pair.b, _sealed(pair)).partner.name == "tr-hotline"


@pytest.mark.parametrize(
    "change",
    [
        lambda e: e["body"]["objects"][0].update(value="cd" * 32),
        lambda e: e.update(share_level="clear"),
        lambda e: e.update(content=True),
        lambda e: e.update(nonce="0" * 32),
        lambda e: e["from"].update(org="someone-else"),
    ],
)
def test_any_change_after_signing_is_refused_as_tampered(pair, change) -> None:
    env = copy.deepcopy(_sealed(pair))
    change(env)
    with pytest.raises(Refused, match="tampered"):
        _open(pair, env)


def test_unknown_and_revoked_keys_and_partners_are_refused(pair) -> None:
    env = _sealed(pair)
    stranger = create_org(pair.db, "stranger")
    env_from_stranger = envelope.seal(pair.db, stranger, "stix-bundle", BODY, to=None, share_level="green")
    with pytest.raises(Refused, match="unknown key"):
        _open(pair, env_from_stranger)
    with pytest.raises(Refused, match="unknown key"):
        envelope.open_envelope(pair.db, pair.b, env_from_stranger)
    kid = identity.current_key(pair.db, pair.a).key_id
    partners.revoke_key(pair.db, pair.b, "tr-hotline", kid, reason="compromised")
    with pytest.raises(Refused, match="revoked"):
        _open(pair, env)
    partners.revoke_partner(pair.db, pair.b, "tr-hotline")
    with pytest.raises(Refused, match="partner 'tr-hotline' was revoked"):
        _open(pair, env)


def test_a_key_the_sender_rotated_keeps_working_only_when_the_receiver_followed(pair) -> None:
    identity.rotate(pair.db, pair.a)
    env = _sealed(pair)
    with pytest.raises(Refused, match="unknown key"):
        _open(pair, env)
    partners.refresh_from_identity(pair.db, pair.b, "tr-hotline", identity.identity_document(pair.db, pair.a))
    assert _open(pair, env).body == BODY


def test_the_sender_refuses_what_its_policy_does_not_allow(pair) -> None:
    with pytest.raises(Refused, match="above partner 'az-platform'"):
        _sealed(pair, share_level="red")
    with pytest.raises(Refused, match="may not receive content"):
        _sealed(pair, content=True)
    with pytest.raises(Refused, match="TLP:RED goes only to named recipients"):
        envelope.seal(pair.db, pair.a, "stix-bundle", BODY, to=None, share_level="red")
    with pytest.raises(Refused, match="content goes only to a named partner"):
        envelope.seal(pair.db, pair.a, "stix-bundle", BODY, to=None, share_level="green", content=True)


def test_the_receiver_refuses_above_the_partners_share_level_and_unallowed_content(pair) -> None:
    # A trusts B with red and content; B only accepts green and no content from A
    partners.update_partner(pair.db, pair.a, "az-platform", share_level="red", may_receive_content=True)
    partners.update_partner(pair.db, pair.b, "tr-hotline", share_level="green")
    with pytest.raises(Refused, match="TLP:AMBER is above partner 'tr-hotline'"):
        _open(pair, _sealed(pair, share_level="amber"))
    partners.update_partner(pair.db, pair.b, "tr-hotline", share_level="red")
    with pytest.raises(Refused, match="may not receive content"):
        _open(pair, _sealed(pair, share_level="amber", content=True))


def test_envelopes_for_someone_else_too_old_or_from_the_future_are_refused(pair) -> None:
    c = create_org(pair.db, "ir-ngo")
    partners.add_partner(pair.db, pair.a, "ir-ngo", identity.current_key(pair.db, c).public_key)
    partners.add_partner(pair.db, c, "tr-hotline", identity.current_key(pair.db, pair.a).public_key)
    for_c = envelope.seal(
        pair.db,
        pair.a,
        "stix-bundle",
        BODY,
        to=partners.get_partner(pair.db, pair.a, "ir-ngo"),
        share_level="amber",
    )
    with pytest.raises(Refused, match="addressed to key"):
        _open(pair, for_c)
    env = _sealed(pair)
    with pytest.raises(Refused, match="older than"):
        _open(pair, env, now=utc_now() + envelope.MAX_AGE + timedelta(hours=1))
    with pytest.raises(Refused, match="in the future"):
        _open(pair, env, now=utc_now() - timedelta(hours=1))


def test_wrong_kind_and_garbage_are_refused(pair) -> None:
    with pytest.raises(Refused, match="expected a 'feedback' envelope"):
        envelope.open_envelope(pair.db, pair.b, _sealed(pair), kind="feedback")
    for garbage in (None, [], {"tutela_exchange": 1}, {"tutela_exchange": 1, "signature": "x..y"}):
        with pytest.raises(Refused):
            envelope.open_envelope(pair.db, pair.b, garbage)
