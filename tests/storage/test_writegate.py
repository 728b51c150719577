"""The SQLite write gate: one writer at a time across threads and processes, urgent writers first."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tutela.storage.writegate import WriteGate, gate_for


def _inside(gate: WriteGate, name: str, order: list[str], entered: threading.Event | None = None, *,
            urgent: bool = False, hold: threading.Event | None = None) -> threading.Thread:
    def run() -> None:
        with gate.held(urgent=urgent):
            order.append(name)
            if entered is not None:
                entered.set()
            if hold is not None:
                hold.wait(10)

    t = threading.Thread(target=run)
    t.start()
    return t


def test_two_gates_on_one_file_never_hold_it_together(tmp_path: Path) -> None:
    # two WriteGate objects lock through different open files, as two processes do
    a, b = WriteGate(tmp_path / "t.db"), WriteGate(tmp_path / "t.db")
    inside, most = [0], [0]
    lock = threading.Lock()

    def writer(gate: WriteGate, urgent: bool) -> None:
        for _ in range(50):
            with gate.held(urgent=urgent):
                with lock:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.0002)
                with lock:
                    inside[0] -= 1

    threads = [threading.Thread(target=writer, args=(g, u)) for g in (a, b) for u in (False, True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert most[0] == 1 and inside[0] == 0


def test_an_urgent_writer_goes_before_the_others_waiting(tmp_path: Path) -> None:
    holder, other, urgent = (WriteGate(tmp_path / "t.db") for _ in range(3))
    order: list[str] = []
    release, entered = threading.Event(), threading.Event()
    first = _inside(holder, "holder", order, entered, hold=release)
    assert entered.wait(5)
    background = _inside(other, "background", order)
    time.sleep(0.2)  # the background writer is queued at the gate
    request = _inside(urgent, "urgent", order, urgent=True)
    time.sleep(0.2)
    release.set()
    for t in (first, background, request):
        t.join(10)
    assert order == ["holder", "urgent", "background"]


def test_the_gate_is_reentrant_within_a_thread(tmp_path: Path) -> None:
    gate = WriteGate(tmp_path / "t.db")
    with gate.held(), gate.held(urgent=True), gate.held():
        pass
    # and free again for another holder afterwards
    order: list[str] = []
    _inside(WriteGate(tmp_path / "t.db"), "next", order).join(5)
    assert order == ["next"]


def test_only_sqlite_files_get_a_gate(tmp_path: Path) -> None:
    assert gate_for(f"sqlite:///{tmp_path / 'a.db'}") is gate_for(f"sqlite:///{tmp_path / 'a.db'}") is not None
    assert gate_for("sqlite://") is None and gate_for("sqlite:///:memory:") is None
    assert gate_for("postgresql+psycopg://u@h/db") is None
