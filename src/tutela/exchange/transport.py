"""Instance to instance: signed requests, and the pull and push clients over HTTP.

A partner's server is asked with no shared secret: every request carries
`Authorization: Tutela-Signature <compact JWS>` whose payload names the
method, the path with its query, the time, a nonce and the audience (a key id
of the organisation asked). The server finds the caller among its partners by
the signing key (`caller`), checks the signature, that the request is the one
signed (method, path), fresh (five minutes), and not replayed. What it answers
is itself a signed envelope addressed to the caller, echoing the request
nonce (`in_reply_to`), so an old answer cannot be replayed either.

`pull(db, org_id, partner)` follows every collection the partner offers from
the stored checkpoint, page by page (a stale checkpoint restarts from zero; a
pull from zero is staged and swapped in at its last page, see `resync`);
`push(db, org_id, partner)` sends each of our collections from the partner's
last accepted position to its inbox.
"""

from __future__ import annotations

import json
import secrets
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from sqlalchemy import select, update

from tutela.domain.errors import ErrorKind
from tutela.domain.exchange import Partner
from tutela.exchange import bundles, envelope, feed, gcpause, identity, inbound, jose, partners, resync
from tutela.exchange.errors import ExchangeError, Refused
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_keys, exchange_nonces, exchange_partners
from tutela.storage.times import utc_now

REQUEST_TYP = "tutela-request+jws"
SCHEME = "Tutela-Signature"
REQUEST_MAX_AGE = timedelta(minutes=5)
PAGE = 10_000
#: pages of a full sync (from checkpoint 0): bigger, so a million signals take 40 requests, not 100
FULL_SYNC_PAGE = 25_000
TIMEOUT = httpx.Timeout(120.0, connect=10.0)


def sign_request(db: Database, org_id: int, method: str, path_qs: str, audience: str) -> tuple[str, str]:
    """(Authorization header value, nonce) for one request to a partner."""
    nonce = secrets.token_hex(16)
    claims = {
        "m": method.upper(),
        "p": path_qs,
        "at": utc_now().isoformat(timespec="seconds"),
        "nonce": nonce,
        "aud": audience,
    }
    signer = identity.signer(db, org_id)
    header = jose.b64url(
        json.dumps(
            {"alg": jose.ALG, "kid": signer.key_id, "typ": REQUEST_TYP}, separators=(",", ":")
        ).encode()
    )
    payload = jose.b64url(jose.canonical(claims))
    sig = jose.b64url(signer.private_key.sign(f"{header}.{payload}".encode("ascii")))
    return f"{SCHEME} {header}.{payload}.{sig}", nonce


def caller(db: Database, authorization: str | None, method: str, path_qs: str) -> tuple[int, Partner, str]:
    """Who signed this request: (our organisation asked, the partner asking, the request nonce); Refused if
    anything is off. The audience names our organisation; the key names the partner among its partners."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme != SCHEME or token.count(".") != 2:
        raise Refused(
            f"a partner request needs 'Authorization: {SCHEME} <JWS>'", kind=ErrorKind.UNAUTHENTICATED
        )
    protected, payload, sig = token.split(".")
    try:
        header = jose.header_of(f"{protected}..{sig}")
        claims = json.loads(jose.b64url_decode(payload))
    except (jose.SignatureError, ValueError):
        raise Refused("the request signature is malformed", kind=ErrorKind.UNAUTHENTICATED) from None
    if header.typ != REQUEST_TYP or not isinstance(claims, dict):
        raise Refused("not a signed Tutela request", kind=ErrorKind.UNAUTHENTICATED)
    with db.connect() as conn:
        org_id = conn.execute(
            select(exchange_keys.c.org_id).where(
                exchange_keys.c.key_id == str(claims.get("aud")), exchange_keys.c.revoked_at.is_(None)
            )
        ).scalar()
    if org_id is None:
        raise Refused(
            "the request is addressed to no organisation here (unknown audience key)",
            kind=ErrorKind.UNAUTHENTICATED
        )
    found = [p for p in partners.partners_with_key(db, header.kid) if p.org_id == org_id]
    if not found:
        raise Refused(
            f"unknown key {header.kid}: the organisation asked has no partner with it",
            kind=ErrorKind.UNAUTHENTICATED
        )
    partner, key = partners.verification_key(db, org_id, found[0], header.kid)
    try:
        key.verify(jose.b64url_decode(sig), f"{protected}.{payload}".encode("ascii"))
    except Exception:  # noqa: BLE001 - InvalidSignature and malformed signatures alike
        raise Refused(
            f"the request signature of {partner.name!r} does not verify", kind=ErrorKind.UNAUTHENTICATED
        ) from None
    if claims.get("m") != method.upper() or claims.get("p") != path_qs:
        raise Refused(
            "the signature is for another request (method or path differ)", kind=ErrorKind.UNAUTHENTICATED
        )
    try:
        at = datetime.fromisoformat(str(claims.get("at")))
    except ValueError:
        raise Refused("the request time is not ISO 8601", kind=ErrorKind.UNAUTHENTICATED) from None
    now = utc_now()
    if at.tzinfo is None or not now - REQUEST_MAX_AGE <= at <= now + envelope.CLOCK_SKEW:
        raise Refused("the request is not fresh (check the clocks)", kind=ErrorKind.UNAUTHENTICATED)
    nonce = str(claims.get("nonce", ""))
    if not 16 <= len(nonce) <= 64:
        raise Refused("the request has no usable nonce", kind=ErrorKind.UNAUTHENTICATED)
    from sqlalchemy.exc import IntegrityError

    try:
        with db.begin() as conn:
            conn.execute(
                exchange_nonces.insert().values(
                    org_id=org_id, partner_id=partner.id, nonce=nonce, created=at, received_at=now
                )
            )
    except IntegrityError:
        raise Refused("replayed request", kind=ErrorKind.CONFLICT) from None
    return int(org_id), partner, nonce


def _base(partner: Partner) -> str:
    if not partner.endpoint_url:
        raise ExchangeError(f"partner {partner.name!r} has no endpoint URL (`tutela partners update --url`)")
    return partner.endpoint_url.rstrip("/")


def _audience(partner: Partner) -> str:
    return envelope.audience_key(partner)


def _get(client: httpx.Client, db: Database, org_id: int, partner: Partner, path_qs: str) -> tuple[Any, str]:
    """GET `path_qs` (as the partner's server sees it) with a signed request; (JSON answer, request nonce)."""
    answer, nonce = _get_bytes(client, db, org_id, partner, path_qs)
    return orjson.loads(answer), nonce


def _get_bytes(
    client: httpx.Client, db: Database, org_id: int, partner: Partner, path_qs: str
) -> tuple[bytes, str]:
    """`_get`, the answer as the bytes that came."""
    auth, nonce = sign_request(db, org_id, "GET", path_qs, _audience(partner))
    parts = urlsplit(_base(partner))
    res = client.get(
        f"{parts.scheme}://{parts.netloc}{path_qs}",
        headers={"Authorization": auth, "Accept": "application/taxii+json;version=2.1"},
    )
    _raise_for(res, partner)
    return res.content, nonce


def _unreachable(partner: Partner, exc: httpx.HTTPError) -> ExchangeError:
    return ExchangeError(
        f"cannot reach partner {partner.name!r} at {partner.endpoint_url}: {exc}", kind=ErrorKind.UPSTREAM
    )


def _raise_for(res: httpx.Response, partner: Partner) -> None:
    if res.status_code < 400:
        return
    try:
        why = res.json().get("error") or res.text
    except ValueError:
        why = res.text
    raise Refused(
        f"partner {partner.name!r} answered {res.status_code}: {str(why)[:300]}", kind=ErrorKind.UPSTREAM
    )


def _path(partner: Partner, rest: str) -> str:
    return urlsplit(_base(partner)).path + rest


def _live_partner(db: Database, org_id: int, name: str) -> Partner:
    """The partner by name; Refused when it was revoked (nothing is pulled from or pushed to it)."""
    partner = partners.get_partner(db, org_id, name)
    if partner.revoked_at is not None:
        raise Refused(f"partner {partner.name!r} was revoked")
    return partner


def pull(
    db: Database, org_id: int, name: str, *, page_size: int | None = None, client: httpx.Client | None = None
) -> list[dict[str, Any]]:
    """Pull every collection the partner offers us, from our checkpoints; one result per collection.
    `page_size`: signals a page (default `PAGE`, `FULL_SYNC_PAGE` when following from 0)."""
    partner = _live_partner(db, org_id, name)
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT)
    results = []
    try:
        listing, _ = _get(client, db, org_id, partner, _path(partner, "/taxii2/api/collections/"))
        for col in listing.get("collections", []):
            results.append(_pull_collection(client, db, org_id, partner, str(col["id"]), page_size))
    except httpx.HTTPError as exc:
        raise _unreachable(partner, exc) from None
    finally:
        if own:
            client.close()
    return results


def _pull_collection(
    client: httpx.Client, db: Database, org_id: int, partner: Partner, uuid: str, page_size: int | None
) -> dict[str, Any]:
    """Follow one collection from our checkpoint to its end.

    Pipelined: as soon as a page has arrived, the request for the next one goes out (its position is
    in the page), so the partner builds and signs page n+1 while we check and apply page n, and a
    full sync takes about the longer of the two sides, not their sum. The next page is only used
    after this one was accepted (checkpoint stored); if this one is refused, it is dropped unread."""
    checkpoint = next(
        (
            i.checkpoint
            for i in inbound.list_inbound(db, org_id)
            if i.partner_id == partner.id and i.collection_uuid == uuid
        ),
        0,
    )
    totals = inbound.Applied()
    pages = resyncs = withdrawn = 0
    started = utc_now() if checkpoint == 0 else None
    run = resync.Run()  # a full resync (from 0) is staged and swapped in at its last page

    def fetch(after: int) -> tuple[bytes, str]:
        size = page_size or (FULL_SYNC_PAGE if started is not None else PAGE)
        path = _path(partner, f"/taxii2/api/collections/{uuid}/objects/?added_after={after}&limit={size}")
        return _get_bytes(client, db, org_id, partner, path)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tutela-pull") as ahead:
        pending: Future[tuple[bytes, str]] | None = None

        def go_on(body: dict[str, Any]) -> None:  # the page's signature holds: ask for the next one
            nonlocal pending
            if body.get("more") is True and body.get("stale") is not True and type(body.get("next")) is int:
                pending = ahead.submit(fetch, body["next"])

        try:
            while True:
                raw, nonce = pending.result() if pending is not None else fetch(checkpoint)
                pending = None
                with gcpause.paused():
                    result = bundles.accept(
                        db,
                        org_id,
                        None,
                        raw=raw,
                        on_open=go_on,
                        partner=partner,
                        expect_reply_to=nonce,
                        resync_started=started,
                        allow_older=True,
                        staged=run if started is not None else None,
                    )  # a live answer to our request (a resync may go back)
                pages += 1
                if result.stale:
                    checkpoint, started, resyncs = 0, utc_now(), resyncs + 1
                    continue
                for k in ("added", "updated", "removed", "not_accepted"):
                    setattr(totals, k, getattr(totals, k) + getattr(result.applied, k))
                withdrawn += result.withdrawn_by_snapshot
                checkpoint = result.next
                if not result.more:
                    break
        finally:
            if pending is not None and not pending.cancel():
                try:
                    pending.result()
                except Exception:  # noqa: BLE001 - a page asked for ahead and no longer wanted
                    pass
    return {
        "collection": uuid,
        "pages": pages,
        "checkpoint": checkpoint,
        "full_resyncs": resyncs,
        "withdrawn_by_resync": withdrawn,
        **totals.as_dict(),
    }


def push(
    db: Database, org_id: int, name: str, *, page_size: int = PAGE, client: httpx.Client | None = None
) -> list[dict[str, Any]]:
    """Send each of our collections to the partner's inbox, from the position it last accepted."""
    partner = _live_partner(db, org_id, name)
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT)
    with db.connect() as conn:
        cursors = dict(
            conn.execute(
                select(exchange_partners.c.push_cursors).where(exchange_partners.c.id == partner.id)
            ).scalar()
            or {}
        )
    results = []
    try:
        for col in feed.list_collections(db, org_id):
            feed.sync(db, col.id)
            after, sent = int(cursors.get(col.uuid, 0)), 0
            while True:
                wire = bundles.page_bytes(db, org_id, col, after=after, limit=page_size, to=partner)
                res = client.post(
                    _base(partner) + "/v1/exchange/inbox",
                    content=wire.data,
                    headers={"Content-Type": "application/json"},
                )
                _raise_for(res, partner)
                sent += wire.count
                after = wire.next
                cursors[col.uuid] = after
                with db.begin() as conn:
                    conn.execute(
                        update(exchange_partners)
                        .where(exchange_partners.c.id == partner.id)
                        .values(push_cursors=dict(cursors))
                    )
                if not wire.more:
                    break
            results.append({"collection": col.uuid, "title": col.name, "sent": sent, "position": after})
    except httpx.HTTPError as exc:
        raise _unreachable(partner, exc) from None
    finally:
        if own:
            client.close()
    return results


def post_envelope(
    db: Database, partner: Partner, env: dict[str, Any], *, client: httpx.Client | None = None
) -> dict[str, Any]:
    """Deliver any signed envelope (feedback, a referral...) to the partner's inbox; its answer."""
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT)
    try:
        res = client.post(_base(partner) + "/v1/exchange/inbox", json=env)
        _raise_for(res, partner)
        return res.json()
    except httpx.HTTPError as exc:
        raise _unreachable(partner, exc) from None
    finally:
        if own:
            client.close()
