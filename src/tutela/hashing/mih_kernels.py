"""Compiled inner loops of the multi-index hashing (MIH) PDQ index.

Numba compiles these on first use (cached on disk afterwards), so the index
is plain `pip install` with no build step, yet its loops run at C speed and
release the GIL, letting several threads query one index at once.

Hashes are 256 bits held as four uint64 words, most significant bit first
(the order of the hex string). A "part" is a run of bits of the hash; its
"key" is the first `kb` bits of the part, used to address a bucket table.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

#: how many iterations ahead the staged kernel prefetches
PREFETCH_AHEAD = 16


@intrinsic
def _ctpop(typingctx, x):  # noqa: ANN001, ANN202
    """LLVM's population count: one POPCNT instruction on x86-64 (numba targets the host CPU)."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        return builder.ctpop(args[0])

    return sig, codegen


@intrinsic
def _prefetch(typingctx, arr, i, j):  # noqa: ANN001, ANN202
    """Hint the CPU to start loading arr[i, j] (2-D array) into cache: LLVM's prefetch.

    The random loads of a batch are independent, so asking for them ahead of
    use keeps many misses in flight at once instead of stalling on each."""
    sig = types.void(arr, types.intp, types.intp)

    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        intp = context.get_value_type(types.intp)
        off = builder.add(
            builder.mul(args[1], builder.extract_value(ary.strides, 0)),
            builder.mul(args[2], builder.extract_value(ary.strides, 1)),
        )
        i8p = ir.IntType(8).as_pointer()
        ptr = builder.inttoptr(builder.add(builder.ptrtoint(ary.data, intp), off), i8p)
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0"
        )
        builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always", cache=True)
def _popcount64(x: np.uint64) -> np.int64:
    return np.int64(_ctpop(np.uint64(x)))


@njit(inline="always", cache=True)
def _key(row: np.ndarray, start: np.int64, kb: np.int64) -> np.int64:
    """The `kb` bits of a hash starting at bit `start` (kb <= 32)."""
    w = start >> 6
    off = start & 63
    v = row[w] << np.uint64(off)
    if off > 0 and w < 3:
        v = v | (row[w + 1] >> np.uint64(64 - off))
    return np.int64(v >> np.uint64(64 - kb))


@njit(inline="always", cache=True)
def _hamming256(row: np.ndarray, q: np.ndarray) -> np.int64:
    """Hamming distance between two 256-bit hashes held as four uint64 words."""
    return (
        _popcount64(row[0] ^ q[0])
        + _popcount64(row[1] ^ q[1])
        + _popcount64(row[2] ^ q[2])
        + _popcount64(row[3] ^ q[3])
    )


@njit(inline="always", cache=True)
def _grow(out_q: np.ndarray, out_row: np.ndarray, out_d: np.ndarray, count: np.int64):
    """Double the hit buffers (numba has no growable arrays), keeping the first `count` hits."""
    cap = out_q.shape[0] * 2
    nq_ = np.empty(cap, dtype=np.int64)
    nr_ = np.empty(cap, dtype=np.int64)
    nd_ = np.empty(cap, dtype=np.int64)
    nq_[:count] = out_q[:count]
    nr_[:count] = out_row[:count]
    nd_[:count] = out_d[:count]
    return nq_, nr_, nd_


@njit(cache=True)
def distances_to(words: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Hamming distance of every row of `words` to one query (brute force)."""
    n = words.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        out[i] = _hamming256(words[i], query)
    return out


def build_tables(words: np.ndarray, starts: np.ndarray, kb: np.int64) -> tuple[np.ndarray, np.ndarray]:
    """Counting sort of all rows by each part's key: (offsets [k, 2^kb + 1], order [k, n]).

    Bucket b of part j holds order[j, offsets[j, b]:offsets[j, b + 1]]: the
    row numbers whose key for part j is b. O(n) per part, no comparison sort.
    The tables are allocated by numpy, which asks Linux for transparent huge
    pages on large arrays: random probes then miss the TLB far less often.
    """
    k = starts.shape[0]
    offsets = np.zeros((k, (1 << int(kb)) + 1), dtype=np.uint32)
    order = np.empty((k, words.shape[0]), dtype=np.uint32)
    _fill_tables(words, starts, kb, offsets, order)
    return offsets, order


@njit(cache=True)
def _fill_tables(words: np.ndarray, starts: np.ndarray, kb: np.int64, offsets: np.ndarray, order: np.ndarray) -> None:
    n = words.shape[0]
    k = starts.shape[0]
    nb = np.int64(1) << kb
    keys = np.empty(n, dtype=np.int64)
    for j in range(k):
        s = starts[j]
        for i in range(n):
            kk = _key(words[i], s, kb)
            keys[i] = kk
            offsets[j, kk + 1] += 1
        for b in range(nb):
            offsets[j, b + 1] += offsets[j, b]
        fill = offsets[j, :nb].copy()
        for i in range(n):
            kk = keys[i]
            order[j, fill[kk]] = i
            fill[kk] += 1


@njit(cache=True)
def occupancy(offsets: np.ndarray) -> np.ndarray:
    """One bit per bucket, set where the bucket holds rows: [k, ceil(2^kb / 64)] uint64.

    At about one row per four buckets most probes land in empty buckets; the
    bucket table (4 bytes a bucket) is far larger than the caches, this map
    (1 bit a bucket, ~0.5 MiB a part at 1M hashes) mostly stays in them, so
    an empty probe costs a cache hit instead of a miss to main memory."""
    k = offsets.shape[0]
    nb = offsets.shape[1] - 1
    out = np.zeros((k, (nb + 63) // 64), dtype=np.uint64)
    for j in range(k):
        for b in range(nb):
            if offsets[j, b + 1] > offsets[j, b]:
                out[j, b >> 6] |= np.uint64(1) << np.uint64(b & 63)
    return out


@njit(inline="always", cache=True)
def _occupied(occ: np.ndarray, j: np.int64, b: np.int64) -> bool:
    return ((occ[j, b >> 6] >> np.uint64(b & 63)) & np.uint64(1)) != 0


@njit(inline="always", cache=True)
def _bins_bits(count: np.int64) -> np.int64:
    """log2 of the number of bins for a coarse sort of `count` values: about
    four values per bin, between 64 and 4096 bins (zeroing more would cost
    more than the ordering saves on small batches)."""
    bits = np.int64(6)
    while bits < 12 and (np.int64(1) << bits) < count // 4:
        bits += 1
    return bits


@njit(cache=True, nogil=True)
def _coarse_sort(values: np.ndarray, shift: np.int64) -> np.ndarray:
    """Permutation ordering `values` by their high bits (one counting-sort pass).

    Not a full sort: it only needs to turn random memory accesses into
    nearly ascending ones, which the hardware prefetcher and the TLB reward."""
    n = values.shape[0]
    nbins = 1
    for i in range(n):
        b = (values[i] >> shift) + 1
        if b > nbins:
            nbins = b
    counts = np.zeros(nbins + 1, dtype=np.int64)
    for i in range(n):
        counts[(values[i] >> shift) + 1] += 1
    for b in range(nbins):
        counts[b + 1] += counts[b]
    perm = np.empty(n, dtype=np.int64)
    for i in range(n):
        b = values[i] >> shift
        perm[counts[b]] = i
        counts[b] += 1
    return perm


@njit(cache=True, nogil=True)
def search_mih(
    queries: np.ndarray,
    words: np.ndarray,
    alive: np.ndarray,
    offsets: np.ndarray,
    order: np.ndarray,
    occ: np.ndarray,
    starts: np.ndarray,
    kb: np.int64,
    masks: np.ndarray,
    mask_ptr: np.ndarray,
    probe_radius: np.ndarray,
    radius: np.int64,
):
    """Every (query, row, distance) with distance <= radius, exactly.

    Pigeonhole: the parts' probe radii p_j satisfy sum(p_j + 1) > radius, so a
    row within `radius` of the query is within p_j of it on some part j; we
    probe every key within p_j of the query's key on every part and verify the
    full 256-bit distance of each candidate. A row found through part j is
    reported only if no earlier part would have found it, so results are
    unique without a per-query "seen" set.

    Speed comes from memory access patterns, not arithmetic: the work is
    staged per part over the whole batch of queries (bucket ids, bucket
    bounds, candidate rows, verification), probes are put in ascending bucket
    order and candidates in ascending row order by one counting pass each,
    so the big tables are swept nearly in order with many loads in flight
    instead of one dependent cache miss after another.
    """
    nq = queries.shape[0]
    n = words.shape[0]
    k = starts.shape[0]
    qkeys = np.empty((nq, k), dtype=np.int64)
    for qi in range(nq):
        for j in range(k):
            qkeys[qi, j] = _key(queries[qi], starts[j], kb)
    cap = 1024
    out_q = np.empty(cap, dtype=np.int64)
    out_row = np.empty(cap, dtype=np.int64)
    out_d = np.empty(cap, dtype=np.int64)
    count = 0
    for j in range(k):
        m0 = mask_ptr[j]
        nm = mask_ptr[j + 1] - m0
        # only occupied buckets go on (the occupancy map is in cache; most probes are empty)
        buckets = np.empty(nq * nm, dtype=np.int64)
        bucket_q = np.empty(nq * nm, dtype=np.int64)
        nprobe = 0
        for qi in range(nq):
            qk = qkeys[qi, j]
            for m in range(nm):
                b = qk ^ masks[m0 + m]
                if _occupied(occ, j, b):
                    buckets[nprobe] = b
                    bucket_q[nprobe] = qi
                    nprobe += 1
        buckets = buckets[:nprobe]
        perm = _coarse_sort(buckets, max(np.int64(0), kb - _bins_bits(nprobe))) if nprobe > 64 else np.arange(nprobe)
        lo = np.empty(nprobe, dtype=np.int64)
        hi = np.empty(nprobe, dtype=np.int64)
        total = 0
        for i in range(nprobe):
            if i + PREFETCH_AHEAD < nprobe:
                _prefetch(offsets, j, buckets[perm[i + PREFETCH_AHEAD]])
            b = buckets[perm[i]]
            a = np.int64(offsets[j, b])
            z = np.int64(offsets[j, b + 1])
            lo[i] = a
            hi[i] = z
            total += z - a
        cand_row = np.empty(total, dtype=np.int64)
        cand_q = np.empty(total, dtype=np.int64)
        c = 0
        for i in range(nprobe):
            if i + PREFETCH_AHEAD < nprobe:
                _prefetch(order, j, lo[i + PREFETCH_AHEAD])
            qi = bucket_q[perm[i]]
            for t in range(lo[i], hi[i]):
                cand_row[c] = order[j, t]
                cand_q[c] = qi
                c += 1
        if total > 64:
            row_shift = np.int64(0)
            while (n >> row_shift) > (np.int64(1) << _bins_bits(total)):
                row_shift += 1
            cperm = _coarse_sort(cand_row, row_shift)
        else:
            cperm = np.arange(total)
        for ci in range(total):
            if ci + PREFETCH_AHEAD < total:
                _prefetch(words, cand_row[cperm[ci + PREFETCH_AHEAD]], 0)
            c = cperm[ci]
            r = cand_row[c]
            qi = cand_q[c]
            row = words[r]
            q = queries[qi]
            d = _hamming256(row, q)
            # tombstones are checked only for hits: one memory access fewer per candidate
            if d > radius or not alive[r]:
                continue
            dup = False
            for jj in range(j):
                if _popcount64(np.uint64(_key(row, starts[jj], kb) ^ qkeys[qi, jj])) <= probe_radius[jj]:
                    dup = True
                    break
            if dup:
                continue
            if count == cap:
                out_q, out_row, out_d = _grow(out_q, out_row, out_d, count)
                cap = out_q.shape[0]
            out_q[count] = qi
            out_row[count] = r
            out_d[count] = d
            count += 1
    return out_q[:count], out_row[:count], out_d[:count]


@njit(cache=True, nogil=True)
def search_brute(queries: np.ndarray, words: np.ndarray, alive: np.ndarray, radius: np.int64):
    """Exhaustive search: used for the small delta segment and as the test oracle."""
    nq = queries.shape[0]
    n = words.shape[0]
    cap = 256
    out_q = np.empty(cap, dtype=np.int64)
    out_row = np.empty(cap, dtype=np.int64)
    out_d = np.empty(cap, dtype=np.int64)
    count = 0
    for qi in range(nq):
        q = queries[qi]
        for r in range(n):
            if not alive[r]:
                continue
            row = words[r]
            d = _hamming256(row, q)
            if d <= radius:
                if count == cap:
                    out_q, out_row, out_d = _grow(out_q, out_row, out_d, count)
                    cap = out_q.shape[0]
                out_q[count] = qi
                out_row[count] = r
                out_d[count] = d
                count += 1
    return out_q[:count], out_row[:count], out_d[:count]


@njit(cache=True, nogil=True)
def search_one(
    query: np.ndarray,
    words: np.ndarray,
    alive: np.ndarray,
    offsets: np.ndarray,
    order: np.ndarray,
    occ: np.ndarray,
    starts: np.ndarray,
    kb: np.int64,
    masks: np.ndarray,
    mask_ptr: np.ndarray,
    probe_radius: np.ndarray,
    radius: np.int64,
):
    """`search_mih` for one query (what a platform sends per upload): (row, distance) arrays.

    The staged kernel's sorting passes pay off across a batch; for a single
    query they are overhead. Per part: the occupancy map (`occupancy`, in
    cache) drops the ~80% of probes that fall in empty buckets before any
    miss to main memory; then each remaining stage (bucket bounds, candidate
    rows, candidate hashes) first asks for all of its loads and only then
    uses them, so the misses of a stage overlap instead of following one
    another, and no prefetch is spent on an empty bucket. Same exactness and
    same de-duplication rule as `search_mih`.
    """
    k = starts.shape[0]
    qkeys = np.empty(k, dtype=np.int64)
    maxm = np.int64(0)
    for j in range(k):
        qkeys[j] = _key(query, starts[j], kb)
        maxm = max(maxm, mask_ptr[j + 1] - mask_ptr[j])
    full = np.empty(maxm, dtype=np.int64)
    lo = np.empty(maxm, dtype=np.int64)
    hi = np.empty(maxm, dtype=np.int64)
    cand = np.empty(1024, dtype=np.int64)
    cap = 64
    out_row = np.empty(cap, dtype=np.int64)
    out_d = np.empty(cap, dtype=np.int64)
    out_q = np.empty(cap, dtype=np.int64)
    count = 0
    for j in range(k):
        m0 = mask_ptr[j]
        qk = qkeys[j]
        nfull = 0
        for i in range(mask_ptr[j + 1] - m0):
            b = qk ^ masks[m0 + i]
            if _occupied(occ, j, b):
                _prefetch(offsets, j, b)
                full[nfull] = b
                nfull += 1
        total = 0
        for i in range(nfull):
            b = full[i]
            a = np.int64(offsets[j, b])
            z = np.int64(offsets[j, b + 1])
            _prefetch(order, j, a)
            lo[i] = a
            hi[i] = z
            total += z - a
        if total > cand.shape[0]:
            cand = np.empty(total * 2, dtype=np.int64)
        c = 0
        for i in range(nfull):
            for t in range(lo[i], hi[i]):
                r = np.int64(order[j, t])
                _prefetch(words, r, 0)
                cand[c] = r
                c += 1
        for ci in range(total):
            r = cand[ci]
            row = words[r]
            d = _hamming256(row, query)
            if d > radius or not alive[r]:
                continue
            dup = False
            for jj in range(j):
                if _popcount64(np.uint64(_key(row, starts[jj], kb) ^ qkeys[jj])) <= probe_radius[jj]:
                    dup = True
                    break
            if dup:
                continue
            if count == cap:
                out_q, out_row, out_d = _grow(out_q, out_row, out_d, count)
                cap = out_q.shape[0]
            out_row[count] = r
            out_d[count] = d
            count += 1
    return out_row[:count], out_d[:count]
