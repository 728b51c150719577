"""`LoadedOnce`: the committed artefacts are read once however many threads ask at once, and again after a reset."""

from __future__ import annotations

import threading
import time

from tutela.detect.loaded_once import LoadedOnce


def test_many_threads_asking_at_once_load_it_once_and_a_reset_loads_it_again() -> None:
    calls: list[int] = []

    def load() -> int:
        time.sleep(0.02)  # long enough for the other threads to arrive while the first one loads
        calls.append(1)
        return len(calls)

    once = LoadedOnce(load)
    seen: list[int] = []
    threads = [threading.Thread(target=lambda: seen.append(once.get())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [1] * 8 and len(calls) == 1
    once.reset()
    assert once.get() == 2 and once.get() == 2 and len(calls) == 2


def test_a_value_of_none_is_a_loaded_value_too() -> None:
    calls: list[int] = []
    once: LoadedOnce[None] = LoadedOnce(lambda: calls.append(1))
    assert once.get() is None and once.get() is None
    assert len(calls) == 1
