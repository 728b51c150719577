"""`HashIndex`: exact lookup of hashes, with live adds and removes.

    idx = HashIndex(kind="pdq", radius=31)
    idx.add(hex_hashes, ids)
    idx.search(query_hexes)        # -> [[(id, distance), ...] per query]

Hamming signal types (PDQ, or any registered type with `matching =
HAMMING`) are searched exactly (every stored hash within the radius,
verified against all bits) by multi-index hashing (`mih.py`); values shorter
than 256 bits are zero-padded on the left, which leaves distances unchanged.
Exact signal types (MD5, SHA-256) are dictionary lookups.

Updates never stop readers. The index is a chain of immutable parts: large
MIH segments, plus a small brute-forced delta, plus per-segment "alive"
masks as tombstones. A writer builds the next snapshot beside the current one
and swaps a single reference; a reader takes that reference once per call, so
it always sees one consistent state. When the delta grows past a limit it is
frozen into a new segment, and `compact()` (run in a background thread by
`compact_async`) folds everything into one segment, also without blocking
readers.
"""

from __future__ import annotations

import json
import shutil
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from tutela.hashing import mih_kernels as K
from tutela.hashing.mih import MihSegment, hex_to_words
from tutela.hashing.signals import get_signal
from tutela.hashing.signals.base import Matching

#: the delta is brute-forced; beyond this many rows it is frozen into a segment
DELTA_LIMIT = 4096
#: beyond this many segments, adding triggers a merge into one
MAX_SEGMENTS = 8


@dataclass(frozen=True)
class _Snapshot:
    segments: tuple[MihSegment, ...]
    alive: tuple[np.ndarray, ...]  # one uint8 mask per segment
    delta_words: np.ndarray  # [m, 4] uint64
    delta_ids: np.ndarray  # [m]
    live: int


def _ids_array(ids: Iterable[object] | None, n: int, start: int) -> np.ndarray:
    if ids is None:
        return np.arange(start, start + n, dtype=np.int64)
    arr = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
    if len(arr) != n:
        raise ValueError(f"{n} hashes but {len(arr)} ids")
    if arr.dtype.kind not in "iu":
        raise ValueError("ids must be integers")
    return arr.astype(np.int64)


class HashIndex:
    """Exact index for one signal type (`pdq`, `md5`, `sha256` or any registered one)."""

    def __init__(self, kind: str = "pdq", radius: int = 31) -> None:
        sig = get_signal(kind)
        self.kind = sig.name
        self._hamming = sig.matching is Matching.HAMMING
        self._pad = "0" * (64 - sig.hex_len) if self._hamming else ""
        self.radius = int(radius) if self._hamming else 0
        if self._hamming and not 0 <= self.radius <= 64:
            raise ValueError(f"{sig.name} radius must be between 0 and 64")
        self._write_lock = threading.RLock()
        self._next_auto_id = 0
        empty_w = np.empty((0, 4), dtype=np.uint64)
        self._snap = _Snapshot((), (), empty_w, np.empty(0, dtype=np.int64), 0)
        self._exact: dict[str, tuple[int, ...]] = {}
        self._merge_thread: threading.Thread | None = None

    # -- reading ---------------------------------------------------------
    def __len__(self) -> int:
        if not self._hamming:
            return sum(len(v) for v in self._exact.values())
        return self._snap.live

    def search(
        self, hashes: Sequence[str], radius: int | None = None
    ) -> list[list[tuple[int, int]]]:
        """For each query, every (id, distance) within `radius` (default: the index's), nearest first."""
        if not self._hamming:
            sig = get_signal(self.kind)
            table = self._exact
            return [[(i, 0) for i in table.get(sig.normalize(h), ())] for h in hashes]
        q = self.to_words(hashes)
        qi, ids, dist = self.search_words(q, radius)
        out: list[list[tuple[int, int]]] = [[] for _ in range(len(q))]
        order = np.lexsort((ids, dist, qi))
        for a, b, c in zip(qi[order].tolist(), ids[order].tolist(), dist[order].tolist(), strict=True):
            out[a].append((b, c))
        return out

    def to_words(self, hashes: Sequence[str]) -> np.ndarray:
        """Hex values -> uint64 [n, 4] (shorter signals zero-padded to 256 bits)."""
        if self._pad:
            sig = get_signal(self.kind)
            return hex_to_words([self._pad + sig.normalize(h) for h in hashes])
        return hex_to_words(list(hashes))

    def search_words(
        self, queries: np.ndarray, radius: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fast path: queries as uint64 [n, 4] -> (query index, id, distance) arrays."""
        r = self.radius if radius is None else int(radius)
        if r > self.radius or r < 0:
            raise ValueError(f"radius {r} outside 0..{self.radius}, the radius this index is exact for")
        snap = self._snap  # one consistent state for the whole call
        queries = np.ascontiguousarray(queries, dtype=np.uint64)
        if len(queries) == 1:
            ids, dist = self._search_one(snap, queries[0], r)
            return np.zeros(len(ids), dtype=np.int64), ids, dist
        parts_q, parts_i, parts_d = [], [], []
        for seg, alive in zip(snap.segments, snap.alive, strict=True):
            qi, rows, d = seg.search(queries, alive, r)
            parts_q.append(qi)
            parts_i.append(np.asarray(seg.ids)[rows])
            parts_d.append(d)
        if len(snap.delta_words):
            ones = np.ones(len(snap.delta_words), dtype=np.uint8)
            qi, rows, d = K.search_brute(queries, snap.delta_words, ones, np.int64(r))
            parts_q.append(qi)
            parts_i.append(snap.delta_ids[rows])
            parts_d.append(d)
        if not parts_q:
            e = np.empty(0, dtype=np.int64)
            return e, e, e
        return np.concatenate(parts_q), np.concatenate(parts_i), np.concatenate(parts_d)

    def search_one(self, value: str, radius: int | None = None) -> list[tuple[int, int]]:
        """One query (hex): every (id, distance) within `radius`, nearest first.

        The per-upload path: one kernel call per segment and no batching
        machinery, so a platform asking one hash at a time is served about
        as fast per hash as one sending batches."""
        if not self._hamming:
            return self.search([value])[0]
        r = self.radius if radius is None else int(radius)
        if r > self.radius or r < 0:
            raise ValueError(f"radius {r} outside 0..{self.radius}, the radius this index is exact for")
        ids, dist = self._search_one(self._snap, self.to_words([value])[0], r)
        if len(ids) > 1:
            order = np.lexsort((ids, dist))
            ids, dist = ids[order], dist[order]
        return list(zip(ids.tolist(), dist.tolist(), strict=True))

    @staticmethod
    def _search_one(snap: _Snapshot, query: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
        parts_i, parts_d = [], []
        for seg, alive in zip(snap.segments, snap.alive, strict=True):
            rows, d = seg.search_one(query, alive, r)
            if len(rows):
                parts_i.append(np.asarray(seg.ids)[rows])
                parts_d.append(d)
        if len(snap.delta_words):
            ones = np.ones(len(snap.delta_words), dtype=np.uint8)
            _qi, rows, d = K.search_brute(query.reshape(1, 4), snap.delta_words, ones, r)
            if len(rows):
                parts_i.append(snap.delta_ids[rows])
                parts_d.append(d)
        if not parts_i:
            e = np.empty(0, dtype=np.int64)
            return e, e
        if len(parts_i) == 1:
            return parts_i[0], parts_d[0]
        return np.concatenate(parts_i), np.concatenate(parts_d)

    # -- writing ---------------------------------------------------------
    def add(self, hashes: Sequence[str] | np.ndarray, ids: Iterable[int] | None = None) -> None:
        """Add hashes (hex strings, or uint64 [n, 4] for PDQ) under integer ids.
        Without ids, consecutive integers are assigned."""
        with self._write_lock:
            if not self._hamming:
                sig = get_signal(self.kind)
                values = [sig.normalize(h) for h in hashes]
                id_arr = _ids_array(ids, len(values), self._next_auto_id)
                for v, i in zip(values, id_arr.tolist(), strict=True):
                    self._exact[v] = self._exact.get(v, ()) + (i,)
                self._next_auto_id = max(self._next_auto_id, int(id_arr.max(initial=-1)) + 1)
                return
            words = hashes if isinstance(hashes, np.ndarray) else self.to_words(hashes)
            words = hex_to_words(words)
            id_arr = _ids_array(ids, len(words), self._next_auto_id)
            if len(words) == 0:
                return
            self._next_auto_id = max(self._next_auto_id, int(id_arr.max()) + 1)
            snap = self._snap
            dw = np.concatenate([snap.delta_words, words])
            di = np.concatenate([snap.delta_ids, id_arr])
            if len(dw) > DELTA_LIMIT:
                seg = MihSegment.build(dw, di, self.radius)
                snap = replace(
                    snap,
                    segments=snap.segments + (seg,),
                    alive=snap.alive + (np.ones(len(seg), dtype=np.uint8),),
                    delta_words=dw[:0],
                    delta_ids=di[:0],
                    live=snap.live + len(words),
                )
            else:
                snap = replace(snap, delta_words=dw, delta_ids=di, live=snap.live + len(words))
            self._snap = snap
            if len(snap.segments) > MAX_SEGMENTS:
                self.compact()

    def remove(self, ids: Iterable[int]) -> int:
        """Remove every hash stored under any of `ids`; returns how many were removed."""
        id_arr = np.unique(np.asarray(list(ids), dtype=np.int64))
        removed = 0
        with self._write_lock:
            if not self._hamming:
                drop = set(id_arr.tolist())
                for v in list(self._exact):
                    kept = tuple(i for i in self._exact[v] if i not in drop)
                    removed += len(self._exact[v]) - len(kept)
                    if kept:
                        self._exact[v] = kept
                    else:
                        del self._exact[v]
                return removed
            snap = self._snap
            new_alive = []
            for seg, alive in zip(snap.segments, snap.alive, strict=True):
                rows = seg.rows_of(id_arr)
                rows = rows[alive[rows] == 1] if len(rows) else rows
                if len(rows):
                    alive = alive.copy()
                    alive[rows] = 0
                    removed += len(rows)
                new_alive.append(alive)
            keep = ~np.isin(snap.delta_ids, id_arr)
            removed += int((~keep).sum())
            self._snap = replace(
                snap, alive=tuple(new_alive), delta_words=snap.delta_words[keep],
                delta_ids=snap.delta_ids[keep], live=snap.live - removed,
            )
        return removed

    def compact(self) -> None:
        """Fold every segment, the delta and the tombstones into one segment.

        Readers keep using the old snapshot while the new one builds. Writers
        wait (the write lock is held), so nothing added meanwhile is lost."""
        if not self._hamming:
            return
        with self._write_lock:
            snap = self._snap
            if len(snap.segments) == 1 and not len(snap.delta_words) and snap.live == len(snap.segments[0]):
                return  # already one segment without tombstones
            words = [seg.words[alive == 1] for seg, alive in zip(snap.segments, snap.alive, strict=True)]
            ids = [np.asarray(seg.ids)[alive == 1] for seg, alive in zip(snap.segments, snap.alive, strict=True)]
            words.append(snap.delta_words)
            ids.append(snap.delta_ids)
            all_w = np.concatenate(words) if words else snap.delta_words
            all_i = np.concatenate(ids) if ids else snap.delta_ids
            empty_w = all_w[:0]
            if len(all_w) == 0:
                self._snap = _Snapshot((), (), empty_w, all_i[:0], 0)
                return
            seg = MihSegment.build(all_w, all_i, self.radius)
            self._snap = _Snapshot((seg,), (np.ones(len(seg), dtype=np.uint8),), empty_w, all_i[:0], len(seg))

    def compact_async(self) -> threading.Thread:
        """Run `compact()` in a background thread (one at a time)."""
        if self._merge_thread is not None and self._merge_thread.is_alive():
            return self._merge_thread
        t = threading.Thread(target=self.compact, name="tutela-hashindex-compact", daemon=True)
        self._merge_thread = t
        t.start()
        return t

    def stats(self) -> dict[str, object]:
        snap = self._snap
        return {
            "kind": self.kind,
            "radius": self.radius,
            "live": len(self),
            "segments": [
                {"rows": len(s), "parts": s.params.k, "key_bits": s.params.kb, "bytes": s.nbytes()}
                for s in snap.segments
            ],
            "delta": int(len(snap.delta_words)),
        }

    # -- persistence -----------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Write the index to `folder` (replaced atomically): .npy arrays a
        later `load` memory-maps, so start-up does not re-read or re-sort."""
        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.mkdir()
        with self._write_lock:
            meta: dict[str, object] = {"kind": self.kind, "radius": self.radius, "next_id": self._next_auto_id}
            if self._hamming:
                self.compact()
                snap = self._snap
                meta["segments"] = len(snap.segments)
                for n, (seg, alive) in enumerate(zip(snap.segments, snap.alive, strict=True)):
                    seg.save(tmp / f"seg{n}")
                    np.save(tmp / f"seg{n}" / "alive.npy", alive, allow_pickle=False)
            else:
                meta["exact"] = {v: list(ids) for v, ids in self._exact.items()}
            (tmp / "meta.json").write_text(json.dumps(meta))
        old = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}.old")
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
        return folder

    @classmethod
    def load(cls, folder: str | Path, *, mmap: bool = True) -> HashIndex:
        folder = Path(folder)
        meta = json.loads((folder / "meta.json").read_text())
        idx = cls(kind=str(meta["kind"]), radius=int(meta["radius"]))
        idx._next_auto_id = int(meta.get("next_id", 0))
        if idx._hamming:
            segs, alive = [], []
            for n in range(int(meta["segments"])):
                seg = MihSegment.load(folder / f"seg{n}", mmap=mmap)
                segs.append(seg)
                alive.append(np.array(np.load(folder / f"seg{n}" / "alive.npy"), dtype=np.uint8))
            live = int(sum(int(a.sum()) for a in alive))
            idx._snap = _Snapshot(tuple(segs), tuple(alive), np.empty((0, 4), np.uint64), np.empty(0, np.int64), live)
        else:
            idx._exact = {v: tuple(ids) for v, ids in meta["exact"].items()}
        return idx


def brute_force(words: np.ndarray, queries: np.ndarray, radius: int) -> tuple[np.ndarray, ...]:
    """The oracle: (query index, row, distance) by exhaustive comparison."""
    return K.search_brute(
        np.ascontiguousarray(queries, dtype=np.uint64), np.ascontiguousarray(words, dtype=np.uint64),
        np.ones(len(words), dtype=np.uint8), np.int64(radius),
    )


__all__ = ["DELTA_LIMIT", "HashIndex", "brute_force"]
