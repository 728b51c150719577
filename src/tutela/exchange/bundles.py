"""Signed STIX bundles: what a file export holds, what a pull page and a push carry.

One envelope kind, `stix-bundle`, whose body is a TAXII-shaped page::

    {"collection": {"id": "<uuid>", "title": "<bank name>"},
     "after": 0, "next": 1234, "more": false, "stale": false, "in_reply_to": "<request nonce>|null",
     "bundle": {"type": "bundle", "objects": [identity, extension-definition, markings..., indicators...]}}

`page_envelope` makes one (the sender's policy filters the signals, and the
envelope's share level is the highest level it carries); `accept` checks one
(every envelope check, then each indicator: valid, consistent, not above the
envelope's claimed level) and applies it to the receiver's inbound bank.
A page that starts at 0 and is the last one (`more: false`) is a complete
snapshot: what the receiver holds from that collection and the snapshot lacks
is withdrawn (the full resync after a stale checkpoint, and file imports).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from tutela.domain.errors import ErrorKind
from tutela.domain.exchange import TLP, Partner
from tutela.exchange import envelope, feed, gcpause, identity, inbound, pagejson, resync, stix
from tutela.exchange.errors import ExchangeError, Refused
from tutela.storage.db import Database
from tutela.storage.times import utc_now

KIND = "stix-bundle"


@dataclass(frozen=True)
class _Page:
    """What a page's envelope says besides its indicators, and the signals it carries (as columns)."""

    rows: feed.PageColumns
    body: dict[str, Any]  # the envelope's body; its bundle's objects are the context objects only
    creator: str
    level: TLP


_LEVEL = feed.PAGE_COLUMNS.index("share_level")


def _page(
    db: Database,
    org_id: int,
    collection: feed.Collection,
    *,
    after: int,
    limit: int,
    to: Partner | None,
    max_level: TLP,
    in_reply_to: str | None,
) -> _Page:
    if to is None and max_level is TLP.RED:
        max_level = TLP.AMBER_STRICT  # RED needs a named recipient: `envelope.seal` would refuse it anyway
    page = feed.read_page_columns(db, collection.id, after=after, limit=limit, partner=to, max_level=max_level)
    key_id = identity.current_key(db, org_id).key_id
    org = identity.org_name(db, org_id)
    creator = stix.identity_object(org, key_id)["id"]
    levels = set(page.columns[_LEVEL]) if len(page) else set()
    body = {
        "collection": {"id": collection.uuid, "title": collection.name},
        "after": after,
        "next": page.next_after,
        "more": page.more,
        "stale": page.stale,
        "in_reply_to": in_reply_to,
        "bundle": stix.bundle_head(levels, org=org, key_id=key_id),
    }
    level = max(levels, key=lambda t: t.rank, default=TLP.CLEAR)
    return _Page(page, body, creator, level)


def page_envelope(
    db: Database,
    org_id: int,
    collection: feed.Collection,
    *,
    after: int,
    limit: int,
    to: Partner | None,
    max_level: TLP = TLP.RED,
    in_reply_to: str | None = None,
) -> dict[str, Any]:
    """One signed page of a collection for `to` (None: an unaddressed file, capped at `max_level`), as
    a dict (a file export, the API's answer); a page that travels is made by `page_bytes`."""
    with gcpause.paused():  # a page is tens of thousands of fresh objects, none in a cycle
        p = _page(db, org_id, collection, after=after, limit=limit, to=to, max_level=max_level,
                  in_reply_to=in_reply_to)
        p.body["bundle"]["objects"] += [stix.to_indicator(s, created_by=p.creator) for s in p.rows.signals()]
        return envelope.seal(db, org_id, KIND, p.body, to=to, share_level=p.level)


@dataclass(frozen=True)
class Wire:
    """A page as the bytes to send (see `envelope.seal_wire`), and what the sender needs of it."""

    data: bytes
    next: int
    more: bool
    count: int  # indicators carried


def page_bytes(
    db: Database,
    org_id: int,
    collection: feed.Collection,
    *,
    after: int,
    limit: int,
    to: Partner | None,
    max_level: TLP = TLP.RED,
    in_reply_to: str | None = None,
) -> Wire:
    """`page_envelope`, made as the bytes to send: the same envelope, byte for byte what `seal` would
    sign, but its indicators are written straight into canonical JSON from templates
    (`pagejson.columns_json`) and spliced into the bundle as one `orjson.Fragment`, not built as dicts
    and canonicalised one member at a time (a full sync serves a million)."""
    with gcpause.paused():
        p = _page(db, org_id, collection, after=after, limit=limit, to=to, max_level=max_level,
                  in_reply_to=in_reply_to)
        objects = pagejson.columns_json(p.rows.columns, created_by=p.creator)
        if objects:
            p.body["bundle"]["objects"].append(orjson.Fragment(objects))
        # the rest of the envelope is built from typed fields and fixed ASCII keys: plain by construction
        _, wire = envelope.seal_wire(db, org_id, KIND, p.body, to=to, share_level=p.level, plain=True)
        return Wire(wire, p.body["next"], p.body["more"], len(p.rows))


def page_wire(
    db: Database,
    org_id: int,
    collection: feed.Collection,
    *,
    after: int,
    limit: int,
    to: Partner | None,
    max_level: TLP = TLP.RED,
    in_reply_to: str | None = None,
) -> tuple[dict[str, Any], bytes]:
    """`page_bytes`, with the envelope parsed back from its bytes (for tests and tools that read it)."""
    wire = page_bytes(
        db, org_id, collection, after=after, limit=limit, to=to, max_level=max_level, in_reply_to=in_reply_to
    ).data
    return orjson.loads(wire), wire


def export_file(
    db: Database, org_id: int, bank: str, *, to: Partner | None = None, max_level: TLP | str | None = None
) -> dict[str, Any]:
    """A complete, signed snapshot of the collection that follows `bank` (made and synced on the way).

    Addressed to a partner, its policy decides what goes; unaddressed (a file for whoever we hand
    it to), only signals up to `max_level` (default amber) go, and never red or content."""
    level = TLP.parse(max_level) if max_level is not None else (TLP.RED if to is not None else TLP.AMBER)
    if to is None and level is TLP.RED:
        raise Refused("not exported: TLP:RED goes only to named recipients (name the partner)")
    col = feed.ensure_collection(db, org_id, bank)
    feed.sync(db, col.id)
    return page_envelope(db, org_id, col, after=0, limit=50_000_000, to=to, max_level=level)


@dataclass
class Accepted:
    partner: str
    collection: str
    applied: inbound.Applied
    next: int
    more: bool
    stale: bool
    withdrawn_by_snapshot: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "collection": self.collection,
            **self.applied.as_dict(),
            "next": self.next,
            "more": self.more,
            "stale": self.stale,
            "withdrawn_by_snapshot": self.withdrawn_by_snapshot,
        }


def _body(opened: envelope.Opened) -> tuple[dict[str, Any], list[stix.Signal]]:
    body = opened.body
    col = body.get("collection") or {}
    if not isinstance(col, dict) or not isinstance(col.get("id"), str) or not col["id"]:
        raise Refused("the bundle names no collection", kind=ErrorKind.INVALID)
    for name in ("after", "next"):
        if type(body.get(name)) is not int or body[name] < 0:
            raise Refused(f"the bundle's {name!r} is not a feed position", kind=ErrorKind.INVALID)
    try:
        objects = stix.indicators_of(body.get("bundle"))
        signals = [stix.from_indicator(o) for o in objects]
    except stix.StixError as exc:
        raise Refused(
            f"the bundle from {opened.partner.name!r} is not valid: {exc}", kind=ErrorKind.INVALID
        ) from None
    allowed = {t for t in TLP if t.rank <= opened.share_level.rank}
    for s in signals:
        if s.share_level not in allowed:
            raise Refused(
                f"{s.stix_id} is marked TLP:{s.share_level.value.upper()}, above the bundle's "
                f"TLP:{opened.share_level.value.upper()}",
                kind=ErrorKind.INVALID,
            )
    return body, signals


def accept(
    db: Database,
    org_id: int,
    env: Any,
    *,
    partner: str | Partner | None = None,
    expect_reply_to: str | None = None,
    resync_started: Any = None,
    allow_older: bool = False,
    raw: bytes | None = None,
    on_open: Callable[[dict[str, Any]], None] | None = None,
    staged: resync.Run | None = None,
) -> Accepted:
    """Check a signed bundle addressed to the organisation and apply it; Refused (nothing changed) if not.

    `raw` (with `env` None): the bundle as received bytes (see `envelope.open_envelope`).
    `on_open(body)` is called once the envelope's checks passed, before the signals are checked and
    applied (a puller asks for the next page then).

    `staged`: the page belongs to this full resync, which a puller follows to its end (`resync`): it
    is staged, the live rows keep serving, and the last page swaps the snapshot in; the checkpoint
    moves only then, so a resync broken off midway starts again from where the feed stood."""
    opened = envelope.open_envelope(db, org_id, env, kind=KIND, partner=partner, raw=raw)
    if on_open is not None:
        on_open(opened.body)
    body, signals = _body(opened)
    if expect_reply_to is not None and body.get("in_reply_to") != expect_reply_to:
        raise Refused("the page does not answer our request (in_reply_to differs): a replayed response?")
    col = body["collection"]
    feed_in = inbound.inbound_for(db, opened.partner, col["id"], col.get("title"))
    if body.get("stale"):
        with db.begin() as conn:
            envelope.remember(conn, org_id, opened)
        return Accepted(opened.partner.name, col["id"], inbound.Applied(), 0, True, True)
    if not allow_older and body["after"] == 0 and 0 < body["next"] < feed_in.checkpoint:
        raise Refused(
            f"this bundle of {opened.partner.name!r} is older than one already imported "
            f"(feed position {body['next']} < {feed_in.checkpoint})",
            kind=ErrorKind.CONFLICT,
        )
    if staged is not None:
        return _accept_staged(db, org_id, opened, body, signals, feed_in, staged)
    started = resync_started or (utc_now() if body["after"] == 0 else None)
    # applying is idempotent (keyed upserts and tombstones), so the nonce is recorded after it: a failed
    # import can be retried with the same file, and a copy racing this one changes nothing more
    applied = inbound.apply(db, opened.partner, feed_in, signals)
    withdrawn = 0
    if started is not None and not body["more"]:
        withdrawn = inbound.finish_resync(db, opened.partner, feed_in, started)
    with db.begin() as conn:
        envelope.remember(conn, org_id, opened)
    inbound.set_checkpoint(db, feed_in.id, max(body["next"], body["after"]), resynced=body["after"] == 0)
    _audit(db, org_id, opened, col["id"], applied, withdrawn)
    return Accepted(
        opened.partner.name, col["id"], applied, body["next"], bool(body["more"]), False, withdrawn
    )


def _accept_staged(
    db: Database,
    org_id: int,
    opened: envelope.Opened,
    body: dict[str, Any],
    signals: list[stix.Signal],
    feed_in: inbound.Inbound,
    run: resync.Run,
) -> Accepted:
    """One page of a full resync: staged, and on the last page swapped in (see `resync`)."""
    col = body["collection"]
    applied = inbound.Applied(
        not_accepted=resync.stage(db, opened.partner, feed_in.id, signals, first=body["after"] == 0, run=run)
    )
    withdrawn = 0
    if not body["more"]:
        done = resync.swap_in(db, opened.partner, feed_in.id, feed_in.bank_id, run=run)
        applied = inbound.Applied(done.added, done.updated, done.removed, applied.not_accepted)
        withdrawn = done.withdrawn
    with db.begin() as conn:
        envelope.remember(conn, org_id, opened)
    if not body["more"]:
        inbound.set_checkpoint(db, feed_in.id, max(body["next"], body["after"]), resynced=True)
    _audit(db, org_id, opened, col["id"], applied, withdrawn)
    return Accepted(opened.partner.name, col["id"], applied, body["next"], bool(body["more"]), False, withdrawn)


def _audit(
    db: Database,
    org_id: int,
    opened: envelope.Opened,
    collection: str,
    applied: inbound.Applied,
    withdrawn: int,
) -> None:
    from tutela.cases import audit

    with audit.writing(db) as conn:
        audit.append(
            conn,
            actor=f"exchange:{opened.partner.name}"[:80],
            action="exchange.bundle_accept",
            object_type="exchange_partner",
            object_id=opened.partner.id,
            org_id=org_id,
            details={
                "collection": collection,
                "nonce": opened.nonce,
                "key_id": opened.key_id,
                **applied.as_dict(),
                "withdrawn_by_snapshot": withdrawn,
            },
        )


def load_file(text: str) -> Any:
    """A bundle file's JSON; ExchangeError when it is not JSON at all."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ExchangeError(f"the file is not JSON: {exc}") from None


def _inbox(db: Database, org_id: int, env: dict[str, Any]) -> dict[str, Any]:
    with gcpause.paused():
        return accept(db, org_id, env).as_dict()


def _inbox_raw(db: Database, org_id: int, raw: bytes) -> dict[str, Any]:
    """A pushed page as the bytes that came: checked over them as a pulled page is (`accept(raw=...)`)."""
    with gcpause.paused():
        return accept(db, org_id, None, raw=raw).as_dict()


def _register() -> None:
    from tutela.exchange import inbox

    inbox.register(KIND, _inbox, raw=_inbox_raw)


_register()
