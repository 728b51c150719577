"""An immutable, exact multi-index-hashing segment of PDQ hashes.

Why MIH: a linear scan of 10 million hashes per query is 320 MB of memory
traffic; faiss's multi-hash index (what python-threatexchange uses) keeps one
hash map per substring and is both heavy and, with its default settings, not
exact at radius 31. Here the 256 bits are split into k parts, each part's
first `kb` bits address a flat bucket table (counting-sorted row numbers), and
the parts' probe radii are chosen so the pigeonhole principle makes the
search exact. `kb` follows log2(n), so a bucket holds about one row and a
query touches a few thousand rows instead of millions.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np

from tutela.hashing import mih_kernels as K

HASH_BITS = 256
#: queries per kernel call: the staged kernel's working arrays for ~64
#: queries stay in cache; measured faster than both smaller and larger chunks
QUERY_CHUNK = 64
_BIG_ENDIAN = np.dtype(">u8")


def hex_to_words(hashes: list[str] | tuple[str, ...] | np.ndarray) -> np.ndarray:
    """Hex PDQ strings -> uint64 [n, 4], most significant word first.
    Raises ValueError naming the first bad value."""
    if isinstance(hashes, np.ndarray) and hashes.dtype == np.uint64:
        return np.ascontiguousarray(hashes.reshape(-1, 4))
    if len(hashes) == 1:  # the per-upload case: no join, no list
        try:
            one = bytes.fromhex(hashes[0])
        except (ValueError, TypeError):
            one = b""
        if len(one) == 32:
            return np.frombuffer(one, dtype=_BIG_ENDIAN).astype(np.uint64).reshape(1, 4)
    try:
        raw = bytes.fromhex("".join(hashes))
    except ValueError:
        raw = b""
    n = len(hashes)
    if len(raw) != 32 * n:
        for h in hashes:
            if len(h) != 64 or any(c not in "0123456789abcdefABCDEF" for c in h):
                raise ValueError(f"{h!r} is not a PDQ hash (64 hex digits)")
        raise ValueError("malformed PDQ hashes")
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(n, 4)


def words_to_hex(words: np.ndarray) -> list[str]:
    raw = np.ascontiguousarray(words, dtype=np.uint64).astype(">u8").tobytes()
    return [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]


@dataclass(frozen=True)
class MihParams:
    """How the hash is cut: part start bits, key bits per part, probe radius per part."""

    radius: int
    starts: tuple[int, ...]
    widths: tuple[int, ...]
    kb: int
    probe_radius: tuple[int, ...]

    @property
    def k(self) -> int:
        return len(self.starts)

    def probes(self) -> int:
        return sum(sum(math.comb(self.kb, i) for i in range(p + 1)) for p in self.probe_radius)


#: relative costs per query of a probe (a look-up in the occupancy map, which
#: stays in cache), of a non-empty bucket (two misses: its bounds and its row
#: list) and of a candidate (a random read of its hash); measured, roughly, on
#: x86-64 (2026-12-06: at 1M hashes 23 key bits answer 1.1-1.3x faster than 22)
PROBE_COST, BUCKET_COST, CANDIDATE_COST = 0.15, 2.0, 1.0
#: table memory allowed: about 480 bytes per hash (python-threatexchange's
#: index uses ~650), at least 64 MiB, at most 1.5 GiB
MEMORY_PER_HASH, MEMORY_FLOOR, MEMORY_CAP = 480, 64 << 20, 1536 << 20


def choose_params(n: int, radius: int) -> MihParams:
    """Pick the cut (number of parts k, key bits kb) with the lowest expected
    memory traffic per query within the memory budget.

    With k parts, `(radius + 1) % k` parts get probe radius q and the rest
    q - 1, where q = (radius + 1) // k: then sum(p_j + 1) = radius + 1, the
    exactness condition. A sparser table (more key bits) means more empty
    probes but far fewer candidates, and empty probes are cheap.
    """
    if not 0 <= radius <= 64:
        raise ValueError("PDQ radius must be between 0 and 64")
    budget = min(MEMORY_CAP, max(MEMORY_FLOOR, MEMORY_PER_HASH * n))
    options: list[tuple[float, int, MihParams]] = []
    for k in range(1, min(radius + 1, 64) + 1):
        base, extra = divmod(HASH_BITS, k)
        widths = tuple(base + (1 if j < extra else 0) for j in range(k))
        starts = tuple(int(s) for s in np.cumsum((0,) + widths[:-1]))
        q, rem = divmod(radius + 1, k)
        probe = tuple(q if j < rem else q - 1 for j in range(k))
        if min(probe) < 0:
            continue
        for kb in range(4, min(min(widths), 26) + 1):
            params = MihParams(radius, starts, widths, kb, probe)
            load = n / float(1 << kb)
            cost = params.probes() * (PROBE_COST + BUCKET_COST * (1 - math.exp(-load)) + CANDIDATE_COST * load)
            memory = k * ((1 << kb) * 4 + (1 << kb) // 8 + n * 4) + n * 40
            options.append((cost, memory, params))
    # Never trade more than 4x the best speed for memory. Within budget if
    # possible; for very large lists, up to ~100 bytes of tables per hash.
    floor = min(o[0] for o in options)
    sane = [o for o in options if o[0] <= 4 * floor]
    for limit in (budget, max(budget, 100 * n)):
        fitting = [o for o in sane if o[1] <= limit]
        if fitting:
            return min(fitting, key=lambda o: o[0])[2]
    return min(sane, key=lambda o: o[1])[2]


def _flip_masks(kb: int, p: int) -> np.ndarray:
    """Every kb-bit XOR mask with at most p bits set (the probe neighbourhood)."""
    out = [0]
    for r in range(1, p + 1):
        for bits in combinations(range(kb), r):
            m = 0
            for b in bits:
                m |= 1 << b
            out.append(m)
    return np.asarray(out, dtype=np.int64)


@dataclass
class MihSegment:
    """Rows `words` [n, 4] with caller ids `ids` [n]; immutable once built
    (tombstones live outside, in the index's snapshot)."""

    params: MihParams
    words: np.ndarray
    ids: np.ndarray
    offsets: np.ndarray
    order: np.ndarray
    #: one bit per bucket, set if it holds rows (derived from `offsets`; see `mih_kernels.occupancy`)
    occupied: np.ndarray | None = None
    _masks: np.ndarray = field(init=False, repr=False)
    _mask_ptr: np.ndarray = field(init=False, repr=False)
    _id_order: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        # sorted per part: probes that share a cache line of the bucket table come together
        per_part = [np.sort(_flip_masks(self.params.kb, p)) for p in self.params.probe_radius]
        self._masks = np.concatenate(per_part)
        self._mask_ptr = np.cumsum([0] + [len(m) for m in per_part]).astype(np.int64)
        self._starts = np.asarray(self.params.starts, dtype=np.int64)
        self._probe_radius = np.asarray(self.params.probe_radius, dtype=np.int64)
        self._kb = int(self.params.kb)  # a Python int: numba takes it as int64 without a numpy scalar
        if self.occupied is None:
            self.occupied = K.occupancy(self.offsets)

    @classmethod
    def build(cls, words: np.ndarray, ids: np.ndarray, radius: int) -> MihSegment:
        words = np.ascontiguousarray(words, dtype=np.uint64)
        params = choose_params(len(words), radius)
        offsets, order = K.build_tables(words, np.asarray(params.starts, dtype=np.int64), np.int64(params.kb))
        return cls(params, words, np.asarray(ids), offsets, order)

    def __len__(self) -> int:
        return len(self.words)

    def search(self, queries: np.ndarray, alive: np.ndarray, radius: int) -> tuple[np.ndarray, ...]:
        """(query index, row, distance) arrays for every live row within `radius`."""
        if radius > self.params.radius:
            raise ValueError(f"radius {radius} exceeds the radius {self.params.radius} this index is exact for")
        if len(self.words) == 0 or len(queries) == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, empty
        parts_q, parts_r, parts_d = [], [], []
        for start in range(0, len(queries), QUERY_CHUNK):
            qi, rows, d = K.search_mih(
                queries[start : start + QUERY_CHUNK], self.words, alive, self.offsets, self.order, self.occupied,
                self._starts, self._kb, self._masks, self._mask_ptr, self._probe_radius, int(radius),
            )
            parts_q.append(qi + start)
            parts_r.append(rows)
            parts_d.append(d)
        if len(parts_q) == 1:
            return parts_q[0], parts_r[0], parts_d[0]
        return np.concatenate(parts_q), np.concatenate(parts_r), np.concatenate(parts_d)

    def search_one(self, query: np.ndarray, alive: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, distances) for one query [4] (the per-upload path: no batching overhead)."""
        if radius > self.params.radius:
            raise ValueError(f"radius {radius} exceeds the radius {self.params.radius} this index is exact for")
        return K.search_one(
            query, self.words, alive, self.offsets, self.order, self.occupied, self._starts, self._kb,
            self._masks, self._mask_ptr, self._probe_radius, radius,
        )

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Row numbers holding any of `ids` (sorted view built once, lazily)."""
        if self._id_order is None:
            self._id_order = np.argsort(self.ids, kind="stable")
        sorted_ids = self.ids[self._id_order]
        lo = np.searchsorted(sorted_ids, ids, side="left")
        hi = np.searchsorted(sorted_ids, ids, side="right")
        rows = [self._id_order[a:b] for a, b in zip(lo, hi, strict=True) if b > a]
        return np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)

    def nbytes(self) -> int:
        occupied = 0 if self.occupied is None else self.occupied.nbytes
        return int(self.words.nbytes + self.ids.nbytes + self.offsets.nbytes + self.order.nbytes + occupied)

    # persistence -------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("words", "ids", "offsets", "order", "occupied"):
            np.save(folder / f"{name}.npy", getattr(self, name), allow_pickle=False)
        p = self.params
        meta = {"radius": p.radius, "starts": p.starts, "widths": p.widths, "kb": p.kb, "probe_radius": p.probe_radius}
        (folder / "params.json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = True) -> MihSegment:
        meta = json.loads((folder / "params.json").read_text())
        params = MihParams(
            int(meta["radius"]), tuple(meta["starts"]), tuple(meta["widths"]), int(meta["kb"]),
            tuple(meta["probe_radius"]),
        )
        mode = "r" if mmap else None
        arrays = {n: np.load(folder / f"{n}.npy", mmap_mode=mode, allow_pickle=False)
                  for n in ("words", "ids", "offsets", "order")}
        if (folder / "occupied.npy").exists():  # indexes saved before the map existed rebuild it
            arrays["occupied"] = np.load(folder / "occupied.npy", mmap_mode=mode, allow_pickle=False)
        return cls(params, **arrays)


__all__ = ["MihParams", "MihSegment", "choose_params", "hex_to_words", "words_to_hex"]
