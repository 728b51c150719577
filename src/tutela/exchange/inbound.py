"""What an organisation takes in from a partner: signals land in a bank it subscribes to, for review.

For each (partner, remote collection) there is one `exchange_inbound` row: the
checkpoint, and the local bank the signals land in. That bank is owned by a
local organisation record standing for the partner (made on first import,
kind `ngo`, named "<partner> (partner of <org>)"), shared with the receiving
organisation only, which is subscribed to it in `review` mode: under the
trust model a shared signal is a clue for review (a case, a held item), never
a block, until the receiver's own policy or subscription says `enforce`.

`apply` takes signals in feed order: upserts add (or correct) a bank entry and
an `exchange_received` row (which entry it became, the metadata, the remote
seq); tombstones remove both, so a deletion at the source stops matching here
at the next pull (the matcher follows the bank's removal log). Expired signals
are treated as tombstones. A quarantined signal (see `quarantine`) keeps its
row but no bank entry until it is released.

A complete snapshot applied here (a file import, a push from 0): every row
touched gets a fresh `received_at`; `finish_resync` drops the rows of this
inbound feed not touched since it started, i.e. what the source no longer
has. A pull's full resync is not applied here page by page: it is staged and
swapped in at its end (`resync`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, select, update

from tutela.domain.errors import ErrorKind
from tutela.domain.exchange import Partner
from tutela.exchange import partners as partner_rules
from tutela.exchange.errors import ExchangeError
from tutela.exchange.stix import KEYED_TYPES, Signal
from tutela.storage import bulk
from tutela.storage.db import Database
from tutela.storage.tables.access import orgs
from tutela.storage.tables.exchange import exchange_inbound, exchange_partners, exchange_received
from tutela.storage.tables.media import hash_entries
from tutela.storage.times import utc_now

_CHUNK = 500
#: SQLite page cache of a connection that applied a feed page (KiB; the default is 2,000)
_SQLITE_CACHE_KB = 131_072


@dataclass(frozen=True)
class Inbound:
    id: int
    org_id: int
    partner_id: int
    collection_uuid: str
    title: str | None
    bank_id: int | None
    checkpoint: int
    full_resyncs: int


def _to_inbound(row: Any) -> Inbound:
    return Inbound(
        row.id,
        row.org_id,
        row.partner_id,
        row.collection_uuid,
        row.title,
        row.bank_id,
        int(row.checkpoint),
        int(row.full_resyncs),
    )


def partner_org(db: Database, partner: Partner) -> int:
    """The local organisation record that owns banks fed by `partner` (made on first use)."""
    from tutela.access import create_org, get_org

    with db.connect() as conn:
        found = conn.execute(
            select(exchange_partners.c.partner_org_id).where(exchange_partners.c.id == partner.id)
        ).scalar()
        if found is not None:
            return int(found)
        holder = conn.execute(select(orgs.c.name).where(orgs.c.id == partner.org_id)).scalar()
    name = f"{partner.name} (partner of {holder})"[:200]
    existing = get_org(db, name)
    org_id = existing["id"] if existing else create_org(db, name, kind="ngo", country=partner.country)
    with db.begin() as conn:
        conn.execute(
            update(exchange_partners)
            .where(exchange_partners.c.id == partner.id)
            .values(partner_org_id=org_id)
        )
    return int(org_id)


def inbound_for(db: Database, partner: Partner, collection_uuid: str, title: str | None) -> Inbound:
    """The inbound feed of one partner collection, with its bank and the receiver's review subscription."""
    from tutela.hashing import banks, subscriptions

    with db.connect() as conn:
        row = conn.execute(
            select(exchange_inbound).where(
                exchange_inbound.c.partner_id == partner.id,
                exchange_inbound.c.collection_uuid == collection_uuid,
            )
        ).first()
    if row is not None and row.bank_id is not None:
        return _to_inbound(row)
    owner = partner_org(db, partner)
    bank_name = f"{partner.name}: {title or collection_uuid}"[:200]
    try:
        bank = banks.get_bank(db, bank_name, org_id=owner)
    except banks.BankError:
        bank = banks.create_bank(
            db,
            owner,
            bank_name,
            share_level="shared",
            shared_with=[partner.org_id],
            source=partner.name,
            actor=f"exchange:{partner.name}"[:80],
            description=f"signals received from partner {partner.name!r}",
        )
    subscriptions.subscribe(
        db, partner.org_id, bank.id, mode="review", by_operator=True, actor=f"exchange:{partner.name}"[:80]
    )
    with db.begin() as conn:
        if row is None:
            conn.execute(
                exchange_inbound.insert().values(
                    org_id=partner.org_id,
                    partner_id=partner.id,
                    collection_uuid=collection_uuid,
                    title=title,
                    bank_id=bank.id,
                    checkpoint=0,
                    full_resyncs=0,
                    created_at=utc_now(),
                )
            )
        else:
            conn.execute(
                update(exchange_inbound).where(exchange_inbound.c.id == row.id).values(bank_id=bank.id)
            )
        row = conn.execute(
            select(exchange_inbound).where(
                exchange_inbound.c.partner_id == partner.id,
                exchange_inbound.c.collection_uuid == collection_uuid,
            )
        ).one()
    return _to_inbound(row)


def list_inbound(db: Database, org_id: int) -> list[Inbound]:
    with db.connect() as conn:
        rows = conn.execute(
            select(exchange_inbound)
            .where(exchange_inbound.c.org_id == org_id)
            .order_by(exchange_inbound.c.id)
        ).all()
    return [_to_inbound(r) for r in rows]


def set_checkpoint(db: Database, inbound_id: int, checkpoint: int, *, resynced: bool = False) -> None:
    values: dict[str, Any] = {"checkpoint": int(checkpoint), "last_pull_at": utc_now()}
    if resynced:
        values["full_resyncs"] = exchange_inbound.c.full_resyncs + 1
    with db.begin() as conn:
        conn.execute(update(exchange_inbound).where(exchange_inbound.c.id == inbound_id).values(**values))


@dataclass
class Applied:
    added: int = 0
    updated: int = 0
    removed: int = 0
    not_accepted: int = 0  # outside the partner policy (category, signal type, country)

    def as_dict(self) -> dict[str, int]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "not_accepted": self.not_accepted,
        }


#: the columns of a new `exchange_received` row, in the order `apply` builds them
_RECEIVED = (
    "inbound_id",
    "stix_id",
    "signal_type",
    "value",
    "content_type",
    "group_name",
    "entry_id",
    "category",
    "confidence",
    "share_level",
    "first_seen",
    "last_seen",
    "expires_at",
    "provenance",
    "remote_seq",
    "received_at",
    "matches",
    "window_matches",
)
_ENTRY = ("bank_id", "signal_type", "value", "label", "quality", "added_at", "added_by", "content_type")


def apply(db: Database, partner: Partner, inbound: Inbound, signals: list[Signal]) -> Applied:
    """Take signals (in feed order) into the inbound bank; see the module docstring.

    A page is written in bulk: the rows it touches are looked up in one pass, new bank entries and
    received rows go in as DB-API batches in one transaction (`storage.bulk`), and the matcher is
    told once, so a feed of a million signals costs a few microseconds of database work a signal."""
    from tutela.hashing import banks, changes

    if inbound.bank_id is None:
        raise ExchangeError(
            "the inbound feed lost its bank (deleted); pull again to make a new one", kind=ErrorKind.CONFLICT
        )
    out = Applied()
    now = utc_now()
    latest: dict[str, Signal] = {}
    for s in signals:  # the last state of each signal in this batch wins
        latest[s.stix_id] = s
    keep: list[Signal] = []
    gone: list[Signal] = []
    allows = partner_rules.signal_policy(partner)
    for s in latest.values():
        if s.deleted or (s.expires_at is not None and s.expires_at <= now):
            gone.append(s)
            continue
        if allows(s):
            keep.append(s)
        else:
            out.not_accepted += 1
            gone.append(s)  # a signal now outside the policy is withdrawn here too
    existing = _existing(db, inbound.id, sorted(latest))  # in index order, as the writes below
    # 1. withdrawals: bank entries first (the matcher follows the removal log), then the rows
    stale_entries = [
        existing[s.stix_id]["entry_id"]
        for s in gone
        if s.stix_id in existing and existing[s.stix_id]["entry_id"] is not None
    ]
    stale_entries += [
        existing[s.stix_id]["entry_id"]
        for s in keep
        if s.stix_id in existing
        and existing[s.stix_id]["entry_id"] is not None
        and existing[s.stix_id]["value"] != s.value
    ]
    actor = f"exchange:{partner.name}"[:80]
    if stale_entries:
        banks.remove_entries(db, inbound.bank_id, entry_ids=stale_entries, actor=actor)
    gone_ids = [s.stix_id for s in gone if s.stix_id in existing]
    # 2. new bank entries for hash signals not there yet (or whose value changed), unless quarantined
    need_entry = [
        s
        for s in keep
        if s.signal_type not in KEYED_TYPES
        and (
            s.stix_id not in existing
            or existing[s.stix_id]["value"] != s.value
            or (existing[s.stix_id]["entry_id"] is None and existing[s.stix_id]["quarantined_at"] is None)
        )
    ]
    added_entries = 0
    with db.begin() as conn:
        if conn.dialect.name == "sqlite":
            # inserts at random places in the bank's and the received rows' indexes: with SQLite's
            # default 2 MB page cache a feed of a million reads most index pages back from the OS for
            # every page of signals (~20% of the receiver's CPU at 150,000); this connection keeps more
            conn.exec_driver_sql(f"PRAGMA cache_size=-{_SQLITE_CACHE_KB}")
        for i in range(0, len(gone_ids), _CHUNK):
            conn.execute(
                delete(exchange_received).where(
                    exchange_received.c.inbound_id == inbound.id,
                    exchange_received.c.stix_id.in_(gone_ids[i : i + _CHUNK]),
                )
            )
        out.removed = len(gone_ids)
        entry_ids: dict[tuple[str, str], int] = {}
        if need_entry:
            entry_ids, added_entries = _add_entries(conn, inbound.bank_id, need_entry, now, actor)
        # 3. the rows
        bind = bulk.row_binder(conn, exchange_received, _RECEIVED)
        new_rows: list[tuple[Any, ...]] = []
        updates: list[dict[str, Any]] = []
        for s in keep:
            prev = existing.get(s.stix_id)
            entry_id = entry_ids.get((s.signal_type, s.value))
            if entry_id is None and prev is not None:
                entry_id = prev["entry_id"]
            row = (
                inbound.id,
                s.stix_id,
                s.signal_type,
                s.value,
                s.content_type,
                s.group,
                entry_id,
                s.category,
                s.confidence,
                s.share_level.value,
                _utc(s.first_seen),
                _utc(s.last_seen),
                None if s.expires_at is None else _utc(s.expires_at),
                s.provenance,
                s.seq,
                now,
            )
            if prev is None:
                new_rows.append(bind((*row, 0, 0)))
            else:
                updates.append({"_id": prev["id"], **dict(zip(_RECEIVED[1:16], row[1:], strict=True))})
        new_rows.sort(key=_second)  # by STIX id: see `_add_entries` on why sorted
        bulk.insert_rows(conn, exchange_received, _RECEIVED, new_rows)
        if updates:
            conn.execute(
                update(exchange_received)
                .where(exchange_received.c.id == bindparam("_id"))
                .values({name: bindparam(name) for name in _RECEIVED[1:16]}),
                updates,
            )
    if added_entries:
        changes.notify(db)
        banks.record(
            db,
            actor=actor,
            org_id=None,
            action="bank.entries_add",
            bank_id=inbound.bank_id,
            details={"added": added_entries, "duplicates": len(need_entry) - added_entries, "errors": 0,
                     "added_at": now.isoformat()},
        )
    out.added, out.updated = len(new_rows), len(updates)
    return out


def _utc(dt: datetime) -> datetime:
    """UTC, as the bulk path must hand it to the database (SQLite's text form drops the offset)."""
    if dt.tzinfo is UTC:
        return dt
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _add_entries(
    conn: Connection, bank_id: int, signals: list[Signal], now: datetime, actor: str
) -> tuple[dict[tuple[str, str], int], int]:
    """Bank entries for received hash signals (already checked and normalised by `stix.from_indicator`):
    the entry id of each (signal type, value), and how many were new."""
    from tutela.hashing.signals.base import resolve_name

    bind = bulk.row_binder(conn, hash_entries, _ENTRY)
    names: dict[str, tuple[str, str | None]] = {}  # an exchange name (photo_md5) -> (md5, photo), as banks do
    asked: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (type, value) in the bank -> as the signals say
    rows = []
    for s in signals:
        name = names.get(s.signal_type)
        if name is None:
            sig, content = resolve_name(s.signal_type)
            name = names[s.signal_type] = (sig.name, content)
        k = (name[0], s.value)
        if k in asked:
            asked[k].append((s.signal_type, s.value))
            continue
        asked[k] = [(s.signal_type, s.value)]
        rows.append(bind((bank_id, name[0], s.value, None, None, now, actor, s.content_type or name[1])))
    # in index order: a page's random hashes then go into each index (and the received rows into
    # theirs) as one ordered walk over its pages, each read and written once, instead of a jump to
    # a random page per row; past ~100,000 signals the indexes outgrow the page cache, and unsorted
    # writes cost a third more CPU (and the read-back I/O) by a million
    rows.sort(key=_third)
    made = bulk.insert_new_returning(
        conn, hash_entries, _ENTRY, rows, ("bank_id", "signal_type", "value"), ("id", "signal_type", "value")
    )
    found = {(t, v): int(i) for i, t, v in made}
    missing: dict[str, list[str]] = {}
    for k in asked:
        if k not in found:  # already in the bank (an entry that outlived its received row)
            missing.setdefault(k[0], []).append(k[1])
    for signal_type, values in missing.items():
        for i, t, v in bulk.select_in(
            conn,
            hash_entries,
            ("id", "signal_type", "value"),
            "value",
            values,
            where={"bank_id": bank_id, "signal_type": signal_type},
        ):
            found[(t, v)] = int(i)
    ids = {key: found[k] for k, keys in asked.items() if k in found for key in keys}
    return ids, len(made)


_second = itemgetter(1)
_third = itemgetter(2)


def _existing(db: Database, inbound_id: int, stix_ids: list[str]) -> dict[str, dict[str, Any]]:
    with db.connect() as conn:
        rows = bulk.select_in(
            conn,
            exchange_received,
            ("id", "stix_id", "value", "entry_id", "quarantined_at"),
            "stix_id",
            stix_ids,
            where={"inbound_id": inbound_id},
        )
    return {
        r[1]: {"id": r[0], "stix_id": r[1], "value": r[2], "entry_id": r[3], "quarantined_at": r[4]} for r in rows
    }


def finish_resync(db: Database, partner: Partner, inbound: Inbound, started: datetime) -> int:
    """After a full resync: drop what the source no longer has (rows not touched since `started`)."""
    from tutela.hashing import banks

    cond = and_(exchange_received.c.inbound_id == inbound.id, exchange_received.c.received_at < started)
    with db.connect() as conn:
        rows = conn.execute(select(exchange_received.c.id, exchange_received.c.entry_id).where(cond)).all()
    entries = [r.entry_id for r in rows if r.entry_id is not None]
    if entries and inbound.bank_id is not None:
        banks.remove_entries(db, inbound.bank_id, entry_ids=entries, actor=f"exchange:{partner.name}"[:80])
    with db.begin() as conn:
        conn.execute(delete(exchange_received).where(cond))
    return len(rows)


def received_signal(
    db: Database, org_id: int, *, entry_id: int | None = None, stix_id: str | None = None
) -> dict[str, Any] | None:
    """A received signal of the organisation, by the bank entry it became or its STIX id (and partner)."""
    q = (
        select(exchange_received, exchange_inbound.c.partner_id, exchange_inbound.c.bank_id)
        .join(exchange_inbound, exchange_inbound.c.id == exchange_received.c.inbound_id)
        .where(exchange_inbound.c.org_id == org_id)
    )
    if entry_id is not None:
        q = q.where(exchange_received.c.entry_id == entry_id)
    elif stix_id is not None:
        q = q.where(exchange_received.c.stix_id == stix_id)
    else:
        return None
    with db.connect() as conn:
        row = conn.execute(q.limit(1)).first()
    return dict(row._mapping) if row else None
