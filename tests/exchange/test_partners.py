"""Partners: registration, policy in both directions, keys and their rotation."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tutela.access import create_org
from tutela.cases import audit
from tutela.domain.exchange import TLP
from tutela.exchange import identity, jose, partners
from tutela.exchange.errors import ExchangeError, Refused
from tutela.storage.db import Database


def _key() -> str:
    return jose.public_text(Ed25519PrivateKey.generate().public_key())


def test_add_list_and_revoke(db: Database) -> None:
    org = create_org(db, "tr-hotline")
    key = _key()
    p = partners.add_partner(
        db,
        org,
        "az-police",
        key,
        url="https://az.example/",
        share_level="AMBER+STRICT",
        categories=["sexual_exploitation"],
        countries=["az", "tr"],
    )
    assert p.share_level is TLP.AMBER_STRICT and not p.may_receive_content
    assert p.endpoint_url == "https://az.example" and p.countries == ["AZ", "TR"]
    assert [k.public_key for k in p.keys] == [key]
    assert [x.name for x in partners.list_partners(db, org)] == ["az-police"]
    with pytest.raises(ExchangeError, match="already exists"):
        partners.add_partner(db, org, "az-police", _key())
    revoked = partners.revoke_partner(db, org, "az-police", reason="agreement ended")
    assert not revoked.active
    assert partners.list_partners(db, org, include_revoked=False) == []
    actions = [e["action"] for e in audit.entries(db)]
    assert "exchange.partner_add" in actions and "exchange.partner_revoke" in actions


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"share_level": "purple"}, "unknown share level"),
        ({"categories": ["cats"]}, "unknown categories"),
        ({"signal_types": ["crc32"]}, "unknown signal types"),
        ({"countries": ["Turkey"]}, "alpha-2"),
        ({"url": "ftp://x"}, "must start with https"),
    ],
)
def test_bad_policy_is_refused_and_nothing_is_stored(db: Database, fields: dict, message: str) -> None:
    org = create_org(db, "tr-hotline")
    with pytest.raises(ExchangeError, match=message):
        partners.add_partner(db, org, "p", _key(), **fields)
    assert partners.list_partners(db, org) == []


def test_bad_public_key_is_refused(db: Database) -> None:
    org = create_org(db, "tr-hotline")
    with pytest.raises(ExchangeError, match="Ed25519"):
        partners.add_partner(db, org, "p", "not-a-key")


def test_refusal_applies_every_rule(db: Database) -> None:
    org = create_org(db, "tr-hotline")
    p = partners.add_partner(
        db,
        org,
        "p",
        _key(),
        share_level="green",
        categories=["sexual_exploitation"],
        signal_types=["pdq"],
        countries=["AZ"],
    )
    assert (
        partners.refusal(
            p, share_level="clear", category="sexual_exploitation", signal_type="pdq", country="AZ"
        )
        is None
    )
    assert "above partner 'p'" in partners.refusal(p, share_level="amber")
    assert "may not receive content" in partners.refusal(p, share_level="green", content=True)
    assert "category" in partners.refusal(p, share_level="green", category="fraud")
    assert "signal type" in partners.refusal(p, share_level="green", signal_type="md5")
    assert "country" in partners.refusal(p, share_level="green", country="IR")
    p = partners.update_partner(db, org, "p", share_level="red", may_receive_content=True)
    assert partners.refusal(p, share_level="red", content=True, category="sexual_exploitation") is None


def test_verification_key_says_why_a_key_is_not_usable(db: Database) -> None:
    org = create_org(db, "tr-hotline")
    p = partners.add_partner(db, org, "p", _key())
    kid = p.keys[0].key_id
    assert partners.verification_key(db, org, "p", kid)[0].name == "p"
    with pytest.raises(Refused, match="unknown key"):
        partners.verification_key(db, org, "p", "somebody-else")
    partners.revoke_key(db, org, "p", kid, reason="compromised")
    with pytest.raises(Refused, match="was revoked \\(compromised\\)"):
        partners.verification_key(db, org, "p", kid)
    with pytest.raises(ExchangeError, match="no partner 'q'; partners: p"):
        partners.get_partner(db, org, "q")


def test_a_rotation_endorsed_by_a_trusted_key_is_followed(db: Database) -> None:
    a, b = create_org(db, "a"), create_org(db, "b")
    partners.add_partner(db, b, "a", identity.current_key(db, a).public_key)
    new = identity.rotate(db, a)
    result = partners.refresh_from_identity(db, b, "a", identity.identity_document(db, a))
    assert result["added"] == [new.key_id]
    assert partners.verification_key(db, b, "a", new.key_id)[1] is not None
    assert partners.get_partner(db, b, "a").keys[-1].endorsed_by is not None
    # a document signed by a key b never trusted is not taken
    c = create_org(db, "c")
    with pytest.raises(Refused, match="not signed by a key we trust"):
        partners.refresh_from_identity(db, b, "a", identity.identity_document(db, c))


def test_keys_the_partner_revoked_are_revoked_here(db: Database) -> None:
    a, b = create_org(db, "a"), create_org(db, "b")
    old = identity.current_key(db, a)
    partners.add_partner(db, b, "a", old.public_key)
    identity.rotate(db, a)
    partners.refresh_from_identity(db, b, "a", identity.identity_document(db, a))
    identity.revoke(db, a, old.key_id, reason="leaked")
    result = partners.refresh_from_identity(db, b, "a", identity.identity_document(db, a))
    assert result["revoked"] == [old.key_id]
    with pytest.raises(Refused, match="revoked"):
        partners.verification_key(db, b, "a", old.key_id)
