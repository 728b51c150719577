"""Referral and witness messages as `envelope`s, and their way between instances over HTTP.

Every message between partners is an envelope of `tutela.exchange.envelope`
(the sender's policy, a detached EdDSA JWS, and on arrival every check: key,
partner, signature, audience, age, share level, content, replay). This module
adds what a message that has to *travel* needs:

- the receiving instance finds which of its organisations a message is for by
  the key it is addressed to (`to`), so an inbox needs no shared secret or API
  key between organisations: the signature is the credential;
- `deliver` posts it to the partner's endpoint; a failure is kept as the
  message's error and retried later (the caller keeps an outbox).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from tutela.domain.errors import ErrorKind
from tutela.domain.exchange import Partner
from tutela.exchange import envelope
from tutela.exchange.errors import Refused
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_keys as own_keys

MAX_BYTES = 1_000_000


class RefusedMessage(Refused):
    """A message that was not accepted; the text says why (shape, kind, replay, what it refers to)."""

    def __init__(self, message: str, kind: ErrorKind = ErrorKind.INVALID) -> None:
        super().__init__(message, kind)


@dataclass(frozen=True)
class Opened:
    """A verified message: who sent it, to which of our organisations, and what it says."""

    org_id: int
    partner: Partner
    payload: dict[str, Any]  # the envelope's body
    envelope: envelope.Opened
    text: str  # the envelope exactly as received, kept as proof

    @property
    def message_id(self) -> str:
        return self.envelope.nonce


def peer(db: Database, org_id: int, name: str) -> Partner:
    """The partner `name` of organisation `org_id`; ExchangeError 404 (naming the known ones) if none."""
    from tutela.exchange import partners

    return partners.get_partner(db, org_id, name)


def seal(db: Database, org_id: int, kind: str, body: dict[str, Any], *, to: Partner, share_level: str,
         content: bool = False) -> tuple[str, dict[str, Any]]:
    """The envelope (text to send, and as a dict); Refused when the partner's policy does not allow it.

    Call it outside a write transaction: signing reads the organisation's key from the vault.
    """
    env = envelope.seal(db, org_id, kind, body, to=to, share_level=share_level, content=content)
    return json.dumps(env, separators=(",", ":"), ensure_ascii=False), env


def open_message(db: Database, text: str | bytes, *, kinds: tuple[str, ...]) -> Opened:
    """Verify an envelope addressed to one of this instance's organisations; Refused says why not.

    The replay check is `remember`, in the caller's transaction (a replay that races is refused too).
    """
    if len(text) > MAX_BYTES:
        raise RefusedMessage(f"message larger than {MAX_BYTES} bytes", ErrorKind.TOO_LARGE)
    try:
        env = json.loads(text)
        to_key = env["to"] if isinstance(env, dict) else None
    except (ValueError, KeyError):
        raise RefusedMessage("not a Tutela exchange envelope (JSON with 'to', 'body' and 'signature')") from None
    if not isinstance(env, dict) or env.get("kind") not in kinds:
        raise RefusedMessage(f"expected an envelope of kind {' or '.join(kinds)}, got "
                             f"{env.get('kind') if isinstance(env, dict) else None!r}")
    if not isinstance(to_key, str):
        raise RefusedMessage("the envelope names no recipient key ('to'): an inbox takes only addressed ones")
    with db.connect() as conn:
        org_id = conn.execute(select(own_keys.c.org_id).where(own_keys.c.key_id == to_key,
                                                              own_keys.c.revoked_at.is_(None))).scalar()
    if org_id is None:
        raise RefusedMessage(
            f"the envelope is addressed to key {to_key}, which no organisation here holds",
            ErrorKind.NOT_FOUND
        )
    opened = envelope.open_envelope(db, int(org_id), env, kind=str(env["kind"]),
                                    partner=_sender(db, int(org_id), env.get("signature")))
    body = text.decode("utf-8") if isinstance(text, bytes) else text
    return Opened(org_id=int(org_id), partner=opened.partner, payload=opened.body, envelope=opened, text=body)


def _sender(db: Database, org_id: int, signature: Any) -> Partner | None:
    """The partner record that holds the signing key, the live one first: a partner registered again
    after a revocation holds the same key twice. None lets `open_envelope` give its own refusal."""
    from tutela.exchange import jose, partners

    try:
        kid = jose.header_of(str(signature or "")).kid
    except jose.SignatureError:
        return None
    found = sorted((p for p in partners.partners_with_key(db, kid) if p.org_id == org_id),
                   key=lambda p: p.revoked_at is not None)
    return found[0] if found else None


def remember(conn: Connection, opened: Opened) -> None:
    """Record the envelope's nonce in the caller's transaction; Refused (409) for a replay."""
    envelope.remember(conn, opened.org_id, opened.envelope)


def deliver(url: str | None, path: str, body: str, *, timeout: float = 10.0) -> tuple[bool, dict | str]:
    """POST an envelope to a partner's instance; (True, its JSON answer) or (False, why not).

    A failure is not an error for the caller: the message stays in the outbox and is tried again
    later (`tutela exchange referrals deliver`), or handed over as a file.
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
            answer = r.json()  # the one error shape ("error"); an older partner answers "detail"
            detail = answer.get("error") or answer.get("detail") or r.text
        except ValueError:
            detail = r.text
        return False, f"{url} refused it ({r.status_code}): {detail}"[:500]
    try:
        return True, r.json()
    except ValueError:
        return True, {}
