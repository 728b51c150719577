"""A committed model artefact, read from disk once per process and on first use, and forgettable.

Why one piece: the semantic artefact, the harm verifier and the embedding experts are each read by every
analysing thread, must not be read twice when two threads ask at once, and must be re-read after `tutela train`
rewrites them in the same process. Each of the three held its own lock, dictionary and double check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar, cast

T = TypeVar("T")


class LoadedOnce(Generic[T]):
    """`load()`'s value, computed on the first `get()` under a lock; `reset()` makes the next `get()` load again."""

    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._loaded = False
        self._value: T | None = None

    def get(self) -> T:
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    self._value = self._load()
                    self._loaded = True
        return cast(T, self._value)  # set above (T may itself allow None)

    def reset(self) -> None:
        with self._lock:
            self._loaded = False
            self._value = None
