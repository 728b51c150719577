"""Signed messages between partners: a referral, each step of it, a witnessed audit checkpoint.

A sealed message is `{"payload": {...}, "signature": "<detached JWS>"}`: the
payload is plain JSON anyone can read, the signature is the sender
organisation's Ed25519 key over its RFC 8785 canonical form (`exchange.jose`). The
payload names its sender's key (`from_key`) and its receiver's (`to_key`), so
the receiving instance knows which of its organisations it is for and which of
that organisation's partners sent it, without any shared secret: the signature
is the credential, and a message for another key is refused, so a message
cannot be replayed to a second receiver.

Each message has a random `id`; the receiver keeps every id it accepted and
refuses one seen before (replay), and refuses messages older than `MAX_AGE`
(a stale copy replayed after the id table was pruned).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from tutela.domain.exchange import Partner
from tutela.exchange.errors import Refused
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_keys as own_keys
from tutela.storage.times import utc_now

VERSION = 1
MAX_AGE = timedelta(days=7)
MAX_SKEW = timedelta(minutes=10)
MAX_BYTES = 1_000_000


class RefusedMessage(Refused):
    """A message that was not accepted; the text says why (signature, key, partner, replay, policy)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message, status)


@dataclass(frozen=True)
class Opened:
    """A verified message: who sent it, to which of our organisations, and what it says."""

    org_id: int
    partner: Partner
    payload: dict[str, Any]
    body: str  # the sealed message exactly as received, kept as proof


def peer(db: Database, org_id: int, name: str) -> Partner:
    """The partner `name` of organisation `org_id` (`exchange.partners`); ExchangeError 404 if none."""
    from tutela.exchange import partners

    return partners.get_partner(db, org_id, name)


def address_of(partner: Partner) -> str:
    """The partner key a message to it names: its newest key not revoked."""
    live = [k for k in partner.keys if k.revoked_at is None]
    if not live:
        raise Refused(f"partner {partner.name!r} has no key that is not revoked: nothing can be sent to it")
    return max(live, key=lambda k: k.added_at).key_id


def me(db: Database, org_id: int) -> Any:
    """Organisation `org_id`'s signer (`exchange.identity`); fetched before a write transaction opens,
    since making the first key is itself a write."""
    from tutela.exchange import identity

    return identity.signer(db, org_id)


def seal(signer: Any, to: Partner, payload: dict[str, Any], *, typ: str) -> tuple[str, dict]:
    """Sign `payload` (with envelope fields added) with `signer` (see `me()`), for partner `to`."""
    full = {
        "v": VERSION,
        "id": str(uuid.uuid4()),
        "at": utc_now().isoformat(timespec="seconds"),
        "from_key": signer.key_id,
        "to_key": address_of(to),
        **payload,
    }
    return json.dumps({"payload": full, "signature": signer.sign(full, typ=typ)}, separators=(",", ":")), full


def open_message(db: Database, body: str | bytes, *, typ: str) -> Opened:
    """Verify a sealed message for one of this instance's organisations; RefusedMessage says why not.

    Checks, in order: shape, which of our organisations holds `to_key`, which of its partners holds
    the signing key (unknown key: refused), partner and key not revoked, the signature (made for
    `typ`), the message's age. Replays are the caller's check, in the same transaction as what it does.
    """
    from tutela.exchange import jose, partners

    if len(body) > MAX_BYTES:
        raise RefusedMessage(f"message larger than {MAX_BYTES} bytes", 413)
    try:
        outer = json.loads(body)
        payload, signature = outer["payload"], outer["signature"]
        if not isinstance(payload, dict) or not isinstance(signature, str):
            raise TypeError
        to_key = str(payload["to_key"])
        str(payload["id"]), str(payload["type"])
        at = datetime.fromisoformat(str(payload["at"]))
        kid = jose.header_of(signature).kid
    except (ValueError, KeyError, TypeError):
        raise RefusedMessage(
            'not a sealed message: expected {"payload": {id, type, at, from_key, to_key, ...}, '
            '"signature": "<detached JWS>"}') from None
    if payload.get("from_key") != kid:
        raise RefusedMessage("bad signature: it names another key than the message's from_key", 403)
    with db.connect() as conn:
        org_id = conn.execute(select(own_keys.c.org_id).where(own_keys.c.key_id == to_key,
                                                              own_keys.c.revoked_at.is_(None))).scalar()
    if org_id is None:
        raise RefusedMessage("this message is addressed to a key no organisation here holds", 404)
    # a partner registered again after a revocation holds the same key twice: the live record speaks
    candidates = sorted((p for p in partners.partners_with_key(db, kid) if p.org_id == org_id),
                        key=lambda p: p.revoked_at is not None)
    if not candidates:
        raise RefusedMessage(f"unknown key {kid}: the sender is not a registered partner of the receiver", 401)
    partner, public_key = partners.verification_key(db, org_id, candidates[0], kid)  # Refused if revoked
    try:
        jose.verify(payload, signature, public_key, typ=typ)
    except jose.SignatureError as exc:
        raise RefusedMessage(f"bad signature: {exc}", 403) from None
    now = utc_now()
    if at.tzinfo is None or at > now + MAX_SKEW or at < now - MAX_AGE:
        raise RefusedMessage(f"message time {payload['at']} is outside the accepted window "
                             "(an old message replayed, or a clock far off)", 403)
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    return Opened(org_id=int(org_id), partner=partner, payload=payload, body=text)


def deliver(url: str | None, path: str, body: str, *, timeout: float = 10.0) -> tuple[bool, dict | str]:
    """POST a sealed message to a partner's instance; (True, its JSON answer) or (False, why not).

    A failure is not an error for the caller: the message stays in the outbox and `deliver` is
    tried again later (`tutela exchange referrals deliver`).
    """
    if not url:
        return False, "the partner has no URL: hand the message over as a file"
    import httpx

    try:
        r = httpx.post(url.rstrip("/") + path, content=body.encode("utf-8"),
                       headers={"Content-Type": "application/json"}, timeout=timeout)
    except httpx.HTTPError as exc:
        return False, f"could not reach {url}: {exc.__class__.__name__}: {exc}"[:500]
    if r.status_code >= 400:
        try:
            detail = r.json().get("detail", r.text)
        except ValueError:
            detail = r.text
        return False, f"{url} refused it ({r.status_code}): {detail}"[:500]
    try:
        return True, r.json()
    except ValueError:
        return True, {}
