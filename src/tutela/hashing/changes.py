"""Change notices for bank data inside one process.

Bank writes (`banks.py`, `subscriptions.py`) announce "this database's banks
changed"; whoever keeps derived state (the matcher's indexes, a shard set)
listens. This small module sits below both, so the writers do not import the
matcher and the matcher does not import the writers back: no import cycle.
Other processes learn of changes from the database itself (entry ids and the
removal log), not from here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from tutela.storage.db import Database

_listeners: list[Callable[[Database], None]] = []
_lock = threading.Lock()


def subscribe(listener: Callable[[Database], None]) -> None:
    """Call `listener(db)` after every bank change made in this process."""
    with _lock:
        if listener not in _listeners:
            _listeners.append(listener)


def notify(db: Database) -> None:
    for listener in _listeners.copy():
        listener(db)


__all__ = ["notify", "subscribe"]
