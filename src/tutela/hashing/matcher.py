"""Matching files and hashes against the banks a caller may see.

MD5 and SHA-256 are looked up in the database (an index on (signal, value)
makes that one B-tree probe). PDQ is searched in a per-process `HashIndex`
over every bank's PDQ entries (ids are entry ids) which follows the database
incrementally: entries with ids above the last one seen are added, entries in
the removal log are removed, nothing is rebuilt. Bank settings (enabled,
radius, quality, share level) are applied after the search, so switching a
bank off or tightening its radius takes effect at once, with no index change.

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
distance >= d (the file is at least as close to the harmless image). Only
benign banks the caller owns or subscribed to in `enforce` mode suppress: a
benign bank in review mode cannot turn a block into an allow.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from tutela.domain.media import BankInfo, BankKind, Match, MatchTrust, MediaHashes, SubscriptionMode
from tutela.hashing.banks import all_banks, visible_to
from tutela.hashing.hasher import hash_bytes
from tutela.hashing.index import HashIndex
from tutela.hashing.mih import hex_to_words
from tutela.hashing.signals.pdq import DIHEDRAL_NAMES
from tutela.hashing.subscriptions import subscription_modes
from tutela.storage.db import Database
from tutela.storage.tables.media import hash_entries, hash_entry_removals

DEFAULT_RADIUS = 31
#: how often (seconds) a matcher looks for changes made by other processes
SYNC_INTERVAL = 1.0
_LOAD_CHUNK = 100_000


@dataclass
class MatchOutcome:
    """Matches to act on, and the ones a benign bank suppressed (for explanation)."""

    matches: list[Match] = field(default_factory=list)
    suppressed: list[Match] = field(default_factory=list)


class Matcher:
    """One process's view of the banks of one database."""

    def __init__(self, db: Database, *, index_dir: Path | None = None) -> None:
        self.db = db
        self.index_dir = Path(index_dir) if index_dir else None
        self._lock = threading.Lock()
        self._index: HashIndex | None = None
        self._last_entry_id = 0
        self._last_seq = 0
        self._banks: dict[int, BankInfo] = {}
        self._subs: dict[int, dict[int, SubscriptionMode]] = {}
        self._dirty = True
        self._synced_at = 0.0
        self._unsaved = False

    # -- keeping up with the database ------------------------------------
    def mark_dirty(self) -> None:
        self._dirty = True

    def _wanted_radius(self) -> int:
        return max([DEFAULT_RADIUS] + [b.pdq_radius for b in self._banks.values()])

    def sync(self, *, force: bool = False) -> None:
        """Bring banks and the PDQ index up to date with the database (cheap when nothing changed)."""
        if not (force or self._dirty or time.monotonic() - self._synced_at > SYNC_INTERVAL):
            return
        with self._lock:
            self._dirty = False
            self._banks = {b.id: b for b in all_banks(self.db)}
            self._subs = subscription_modes(self.db)
            if self._index is None or self._index.radius < self._wanted_radius():
                if not self._load_saved():
                    self._rebuild()
            self._catch_up()
            self._synced_at = time.monotonic()

    def _pdq_count(self) -> int:
        """PDQ entries up to the last id this index has seen (later ones are not a mismatch)."""
        with self.db.connect() as conn:
            return int(conn.execute(
                select(func.count()).select_from(hash_entries).where(
                    hash_entries.c.signal_type == "pdq", hash_entries.c.id <= self._last_entry_id
                )
            ).scalar_one())

    def _rebuild(self) -> None:
        idx = HashIndex("pdq", radius=self._wanted_radius())
        self._last_seq = self._max_seq()
        self._last_entry_id = 0
        self._index = idx
        self._add_new()
        idx.compact()
        self.save()

    def _max_seq(self) -> int:
        with self.db.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(hash_entry_removals.c.seq), 0))).scalar_one())

    def _add_new(self) -> int:
        assert self._index is not None
        added = 0
        while True:
            with self.db.connect() as conn:
                rows = conn.execute(
                    select(hash_entries.c.id, hash_entries.c.value)
                    .where(hash_entries.c.signal_type == "pdq", hash_entries.c.id > self._last_entry_id)
                    .order_by(hash_entries.c.id).limit(_LOAD_CHUNK)
                ).all()
            if not rows:
                return added
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            self._index.add(hex_to_words([r[1] for r in rows]), ids)
            self._unsaved = True
            self._last_entry_id = int(ids[-1])
            added += len(rows)

    def _catch_up(self) -> None:
        assert self._index is not None
        self._add_new()
        with self.db.connect() as conn:
            rows = conn.execute(
                select(hash_entry_removals.c.seq, hash_entry_removals.c.entry_id)
                .where(hash_entry_removals.c.seq > self._last_seq, hash_entry_removals.c.signal_type == "pdq")
                .order_by(hash_entry_removals.c.seq)
            ).all()
        if rows:
            self._index.remove([r[1] for r in rows])
            self._last_seq = int(rows[-1][0])
            self._unsaved = True
        if len(self._index) != self._pdq_count():
            # An insert committed out of id order (possible on PostgreSQL under
            # concurrency) or a foreign change: start again from the database.
            self._rebuild()

    def index_stats(self) -> dict[str, object]:
        """Size and shape of the PDQ index (for operators and `tutela bank reindex`)."""
        if self._index is None:
            return {"live": 0}
        return {**self._index.stats(), "last_entry_id": self._last_entry_id}

    # -- persistence -----------------------------------------------------
    def save(self, *, only_if_changed: bool = False) -> None:
        """Persist the PDQ index with the database position it reflects."""
        if self.index_dir is None or self._index is None or (only_if_changed and not self._unsaved):
            return
        self._unsaved = False
        self._index.save(self.index_dir / "pdq")
        state = {"last_entry_id": self._last_entry_id, "last_seq": self._last_seq, "url": self.db.url}
        (self.index_dir / "pdq_sync.json").write_text(json.dumps(state))

    def _load_saved(self) -> bool:
        if self.index_dir is None:
            return False
        state_file = self.index_dir / "pdq_sync.json"
        if not state_file.is_file() or not (self.index_dir / "pdq" / "meta.json").is_file():
            return False
        try:
            state = json.loads(state_file.read_text())
            if state.get("url") != self.db.url:
                return False
            idx = HashIndex.load(self.index_dir / "pdq")
        except (OSError, ValueError, KeyError):
            return False
        if idx.radius < self._wanted_radius():
            return False
        self._index = idx
        self._last_entry_id = int(state["last_entry_id"])
        self._last_seq = int(state["last_seq"])
        return True

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

    def match(self, hashes: MediaHashes, *, banks: list[str] | None = None, org_id: int | None = None) -> MatchOutcome:
        self.sync()
        allowed = self._allowed(banks, org_id)
        if not allowed:
            return MatchOutcome()
        # entry id -> (distance, which query matched, that query's PDQ quality)
        found: dict[int, tuple[int, str, int]] = {}
        exact = {"md5": hashes.md5, "sha256": hashes.sha256}
        with self.db.connect() as conn:
            for sig, value in exact.items():
                if not value:
                    continue
                for (eid,) in conn.execute(
                    select(hash_entries.c.id).where(
                        hash_entries.c.signal_type == sig, hash_entries.c.value == value.lower(),
                        hash_entries.c.bank_id.in_(list(allowed)),
                    )
                ).all():
                    found[int(eid)] = (0, "original", 100)
        queries, labels, qualities = _pdq_queries(hashes)
        if queries and self._index is not None:
            qi, ids, dist = self._index.search_words(hex_to_words(queries))
            for q, e, d in zip(qi.tolist(), ids.tolist(), dist.tolist()):
                if e not in found or d < found[e][0]:
                    found[e] = (d, labels[q], qualities[q])
        if not found:
            return MatchOutcome()
        with self.db.connect() as conn:
            rows = conn.execute(select(hash_entries).where(hash_entries.c.id.in_(list(found)))).all()
        candidates: list[Match] = []
        for r in rows:
            allowed_bank = allowed.get(r.bank_id)
            if allowed_bank is None:
                continue
            bank, trust = allowed_bank
            d, transform, quality = found[r.id]
            if r.signal_type == "pdq" and (d > bank.pdq_radius or quality < bank.min_quality):
                continue
            candidates.append(Match(
                bank=bank.name, bank_id=bank.id, bank_kind=bank.kind, entry_id=r.id, entry_label=r.label,
                signal_type=r.signal_type, value=r.value, distance=d,
                radius=bank.pdq_radius if r.signal_type == "pdq" else 0, transform=transform,
                category=bank.category, severity=bank.severity, source=bank.source, source_date=bank.source_date,
                owner_org_id=bank.owner_org_id, share_level=bank.share_level, trust=trust,
                subscribed=org_id is not None and bank.owner_org_id != org_id,
            ))
        return _apply_benign(candidates)


def _pdq_queries(hashes: MediaHashes) -> tuple[list[str], list[str], list[int]]:
    """The PDQ hashes to search for a file: the image's dihedral variants (or
    its PDQ), and a video's sampled frames; with a label and quality each."""
    queries: list[str] = []
    labels: list[str] = []
    qualities: list[int] = []
    if hashes.pdq:
        variants = hashes.pdq_dihedral or [hashes.pdq]
        queries += variants
        labels += [DIHEDRAL_NAMES[i] if len(variants) > 1 else "original" for i in range(len(variants))]
        qualities += [hashes.pdq_quality if hashes.pdq_quality is not None else 100] * len(variants)
    for frame in hashes.vpdq or []:
        queries.append(frame.pdq)
        labels.append(f"frame@{frame.second:g}s")
        qualities.append(frame.quality)
    return queries, labels, qualities


def _apply_benign(candidates: list[Match]) -> MatchOutcome:
    # a benign bank the caller only reviews may not turn anything into an allow
    benign = [m for m in candidates if m.bank_kind is BankKind.BENIGN and m.trust is not MatchTrust.REVIEW]
    known = sorted((m for m in candidates if m.bank_kind is BankKind.KNOWN),
                   key=lambda m: (-int(m.severity), m.distance, m.bank, m.entry_id))
    if not benign:
        return MatchOutcome(matches=known)
    exact_benign = any(m.signal_type != "pdq" for m in benign)
    best_pdq = min((m.distance for m in benign if m.signal_type == "pdq"), default=None)
    out = MatchOutcome()
    for m in known:
        hit = exact_benign or (m.signal_type == "pdq" and best_pdq is not None and m.distance >= best_pdq)
        (out.suppressed if hit else out.matches).append(m)
    return out


_matchers: weakref.WeakKeyDictionary[Database, Matcher] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def get_matcher(db: Database, *, index_dir: Path | None = None) -> Matcher:
    """The process's matcher for a database (created on first use)."""
    with _registry_lock:
        m = _matchers.get(db)
        if m is None:
            m = Matcher(db, index_dir=index_dir)
            _matchers[db] = m
        elif index_dir is not None and m.index_dir is None:
            m.index_dir = Path(index_dir)
        return m


def notify_changed(db: Database) -> None:
    """Called by bank writes in this process so the next match sees them at once."""
    m = _matchers.get(db)
    if m is not None:
        m.mark_dirty()


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
