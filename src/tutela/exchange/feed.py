"""What an organisation offers: collections that follow its banks, as a strictly ordered feed.

The feed follows python-threatexchange's fetch model: a consumer asks for
everything after its checkpoint and gets keyed upserts and tombstones in
order, then stores the new checkpoint. Here:

- A collection follows one bank. `sync` brings it up to date incrementally,
  like the matcher does: bank entries with ids above `entry_cursor` become
  signals, removals logged above `removal_cursor` become tombstones. So a
  bank changed by any door (CLI, API, import) shows up in the feed.
- `exchange_signals` holds one row per signal: its latest state. Every change
  (new, corrected, deleted) deletes the row and inserts it again, taking a new
  `seq`, so the feed "rows with seq > checkpoint" is ordered, holds each signal
  once, and grows with the signals, not with their history. Writes to one
  collection are serialised (a row lock on PostgreSQL, the single writer on
  SQLite), so commit order is seq order and a reader never skips a row.
- Tombstones are kept (so deletions reach every consumer) until `purge`;
  a checkpoint older than the purge horizon is *stale*: the page says so and
  the consumer resyncs from zero, then drops whatever it holds that the full
  feed no longer has.

Use::

    col = feed.ensure_collection(db, org_id, "known-csam")   # one per bank
    feed.sync(db, col.id)
    page = feed.read_page(db, col.id, after=checkpoint, limit=10_000, partner=p)   # p's policy filters
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import compress
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select, update

from tutela.domain.errors import ErrorKind
from tutela.domain.exchange import TLP, Partner
from tutela.exchange import partners as partner_rules
from tutela.exchange.errors import ExchangeError
from tutela.exchange.stix import Signal, indicator_id, signals_of_columns
from tutela.storage import bulk
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_collections, exchange_signals
from tutela.storage.tables.media import hash_banks, hash_entries, hash_entry_removals
from tutela.storage.times import as_utc, as_utc_or_none, utc_now

_BATCH = 5000


@dataclass(frozen=True)
class Collection:
    id: int
    org_id: int
    uuid: str
    name: str
    bank_id: int | None
    share_level: TLP
    confidence: int
    purged_through: int

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.uuid,
            "title": self.name,
            "share_level": self.share_level.value,
            "confidence": self.confidence,
            "can_read": True,
            "can_write": False,
            "media_types": ["application/stix+json;version=2.1"],
        }


def _to_collection(row: Any) -> Collection:
    return Collection(
        row.id,
        row.org_id,
        row.uuid,
        row.name,
        row.bank_id,
        TLP(row.share_level),
        row.confidence,
        int(row.purged_through),
    )


def list_collections(db: Database, org_id: int) -> list[Collection]:
    with db.connect() as conn:
        rows = conn.execute(
            select(exchange_collections)
            .where(exchange_collections.c.org_id == org_id)
            .order_by(exchange_collections.c.name)
        ).all()
    return [_to_collection(r) for r in rows]


def get_collection(db: Database, org_id: int, ref: str | int) -> Collection:
    """A collection of the organisation by uuid, name or id; ExchangeError 404 otherwise."""
    with db.connect() as conn:
        q = select(exchange_collections).where(exchange_collections.c.org_id == org_id)
        if isinstance(ref, int):
            q = q.where(exchange_collections.c.id == ref)
        else:
            q = q.where((exchange_collections.c.uuid == ref) | (exchange_collections.c.name == ref))
        row = conn.execute(q).first()
    if row is None:
        raise ExchangeError(f"no collection {ref!r}", kind=ErrorKind.NOT_FOUND)
    return _to_collection(row)


def ensure_collection(
    db: Database,
    org_id: int,
    bank: str | int,
    *,
    share_level: str | TLP | None = None,
    confidence: int | None = None,
    actor: str = "operator",
) -> Collection:
    """The collection that follows one of the organisation's own banks, made on first use (or updated)."""
    from tutela.cases import audit

    with db.connect() as conn:
        col = hash_banks.c.id if isinstance(bank, int) or str(bank).isdigit() else hash_banks.c.name
        key = int(bank) if col is hash_banks.c.id else bank
        b = conn.execute(select(hash_banks).where(hash_banks.c.owner_org_id == org_id, col == key)).first()
    if b is None:
        raise ExchangeError(
            f"the organisation has no bank {bank!r} (only its own banks can be shared)",
            kind=ErrorKind.NOT_FOUND,
        )
    values: dict[str, Any] = {}
    if share_level is not None:
        try:
            values["share_level"] = TLP.parse(share_level).value
        except ValueError as exc:
            raise ExchangeError(str(exc)) from None
    if confidence is not None:
        if not 0 <= int(confidence) <= 100:
            raise ExchangeError("confidence must be between 0 and 100")
        values["confidence"] = int(confidence)
    with audit.writing(db) as conn:
        row = conn.execute(
            select(exchange_collections).where(
                exchange_collections.c.org_id == org_id, exchange_collections.c.bank_id == b.id
            )
        ).first()
        if row is None:
            conn.execute(
                exchange_collections.insert().values(
                    org_id=org_id,
                    uuid=str(uuid.uuid4()),
                    name=b.name,
                    bank_id=b.id,
                    created_at=utc_now(),
                    share_level=values.get("share_level", TLP.AMBER.value),
                    confidence=values.get("confidence", 80),
                    entry_cursor=0,
                    removal_cursor=0,
                    purged_through=0,
                )
            )
            action = "exchange.collection_create"
        elif values:
            conn.execute(
                update(exchange_collections).where(exchange_collections.c.id == row.id).values(**values)
            )
            action = "exchange.collection_update"
        else:
            return _to_collection(row)
        row = conn.execute(
            select(exchange_collections).where(
                exchange_collections.c.org_id == org_id, exchange_collections.c.bank_id == b.id
            )
        ).one()
        audit.append(
            conn,
            actor=actor,
            action=action,
            object_type="exchange_collection",
            object_id=row.uuid,
            org_id=org_id,
            details={"bank": b.name, **values},
        )
    return _to_collection(row)


def ensure_named_collection(
    db: Database, org_id: int, name: str, *, share_level: str | TLP = TLP.AMBER, actor: str = "operator"
) -> Collection:
    """A collection that follows no bank (keyed URLs and accounts), made on first use."""
    from tutela.cases import audit

    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ExchangeError("a collection needs a name of 1 to 200 characters")
    try:
        return get_collection(db, org_id, name)
    except ExchangeError:
        pass
    with audit.writing(db) as conn:
        conn.execute(
            exchange_collections.insert().values(
                org_id=org_id,
                uuid=str(uuid.uuid4()),
                name=name,
                bank_id=None,
                created_at=utc_now(),
                share_level=TLP.parse(share_level).value,
                confidence=80,
                entry_cursor=0,
                removal_cursor=0,
                purged_through=0,
            )
        )
        audit.append(
            conn,
            actor=actor,
            action="exchange.collection_create",
            object_type="exchange_collection",
            object_id=name,
            org_id=org_id,
            details={"bank": None},
        )
    return get_collection(db, org_id, name)


def _lock(conn: Connection, collection_id: int) -> Any:
    """The collection row, locked for this transaction on PostgreSQL (SQLite has one writer anyway)."""
    q = select(exchange_collections).where(exchange_collections.c.id == collection_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).first()
    if row is None:
        raise ExchangeError(f"no collection {collection_id}", kind=ErrorKind.NOT_FOUND)
    return row


def _replace(conn: Connection, collection_id: int, stix_ids: list[str]) -> dict[str, Any]:
    """Delete the current rows of these signals (they are about to be inserted again); returns them by id."""
    old: dict[str, Any] = {}
    for i in range(0, len(stix_ids), 500):
        part = stix_ids[i : i + 500]
        for r in conn.execute(
            select(exchange_signals).where(
                exchange_signals.c.collection_id == collection_id, exchange_signals.c.stix_id.in_(part)
            )
        ).all():
            old[r.stix_id] = r
        conn.execute(
            delete(exchange_signals).where(
                exchange_signals.c.collection_id == collection_id, exchange_signals.c.stix_id.in_(part)
            )
        )
    return old


def sync(db: Database, collection_id: int) -> dict[str, int]:
    """Bring a collection up to date with its bank: new entries become signals, removed ones tombstones."""
    added = removed = 0
    while True:  # one transaction per batch: a big first sync does not hold the lock for minutes
        with db.begin() as conn:
            col = _lock(conn, collection_id)
            if col.bank_id is None:
                return {"added": 0, "removed": 0}
            bank = conn.execute(select(hash_banks).where(hash_banks.c.id == col.bank_id)).one()
            entries = conn.execute(
                select(
                    hash_entries.c.id,
                    hash_entries.c.signal_type,
                    hash_entries.c.value,
                    hash_entries.c.content_type,
                    hash_entries.c.added_at,
                )
                .where(hash_entries.c.bank_id == col.bank_id, hash_entries.c.id > col.entry_cursor)
                .order_by(hash_entries.c.id)
                .limit(_BATCH)
            ).all()
            # entries of other banks above the cursor do not matter; only this bank's are read
            if entries:
                _publish(conn, col, bank, entries)
                conn.execute(
                    update(exchange_collections)
                    .where(exchange_collections.c.id == col.id)
                    .values(entry_cursor=entries[-1].id)
                )
                added += len(entries)
                continue
            removals = conn.execute(
                select(hash_entry_removals.c.seq, hash_entry_removals.c.entry_id)
                .where(hash_entry_removals.c.seq > col.removal_cursor)
                .order_by(hash_entry_removals.c.seq)
                .limit(_BATCH)
            ).all()
            if not removals:
                return {"added": added, "removed": removed}
            ids = [r.entry_id for r in removals]
            live = (
                conn.execute(
                    select(exchange_signals.c.stix_id).where(
                        exchange_signals.c.collection_id == col.id,
                        exchange_signals.c.entry_id.in_(ids),
                        exchange_signals.c.deleted.is_(False),
                    )
                )
                .scalars()
                .all()
            )
            removed += _tombstone(conn, col.id, list(live))
            conn.execute(
                update(exchange_collections)
                .where(exchange_collections.c.id == col.id)
                .values(removal_cursor=removals[-1].seq)
            )


_SIGNAL_COLUMNS = (
    "collection_id",
    "stix_id",
    "signal_type",
    "value",
    "content_type",
    "entry_id",
    "category",
    "confidence",
    "share_level",
    "first_seen",
    "last_seen",
    "provenance",
    "version",
    "deleted",
    "updated_at",
)


def _publish(conn: Connection, col: Any, bank: Any, entries: list[Any]) -> None:
    """New bank entries become signals (a signal already in the feed, deleted and added again, keeps its
    first-seen time and takes the next version). DB-API batches: a bank of a million is published in
    200 of them."""
    now = utc_now()
    provenance = {"bank": bank.name, **({"source": bank.source} if bank.source else {})}
    ids = [indicator_id(col.uuid, e.signal_type, e.value) for e in entries]
    read = bulk.row_reader(conn, exchange_signals, ("stix_id", "version", "first_seen"))
    prev = {
        r[0]: r
        for r in map(
            read,
            bulk.select_in(
                conn,
                exchange_signals,
                ("stix_id", "version", "first_seen"),
                "stix_id",
                ids,
                where={"collection_id": col.id},
            ),
        )
    }
    if prev:
        gone = list(prev)
        for i in range(0, len(gone), 500):
            conn.execute(
                delete(exchange_signals).where(
                    exchange_signals.c.collection_id == col.id, exchange_signals.c.stix_id.in_(gone[i : i + 500])
                )
            )
    bind = bulk.row_binder(conn, exchange_signals, _SIGNAL_COLUMNS)
    rows = []
    for sid, e in zip(ids, entries, strict=True):
        seen = as_utc(e.added_at).astimezone(UTC)
        old = prev.get(sid)
        rows.append(
            bind(
                (
                    col.id,
                    sid,
                    e.signal_type,
                    e.value,
                    e.content_type,
                    e.id,
                    bank.category,
                    col.confidence,
                    col.share_level,
                    as_utc(old[2]).astimezone(UTC) if old is not None else seen,
                    seen,
                    provenance,
                    old[1] + 1 if old is not None else 1,
                    False,
                    now,
                )
            )
        )
    bulk.insert_rows(conn, exchange_signals, _SIGNAL_COLUMNS, rows)


def _tombstone(conn: Connection, collection_id: int, stix_ids: list[str]) -> int:
    if not stix_ids:
        return 0
    now = utc_now()
    old = _replace(conn, collection_id, stix_ids)
    rows = []
    for r in old.values():
        row = dict(r._mapping)
        row.pop("seq")
        row.update(deleted=True, version=r.version + 1, updated_at=now, entry_id=None)
        rows.append(row)
    if rows:
        conn.execute(exchange_signals.insert(), rows)
    return len(rows)


def correct(
    db: Database,
    org_id: int,
    collection: str | int,
    stix_id: str,
    *,
    confidence: int | None = None,
    share_level: str | TLP | None = None,
    category: str | None = None,
    expires_at: datetime | None = None,
    actor: str = "operator",
) -> Signal:
    """Change a signal's metadata (a correction): it moves to the end of the feed with its new state."""
    from tutela.cases import audit
    from tutela.domain.taxonomy import Category

    col = get_collection(db, org_id, collection)
    values: dict[str, Any] = {}
    if confidence is not None:
        if not 0 <= int(confidence) <= 100:
            raise ExchangeError("confidence must be between 0 and 100")
        values["confidence"] = int(confidence)
    if share_level is not None:
        values["share_level"] = TLP.parse(share_level).value
    if category is not None:
        values["category"] = Category(category).value
    if expires_at is not None:
        values["expires_at"] = expires_at
    with audit.writing(db) as conn:
        _lock(conn, col.id)
        old = _replace(conn, col.id, [stix_id])
        if stix_id not in old or old[stix_id].deleted:
            raise ExchangeError(
                f"no live signal {stix_id} in collection {col.name!r}", kind=ErrorKind.NOT_FOUND
            )
        row = dict(old[stix_id]._mapping)
        row.pop("seq")
        row.update(values, version=row["version"] + 1, updated_at=utc_now())
        conn.execute(exchange_signals.insert(), row)
        audit.append(
            conn,
            actor=actor,
            action="exchange.signal_correct",
            object_type="exchange_signal",
            object_id=stix_id,
            org_id=org_id,
            details={k: str(v) for k, v in values.items()},
        )
    return signal_of(db, col.id, stix_id)


def add_keyed(
    db: Database,
    org_id: int,
    collection: str | int,
    signals: Iterable[dict[str, Any]],
    *,
    actor: str = "operator",
) -> int:
    """Add keyed-identifier signals (url/account HMACs, see `keyed`) to a collection; returns how many."""
    from tutela.cases import audit

    col = get_collection(db, org_id, collection)
    now = utc_now()
    rows = []
    for s in signals:
        rows.append(
            {
                "collection_id": col.id,
                "stix_id": indicator_id(col.uuid, s["signal_type"], s["value"]),
                "signal_type": s["signal_type"],
                "value": s["value"],
                "group_name": s["group"],
                "entry_id": None,
                "category": s.get("category") or "sexual_exploitation",
                "confidence": s.get("confidence", col.confidence),
                "share_level": TLP.parse(s.get("share_level") or col.share_level).value,
                "country": s.get("country"),
                "first_seen": now,
                "last_seen": now,
                "provenance": s.get("provenance") or {},
                "version": 1,
                "deleted": False,
                "updated_at": now,
            }
        )
    if not rows:
        return 0
    with audit.writing(db) as conn:
        _lock(conn, col.id)
        old = _replace(conn, col.id, [r["stix_id"] for r in rows])
        for r in rows:
            if r["stix_id"] in old:
                r["version"] = old[r["stix_id"]].version + 1
                r["first_seen"] = as_utc(old[r["stix_id"]].first_seen)
        conn.execute(exchange_signals.insert(), rows)
        audit.append(
            conn,
            actor=actor,
            action="exchange.keyed_add",
            object_type="exchange_collection",
            object_id=col.uuid,
            org_id=org_id,
            details={"signals": len(rows)},
        )
    return len(rows)


def delete_signals(
    db: Database, org_id: int, collection: str | int, stix_ids: list[str], *, actor: str = "operator"
) -> int:
    """Withdraw signals that follow no bank entry (keyed identifiers); bank-fed ones go with their entries."""
    from tutela.cases import audit

    col = get_collection(db, org_id, collection)
    with audit.writing(db) as conn:
        _lock(conn, col.id)
        live = (
            conn.execute(
                select(exchange_signals.c.stix_id).where(
                    exchange_signals.c.collection_id == col.id,
                    exchange_signals.c.stix_id.in_(stix_ids),
                    exchange_signals.c.deleted.is_(False),
                )
            )
            .scalars()
            .all()
        )
        n = _tombstone(conn, col.id, list(live))
        audit.append(
            conn,
            actor=actor,
            action="exchange.signals_delete",
            object_type="exchange_collection",
            object_id=col.uuid,
            org_id=org_id,
            details={"deleted": n},
        )
    return n


def purge(db: Database, collection_id: int, *, older_than: datetime) -> int:
    """Drop tombstones last changed before `older_than`; checkpoints below them become stale."""
    with db.begin() as conn:
        _lock(conn, collection_id)
        cond = and_(
            exchange_signals.c.collection_id == collection_id,
            exchange_signals.c.deleted.is_(True),
            exchange_signals.c.updated_at < older_than,
        )
        horizon = conn.execute(select(func.max(exchange_signals.c.seq)).where(cond)).scalar()
        if horizon is None:
            return 0
        n = conn.execute(delete(exchange_signals).where(cond)).rowcount or 0
        conn.execute(
            update(exchange_collections)
            .where(exchange_collections.c.id == collection_id)
            .values(
                purged_through=func.max(exchange_collections.c.purged_through, horizon)
                if conn.dialect.name == "sqlite"
                else func.greatest(exchange_collections.c.purged_through, horizon)
            )
        )
        return int(n)


_TLP_OF = {t.value: t for t in TLP}


def _signal(row: Any) -> Signal:
    return Signal(
        row.stix_id,
        row.signal_type,
        row.value,
        row.category,
        row.confidence,
        _TLP_OF[row.share_level],
        as_utc(row.first_seen),
        as_utc(row.last_seen),
        as_utc(row.updated_at),
        int(row.seq),
        row.content_type,
        row.group_name,
        row.country,
        as_utc_or_none(row.expires_at),
        dict(row.provenance or {}),
        bool(row.deleted),
    )


def signal_of(db: Database, collection_id: int, stix_id: str) -> Signal:
    with db.connect() as conn:
        row = conn.execute(
            select(exchange_signals).where(
                exchange_signals.c.collection_id == collection_id, exchange_signals.c.stix_id == stix_id
            )
        ).first()
    if row is None:
        raise ExchangeError(f"no signal {stix_id}", kind=ErrorKind.NOT_FOUND)
    return _signal(row)


#: a page's columns, in `Signal`'s field order (`PageColumns`) (`share_level`, `seq`, `provenance` converted on the way)
PAGE_COLUMNS = (
    "stix_id",
    "signal_type",
    "value",
    "category",
    "confidence",
    "share_level",
    "first_seen",
    "last_seen",
    "updated_at",
    "seq",
    "content_type",
    "group_name",
    "country",
    "expires_at",
    "provenance",
    "deleted",
)


def _provenance(value: Any) -> dict[str, Any]:
    return value or {}


#: the page reader's conversions after the column's own (each distinct value once: `bulk.read_columns`)
_PAGE_THEN: dict[str, Callable[[Any], Any]] = {
    "first_seen": as_utc,
    "last_seen": as_utc,
    "updated_at": as_utc,
    "expires_at": as_utc,
    "share_level": _TLP_OF.__getitem__,
    "seq": int,
    "provenance": _provenance,
}


@dataclass(frozen=True)
class Page:
    """One page of a feed: signals in seq order, where to go on from, whether there is more."""

    signals: list[Signal]
    next_after: int
    more: bool
    stale: bool = False
    withheld: int = 0  # signals this partner's policy kept back


@dataclass(frozen=True)
class PageColumns:
    """`Page` as columns: one list per `Signal` field, in its order (values shared as
    `bulk.read_columns` shares them: read-only). What a page served as JSON is written from
    (`pagejson.columns_json`), without a `Signal` a row."""

    columns: list[list[Any]]
    next_after: int
    more: bool
    stale: bool = False
    withheld: int = 0

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def signals(self) -> list[Signal]:
        """The page as `Signal`s (times aware UTC, as `_PAGE_THEN` reads them); signals of one page share
        their provenance dicts (read-only: they go into the page's JSON)."""
        return signals_of_columns(self.columns) if len(self) else []


def _allowed(key: partner_rules.PolicyKey, partner: Partner | None, max_level: TLP) -> bool:
    """Whether signals of `key` may leave for `partner` (None: an unaddressed file, up to `max_level`)."""
    return max_level.allows(key[0]) and (partner is None or partner_rules.allows_key(partner, key))


def read_page(
    db: Database,
    collection_id: int,
    *,
    after: int = 0,
    limit: int = 10_000,
    partner: Partner | None = None,
    max_level: TLP = TLP.RED,
) -> Page:
    """Signals after checkpoint `after`, filtered by the partner's policy. A checkpoint below the purge
    horizon is answered `stale` (and nothing else): the consumer must start again from 0."""
    page = read_page_columns(db, collection_id, after=after, limit=limit, partner=partner, max_level=max_level)
    return Page(page.signals(), page.next_after, page.more, stale=page.stale, withheld=page.withheld)


#: where the columns the policy reads stand in `PAGE_COLUMNS` (level, category, type, country)
_POLICY = tuple(PAGE_COLUMNS.index(n) for n in ("share_level", "category", "signal_type", "country"))
_SEQ = PAGE_COLUMNS.index("seq")


def read_page_columns(
    db: Database,
    collection_id: int,
    *,
    after: int = 0,
    limit: int = 10_000,
    partner: Partner | None = None,
    max_level: TLP = TLP.RED,
) -> PageColumns:
    """`read_page`, as columns (`PageColumns`)."""
    limit = max(1, int(limit))  # the HTTP door caps it; a file export takes everything
    with db.connect() as conn:
        col = conn.execute(
            select(exchange_collections).where(exchange_collections.c.id == collection_id)
        ).one()
        if 0 < after < col.purged_through:
            return PageColumns([], 0, True, stale=True)
        # a page is up to 50,000 rows: read as the driver gives them, converted a column at a time,
        # each distinct timestamp and provenance once (`bulk.read_columns`), not through a SQLAlchemy row each
        rows = conn.execute(
            select(*bulk.raw_columns(exchange_signals, PAGE_COLUMNS))
            .where(
                exchange_signals.c.collection_id == collection_id,
                exchange_signals.c.seq > after,
            )
            .order_by(exchange_signals.c.seq)
            .limit(limit + 1)
        ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        if not rows:
            return PageColumns([], after, more)
        columns = bulk.read_columns(conn, exchange_signals, PAGE_COLUMNS, rows, then=_PAGE_THEN)
    next_after = columns[_SEQ][-1]
    # the policy per distinct (level, category, type, country): a page holds a handful
    keys = list(zip(*(columns[i] for i in _POLICY), strict=True))
    verdicts = {k: _allowed(k, partner, max_level) for k in set(keys)}
    if all(verdicts.values()):
        return PageColumns(columns, next_after, more)
    mask = list(map(verdicts.__getitem__, keys))
    kept = [list(compress(c, mask)) for c in columns]
    return PageColumns(kept, next_after, more, withheld=len(keys) - len(kept[0]))


def counts(db: Database, collection_id: int) -> dict[str, int]:
    with db.connect() as conn:
        rows = conn.execute(
            select(exchange_signals.c.deleted, func.count())
            .where(exchange_signals.c.collection_id == collection_id)
            .group_by(exchange_signals.c.deleted)
        ).all()
    out = {"live": 0, "tombstones": 0}
    for deleted, n in rows:
        out["tombstones" if deleted else "live"] += int(n)
    return out
