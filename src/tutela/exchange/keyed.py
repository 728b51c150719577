"""URLs and account identifiers shared as keyed hashes within a sharing group, never in the clear.

A sharing group (say the platforms and hotlines of one Lantern-like programme)
holds one secret 32-byte key, agreed out of band and entered by each member
(`create_group(..., key_b64=...)`; the first member may let Tutela make it and
read it once with `group_key`). Members compare the key id (a fingerprint) on
a call. An identifier becomes HMAC-SHA256(key, "<kind>\\0<normalised identifier>"):
a member holding the key can test whether a URL or account it sees is listed;
anybody else, the transport or a leaked bundle included, learns nothing and
cannot test guesses. The key is a vault object like the signing keys.

Normalisation is deliberately small and stated, so every member computes the
same value: URLs keep their path and query but lose the fragment, the scheme
and host are lower-cased, a default port is dropped; accounts are
`<platform>:<handle>` lower-cased without a leading `@`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select

from tutela.domain.errors import ErrorKind
from tutela.exchange import feed
from tutela.exchange.errors import ExchangeError
from tutela.exchange.stix import KEYED_TYPES
from tutela.storage.db import Database
from tutela.storage.tables.exchange import (
    exchange_groups,
    exchange_inbound,
    exchange_partners,
    exchange_received,
)
from tutela.storage.times import utc_now

VAULT_PURPOSE = "exchange.group_key"


def key_id_of(key: bytes) -> str:
    return hashlib.sha256(b"tutela-group-key-id:" + key).hexdigest()[:16]


def create_group(
    db: Database, org_id: int, name: str, *, key_b64: str | None = None, actor: str = "operator"
) -> dict[str, str]:
    """Join (or found) a sharing group with its key; returns {"group", "key_id"}."""
    from tutela.cases import audit, vault

    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ExchangeError("a sharing group needs a name of 1 to 100 characters")
    if key_b64:
        try:
            key = base64.b64decode(key_b64.strip(), validate=True)
        except ValueError:
            raise ExchangeError("the group key is not base64") from None
        if len(key) != 32:
            raise ExchangeError("the group key must be base64 of 32 random bytes")
    else:
        key = secrets.token_bytes(32)
    with audit.writing(db) as conn:
        if conn.execute(
            select(exchange_groups.c.id).where(
                exchange_groups.c.org_id == org_id, exchange_groups.c.name == name
            )
        ).first():
            raise ExchangeError(f"sharing group {name!r} already exists", kind=ErrorKind.CONFLICT)
        vault_id = vault.put(conn, db.settings, key, purpose=VAULT_PURPOSE)
        conn.execute(
            exchange_groups.insert().values(
                org_id=org_id, name=name, key_vault_id=vault_id, key_id=key_id_of(key), created_at=utc_now()
            )
        )
        audit.append(
            conn,
            actor=actor,
            action="exchange.group_join",
            object_type="exchange_group",
            object_id=name,
            org_id=org_id,
            details={"key_id": key_id_of(key)},
        )
    return {"group": name, "key_id": key_id_of(key)}


def _keys(db: Database, org_id: int, group: str | None = None) -> dict[str, bytes]:
    from tutela.cases import vault

    q = select(exchange_groups).where(exchange_groups.c.org_id == org_id)
    if group is not None:
        q = q.where(exchange_groups.c.name == group)
    with db.connect() as conn:
        rows = conn.execute(q).all()
        out = {r.name: vault.get(conn, db.settings, r.key_vault_id) for r in rows}
    if group is not None and group not in out:
        raise ExchangeError(f"the organisation is in no sharing group {group!r}", kind=ErrorKind.NOT_FOUND)
    return out


def group_key(db: Database, org_id: int, group: str) -> str:
    """The group key, base64, to hand to the other members out of band (audit it: it is a secret)."""
    return base64.b64encode(_keys(db, org_id, group)[group]).decode()


def normalise(kind: str, identifier: str) -> str:
    text = (identifier or "").strip()
    if not text:
        raise ExchangeError(f"an empty {kind}")
    if kind == "url":
        parts = urlsplit(text if "://" in text else f"http://{text}")
        host = (parts.hostname or "").lower()
        if not host:
            raise ExchangeError(f"{identifier!r} is not a URL")
        port = parts.port
        default = {"http": 80, "https": 443}.get(parts.scheme.lower())
        netloc = host if port in (None, default) else f"{host}:{port}"
        return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))
    if kind == "account":
        platform, sep, handle = text.partition(":")
        if not sep or not platform.strip() or not handle.strip():
            raise ExchangeError(f"an account is '<platform>:<handle>', not {identifier!r}")
        return f"{platform.strip().lower()}:{handle.strip().lstrip('@').lower()}"
    raise ExchangeError(f"keyed identifiers are {', '.join(KEYED_TYPES)}, not {kind!r}")


def keyed_value(key: bytes, kind: str, identifier: str) -> str:
    return hmac.new(key, f"{kind}\0{normalise(kind, identifier)}".encode(), hashlib.sha256).hexdigest()


def share(
    db: Database,
    org_id: int,
    collection: str,
    group: str,
    kind: str,
    identifiers: list[str],
    *,
    category: str = "sexual_exploitation",
    share_level: str | None = None,
    country: str | None = None,
    actor: str = "operator",
) -> int:
    """Add keyed URLs or accounts to a collection (made on first use) for the group's members."""
    key = _keys(db, org_id, group)[group]
    col = feed.ensure_named_collection(db, org_id, collection, actor=actor)
    return feed.add_keyed(
        db,
        org_id,
        col.id,
        [
            {
                "signal_type": kind,
                "value": keyed_value(key, kind, i),
                "group": group,
                "category": category,
                "share_level": share_level,
                "country": country,
            }
            for i in identifiers
        ],
        actor=actor,
    )


def lookup(db: Database, org_id: int, kind: str, identifier: str) -> list[dict[str, Any]]:
    """Received keyed signals that list this URL or account, under each group the organisation is in."""
    hits = []
    with db.connect() as conn:
        for group, key in _keys(db, org_id).items():
            value = keyed_value(key, kind, identifier)
            rows = conn.execute(
                select(exchange_received, exchange_partners.c.name.label("partner"))
                .join(exchange_inbound, exchange_inbound.c.id == exchange_received.c.inbound_id)
                .join(exchange_partners, exchange_partners.c.id == exchange_inbound.c.partner_id)
                .where(
                    exchange_inbound.c.org_id == org_id,
                    exchange_received.c.signal_type == kind,
                    exchange_received.c.value == value,
                    exchange_received.c.group_name == group,
                )
            ).all()
            hits += [
                {
                    "partner": r.partner,
                    "group": group,
                    "stix_id": r.stix_id,
                    "category": r.category,
                    "confidence": r.confidence,
                    "share_level": r.share_level,
                }
                for r in rows
            ]
    return hits
