"""Matching files and hashes against the banks a caller may see.

Every registered signal type takes part. Exact ones (MD5, SHA-256) are
looked up in the database (an index on (signal, value) makes that one B-tree
probe). Hamming ones (PDQ) are searched in a per-process `HashIndex` over
every bank's entries of that type (ids are entry ids) which follows the
database incrementally (`follower.py`): entries with ids above the last one
seen are added, entries in the removal log are removed, nothing is rebuilt.
Bank settings (enabled, radius, quality, share level) are applied after the
search, so switching a bank off or tightening its radius takes effect at
once, with no index change.

Which banks count for an organisation: its own, and other organisations'
banks it has subscribed to that are still visible to it (shared with it or
public). Seeing a bank is not enough: a bank nobody subscribed to changes
nobody else's matches. Each match says how far it is trusted (`trust`: own,
enforce, review) so the policy can act on it; a trusted local caller
(org_id None: the CLI, Python without an organisation) gets every enabled bank
as its own.

Negative ("benign") banks list known-harmless images that collide with
known material. A benign exact match (MD5/SHA-256) suppresses every match of
the file; a benign PDQ match at distance d suppresses known PDQ matches at
distance >= d (the file is at least as close to the harmless image); the
same holds for any Hamming signal type, per type. Only
benign banks the caller owns or subscribed to in `enforce` mode suppress: a
benign bank in review mode cannot turn a block into an allow.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from tutela.domain.media import BankInfo, BankKind, Match, MatchTrust, MediaHashes, SubscriptionMode
from tutela.hashing import changes
from tutela.hashing.banks import all_banks, visible_to
from tutela.hashing.follower import IndexFollower
from tutela.hashing.hasher import hash_bytes
from tutela.hashing.shards import RemoteShards, ShardSet
from tutela.hashing.signals import SIGNALS
from tutela.hashing.signals.base import Matching, SignalType, exact_signals, hamming_signals
from tutela.hashing.subscriptions import subscription_modes
from tutela.storage.db import Database
from tutela.storage.tables.media import hash_entries

DEFAULT_RADIUS = 31
#: how often (seconds) a matcher looks for changes made by other processes
SYNC_INTERVAL = 1.0


@dataclass
class MatchOutcome:
    """Matches to act on, and the ones a benign bank suppressed (for explanation)."""

    matches: list[Match] = field(default_factory=list)
    suppressed: list[Match] = field(default_factory=list)


class Matcher:
    """One process's view of the banks of one database.

    Exact signal types are looked up in the database; each Hamming signal type
    has an `IndexFollower` (one in-memory index following the database)."""

    def __init__(self, db: Database, *, index_dir: Path | None = None, shards: ShardSet | None = None) -> None:
        self.db = db
        self.index_dir = Path(index_dir) if index_dir else None
        #: when set, Hamming searches go to these shards instead of local indexes
        self.shards = shards
        self._changed_here = False
        self._lock = threading.Lock()
        self._followers: dict[str, IndexFollower] = {}
        self._banks: dict[int, BankInfo] = {}
        self._subs: dict[int, dict[int, SubscriptionMode]] = {}
        self._dirty = True
        self._synced_at = 0.0

    # -- keeping up with the database ------------------------------------
    def mark_dirty(self) -> None:
        self._dirty = True
        self._changed_here = True

    def _wanted_radius(self, sig: type[SignalType]) -> int:
        """The widest threshold any bank uses for `sig` (the index must be exact up to it)."""
        base = max(sig.default_threshold, DEFAULT_RADIUS if sig.name == "pdq" else 0)
        return max([base] + [sig.threshold(b) for b in self._banks.values()])

    def follower(self, signal: str) -> IndexFollower:
        f = self._followers.get(signal)
        if f is None:
            f = IndexFollower(self.db, SIGNALS[signal], folder=self.index_dir)
            self._followers[signal] = f
        elif f.folder is None and self.index_dir is not None:
            f.folder = self.index_dir
        return f

    def sync(self, *, force: bool = False) -> None:
        """Bring banks and the Hamming indexes up to date with the database (cheap when nothing changed)."""
        if not (force or self._dirty or time.monotonic() - self._synced_at > SYNC_INTERVAL):
            return
        with self._lock:
            self._dirty = False
            self._banks = {b.id: b for b in all_banks(self.db)}
            self._subs = subscription_modes(self.db)
            if self.shards is None:
                for sig in hamming_signals():
                    self.follower(sig.name).sync(self._wanted_radius(sig))
            self._synced_at = time.monotonic()

    def rebuild(self) -> None:
        """Rebuild every Hamming index from the database and save it (`tutela bank reindex --rebuild`)."""
        self.sync(force=True)
        with self._lock:
            for sig in hamming_signals():
                self.follower(sig.name).rebuild(self._wanted_radius(sig))

    @property
    def _index(self):
        f = self._followers.get("pdq")
        return f.index if f else None

    def index_stats(self) -> dict[str, object]:
        """Size and shape of the PDQ index (for operators and `tutela bank reindex`)."""
        f = self._followers.get("pdq")
        return f.stats() if f else {"live": 0}

    def all_index_stats(self) -> dict[str, dict[str, object]]:
        """Every Hamming signal's index stats, by signal name."""
        return {name: f.stats() for name, f in self._followers.items()}

    # -- persistence -----------------------------------------------------
    def save(self, *, only_if_changed: bool = False) -> None:
        """Persist every Hamming index with the database position it reflects."""
        for f in self._followers.values():
            if f.folder is None:
                f.folder = self.index_dir
            f.save(only_if_changed=only_if_changed)

    # -- matching --------------------------------------------------------
    def _allowed(self, banks: list[str] | None, org_id: int | None) -> dict[int, tuple[BankInfo, MatchTrust]]:
        """Enabled banks that count for the caller, with how far each is trusted."""
        subs = self._subs.get(org_id, {}) if org_id is not None else {}
        out: dict[int, tuple[BankInfo, MatchTrust]] = {}
        for i, b in self._banks.items():
            if not b.enabled:
                continue
            if org_id is None or b.owner_org_id == org_id:
                out[i] = (b, MatchTrust.OWN)
            elif i in subs and visible_to(b, org_id):
                out[i] = (b, MatchTrust(subs[i].value))
        if banks:
            wanted = {str(x) for x in banks}
            out = {i: bt for i, bt in out.items() if bt[0].name in wanted or str(i) in wanted}
        return out

    def _search(self, sig: type[SignalType], values: list[str]) -> tuple[list[int], list[int], list[int]]:
        """(query index, entry id, distance) lists for one Hamming signal's queries."""
        if self.shards is not None:
            # after a bank change in this process, shards catch up before answering
            fresh, self._changed_here = self._changed_here, False
            qi, ids, dist = self.shards.search(sig.name, values, self._wanted_radius(sig), fresh=fresh)
            return qi.tolist(), ids.tolist(), dist.tolist()
        f = self._followers.get(sig.name)
        if f is None or f.index is None:
            return [], [], []
        qi, ids, dist = f.search_words(f.index.to_words(values))
        return qi.tolist(), ids.tolist(), dist.tolist()

    def match(
        self, hashes: MediaHashes, *, banks: list[str] | None = None, org_id: int | None = None, record: bool = True
    ) -> MatchOutcome:
        """Matches for `org_id` (every enabled bank when None). With `record` (the default) a match on a
        signal received from a partner is counted for the exchange (`exchange.observe`); a caller that
        matches the same file twice in one request passes False the second time."""
        self.sync()
        allowed = self._allowed(banks, org_id)
        if not allowed:
            return MatchOutcome()
        # entry id -> (distance, which query matched, that query's quality)
        found: dict[int, tuple[int, str, int]] = {}
        values = hashes.signals()
        with self.db.connect() as conn:
            for sig in exact_signals():
                value = values.get(sig.name)
                if not value:
                    continue
                for (eid,) in conn.execute(
                    select(hash_entries.c.id).where(
                        hash_entries.c.signal_type == sig.name, hash_entries.c.value == value.lower(),
                        hash_entries.c.bank_id.in_(list(allowed)),
                    )
                ).all():
                    found[int(eid)] = (0, "original", 100)
        for sig in hamming_signals():
            queries = sig.queries(hashes)
            if not queries:
                continue
            for q, e, d in zip(*self._search(sig, [x.value for x in queries]), strict=True):
                if e not in found or d < found[e][0]:
                    found[e] = (d, queries[q].label, queries[q].quality)
        if not found:
            return MatchOutcome()
        with self.db.connect() as conn:
            rows = conn.execute(select(hash_entries).where(hash_entries.c.id.in_(list(found)))).all()
        candidates: list[Match] = []
        for r in rows:
            allowed_bank = allowed.get(r.bank_id)
            sig = SIGNALS.get(r.signal_type)
            if allowed_bank is None or sig is None:
                continue
            bank, trust = allowed_bank
            d, transform, quality = found[r.id]
            radius = sig.threshold(bank) if sig.matching is Matching.HAMMING else 0
            if d > radius or (sig.has_quality and quality < bank.min_quality):
                continue
            candidates.append(Match(
                bank=bank.name, bank_id=bank.id, bank_kind=bank.kind, entry_id=r.id, entry_label=r.label,
                signal_type=r.signal_type, value=r.value, distance=d, radius=radius, transform=transform,
                category=bank.category, severity=bank.severity, source=bank.source, source_date=bank.source_date,
                owner_org_id=bank.owner_org_id, share_level=bank.share_level, trust=trust,
                subscribed=org_id is not None and bank.owner_org_id != org_id,
            ))
        outcome = _apply_benign(candidates)
        if record and org_id is not None:
            _record_received(self.db, org_id, outcome.matches)
        return outcome


def _record_received(db: Database, org_id: int, matches: list[Match]) -> None:
    """Matches in subscribed banks may be signals received from a partner: tell the exchange
    (seen feedback for the source, surge quarantine). Own banks never hold received signals,
    so the common case costs nothing; the exchange logs its own failures and never raises."""
    subscribed = [m.entry_id for m in matches if m.subscribed]
    if not subscribed:
        return
    from tutela.exchange import observe

    observe.record(db, org_id, subscribed)


def _apply_benign(candidates: list[Match]) -> MatchOutcome:
    """A benign exact match suppresses everything; a benign Hamming match at
    distance d suppresses known matches of the same signal at distance >= d."""
    # a benign bank the caller only reviews may not turn anything into an allow
    benign = [m for m in candidates if m.bank_kind is BankKind.BENIGN and m.trust is not MatchTrust.REVIEW]
    known = sorted((m for m in candidates if m.bank_kind is BankKind.KNOWN),
                   key=lambda m: (-int(m.severity), m.distance, m.bank, m.entry_id))
    if not benign:
        return MatchOutcome(matches=known)
    exact_benign = any(SIGNALS[m.signal_type].matching is Matching.EXACT for m in benign)
    best: dict[str, int] = {}
    for m in benign:
        if SIGNALS[m.signal_type].matching is Matching.HAMMING:
            best[m.signal_type] = min(best.get(m.signal_type, m.distance), m.distance)
    out = MatchOutcome()
    for m in known:
        hit = exact_benign or (m.signal_type in best and m.distance >= best[m.signal_type])
        (out.suppressed if hit else out.matches).append(m)
    return out


_matchers: weakref.WeakKeyDictionary[Database, Matcher] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def get_matcher(db: Database, *, index_dir: Path | None = None, shards: list[str] | None = None) -> Matcher:
    """The process's matcher for a database (created on first use). With
    `shards` (shard server URLs, settings' `matcher_shards`), Hamming signals
    are searched on those shards instead of an index in this process."""
    if shards is None and db.settings is not None:
        shards = list(db.settings.matcher_shards)
    with _registry_lock:
        m = _matchers.get(db)
        if m is None:
            m = Matcher(db, index_dir=index_dir, shards=RemoteShards(shards) if shards else None)
            _matchers[db] = m
        elif index_dir is not None and m.index_dir is None:
            m.index_dir = Path(index_dir)
        return m


def notify_changed(db: Database) -> None:
    """Called (through `changes`) by bank writes in this process so the next match sees them at once."""
    m = _matchers.get(db)
    if m is not None:
        m.mark_dirty()


changes.subscribe(notify_changed)


def match_hashes(
    db: Database, hashes: MediaHashes, *, banks: list[str] | None = None, org_id: int | None = None,
    index_dir: Path | None = None,
) -> list[Match]:
    """Matches of a file's hashes in the enabled banks that count for `org_id`
    (its own and those it subscribed to; all enabled banks when None),
    benign-suppressed, most severe first."""
    return get_matcher(db, index_dir=index_dir).match(hashes, banks=banks, org_id=org_id).matches


def match_bytes(
    db: Database, data: bytes, *, banks: list[str] | None = None, org_id: int | None = None,
    filename: str | None = None, max_bytes: int | None = None, index_dir: Path | None = None,
) -> tuple[MediaHashes, list[Match]]:
    """Hash a file (with dihedral PDQ variants, so flipped copies match) and match it."""
    hashes = hash_bytes(data, filename=filename, max_bytes=max_bytes, dihedral=True)
    return hashes, match_hashes(db, hashes, banks=banks, org_id=org_id, index_dir=index_dir)


def match_details(
    db: Database, hashes: MediaHashes, *, banks: list[str] | None = None, org_id: int | None = None,
    index_dir: Path | None = None,
) -> MatchOutcome:
    """Like `match_hashes`, also returning the matches a benign bank suppressed."""
    return get_matcher(db, index_dir=index_dir).match(hashes, banks=banks, org_id=org_id)


__all__ = ["MatchOutcome", "Matcher", "get_matcher", "match_bytes", "match_details", "match_hashes", "notify_changed"]
