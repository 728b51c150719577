"""Small counts are not shown, and neither are figures from which a small count could be worked out.

A count of 1 to `threshold - 1` may point at one child (three reports of sextortion from one small
town in one month). Such a count is replaced by None (`"suppressed"` in words). Then:

- in a breakdown whose total is shown, one suppressed cell could be recovered as the total minus the
  others, so the next smallest cell is suppressed with it (complementary suppression);
- a filtered total that differs from the unfiltered one by a small count would reveal that rest
  (all minus Türkiye = the few elsewhere), so it is suppressed too;
- times and shares computed over fewer than `threshold` cases are suppressed with their count.

Zeros are shown: "none" reveals nobody. This holds within one answer; a determined caller combining
many differently filtered answers could still narrow figures down, which is why the threshold is
configurable and why every register read is audited.
"""

from __future__ import annotations

from typing import Any

COUNTS = (
    "reports", "cases", "referrals", "actioned", "appeals", "reversals", "repeat_accounts", "hash_matches",
    "decisions", "automated", "restricted", "notices", "orders", "met_deadline", "missed_deadline", "refused",
)
DURATIONS = ("acknowledge", "removal")
#: Figures that go with a count: suppressed when it is.
DEPENDENT = {"decisions": ("automated_share",), "automated": ("automated_share",)}


def small(v: int | None, threshold: int) -> bool:
    return v is not None and 0 < v < threshold


def _blank_duration(d: dict[str, Any]) -> None:
    for k in list(d):
        d[k] = None


def _hide(c: dict[str, Any], name: str) -> None:
    if name in DURATIONS:
        _blank_duration(c[name])
        return
    c[name] = None
    for dep in DEPENDENT.get(name, ()):
        c[dep] = None


def _value(c: dict[str, Any], name: str) -> int | None:
    return c[name]["n"] if name in DURATIONS else c[name]


def _clean(c: dict[str, Any]) -> None:
    for name in DURATIONS:
        c[name].pop("histogram", None)  # bucket counts could be small: never shown


def total(t: dict[str, Any], parents: list[dict[str, Any]], threshold: int) -> None:
    """Suppress in place the small figures of a total and those a parent total would reveal."""
    for name in COUNTS + DURATIONS:
        v = _value(t, name)
        if v is None:
            continue
        reveal = small(v, threshold) or any(small((_value(p, name) or 0) - v, threshold) for p in parents)
        if reveal:
            _hide(t, name)
    _clean(t)


def breakdown(rows: list[dict[str, Any]], shown_total: dict[str, Any], threshold: int) -> None:
    """Suppress in place the small cells of a breakdown, and one more wherever one alone would be
    recoverable from the total."""
    for name in COUNTS + DURATIONS:
        hidden = [r for r in rows if small(_value(r, name), threshold)]
        for r in hidden:
            _hide(r, name)
        if len(hidden) == 1 and _value(shown_total, name) is not None:
            rest = [r for r in rows if (_value(r, name) or 0) > 0]
            if rest:
                _hide(min(rest, key=lambda r: _value(r, name)), name)
    for r in rows:
        _clean(r)


def flat(rows: list[dict[str, Any]], shown_total: dict[str, Any], names: tuple[str, ...], threshold: int) -> None:
    """The same rules for plain rows of counts (the report's register sections): small cells hidden,
    one more where one alone could be recovered, and a small total hidden."""
    for name in names:
        hidden = [r for r in rows if small(r[name], threshold)]
        for r in hidden:
            r[name] = None
        if small(shown_total[name], threshold):
            shown_total[name] = None
        elif len(hidden) == 1:
            rest = [r for r in rows if (r[name] or 0) > 0]
            if rest:
                min(rest, key=lambda r: r[name])[name] = None


__all__ = ["COUNTS", "DURATIONS", "breakdown", "flat", "small", "total"]
