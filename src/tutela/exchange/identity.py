"""An organisation's exchange identity: its Ed25519 signing keys, rotated with overlap, revocable.

Each organisation signs what it shares with its own key (not the instance's
audit key: two tenants of one instance are two organisations to their
partners). The private key is a vault object (AES-256-GCM under the vault key,
re-encrypted by `tutela vault rotate-key`); only the public half and its key
id (the RFC 7638 thumbprint, which anyone can recompute from the key) are
columns.

Lifecycle:
- the first key is made on first use (`current_key`);
- `rotate` makes a new current key; the old one still *verifies* for the
  overlap (default 30 days: bundles signed before the rotation and partners
  that have not refreshed yet keep working), and signs an endorsement of the
  new key, so a partner that trusts the old key can take the new one without
  a phone call (`partners.refresh_from_identity`);
- `retire` ends a key's overlap now; `revoke` marks a key as compromised: it
  never verifies again and partners are told in the identity document.

Every change is written to the audit trail.

Use::

    from tutela.exchange import identity
    key = identity.current_key(db, org_id)           # SigningKey (public) - made on first use
    signer = identity.signer(db, org_id)             # .sign(payload, typ=...) -> detached JWS
    doc = identity.identity_document(db, org_id)     # what partners fetch: keys, statuses, endorsements
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, select, update

from tutela.domain.errors import ErrorKind
from tutela.domain.exchange import SigningKey
from tutela.exchange import jose
from tutela.exchange.errors import ExchangeError
from tutela.storage.db import Database
from tutela.storage.tables.access import orgs
from tutela.storage.tables.exchange import exchange_keys
from tutela.storage.times import as_utc, as_utc_or_none, utc_now

#: How long a key keeps verifying after it was rotated out, unless told otherwise.
DEFAULT_OVERLAP = timedelta(days=30)
#: JWS `typ` of an endorsement: "key <old> vouches for key <new> of the same organisation".
ENDORSEMENT_TYP = "tutela-key-endorsement+jws"
#: JWS `typ` of the identity document.
IDENTITY_TYP = "tutela-identity+jws"
VAULT_PURPOSE = "exchange.signing_key"


class IdentityError(ExchangeError):
    """No such organisation or key, or a key change that cannot be made."""


def org_id_of(db: Database, org: str | int) -> int:
    """The id of an organisation given by name or id; IdentityError (404) when there is none."""
    with db.connect() as conn:
        if isinstance(org, int) or (isinstance(org, str) and org.isdigit()):
            row = conn.execute(select(orgs.c.id).where(orgs.c.id == int(org))).first()
        else:
            row = conn.execute(select(orgs.c.id).where(orgs.c.name == org)).first()
    if row is None:
        raise IdentityError(f"no organisation {org!r}", kind=ErrorKind.NOT_FOUND)
    return int(row.id)


def org_name(db: Database, org_id: int) -> str:
    with db.connect() as conn:
        return str(conn.execute(select(orgs.c.name).where(orgs.c.id == org_id)).scalar_one())


def _to_key(row: Any, current_id: int | None) -> SigningKey:
    return SigningKey(
        key_id=row.key_id,
        public_key=row.public_key,
        created_at=as_utc(row.created_at),
        not_after=as_utc_or_none(row.not_after),
        revoked_at=as_utc_or_none(row.revoked_at),
        revoked_reason=row.revoked_reason,
        current=row.id == current_id,
    )


def _current_row(conn: Connection, org_id: int) -> Any:
    return conn.execute(
        select(exchange_keys)
        .where(
            exchange_keys.c.org_id == org_id,
            exchange_keys.c.not_after.is_(None),
            exchange_keys.c.revoked_at.is_(None),
        )
        .order_by(exchange_keys.c.id.desc())
        .limit(1)
    ).first()


def keys(db: Database, org_id: int) -> list[SigningKey]:
    """Every signing key the organisation ever had, newest first, with its status."""
    with db.connect() as conn:
        current = _current_row(conn, org_id)
        rows = conn.execute(
            select(exchange_keys).where(exchange_keys.c.org_id == org_id).order_by(exchange_keys.c.id.desc())
        ).all()
    return [_to_key(r, current.id if current is not None else None) for r in rows]


def _settings(db: Database) -> Any:
    if db.settings is None:
        raise IdentityError("exchange keys live in the vault: build the database with its settings")
    return db.settings


def _audit(conn: Connection, *, actor: str, org_id: int, action: str, details: dict[str, Any]) -> None:
    from tutela.cases import audit

    audit.append(
        conn,
        actor=actor,
        action=action,
        object_type="exchange_key",
        object_id=details.get("key_id"),
        org_id=org_id,
        details=details,
    )


def _insert_key(conn: Connection, db: Database, org_id: int) -> tuple[Any, Ed25519PrivateKey]:
    from tutela.cases import vault

    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    vault_id = vault.put(conn, _settings(db), private.private_bytes_raw(), purpose=VAULT_PURPOSE)
    conn.execute(
        exchange_keys.insert().values(
            org_id=org_id,
            key_id=jose.thumbprint(public),
            public_key=jose.public_text(public),
            private_vault_id=vault_id,
            created_at=utc_now(),
        )
    )
    return _current_row(conn, org_id), private


def current_key(db: Database, org_id: int, *, actor: str = "operator") -> SigningKey:
    """The key the organisation signs with now, made (and audited) the first time it is needed."""
    from tutela.cases import audit

    with db.connect() as conn:
        row = _current_row(conn, org_id)
    if row is None:
        org_id_of(db, org_id)  # a clear error for an unknown organisation
        with audit.writing(db) as conn:  # serialised: two first uses make one key
            row = _current_row(conn, org_id)
            if row is None:
                row, _ = _insert_key(conn, db, org_id)
                _audit(
                    conn,
                    actor=actor,
                    org_id=org_id,
                    action="exchange.key_create",
                    details={"key_id": row.key_id},
                )
    return _to_key(row, row.id)


@dataclass(frozen=True)
class Signer:
    """An organisation's current private key, loaded from the vault for as long as one export takes."""

    org_id: int
    key_id: str
    private_key: Ed25519PrivateKey

    def sign(self, payload: Any, *, typ: str) -> str:
        return jose.sign(payload, self.private_key, kid=self.key_id, typ=typ)

    def sign_canonical(self, canonical: bytes, *, typ: str) -> str:
        """Sign bytes the caller already made with `jose.canonical` (so they are not made twice)."""
        return jose.sign_bytes({"alg": jose.ALG, "kid": self.key_id, "typ": typ}, canonical, self.private_key)


def _load_private(conn: Connection, db: Database, vault_id: int) -> Ed25519PrivateKey:
    from tutela.cases import vault

    return Ed25519PrivateKey.from_private_bytes(vault.get(conn, _settings(db), vault_id))


def signer(db: Database, org_id: int) -> Signer:
    """What signs the organisation's envelopes now (its current key, made on first use)."""
    key = current_key(db, org_id)
    with db.connect() as conn:
        row = conn.execute(select(exchange_keys).where(exchange_keys.c.key_id == key.key_id)).one()
        return Signer(org_id, row.key_id, _load_private(conn, db, row.private_vault_id))


def verifies(key: SigningKey, at: datetime | None = None) -> bool:
    """Whether a key of ours still verifies: not revoked, and its overlap (if rotated out) not over."""
    now = at or utc_now()
    return key.revoked_at is None and (key.not_after is None or key.not_after > now)


def own_key_ids(db: Database, org_id: int) -> set[str]:
    """Key ids that name this organisation as an audience: every key not revoked (retired ones too,
    so a bundle addressed before a rotation still finds its recipient)."""
    return {k.key_id for k in keys(db, org_id) if k.revoked_at is None}


def rotate(
    db: Database, org_id: int, *, overlap: timedelta = DEFAULT_OVERLAP, actor: str = "operator"
) -> SigningKey:
    """Make a new current key; the previous one verifies for `overlap` more and endorses the new one."""
    from tutela.cases import audit

    if overlap < timedelta(0):
        raise IdentityError("the overlap cannot be negative")
    current_key(db, org_id, actor=actor)
    with audit.writing(db) as conn:
        old = _current_row(conn, org_id)
        not_after = utc_now() + overlap
        conn.execute(update(exchange_keys).where(exchange_keys.c.id == old.id).values(not_after=not_after))
        new, _ = _insert_key(conn, db, org_id)
        _audit(
            conn,
            actor=actor,
            org_id=org_id,
            action="exchange.key_rotate",
            details={
                "key_id": new.key_id,
                "previous": old.key_id,
                "previous_verifies_until": not_after.isoformat(timespec="seconds"),
            },
        )
    return _to_key(new, new.id)


def _own_row(conn: Connection, org_id: int, key_id: str) -> Any:
    row = conn.execute(
        select(exchange_keys).where(exchange_keys.c.org_id == org_id, exchange_keys.c.key_id == key_id)
    ).first()
    if row is None:
        raise IdentityError(f"the organisation has no signing key {key_id!r}", kind=ErrorKind.NOT_FOUND)
    return row


def retire(db: Database, org_id: int, key_id: str, *, actor: str = "operator") -> SigningKey:
    """End a rotated-out key's overlap now. The current key cannot be retired: rotate first."""
    from tutela.cases import audit

    with audit.writing(db) as conn:
        row = _own_row(conn, org_id, key_id)
        current = _current_row(conn, org_id)
        if current is not None and current.id == row.id:
            raise IdentityError(
                "this is the current signing key: rotate first (`tutela exchange keys rotate`)"
            )
        conn.execute(update(exchange_keys).where(exchange_keys.c.id == row.id).values(not_after=utc_now()))
        _audit(conn, actor=actor, org_id=org_id, action="exchange.key_retire", details={"key_id": key_id})
    return next(k for k in keys(db, org_id) if k.key_id == key_id)


def revoke(
    db: Database, org_id: int, key_id: str, *, reason: str = "", actor: str = "operator"
) -> SigningKey:
    """Mark a key compromised: it never verifies again. Revoking the current key leaves none current;
    the next signature makes a new one (partners must then be given it by hand: no live key endorses it)."""
    from tutela.cases import audit

    with audit.writing(db) as conn:
        row = _own_row(conn, org_id, key_id)
        if row.revoked_at is not None:
            raise IdentityError(f"key {key_id} was already revoked")
        conn.execute(
            update(exchange_keys)
            .where(exchange_keys.c.id == row.id)
            .values(revoked_at=utc_now(), revoked_reason=(reason or None) and reason[:200])
        )
        _audit(
            conn,
            actor=actor,
            org_id=org_id,
            action="exchange.key_revoke",
            details={"key_id": key_id, "reason": reason[:200]},
        )
    return next(k for k in keys(db, org_id) if k.key_id == key_id)


def _endorsements(conn: Connection, db: Database, org_id: int, rows: list[Any]) -> list[dict[str, Any]]:
    """For each key made by a rotation, a JWS by the key it replaced (while that one still verifies)."""
    out = []
    now = utc_now()
    ordered = sorted(rows, key=lambda r: r.id)
    for older, newer in zip(ordered, ordered[1:], strict=False):
        if older.revoked_at is not None or newer.revoked_at is not None:
            continue
        if older.not_after is not None and as_utc(older.not_after) <= now:
            continue
        statement = {
            "org_key": older.key_id,
            "endorses": {"kid": newer.key_id, "x": newer.public_key},
            "at": as_utc(newer.created_at).isoformat(timespec="seconds"),
        }
        private = _load_private(conn, db, older.private_vault_id)
        out.append(
            {
                "statement": statement,
                "signature": jose.sign(statement, private, kid=older.key_id, typ=ENDORSEMENT_TYP),
            }
        )
    return out


def identity_document(db: Database, org_id: int) -> dict[str, Any]:
    """What a partner needs to trust and follow us: org, current key, every key's status, endorsements.

    Signed with the current key (member `signature`), so a partner that already
    trusts one of our keys can check it; a new partner checks `key_id` and
    `public_key` against what it was told out of band (compare the key id on a call).
    """
    key = current_key(db, org_id)
    with db.connect() as conn:
        rows = conn.execute(select(exchange_keys).where(exchange_keys.c.org_id == org_id)).all()
        current_id = next(r.id for r in rows if r.key_id == key.key_id)
        doc: dict[str, Any] = {
            "org": org_name(db, org_id),
            "key_id": key.key_id,
            "public_key": key.public_key,
            "keys": [
                {
                    "kid": r.key_id,
                    "x": r.public_key,
                    "status": _to_key(r, current_id).status,
                    "not_after": r.not_after and as_utc(r.not_after).isoformat(timespec="seconds"),
                    "revoked_at": r.revoked_at and as_utc(r.revoked_at).isoformat(timespec="seconds"),
                }
                for r in sorted(rows, key=lambda r: r.id)
            ],
            "endorsements": _endorsements(conn, db, org_id, list(rows)),
            "issued_at": utc_now().isoformat(timespec="seconds"),
        }
    doc["signature"] = signer(db, org_id).sign(doc, typ=IDENTITY_TYP)
    return doc


def public_key_of(key: SigningKey) -> Ed25519PublicKey:
    return jose.parse_public_key(key.public_key)
