"""`tutela serve --workers 2` gives each worker a listening socket of its own, and the kernel spreads a burst of
connections over both (api/listeners.py); run as a user runs it, as real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from uvicorn import Config

from tutela.api.listeners import BalancedWorkers, balanced, reuse_port_socket

pytestmark = pytest.mark.skipif(not balanced(), reason="SO_REUSEPORT balancing is Linux-only")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _socket_inodes(pid: int) -> set[str]:
    out = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(target[8:-1])
    return out


def _tcp_rows(port: int) -> list[tuple[str, str]]:
    """(state, inode) of the sockets on `port` (local side), from /proc/net/tcp."""
    rows = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if int(parts[1].rsplit(":", 1)[1], 16) == port:
            rows.append((parts[3], parts[9]))
    return rows


def test_each_worker_listens_on_its_own_socket_and_a_burst_reaches_both(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "TUTELA_DATA_DIR": str(tmp_path / "data"), "TUTELA_SEMANTIC_STAGE": "off"}
    server = subprocess.Popen([sys.executable, "-m", "tutela", "serve", "--port", str(port), "--workers", "2"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    conns: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        # each worker listens once its app has started; until then the kernel sends every connection to the
        # sockets that listen, so the first answer can come before the second worker is up
        while len(listening := [inode for state, inode in _tcp_rows(port) if state == "0A"]) < 2:
            assert time.monotonic() < deadline, f"{len(listening)} listening socket(s)"
            time.sleep(0.3)
        assert len(listening) == 2  # two listening sockets on the one port
        workers = _children(server.pid)
        owned = {w: _socket_inodes(w) for w in workers}
        serving = [w for w in workers if owned[w] & set(listening)]
        assert len(serving) == 2 and all(len(owned[w] & set(listening)) == 1 for w in serving)
        # a burst of 40 kept-open connections, each answered once
        for _ in range(40):
            c = socket.create_connection(("127.0.0.1", port), timeout=5)
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            conns.append(c)
        for c in conns:
            assert c.recv(64).startswith(b"HTTP/1.1 200")
        established = {inode for state, inode in _tcp_rows(port) if state == "01"}
        per_worker = [len(_socket_inodes(w) & established) for w in serving]
        assert sum(per_worker) == 40 and min(per_worker) >= 5, per_worker  # 2 x 0.5^40 of all on one by chance
        # a worker killed outright is replaced on its own socket: the port keeps its two listeners, each served
        victim, survivor = serving
        slot = owned[victim] & set(listening)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 120
        while True:
            fresh = [w for w in _children(server.pid) if w not in (victim, survivor)
                     and _socket_inodes(w) & set(listening)]
            if fresh:
                break
            assert time.monotonic() < deadline, "no worker replaced the killed one"
            time.sleep(0.3)
        assert _socket_inodes(fresh[0]) & set(listening) == slot
        assert sorted(inode for state, inode in _tcp_rows(port) if state == "0A") == sorted(listening)
        for _ in range(12):  # connections hashed to the killed worker's socket waited for its replacement
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=90) as r:
                assert r.status == 200
    finally:
        for c in conns:
            c.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def test_sockets_of_one_group_share_a_port_and_a_worker_needs_its_own() -> None:
    a = reuse_port_socket("127.0.0.1", 0)
    port = a.getsockname()[1]
    b = reuse_port_socket("127.0.0.1", port)  # joins the group
    try:
        assert b.getsockname()[1] == port
        with socket.socket() as outsider, pytest.raises(OSError):
            outsider.bind(("127.0.0.1", port))  # a socket outside the group cannot take the port
        with pytest.raises(ValueError, match="one socket per worker"):
            BalancedWorkers(Config("tutela.api.asgi:app", workers=3), [a, b])
    finally:
        a.close()
        b.close()
