"""The kNN margins of `scorer.knn_margins`, from a float32 product, with the float64 answer.

Why: the margins need each text's `K` nearest lines of every target's harmful set and of its negative
set. Done as one float64 product with the whole bank (~6,000 lines) and then a fancy-indexed copy and
a partition per set (the disclosure negatives are nearly the whole bank), that glue cost about as much
as a fifth of the encoder's forward pass on the server's semantic thread, under the GIL for the part
that is not BLAS. Here:

- the bank's columns are regrouped once so that lines with the same membership (harmful for which
  targets, negative for which) sit together: every target's sets are unions of a few contiguous
  groups, so a group's nearest lines are found on a view, and a union's are among its groups';
- the similarities are one float32 product; in each group the candidates are the lines within `2 *
  TOLERANCE` of its `K`-th largest float32 similarity, and only those are recomputed in float64 (row
  by row, so a text's values never depend on its batchmates). That set holds the float64 `K` nearest
  for certain: a float32 dot product of two unit vectors of 384 dimensions is off by at most ~2.3e-5
  (`TOLERANCE` is 1e-4), so a line outside it is beaten in float64 by the `K` lines that beat it in
  float32.

The margins equal `knn_margins` on the float64 product but for the summation order of a dot product
(~1e-16). `tests/detect/semantic/test_semantic_nearest.py` compares the two.
"""

from __future__ import annotations

import numpy as np

#: Bound on |float32 - float64| of a similarity of unit vectors (the worst case is ~2.3e-5 at 384 dims).
TOLERANCE = 1e-4

#: Below this many texts the float32 screen is one matrix-vector product a text. OpenBLAS packs the whole
#: bank (~19 MB at 12,578 lines) for a matrix product, which costs about 4 ms whether 2 or 16 texts come,
#: while a matrix-vector product reads the bank once, ~0.9 ms a text (measured 2026-12-07, 2 cores, one
#: thread). The server's semantic thread sends batches of 2 or 3 on average.
ROW_BY_ROW_BELOW = 4


class GroupedBank:
    """A bank's embeddings with its columns regrouped by set membership (see the module docstring)."""

    def __init__(self, embeddings: np.ndarray, harm: np.ndarray, neg: np.ndarray, k: int) -> None:
        """`embeddings` (m, dim), unit rows; `harm` and `neg` (targets, m) boolean masks."""
        self.k = k
        self.targets = harm.shape[0]
        signature = np.concatenate([harm, neg]).T  # (m, 2 * targets)
        keys, inverse = np.unique(signature, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        self.order = np.argsort(inverse, kind="stable")  # grouped position -> bank column
        self.bounds = np.concatenate([[0], np.cumsum(np.bincount(inverse, minlength=len(keys)))]).astype(np.int64)
        self.group_of = np.repeat(np.arange(len(keys)), np.diff(self.bounds))  # grouped position -> group
        grouped = np.asarray(embeddings, dtype=np.float64)[self.order]
        self.bank64 = np.ascontiguousarray(grouped)  # (m, dim) for the float64 re-check
        self.bank32_t = np.ascontiguousarray(grouped.astype(np.float32).T)  # (dim, m) for the product
        # per target, the groups making its harmful and its negative set, and those sets' sizes
        self.harm_groups = [np.flatnonzero(keys[:, t]) for t in range(self.targets)]
        self.neg_groups = [np.flatnonzero(keys[:, self.targets + t]) for t in range(self.targets)]
        self.sizes = np.diff(self.bounds)
        self.harm_size = [int(self.sizes[g].sum()) for g in self.harm_groups]
        self.neg_size = [int(self.sizes[g].sum()) for g in self.neg_groups]
        # every target's harmful set and each distinct negative set as slots of `nearest`'s (groups * k)
        # values (padded with a slot that is always -inf), and the weights that average the min(k, size)
        # largest: one gather, one sort and one sum a call instead of a partition and a mean per set
        sets, set_sizes, neg_of, seen = list(self.harm_groups), list(self.harm_size), [], {}
        for groups, size in zip(self.neg_groups, self.neg_size, strict=True):  # the categories share theirs
            key = groups.tobytes()
            if key not in seen:
                seen[key] = len(sets) - self.targets
                sets.append(groups)
                set_sizes.append(size)
            neg_of.append(seen[key])
        self.neg_of = np.array(neg_of, dtype=np.int64)
        pad = len(keys) * k  # the -inf slot
        width = max(k, *(len(g) * k for g in sets))
        self.slots = np.full((len(sets), width), pad, dtype=np.int64)
        self.weights = np.zeros((len(sets), k))
        for j, (groups, size) in enumerate(zip(sets, set_sizes, strict=True)):
            flat = (groups[:, None] * k + np.arange(k)).ravel()
            self.slots[j, :len(flat)] = flat
            kk = min(k, size)
            if kk:
                self.weights[j, k - kk:] = 1.0 / kk
        self.empty = np.array([size == 0 for size in set_sizes])

    def nearest(self, emb: np.ndarray) -> np.ndarray:
        """(n, groups, k) float64: each text's `k` largest similarities in each group, -inf where a group
        has fewer lines."""
        emb64 = np.asarray(emb, dtype=np.float64)
        emb32 = np.asarray(emb, dtype=np.float32)  # the encoder's vectors are float32
        if 0 < len(emb32) < ROW_BY_ROW_BELOW:
            sims = np.stack([row @ self.bank32_t for row in emb32])
        else:
            sims = emb32 @ self.bank32_t  # (n, m)
        n, groups, k = len(sims), len(self.bounds) - 1, self.k
        floor = np.empty((n, groups), dtype=np.float32)
        for g in range(groups):
            a, b = int(self.bounds[g]), int(self.bounds[g + 1])
            part = sims[:, a:b]
            floor[:, g] = np.partition(part, b - a - k, axis=1)[:, b - a - k] if b - a > k else -np.inf
        rows, cols = np.nonzero(sims >= np.repeat(floor - 2 * TOLERANCE, self.sizes, axis=1))
        exact = np.empty(len(rows))
        starts = np.searchsorted(rows, np.arange(n + 1))
        for i in range(n):  # row by row: a text's similarities are the same alone and in any batch
            a, b = starts[i], starts[i + 1]
            exact[a:b] = self.bank64[cols[a:b]] @ emb64[i]
        grp = self.group_of[cols]
        order = np.lexsort((-exact, grp, rows))  # per (row, group), the largest first
        rows, grp, exact = rows[order], grp[order], exact[order]
        new = np.ones(len(rows), dtype=bool)  # where a (row, group) run starts
        new[1:] = (rows[1:] != rows[:-1]) | (grp[1:] != grp[:-1])
        first = np.flatnonzero(new)
        rank = np.arange(len(rows)) - np.repeat(first, np.diff(first, append=len(rows)))
        keep = rank < k
        out = np.full((n, groups, k), -np.inf)
        out[rows[keep], grp[keep], rank[keep]] = exact[keep]
        return out

    def margins(self, emb: np.ndarray) -> np.ndarray:
        """(n, targets) kNN margins, as `scorer.knn_margins` gives them (NaN where a target has no
        harmful lines; an empty negative set counts as 0)."""
        best = self.nearest(emb)
        n = len(best)
        flat = np.concatenate([best.reshape(n, -1), np.full((n, 1), -np.inf)], axis=1)
        top = np.sort(flat[:, self.slots], axis=2)[:, :, -self.k:]  # (n, sets, k), ascending
        # the mean of the min(k, size) largest: weights are 0 on the slots below them (-inf there)
        means = (np.where(self.weights > 0, top, 0.0) * self.weights).sum(axis=2)
        means[:, self.empty] = np.nan
        harm = means[:, : self.targets]
        neg = np.nan_to_num(means[:, self.targets:], nan=0.0)[:, self.neg_of]
        return harm - neg
