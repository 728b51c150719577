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

Full resync (after a stale checkpoint): every row touched during the resync
gets a fresh `received_at`; `finish_resync` drops the rows of this inbound
feed not touched since the resync started, i.e. what the source no longer has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, select, update

from tutela.domain.errors import ErrorKind
from tutela.domain.exchange import Partner
from tutela.exchange import partners as partner_rules
from tutela.exchange.errors import ExchangeError
from tutela.exchange.stix import KEYED_TYPES, Signal
from tutela.storage.db import Database
from tutela.storage.tables.access import orgs
from tutela.storage.tables.exchange import exchange_inbound, exchange_partners, exchange_received
from tutela.storage.tables.media import hash_entries
from tutela.storage.times import utc_now

_CHUNK = 500


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


def apply(db: Database, partner: Partner, inbound: Inbound, signals: list[Signal]) -> Applied:
    """Take signals (in feed order) into the inbound bank; see the module docstring."""
    from tutela.hashing import banks

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
    for s in latest.values():
        if s.deleted or (s.expires_at is not None and s.expires_at <= now):
            gone.append(s)
        elif (
            partner_rules.refusal(
                partner,
                share_level=s.share_level,
                category=s.category,
                signal_type=s.signal_type,
                country=s.country,
            )
            is not None
        ):
            out.not_accepted += 1
            gone.append(s)  # a signal now outside the policy is withdrawn here too
        else:
            keep.append(s)
    existing = _existing(db, inbound.id, [s.stix_id for s in latest.values()])
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
    if stale_entries:
        banks.remove_entries(
            db, inbound.bank_id, entry_ids=stale_entries, actor=f"exchange:{partner.name}"[:80]
        )
    gone_ids = [s.stix_id for s in gone if s.stix_id in existing]
    with db.begin() as conn:
        for i in range(0, len(gone_ids), _CHUNK):
            conn.execute(
                delete(exchange_received).where(
                    exchange_received.c.inbound_id == inbound.id,
                    exchange_received.c.stix_id.in_(gone_ids[i : i + _CHUNK]),
                )
            )
    out.removed = len(gone_ids)
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
    entry_ids: dict[tuple[str, str], int] = {}
    if need_entry:
        banks.add_entries(
            db,
            inbound.bank_id,
            [(s.signal_type, s.value, None, None, s.content_type) for s in need_entry],
            actor=f"exchange:{partner.name}"[:80],
        )
        entry_ids = _entry_ids(db, inbound.bank_id, [(s.signal_type, s.value) for s in need_entry])
    # 3. the rows
    new_rows, updates = [], []
    for s in keep:
        row = {
            "inbound_id": inbound.id,
            "stix_id": s.stix_id,
            "signal_type": s.signal_type,
            "value": s.value,
            "content_type": s.content_type,
            "group_name": s.group,
            "category": s.category,
            "confidence": s.confidence,
            "share_level": s.share_level.value,
            "first_seen": s.first_seen,
            "last_seen": s.last_seen,
            "expires_at": s.expires_at,
            "provenance": s.provenance,
            "remote_seq": s.seq,
            "received_at": now,
        }
        prev = existing.get(s.stix_id)
        if (s.signal_type, s.value) in entry_ids:
            row["entry_id"] = entry_ids[(s.signal_type, s.value)]
        elif prev is not None:
            row["entry_id"] = prev["entry_id"]
        if prev is None:
            row.update(matches=0, window_matches=0)
            new_rows.append(row)
        else:
            updates.append((prev["id"], row))
    with db.begin() as conn:
        for i in range(0, len(new_rows), 5000):
            conn.execute(exchange_received.insert(), new_rows[i : i + 5000])
        for row_id, row in updates:
            conn.execute(update(exchange_received).where(exchange_received.c.id == row_id).values(**row))
    out.added, out.updated = len(new_rows), len(updates)
    return out


def _existing(db: Database, inbound_id: int, stix_ids: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    with db.connect() as conn:
        for i in range(0, len(stix_ids), _CHUNK):
            for r in conn.execute(
                select(
                    exchange_received.c.id,
                    exchange_received.c.stix_id,
                    exchange_received.c.value,
                    exchange_received.c.entry_id,
                    exchange_received.c.quarantined_at,
                ).where(
                    exchange_received.c.inbound_id == inbound_id,
                    exchange_received.c.stix_id.in_(stix_ids[i : i + _CHUNK]),
                )
            ).all():
                out[r.stix_id] = dict(r._mapping)
    return out


def _entry_ids(db: Database, bank_id: int, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    values = sorted({v for _, v in keys})
    with db.connect() as conn:
        for i in range(0, len(values), _CHUNK):
            for r in conn.execute(
                select(hash_entries.c.id, hash_entries.c.signal_type, hash_entries.c.value).where(
                    hash_entries.c.bank_id == bank_id, hash_entries.c.value.in_(values[i : i + _CHUNK])
                )
            ).all():
                out[(r.signal_type, r.value)] = int(r.id)
    return out


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
