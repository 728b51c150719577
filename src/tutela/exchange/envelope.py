"""Signed envelopes: everything that crosses from one organisation to another travels in one.

An envelope is a JSON object::

    {"tutela_exchange": 1, "kind": "stix-bundle", "from": {"org": "hotline-tr", "key_id": "<kid>"},
     "to": "<recipient's key id, or null for a file anyone we trust may import>",
     "nonce": "<128 random bits, hex>", "created": "<ISO 8601 UTC>",
     "share_level": "amber", "content": false, "body": {...},
     "signature": "<detached JWS over the RFC 8785 canonical JSON of every other member>"}

`seal` applies the sender's policy before signing: an envelope addressed to a
partner above its share level, or carrying content to a partner not allowed
content, is never made (`Refused`). `open_envelope` applies the receiver's
checks, each refusal with its own message: unknown or revoked partner, unknown
or revoked key, a signature that does not verify (tampered), another
recipient, too old or from the future, above the partner's share level,
content not allowed, and a nonce already accepted (replay). `remember` records
the nonce inside the caller's import transaction, so a replay is refused even
when two copies arrive at once, and a failed import can be retried.

`share_level` and `content` are claims about the body that the signature
binds; the body's own checks (per object, in `bundles`) must agree with them.

Use::

    env = envelope.seal(db, org_id, "stix-bundle", body, to=partner, share_level=TLP.AMBER)
    opened = envelope.open_envelope(db, org_id, env, kind="stix-bundle", partner="hotline-tr")
    with db.begin() as conn:
        envelope.remember(conn, org_id, opened)
        ...   # apply opened.body
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from tutela.domain.errors import ErrorKind
from tutela.domain.exchange import TLP, Partner
from tutela.exchange import identity, jose, partners
from tutela.exchange.errors import ExchangeError, Refused
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_nonces
from tutela.storage.times import utc_now

VERSION = 1
TYP = "tutela-envelope+jws"
#: An envelope older than this is refused (so nonces need keeping only this long).
MAX_AGE = timedelta(days=14)
#: Clocks differ: an envelope this far in the future is still taken.
CLOCK_SKEW = timedelta(minutes=5)


def seal(
    db: Database,
    org_id: int,
    kind: str,
    body: dict[str, Any],
    *,
    to: Partner | None,
    share_level: TLP | str,
    content: bool = False,
) -> dict[str, Any]:
    """Sign `body` as the organisation, for partner `to` (None: an unaddressed file).

    Refused when the partner's policy does not allow the share level or content;
    an unaddressed envelope may not carry content or TLP:RED (both need a named recipient).
    """
    return seal_wire(db, org_id, kind, body, to=to, share_level=share_level, content=content)[0]


def seal_wire(
    db: Database,
    org_id: int,
    kind: str,
    body: dict[str, Any],
    *,
    to: Partner | None,
    share_level: TLP | str,
    content: bool = False,
    plain: bool = False,
) -> tuple[dict[str, Any], bytes]:
    """`seal`, and the envelope as JSON bytes to send: the canonical JSON that was signed with the
    `signature` member appended, so a receiver can check the signature over the bytes as they came
    (`open_envelope(raw=...)`) without making the canonical form again. `plain`: the body was checked
    with `jose.plain` (see `jose.canonical`); the envelope's own members are plain by construction."""
    level = TLP.parse(share_level)
    if to is not None:
        if to.org_id != org_id:
            raise ExchangeError("that partner belongs to another organisation", kind=ErrorKind.FORBIDDEN)
        why = partners.refusal(to, share_level=level, content=content)
        if why:
            raise Refused(f"not sent: {why}")
        audience = audience_key(to)
    else:
        if content:
            raise Refused("not sent: content goes only to a named partner allowed to receive it")
        if level is TLP.RED:
            raise Refused("not sent: TLP:RED goes only to named recipients (give the partner)")
        audience = None
    sign = identity.signer(db, org_id)
    env: dict[str, Any] = {
        "tutela_exchange": VERSION,
        "kind": kind,
        "from": {"org": identity.org_name(db, org_id), "key_id": sign.key_id},
        "to": audience,
        "nonce": secrets.token_hex(16),
        "created": utc_now().isoformat(timespec="milliseconds"),
        "share_level": level.value,
        "content": bool(content),
        "body": body,
    }
    payload = jose.canonical(env, plain=plain)
    env["signature"] = sign.sign_canonical(payload, typ=TYP)
    # one copy of a 20 MB page, not one per `+`
    return env, b"".join((memoryview(payload)[:-1], b',"signature":', orjson.dumps(env["signature"]), b"}"))


def audience_key(partner: Partner) -> str:
    """The partner key an envelope is addressed to: its newest key that is not revoked."""
    live = [k for k in partner.keys if k.revoked_at is None]
    if not live:
        raise Refused(f"not sent: partner {partner.name!r} has no key that is not revoked")
    return live[-1].key_id


@dataclass(frozen=True)
class Opened:
    """An envelope that passed every check: who sent it, and what it says."""

    partner: Partner
    kind: str
    body: dict[str, Any]
    nonce: str
    created: datetime
    share_level: TLP
    content: bool
    key_id: str


def _parse_time(text: Any) -> datetime:
    try:
        when = datetime.fromisoformat(str(text))
    except ValueError:
        raise Refused("the envelope's 'created' is not an ISO 8601 time", kind=ErrorKind.INVALID) from None
    if when.tzinfo is None:
        raise Refused("the envelope's 'created' has no time zone", kind=ErrorKind.INVALID)
    return when


def open_envelope(
    db: Database,
    org_id: int,
    env: Any,
    *,
    kind: str | None = None,
    partner: str | int | Partner | None = None,
    now: datetime | None = None,
    raw: bytes | None = None,
) -> Opened:
    """Check an envelope addressed to the organisation; `Refused` (nothing changed) says which rule failed.

    `partner` is who the caller says sent it (the CLI's `--from`); without it the
    signing key decides, among the organisation's partners. `raw` (with `env` None): the envelope as
    received bytes, parsed here; when they have `seal_wire`'s shape (the signed bytes, then the
    signature) the signature is checked over them as they are, else over the canonical form as always.
    """
    if raw is not None:
        if env is not None:
            raise ValueError("give the envelope or its bytes, not both")
        try:
            env = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise Refused("the envelope is not JSON", kind=ErrorKind.INVALID) from None
    if not isinstance(env, dict) or env.get("tutela_exchange") != VERSION:
        raise Refused("not a Tutela exchange envelope (version 1)", kind=ErrorKind.INVALID)
    if kind is not None and env.get("kind") != kind:
        raise Refused(f"expected a {kind!r} envelope, got {env.get('kind')!r}", kind=ErrorKind.INVALID)
    try:
        header = jose.header_of(str(env.get("signature") or ""))
    except jose.SignatureError as exc:
        raise Refused(
            f"the envelope's signature is unusable: {exc}", kind=ErrorKind.UNAUTHENTICATED
        ) from None
    if partner is None:
        found = [p for p in partners.partners_with_key(db, header.kid) if p.org_id == org_id]
        if not found:
            raise Refused(
                f"unknown key {header.kid}: no partner of this organisation has it",
                kind=ErrorKind.UNAUTHENTICATED
            )
        partner = found[0]
    p, key = partners.verification_key(db, org_id, partner, header.kid)
    try:
        if not _verifies_as_sent(raw, env, key):
            signed = {k: v for k, v in env.items() if k != "signature"}
            jose.verify(signed, str(env["signature"]), key, typ=TYP)
    except jose.SignatureError as exc:
        raise Refused(
            f"tampered or corrupt envelope from {p.name!r}: {exc}", kind=ErrorKind.UNAUTHENTICATED
        ) from None
    sender = env.get("from") or {}
    if not isinstance(sender, dict) or sender.get("key_id") != header.kid:
        raise Refused(
            "the envelope's 'from.key_id' does not name the key that signed it", kind=ErrorKind.INVALID
        )
    audience = env.get("to")
    if audience is not None and audience not in identity.own_key_ids(db, org_id):
        raise Refused(f"the envelope is addressed to key {audience}, which is not one of this organisation's")
    created = _parse_time(env.get("created"))
    at = now or utc_now()
    if created > at + CLOCK_SKEW:
        raise Refused(
            f"the envelope was made in the future ({created.isoformat()}): check the sender's clock"
        )
    if created < at - MAX_AGE:
        raise Refused(
            f"the envelope is older than {MAX_AGE.days} days ({created.isoformat()}): ask for a fresh one"
        )
    try:
        level = TLP.parse(str(env.get("share_level")))
    except ValueError as exc:
        raise Refused(str(exc), kind=ErrorKind.INVALID) from None
    content = env.get("content") is True
    why = partners.refusal(p, share_level=level, content=content)
    if why:
        raise Refused(f"refused from {p.name!r}: {why}")
    nonce = str(env.get("nonce") or "")
    if not 16 <= len(nonce) <= 64:
        raise Refused("the envelope has no usable nonce", kind=ErrorKind.INVALID)
    if _seen(db, org_id, p.id, nonce):
        raise Refused(
            f"replayed envelope: nonce {nonce} from {p.name!r} was already accepted", kind=ErrorKind.CONFLICT
        )
    body = env.get("body")
    if not isinstance(body, dict):
        raise Refused("the envelope has no body object", kind=ErrorKind.INVALID)
    return Opened(
        partner=p,
        kind=str(env.get("kind")),
        body=body,
        nonce=nonce,
        created=created,
        share_level=level,
        content=content,
        key_id=header.kid,
    )


def _verifies_as_sent(raw: bytes | None, env: dict[str, Any], key: Any) -> bool:
    """Whether the signature verifies over the bytes as received (`env` was parsed from `raw` by
    `open_envelope` itself), when they have `seal_wire`'s shape:
    `<signed bytes without their closing brace>,"signature":"<jws>"}`.

    Why this is as strong as checking the canonical form: the signature then covers exactly the
    bytes `env` was parsed from, less its last member, the signature itself (which no JSON string
    value can fake: it would need unescaped quotes), so `env` says what the signer signed, and a
    changed byte fails. Anything else (a proxy that reformatted the JSON, another signature) answers
    False, and the canonical check decides with its own error."""
    if raw is None or type(env.get("signature")) is not str:
        return False
    tail = b',"signature":' + orjson.dumps(env["signature"]) + b"}"
    if not raw.endswith(tail) or not raw.startswith(b"{"):
        return False
    try:
        jose.verify_bytes(raw[: -len(tail)] + b"}", env["signature"], key, typ=TYP)
    except jose.SignatureError:
        return False
    return True


def _seen(db: Database, org_id: int, partner_id: int, nonce: str) -> bool:
    with db.connect() as conn:
        return (
            conn.execute(
                select(exchange_nonces.c.id).where(
                    exchange_nonces.c.org_id == org_id,
                    exchange_nonces.c.partner_id == partner_id,
                    exchange_nonces.c.nonce == nonce,
                )
            ).first()
            is not None
        )


def remember(conn: Connection, org_id: int, opened: Opened) -> None:
    """Record the envelope's nonce in the caller's transaction; Refused (replay) if another copy won."""
    try:
        with conn.begin_nested():
            conn.execute(
                exchange_nonces.insert().values(
                    org_id=org_id,
                    partner_id=opened.partner.id,
                    nonce=opened.nonce,
                    created=opened.created,
                    received_at=utc_now(),
                )
            )
    except IntegrityError:
        raise Refused(
            f"replayed envelope: nonce {opened.nonce} from {opened.partner.name!r} was already accepted",
            kind=ErrorKind.CONFLICT,
        ) from None


def forget_old_nonces(db: Database, *, now: datetime | None = None) -> int:
    """Drop nonces of envelopes too old to be accepted anyway (MAX_AGE); returns how many."""
    cutoff = (now or utc_now()) - MAX_AGE - CLOCK_SKEW
    with db.begin() as conn:
        return int(
            conn.execute(exchange_nonces.delete().where(exchange_nonces.c.created < cutoff)).rowcount or 0
        )
