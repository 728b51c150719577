"""HashIndex is exact: the same answers as brute force, at the radius and
on both sides of it, on uniform and clustered data, across adds, removes,
compaction and a save/load round trip."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tutela.hashing import HashIndex
from tutela.hashing import index as index_mod
from tutela.hashing.index import brute_force
from tutela.hashing.mih import choose_params, hex_to_words, words_to_hex


def random_words(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)


def flip_bits(rng: np.random.Generator, rows: np.ndarray, distances: np.ndarray) -> np.ndarray:
    """Copies of `rows` with exactly distances[i] random bits flipped."""
    out = rows.copy()
    for i, d in enumerate(distances):
        for b in rng.choice(256, int(d), replace=False):
            out[i, b // 64] ^= np.uint64(1) << np.uint64(63 - b % 64)
    return out


def clustered_words(rng: np.random.Generator, clusters: int, per: int) -> np.ndarray:
    """Many near-duplicates per centre, as real lists hold (re-encodes of one image)."""
    centres = random_words(rng, clusters)
    rows = np.repeat(centres, per, axis=0)
    return flip_bits(rng, rows, rng.integers(0, 24, len(rows)))


def as_set(qi: np.ndarray, ids: np.ndarray, d: np.ndarray) -> set[tuple[int, int, int]]:
    return set(zip(qi.tolist(), ids.tolist(), d.tolist(), strict=True))


def queries_for(rng: np.random.Generator, words: np.ndarray, n: int) -> np.ndarray:
    """Half near-duplicates at distances 0..40 (so exactly 31 and 32 occur), half unrelated."""
    base = words[rng.integers(0, len(words), n // 2)]
    dists = np.arange(len(base)) % 41
    return np.concatenate([flip_bits(rng, base, dists), random_words(rng, n - n // 2)])


@pytest.mark.parametrize("layout", ["uniform", "clustered"])
@pytest.mark.parametrize("radius", [31, 0, 10, 48])
def test_recall_equals_brute_force(layout: str, radius: int) -> None:
    rng = np.random.default_rng(radius + (7 if layout == "clustered" else 0))
    words = random_words(rng, 30_000) if layout == "uniform" else clustered_words(rng, 600, 50)
    idx = HashIndex("pdq", radius=radius)
    idx.add(words, np.arange(len(words)))
    q = queries_for(rng, words, 400)
    got = as_set(*idx.search_words(q))
    want = as_set(*brute_force(words, q, radius))
    assert got == want
    assert len(idx.search_words(q)[0]) == len(got), "no duplicates"
    if radius == 31:
        dists = {d for _, _, d in want}
        assert 31 in dists and 32 not in dists


def test_boundary_exactly_31_and_32() -> None:
    rng = np.random.default_rng(1)
    words = random_words(rng, 5000)
    idx = HashIndex("pdq", radius=31)
    idx.add(words_to_hex(words), list(range(5000)))
    at31 = flip_bits(rng, words[:50], np.full(50, 31))
    at32 = flip_bits(rng, words[50:100], np.full(50, 32))
    res31 = idx.search(words_to_hex(at31))
    res32 = idx.search(words_to_hex(at32))
    assert all((i, 31) in r for i, r in enumerate(res31))
    assert all((50 + i) not in [x for x, _ in r] for i, r in enumerate(res32))


def test_public_api_shape() -> None:
    idx = HashIndex(kind="pdq", radius=31)
    a = "f" * 64
    b = "0" * 64
    near = "f" * 56 + "0" * 8  # 32 bits from a
    idx.add([a, b], [10, 20])
    assert idx.search([a, b, near, "e" + "f" * 63]) == [[(10, 0)], [(20, 0)], [], [(10, 1)]]
    assert idx.search([near], radius=0) == [[]]
    with pytest.raises(ValueError):
        idx.search([a], radius=32)
    with pytest.raises(ValueError):
        idx.add(["nothex"], [1])
    with pytest.raises(ValueError):
        idx.add([a], [1, 2])


def test_parameters_satisfy_pigeonhole() -> None:
    for n in (10, 10_000, 1_000_000, 10_000_000):
        for r in (0, 8, 31, 64):
            p = choose_params(n, r)
            assert sum(x + 1 for x in p.probe_radius) >= r + 1
            assert sum(p.widths) == 256 and p.kb <= min(p.widths)


def test_add_and_remove_without_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_mod, "DELTA_LIMIT", 500)
    rng = np.random.default_rng(3)
    words = random_words(rng, 3000)
    idx = HashIndex("pdq")
    idx.add(words[:2000], np.arange(2000))
    first_segment = idx._snap.segments[0]
    idx.add(words[2000:2300], np.arange(2000, 2300))  # goes to the delta
    assert idx._snap.segments[0] is first_segment and len(idx._snap.delta_words) == 300
    assert idx.search(words_to_hex(words[2100:2101])) == [[(2100, 0)]]
    removed = idx.remove([5, 2100, 99999])
    assert removed == 2 and len(idx) == 2298
    assert idx._snap.segments[0] is first_segment
    assert idx.search(words_to_hex(words[[5, 2100, 6]])) == [[], [], [(6, 0)]]
    idx.add(words[2300:], np.arange(2300, 3000))  # delta overflows into a new segment
    assert len(idx._snap.segments) == 2 and idx._snap.segments[0] is first_segment
    idx.compact()
    assert len(idx._snap.segments) == 1 and len(idx) == 2998
    q = queries_for(rng, words, 200)
    alive = np.ones(3000, dtype=bool)
    alive[[5, 2100]] = False
    want = {(a, b, c) for a, b, c in as_set(*brute_force(words, q, 31)) if alive[b]}
    assert as_set(*idx.search_words(q)) == want


def test_readers_see_consistent_snapshots_during_writes() -> None:
    rng = np.random.default_rng(4)
    words = random_words(rng, 20_000)
    idx = HashIndex("pdq")
    idx.add(words[:10_000], np.arange(10_000))
    stop = threading.Event()
    errors: list[str] = []

    def reader() -> None:
        q = words[:200]
        while not stop.is_set():
            qi, ids, d = idx.search_words(q)
            found = dict(zip(qi.tolist(), ids.tolist(), strict=True))
            if any(found.get(i) != i for i in range(200)):
                errors.append("a stored hash went missing during a write")

    t = threading.Thread(target=reader)
    t.start()
    for start in range(10_000, 20_000, 1000):
        idx.add(words[start : start + 1000], np.arange(start, start + 1000))
        idx.remove([start])
    idx.compact_async().join()
    stop.set()
    t.join()
    assert not errors
    assert len(idx) == 20_000 - 10


def test_save_and_load_round_trip(tmp_path) -> None:  # noqa: ANN001
    rng = np.random.default_rng(5)
    words = random_words(rng, 8000)
    idx = HashIndex("pdq", radius=31)
    idx.add(words, np.arange(100, 8100))
    idx.remove([100])
    idx.save(tmp_path / "pdq")
    loaded = HashIndex.load(tmp_path / "pdq")
    assert len(loaded) == len(idx) == 7999
    q = queries_for(rng, words, 100)
    assert as_set(*loaded.search_words(q)) == as_set(*idx.search_words(q))
    loaded.add(words[:1], [5])  # a loaded (memory-mapped) index still takes writes
    assert (5, 0) in loaded.search(words_to_hex(words[:1]))[0]


@pytest.mark.parametrize("kind", ["md5", "sha256"])
def test_exact_kinds(kind: str, tmp_path) -> None:  # noqa: ANN001
    n = 32 if kind == "md5" else 64
    idx = HashIndex(kind=kind)
    idx.add(["a" * n, "B" * n, "a" * n], [1, 2, 3])
    assert idx.search(["A" * n, "b" * n, "c" * n]) == [[(1, 0), (3, 0)], [(2, 0)], []]
    assert idx.remove([1]) == 1 and len(idx) == 2
    idx.save(tmp_path / kind)
    assert HashIndex.load(tmp_path / kind).search(["a" * n]) == [[(3, 0)]]


def test_hex_round_trip() -> None:
    rng = np.random.default_rng(6)
    w = random_words(rng, 10)
    assert np.array_equal(hex_to_words(words_to_hex(w)), w)


def test_single_query_kernel_equals_batch_kernel() -> None:
    """Queries answered one by one or in chunked batches give the same exact results."""
    rng = np.random.default_rng(8)
    words = clustered_words(rng, 300, 40)
    idx = HashIndex("pdq", radius=31)
    idx.add(words, np.arange(len(words)))
    q = queries_for(rng, words, 120)
    batch = as_set(*idx.search_words(q))
    single = set()
    for i in range(len(q)):
        _, ids, d = idx.search_words(q[i : i + 1])
        single |= {(i, a, b) for a, b in zip(ids.tolist(), d.tolist(), strict=True)}
    assert single == batch == as_set(*brute_force(words, q, 31))
