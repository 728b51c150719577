"""Duration histograms: how rollups keep medians and 90th percentiles without keeping every case.

A percentile cannot be added up like a count, so each rollup row keeps a histogram of durations in
fixed buckets (hours). Summing rows sums histograms, and a percentile is read from the merged one,
exact to its bucket: the true value always lies inside the bucket reported (`lo`, `hi`), and the
figure shown is interpolated inside it. 24 h, 3 days and 7 days are bucket edges, so the shares
within them are exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Upper edges in hours; the last bucket is open (over 60 days).
EDGES_H: tuple[float, ...] = (
    0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 20, 24, 30, 36, 48, 60, 72, 96, 120, 144, 168,
    240, 336, 504, 720, 1080, 1440,
)
N_BUCKETS = len(EDGES_H) + 1
#: The shares the measures report: name -> hours (each an edge above).
WITHIN_H: dict[str, float] = {"24h": 24, "3d": 72, "7d": 168}


def bucket_of(seconds: float) -> int:
    """The bucket a duration falls in; negative durations (clock skew) count as zero."""
    hours = max(0.0, seconds) / 3600.0
    for i, edge in enumerate(EDGES_H):
        if hours < edge:
            return i
    return len(EDGES_H)


def bounds(i: int) -> tuple[float, float | None]:
    """(lower, upper) hours of bucket i; upper None for the open last bucket."""
    lo = 0.0 if i == 0 else EDGES_H[i - 1]
    hi = EDGES_H[i] if i < len(EDGES_H) else None
    return lo, hi


@dataclass(frozen=True)
class Quantile:
    """A percentile read from a histogram: `hours` interpolated, the true value in [lo, hi)."""

    hours: float
    lo: float
    hi: float | None


def quantile(hist: Sequence[int], q: float) -> Quantile | None:
    """The q-quantile (nearest rank: the ceil(q*n)-th smallest) of the durations in `hist`."""
    n = sum(hist)
    if n == 0:
        return None
    rank = max(1, -(-int(round(q * n * 1_000_000)) // 1_000_000))  # ceil(q*n) without float drift
    seen = 0
    for i, c in enumerate(hist):
        if c and seen + c >= rank:
            lo, hi = bounds(i)
            if hi is None:
                return Quantile(lo, lo, None)
            frac = (rank - seen - 0.5) / c
            return Quantile(lo + (hi - lo) * frac, lo, hi)
        seen += c
    raise AssertionError("unreachable: rank within n")


def share_within(hist: Sequence[int], hours: float) -> float | None:
    """The share of durations under `hours` (an edge), or None for an empty histogram."""
    n = sum(hist)
    if n == 0:
        return None
    idx = EDGES_H.index(hours)
    return sum(hist[: idx + 1]) / n


__all__ = ["EDGES_H", "N_BUCKETS", "WITHIN_H", "Quantile", "bounds", "bucket_of", "quantile", "share_within"]
