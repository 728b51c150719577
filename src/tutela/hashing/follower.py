"""One Hamming signal's in-memory index, following the database incrementally.

The database is the log: `hash_entries` ids only grow (never reused), and
`hash_entry_removals` is an append-only list of tombstones with its own
sequence. A follower remembers the last entry id and the last removal
sequence it applied; catching up is "add entries with a higher id, remove
entries logged after my sequence", never a rebuild. A follower may hold one
shard of the entries (`Shard(i, n)`: entry ids with id % n == i), so several
processes can split a list too big for one machine by content, not by hash
prefix (a prefix split would break Hamming search: near neighbours differ in
any bit).

The index (with the log position it reflects) can be saved to a folder and
memory-mapped back at start-up, so a restart reads only the changes since.
A sanity check compares the entry count with the database's: an insert that
committed out of id order (possible on PostgreSQL under concurrency) makes
the follower rebuild from the database once, rather than miss an entry.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.sql import ColumnElement

from tutela.hashing.index import HashIndex
from tutela.hashing.signals.base import SignalType
from tutela.storage.db import Database
from tutela.storage.tables.media import hash_entries, hash_entry_removals

#: entries read per database round trip while loading
LOAD_CHUNK = 100_000


@dataclass(frozen=True)
class Shard:
    """Entries with id % count == number (one of `count` shards)."""

    number: int
    count: int

    def __post_init__(self) -> None:
        if not (self.count >= 1 and 0 <= self.number < self.count):
            raise ValueError(f"shard {self.number}/{self.count}: need 0 <= number < count")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """'i/n' (as `tutela matcher --shard 0/2` takes it)."""
        try:
            a, b = text.split("/")
            return cls(int(a), int(b))
        except ValueError:
            raise ValueError(f"shard must look like i/n (e.g. 0/2), not {text!r}") from None

    def __str__(self) -> str:
        return f"{self.number}/{self.count}"


class IndexFollower:
    """A `HashIndex` of one Hamming signal (optionally one shard) kept in step with the database."""

    def __init__(self, db: Database, signal: type[SignalType], *, shard: Shard | None = None,
                 folder: Path | None = None) -> None:
        self.db = db
        self.signal = signal
        self.shard = shard if shard is not None and shard.count > 1 else None
        self.folder = Path(folder) if folder else None
        self.index: HashIndex | None = None
        self.last_entry_id = 0
        self.last_seq = 0
        self._unsaved = False
        self._lock = threading.Lock()

    # -- which rows --------------------------------------------------------
    def _mine(self) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = [hash_entries.c.signal_type == self.signal.name]
        if self.shard is not None:
            conds.append(hash_entries.c.id % self.shard.count == self.shard.number)
        return conds

    def _names(self) -> tuple[str, str]:
        base = self.signal.name if self.shard is None else f"{self.signal.name}.shard{self.shard.number}of{self.shard.count}"
        return base, f"{base}_sync.json"

    # -- following -----------------------------------------------------------
    def sync(self, radius: int) -> None:
        """Bring the index up to date (load or rebuild first if it is missing or too narrow)."""
        with self._lock:
            stale = self.index is None or self.index.radius < radius
            if stale and not self._load_saved(radius):
                self._rebuild(radius)
            self._catch_up()

    def rebuild(self, radius: int) -> None:
        """Build again from the database (an operator's repair; `sync` never needs it)."""
        with self._lock:
            self._rebuild(radius)

    def _rebuild(self, radius: int) -> None:
        self.index = HashIndex(self.signal.name, radius=radius)
        self.last_seq = self._max_seq()
        self.last_entry_id = 0
        self._add_new()
        self.index.compact()
        self.save()

    def _max_seq(self) -> int:
        with self.db.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(hash_entry_removals.c.seq), 0))).scalar_one())

    def _add_new(self) -> int:
        assert self.index is not None
        added = 0
        while True:
            with self.db.connect() as conn:
                rows = conn.execute(
                    select(hash_entries.c.id, hash_entries.c.value)
                    .where(*self._mine(), hash_entries.c.id > self.last_entry_id)
                    .order_by(hash_entries.c.id).limit(LOAD_CHUNK)
                ).all()
            if not rows:
                return added
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            self.index.add(self.index.to_words([r[1] for r in rows]), ids)
            self._unsaved = True
            self.last_entry_id = int(ids[-1])
            added += len(rows)

    def _catch_up(self) -> None:
        assert self.index is not None
        self._add_new()
        with self.db.connect() as conn:
            rows = conn.execute(
                select(hash_entry_removals.c.seq, hash_entry_removals.c.entry_id)
                .where(hash_entry_removals.c.seq > self.last_seq,
                       hash_entry_removals.c.signal_type == self.signal.name)
                .order_by(hash_entry_removals.c.seq)
            ).all()
        if rows:
            self.index.remove([r[1] for r in rows])
            self.last_seq = int(rows[-1][0])
            self._unsaved = True
        if len(self.index) != self._count():
            # an insert committed out of id order, or a foreign change: start again
            self._rebuild(self.index.radius)

    def _count(self) -> int:
        """Entries up to the last id this index has seen (later ones are not a mismatch)."""
        with self.db.connect() as conn:
            return int(conn.execute(
                select(func.count()).select_from(hash_entries).where(
                    *self._mine(), hash_entries.c.id <= self.last_entry_id
                )
            ).scalar_one())

    # -- reading -------------------------------------------------------------
    def search_words(self, words: np.ndarray, radius: int | None = None) -> tuple[np.ndarray, ...]:
        if self.index is None:
            e = np.empty(0, dtype=np.int64)
            return e, e, e
        return self.index.search_words(words, radius)

    def stats(self) -> dict[str, object]:
        if self.index is None:
            return {"live": 0}
        out = {**self.index.stats(), "last_entry_id": self.last_entry_id, "last_seq": self.last_seq}
        if self.shard is not None:
            out["shard"] = str(self.shard)
        return out

    # -- persistence -----------------------------------------------------------
    def save(self, *, only_if_changed: bool = False) -> None:
        """Persist the index with the database position it reflects."""
        if self.folder is None or self.index is None or (only_if_changed and not self._unsaved):
            return
        self._unsaved = False
        sub, state_name = self._names()
        self.index.save(self.folder / sub)
        state = {"last_entry_id": self.last_entry_id, "last_seq": self.last_seq, "url": self.db.url}
        (self.folder / state_name).write_text(json.dumps(state))

    def _load_saved(self, radius: int) -> bool:
        if self.folder is None:
            return False
        sub, state_name = self._names()
        state_file = self.folder / state_name
        if not state_file.is_file() or not (self.folder / sub / "meta.json").is_file():
            return False
        try:
            state = json.loads(state_file.read_text())
            if state.get("url") != self.db.url:
                return False
            idx = HashIndex.load(self.folder / sub)
        except (OSError, ValueError, KeyError):
            return False
        if idx.radius < radius or idx.kind != self.signal.name:
            return False
        self.index = idx
        self.last_entry_id = int(state["last_entry_id"])
        self.last_seq = int(state["last_seq"])
        return True


__all__ = ["LOAD_CHUNK", "IndexFollower", "Shard"]
