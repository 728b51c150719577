"""Several server processes on one port, each with a listening socket of its own (`SO_REUSEPORT`).

Why: uvicorn's worker mode binds one socket in the parent and every worker accepts from it. The kernel wakes
the waiting workers in LIFO order, so the worker that accepted last is woken first, and a burst of new
connections (a platform's connection pool opening, a load balancer's keep-alive pool) can land on one worker
while the other idles: in one of three 15-second `bench/moderate_load.py` runs on 2026-12-07 one worker took
16.0 s of CPU and the other 0.29 s, and the server answered 798 requests/s instead of 1,082-1,205. With a
socket per worker in one `SO_REUSEPORT` group the kernel spreads new connections over the workers by a hash of
their addresses (Linux). The rest is uvicorn's own supervisor (health checks, restarts, signals): only which
socket a worker gets changes, and a worker that is replaced keeps its predecessor's socket, so no connection
waiting in its queue is lost.

Only the kernel's users of the same account can join the group (Linux requires the same effective user id), so
another user cannot take a share of the connections. Where `SO_REUSEPORT` is missing (not Linux), with one
worker, or on a Unix socket, `tutela serve` runs uvicorn as before.
"""

from __future__ import annotations

import logging
import socket
import sys

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

log = logging.getLogger("uvicorn.error")


def balanced() -> bool:
    """True where the kernel balances connections over the sockets of one `SO_REUSEPORT` group."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) in a `SO_REUSEPORT` group, not yet listening (the worker's server
    listens on it), inheritable by the worker processes. Raises OSError where the address is taken by a socket
    outside the group (another program on the port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class BalancedWorkers(Multiprocess):
    """uvicorn's supervisor with worker `i` always on `slots[i]`, one socket of one `SO_REUSEPORT` group."""

    def __init__(self, config: Config, slots: list[socket.socket]) -> None:
        if len(slots) != config.workers:
            raise ValueError("one socket per worker")
        super().__init__(config, sockets=[])
        self.slots = slots

    def _spawn(self, slot: int) -> Process:
        process = Process(self.config, [self.slots[slot]])
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self._spawn(slot) for slot in range(self.processes_num)]

    def restart_all(self) -> None:
        """On SIGHUP: each worker's replacement starts on the same socket and serves before the old one stops."""
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._spawn(slot)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                if not self.should_exit.is_set():
                    log.error("worker [%s] was not ready in time; keeping [%s], restart stopped", new.pid, old.pid)
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def keep_subprocess_alive(self) -> None:
        """A dead or hung worker is replaced on its own socket; one that failed before serving stops the server
        (the same failure would repeat on every restart)."""
        if self.should_exit.is_set():
            return
        for slot, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                log.error("worker [%s] failed to start, stopping", process.pid)
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            log.info("worker [%s] died, starting another on its socket", process.pid)
            self.processes[slot] = self._spawn(slot)


def run_balanced(config: Config) -> None:
    """Serve `config` (workers > 1, host and port) with a socket per worker. Exits with uvicorn's startup
    failure code where the port is taken."""
    slots: list[socket.socket] = []
    try:
        first = reuse_port_socket(config.host, config.port)
        slots.append(first)
        port = first.getsockname()[1]  # port 0: the port the kernel chose, for every worker
        slots.extend(reuse_port_socket(config.host, port) for _ in range(config.workers - 1))
    except OSError as exc:
        for sock in slots:
            sock.close()
        log.error("cannot listen on %s:%s: %s", config.host, config.port, exc)
        sys.exit(STARTUP_FAILURE)
    log.info("Tutela listening on %s:%s with %d workers, one socket each", config.host, port, config.workers)
    try:
        BalancedWorkers(config, slots).run()
    finally:
        for sock in slots:
            sock.close()
