"""No cyclic garbage collection while a feed page is built, parsed or applied.

A page is tens of thousands of fresh dicts, lists and `Signal`s (none in a cycle: reference
counting frees them); every few hundred allocations start a collection that walks them again, and
the survivors trigger full collections of the whole process. Measured on a page of 25,000: about a
fifth of the receiver's CPU and, at the source, reading the page and building its indicators took
11 and 10 us a signal with collection on, 8 and 3.7 with it paused. Collection resumes after the
page (a second at most).

`gc.disable` is process-wide, and a server builds pages on several threads: the pause is counted,
so collection comes back when the last page in progress is done, and only if it was on before.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """Cyclic GC off for the block (and any overlapping block on another thread)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
