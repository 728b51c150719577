"""An organisation's signing keys: made once, kept in the vault, rotated with overlap, revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tutela.access import create_org
from tutela.cases import audit
from tutela.exchange import identity, jose
from tutela.storage.db import Database
from tutela.storage.tables.cases import vault_objects
from tutela.storage.tables.exchange import exchange_keys
from tutela.storage.times import utc_now


def test_first_use_makes_one_key_kept_encrypted(db: Database) -> None:
    org = create_org(db, "tr-hotline")
    first = identity.current_key(db, org)
    assert identity.current_key(db, org) == first  # made once
    assert first.key_id == jose.thumbprint(jose.parse_public_key(first.public_key))
    signer = identity.signer(db, org)
    raw_private = signer.private_key.private_bytes_raw()
    with db.connect() as conn:
        row = conn.execute(select(exchange_keys)).one()
        sealed = conn.execute(select(vault_objects).where(vault_objects.c.id == row.private_vault_id)).one()
    assert raw_private not in bytes(sealed.ciphertext)
    assert sealed.purpose == identity.VAULT_PURPOSE
    assert any(e["action"] == "exchange.key_create" for e in audit.entries(db))


def test_keys_are_per_organisation(db: Database) -> None:
    a, b = create_org(db, "a"), create_org(db, "b")
    assert identity.current_key(db, a).key_id != identity.current_key(db, b).key_id
    with pytest.raises(identity.IdentityError, match="no organisation"):
        identity.org_id_of(db, "nobody")


def test_rotation_keeps_the_old_key_verifying_for_the_overlap(db: Database) -> None:
    org = create_org(db, "tr-hotline")
    old = identity.current_key(db, org)
    new = identity.rotate(db, org, overlap=timedelta(days=2))
    assert new.key_id != old.key_id and new.current
    listed = {k.key_id: k for k in identity.keys(db, org)}
    assert listed[old.key_id].status == "retiring"
    assert identity.verifies(listed[old.key_id])
    assert not identity.verifies(listed[old.key_id], at=utc_now() + timedelta(days=3))
    assert identity.signer(db, org).key_id == new.key_id
    identity.retire(db, org, old.key_id)
    assert not identity.verifies(next(k for k in identity.keys(db, org) if k.key_id == old.key_id))
    with pytest.raises(identity.IdentityError, match="current signing key"):
        identity.retire(db, org, new.key_id)


def test_revoked_key_never_verifies_and_a_new_one_is_made(db: Database) -> None:
    org = create_org(db, "tr-hotline")
    key = identity.current_key(db, org)
    revoked = identity.revoke(db, org, key.key_id, reason="laptop stolen")
    assert revoked.status == "revoked" and not identity.verifies(revoked)
    assert key.key_id not in identity.own_key_ids(db, org)
    assert identity.current_key(db, org).key_id != key.key_id
    with pytest.raises(identity.IdentityError, match="already revoked"):
        identity.revoke(db, org, key.key_id)


def test_identity_document_is_signed_and_endorses_the_rotated_key(db: Database) -> None:
    org = create_org(db, "tr-hotline")
    old = identity.current_key(db, org)
    new = identity.rotate(db, org)
    doc = identity.identity_document(db, org)
    assert doc["key_id"] == new.key_id and doc["org"] == "tr-hotline"
    body = {k: v for k, v in doc.items() if k != "signature"}
    jose.verify(body, doc["signature"], jose.parse_public_key(new.public_key), typ=identity.IDENTITY_TYP)
    (endorsement,) = doc["endorsements"]
    assert endorsement["statement"]["endorses"]["kid"] == new.key_id
    header = jose.verify(
        endorsement["statement"],
        endorsement["signature"],
        jose.parse_public_key(old.public_key),
        typ=identity.ENDORSEMENT_TYP,
    )
    assert header.kid == old.key_id
