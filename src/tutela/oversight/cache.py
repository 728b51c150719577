"""Answers kept until the rollups change: the measures' sums, keyed on the rollups' version.

Why: with a million cases the rollups hold some 44,000 rows, and summing them into the total and
five breakdowns costs PostgreSQL about 0.2 CPU-seconds a question, several times that in wall time on
a busy server. The rollups only change when a refresh applies something, and every such
transaction writes a new `version` (`rollup.touch`), so an answer computed at one version is the
answer until the next: it is kept here, per process, and a question already asked since the last
change costs one primary-key read. The background refresh computes the instance-wide answer again
after each change, so a regulator's first look after a change does not wait either.

Only the rollup sums live here. What time alone changes (notices past their deadline) is read live
by the caller every time.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import select

from tutela.storage.tables.oversight import state

#: Answers kept per process (a few kilobytes each).
SIZE = 256
_lock = threading.Lock()
_answers: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def version(conn: Any) -> str:
    """The rollups' version: changes whenever a refresh changes them ("" before the first)."""
    return str(conn.execute(select(state.c.value).where(state.c.name == "version")).scalar() or "")


def get(key: tuple[Any, ...]) -> Any | None:
    """A copy of the answer kept under `key` (callers may change what they get), or None."""
    with _lock:
        found = _answers.get(key)
        if found is None:
            return None
        _answers.move_to_end(key)
    return copy.deepcopy(found)


def put(key: tuple[Any, ...], answer: Any) -> None:
    with _lock:
        _answers[key] = copy.deepcopy(answer)
        _answers.move_to_end(key)
        while len(_answers) > SIZE:
            _answers.popitem(last=False)


def clear() -> None:
    """Forget every answer (tests and benchmarks measuring the uncached path)."""
    with _lock:
        _answers.clear()


__all__ = ["SIZE", "clear", "get", "put", "version"]
