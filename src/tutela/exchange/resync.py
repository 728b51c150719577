"""A full resync written aside and swapped in: the receiver's live rows serve until the snapshot is whole.

A full resync (a first pull from checkpoint 0, or after a stale checkpoint) is a complete snapshot
of a partner's collection, sent over many pages. Upserting it page by page into the live
`exchange_received` rows and the inbound bank wrote random keys into three big indexes, each
rewritten at every page's commit (issue 14: about a third of the receiver's CPU at a million).
Here instead:

- `stage` appends each checked page to `exchange_staged` (no index but its key, so a page is an
  append), one transaction a page: memory holds one page, never the feed. A tombstone, an expired
  signal or one outside our policy for the partner is staged as not `live`. The live rows, the
  bank and the matchers do not change: matching goes on against the data as it was.
- `swap_in`, after the last page, makes the live state equal to the snapshot in one transaction,
  set-based (the database walks the snapshot in the order of each index it writes, once):
  the latest state of each signal wins (one changed at the source during the resync came twice);
  what we hold that the snapshot lacks, or has as not live, is withdrawn (bank entries through
  the removal log the matchers follow, then the rows); what stays takes the snapshot's metadata
  and keeps its bank entry, quarantine and match counts; what is new gets a bank entry (in index
  order) and a row (in STIX id order). Then the matchers are told once.
- A first sync (we hold nothing of the feed, the common case of a new partner) needs none of the
  keeping: its rows are the snapshot's latest states, inserted in (STIX id, newest first) order with
  duplicates skipped, so the one sort that orders the rows also picks the latest state of each signal
  (no separate pass over the snapshot); a signal whose latest state is not live is inserted as a marker
  row and deleted in the same transaction. Only when a signal came twice are the bank entries that
  its earlier state made and no row kept taken back (never seen outside the transaction).

A crash (or a refused page) midway leaves the live rows serving and the checkpoint where it was
(the caller stores the new checkpoint only after the swap), so the next pull starts the resync
again, and its first page clears what the broken one staged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, literal, select, update

from tutela.domain.errors import ErrorKind
from tutela.domain.exchange import Partner
from tutela.exchange import partners as partner_rules
from tutela.exchange.errors import ExchangeError
from tutela.exchange.inbound import _SQLITE_CACHE_KB, _utc
from tutela.exchange.stix import KEYED_TYPES, Signal
from tutela.storage import bulk
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_received, exchange_staged
from tutela.storage.tables.media import hash_entries
from tutela.storage.times import utc_now

#: the columns of a staged row, in the order `stage` builds them
_STAGED = (
    "inbound_id",
    "stix_id",
    "signal_type",
    "value",
    "content_type",
    "group_name",
    "category",
    "confidence",
    "share_level",
    "first_seen",
    "last_seen",
    "expires_at",
    "provenance",
    "remote_seq",
    "live",
    "entry_type",
    "entry_content",
)
#: what a row that stays takes from the snapshot
_REFRESHED = (
    "signal_type",
    "content_type",
    "group_name",
    "category",
    "confidence",
    "share_level",
    "first_seen",
    "last_seen",
    "expires_at",
    "provenance",
    "remote_seq",
)
#: `received_at` of a first sync's marker row: a signal whose latest state is not live (step 6 of `swap_in`)
_MARKER = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Run:
    """One full resync as its puller follows it: how many signals it staged so far. The swap checks
    that the feed's staged rows are exactly these, so two resyncs of one feed running at once (a
    scheduled pull and a manual one) never swap in a snapshot mixed or cut short by the other: each
    first page clears the feed's staged rows, and a swap that finds other than its own is refused
    (nothing changes; the next pull resyncs again)."""

    staged: int = 0


def stage(
    db: Database, partner: Partner, inbound_id: int, signals: list[Signal], *, first: bool, run: Run | None = None
) -> int:
    """Append one checked page of a full resync (in feed order); `first`: the resync's first page, which
    clears whatever an earlier, broken resync of this feed staged. Returns how many signals our policy
    for the partner does not take (staged as not live: withdrawn at the swap if we hold them). `run`
    counts what this resync staged (see `Run`)."""
    from tutela.hashing.signals.base import resolve_name

    now = utc_now()
    refused = 0
    allows = partner_rules.signal_policy(partner)
    names: dict[str, tuple[str, str | None]] = {}  # an exchange name (photo_md5) -> (md5, photo), as banks do
    if run is not None and first:
        run.staged = 0
    with db.begin() as conn:
        _cache(conn)
        if first:
            conn.execute(delete(exchange_staged).where(exchange_staged.c.inbound_id == inbound_id))
        bind = bulk.row_binder(conn, exchange_staged, _STAGED)
        rows = []
        for s in signals:
            live = not s.deleted and (s.expires_at is None or s.expires_at > now)
            if live and not allows(s):
                refused += 1
                live = False
            entry_type = entry_content = None
            if s.signal_type not in KEYED_TYPES:
                name = names.get(s.signal_type)
                if name is None:
                    sig, content = resolve_name(s.signal_type)
                    name = names[s.signal_type] = (sig.name, content)
                entry_type, entry_content = name[0], s.content_type or name[1]
            rows.append(
                bind(
                    (
                        inbound_id,
                        s.stix_id,
                        s.signal_type,
                        s.value,
                        s.content_type,
                        s.group,
                        s.category,
                        s.confidence,
                        s.share_level.value,
                        _utc(s.first_seen),
                        _utc(s.last_seen),
                        None if s.expires_at is None else _utc(s.expires_at),
                        s.provenance,
                        s.seq,
                        live,
                        entry_type,
                        entry_content,
                    )
                )
            )
        bulk.insert_rows(conn, exchange_staged, _STAGED, rows)
    if run is not None:
        run.staged += len(rows)
    return refused


def _cache(conn: Any) -> None:
    """The bigger SQLite page cache that `inbound.apply` gives its connection: the swap looks each new
    row's bank entry up in a million-entry index (in STIX id order, so at random places). And two
    sorter threads: the swap's sorts (rows in STIX id order, entries in index order) may use the
    core the source leaves idle once it has sent the last page (swap of 200,000: 2.34-2.38 s
    against 2.47 s wall, `docs/benchmarks.md`, h14src)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{_SQLITE_CACHE_KB}")
        conn.exec_driver_sql("PRAGMA threads=2")


@dataclass(frozen=True)
class Swapped:
    """What a swap changed: rows added, kept (refreshed), removed because the snapshot withdrew them
    (a tombstone, expired, outside policy), and withdrawn because the snapshot no longer has them."""

    added: int
    updated: int
    removed: int
    withdrawn: int
    entries_added: int
    entries_removed: int


def swap_in(
    db: Database, partner: Partner, inbound_id: int, bank_id: int | None, *, run: Run | None = None
) -> Swapped:
    """Make the feed's live rows and bank entries the staged snapshot, in one transaction (module doc);
    with `run`, ExchangeError (nothing changed) when the staged rows are not exactly the run's."""
    from tutela.hashing import banks, changes

    if bank_id is None:
        raise ExchangeError(
            "the inbound feed lost its bank (deleted); pull again to make a new one", kind=ErrorKind.CONFLICT
        )
    st, r, e = exchange_staged, exchange_received, hash_entries
    now = utc_now()
    actor = f"exchange:{partner.name}"[:80]
    mine = st.c.inbound_id == inbound_id
    with db.begin() as conn:
        _cache(conn)
        found = int(conn.execute(select(func.count()).select_from(st).where(mine)).scalar() or 0)
        if run is not None:
            if found != run.staged:
                raise ExchangeError(
                    f"another resync of this feed from {partner.name!r} ran at the same time "
                    f"({found} signals staged, {run.staged} by this one): nothing was changed; pull again",
                    kind=ErrorKind.CONFLICT,
                )
        held = conn.execute(select(r.c.id).where(r.c.inbound_id == inbound_id).limit(1)).first() is not None
        removed = withdrawn = entries_removed = updated = 0
        if held:
            # 1. one state a signal: the latest staged (a signal changed during the resync was sent twice);
            # a first sync does this in step 6's sort
            ranked = (
                select(
                    st.c.id,
                    func.row_number().over(partition_by=st.c.stix_id, order_by=st.c.id.desc()).label("rank"),
                )
                .where(mine)
                .subquery()
            )
            conn.execute(delete(st).where(st.c.id.in_(select(ranked.c.id).where(ranked.c.rank > 1))))
            # 2. what stays (live in the snapshot, same value) takes the snapshot's metadata and a fresh
            # `received_at`; its entry, quarantine and counts stay. Driven by the snapshot, each row
            # found by the feed's STIX id index (never a scan of the snapshot per row held)
            updated = int(
                conn.execute(
                    update(r)
                    .where(
                        r.c.inbound_id == inbound_id,
                        mine,
                        st.c.stix_id == r.c.stix_id,
                        st.c.live.is_(True),
                        st.c.value == r.c.value,
                    )
                    .values({**{name: st.c[name] for name in _REFRESHED}, "received_at": now})
                ).rowcount
                or 0
            )
            # 3. the rest of what we hold goes (the index on (feed, time received) finds it): bank
            # entries through the removal log, then the rows; `removed` are those the snapshot named
            going = and_(r.c.inbound_id == inbound_id, r.c.received_at < now)
            removed = int(
                conn.execute(
                    select(func.count())
                    .select_from(r)
                    .where(going, r.c.stix_id.in_(select(st.c.stix_id).where(mine)))  # one set, not a scan a row
                ).scalar()
                or 0
            )
            entries_removed = banks.remove_selected(
                conn, bank_id, select(r.c.entry_id).where(going, r.c.entry_id.is_not(None))
            )
            withdrawn = int(conn.execute(delete(r).where(going)).rowcount or 0) - removed
        # 4. bank entries for live hash signals with none (new, or whose entry went), in index order
        wants_entry = and_(mine, st.c.live.is_(True), st.c.entry_type.is_not(None))
        if held:
            wants_entry = and_(
                wants_entry,
                ~exists().where(
                    r.c.inbound_id == inbound_id,
                    r.c.stix_id == st.c.stix_id,
                    (r.c.entry_id.is_not(None)) | (r.c.quarantined_at.is_not(None)),
                ),
            )
        entries = (
            select(
                literal(bank_id, e.c.bank_id.type),
                st.c.entry_type,
                st.c.value,
                literal(now, e.c.added_at.type),
                literal(actor, e.c.added_by.type),
                st.c.entry_content,
            )
            .where(wants_entry)
            .order_by(st.c.entry_type, st.c.value)
        )
        entries_added = _count(
            conn,
            conn.execute(
                _insert(conn, e)
                .from_select(["bank_id", "signal_type", "value", "added_at", "added_by", "content_type"], entries)
                .on_conflict_do_nothing(index_elements=["bank_id", "signal_type", "value"])
                .execution_options(preserve_rowcount=True)
            ),
        )
        entry_of = and_(e.c.bank_id == bank_id, e.c.signal_type == st.c.entry_type, e.c.value == st.c.value)
        if held:
            # 5. rows that stayed without an entry (not quarantined, not keyed) take theirs
            conn.execute(
                update(r)
                .where(
                    r.c.inbound_id == inbound_id,
                    r.c.entry_id.is_(None),
                    r.c.quarantined_at.is_(None),
                    mine,
                    st.c.stix_id == r.c.stix_id,
                    st.c.live.is_(True),
                    entry_of,
                )
                .values(entry_id=e.c.id)
            )
        # 6. rows for new signals, each with its entry, in the order of the feed's STIX id index. A first
        # sync takes every staged row, newest first within a STIX id, and skips the older ones (so the
        # latest state wins with no pass of its own); a latest state that is not live lands as a marker
        received = literal(now, r.c.received_at.type)
        if held:
            new = and_(mine, st.c.live.is_(True), ~exists().where(r.c.inbound_id == inbound_id, r.c.stix_id == st.c.stix_id))
            order = (st.c.stix_id,)
        else:
            new, order = mine, (st.c.stix_id, st.c.id.desc())
            received = case((st.c.live.is_(True), received), else_=literal(_MARKER, r.c.received_at.type))
        rows = (
            select(
                st.c.inbound_id,
                st.c.stix_id,
                st.c.value,
                *(st.c[name] for name in _REFRESHED),
                e.c.id,
                received,
                literal(0, r.c.matches.type),
                literal(0, r.c.window_matches.type),
            )
            .select_from(st.outerjoin(e, entry_of))
            .where(new)
            .order_by(*order)
        )
        if not held and conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import distinct_on

            rows = rows.ext(distinct_on(st.c.stix_id))  # PostgreSQL need not insert in ORDER BY order
        added = _count(
            conn,
            conn.execute(
                _insert(conn, r).from_select(
                    ["inbound_id", "stix_id", "value", *_REFRESHED, "entry_id", "received_at", "matches", "window_matches"],
                    rows,
                )
                .on_conflict_do_nothing(index_elements=["inbound_id", "stix_id"])
                .execution_options(preserve_rowcount=True)
            ),
        )
        if not held:
            once = added  # one row a signal: fewer than staged when a signal came twice
            added -= int(
                conn.execute(delete(r).where(r.c.inbound_id == inbound_id, r.c.received_at == _MARKER)).rowcount or 0
            )
            if once < found:
                # 7. the entries an earlier state made that no row kept (never seen outside this transaction)
                entries_added -= int(
                    conn.execute(
                        delete(e).where(
                            e.c.bank_id == bank_id,
                            e.c.added_at == now,
                            ~exists().where(r.c.inbound_id == inbound_id, r.c.entry_id == e.c.id),
                        )
                    ).rowcount
                    or 0
                )
        conn.execute(delete(st).where(mine))
    if entries_added or entries_removed:
        changes.notify(db)
    if entries_removed:
        banks.record(db, actor=actor, org_id=None, action="bank.entries_remove", bank_id=bank_id,
                     details={"removed": entries_removed})
    if entries_added:
        banks.record(db, actor=actor, org_id=None, action="bank.entries_add", bank_id=bank_id,
                     details={"added": entries_added, "errors": 0, "added_at": now.isoformat()})
    return Swapped(added, updated, removed, withdrawn, entries_added, entries_removed)


def _count(conn: Any, result: Any) -> int:
    """Rows an INSERT ... SELECT wrote (run with `preserve_rowcount`: SQLAlchemy keeps it only for
    UPDATE and DELETE otherwise)."""
    return max(int(result.rowcount), 0)


def _insert(conn: Any, table: Any) -> Any:
    """The dialect's INSERT (with `on_conflict_do_nothing`): Tutela runs on SQLite and PostgreSQL."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)
