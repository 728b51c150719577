"""The stream broker: a small interface, Redis Streams behind it, and an embedded in-process twin.

What the stream path needs from a broker, and nothing more:

- `append(stream, fields, limit)`: add an entry unless the stream already holds `limit`
  (backpressure: the caller answers 429 rather than letting Redis trim unread entries);
- `read(stream, group, consumer, count, block_ms)`: new entries for this consumer (a group
  per stream is created on first use);
- `reclaim(stream, group, consumer, min_idle_ms, count)`: entries another consumer was
  given but never acknowledged (it died), with how often each was delivered;
- `done(stream, group, ids)`: acknowledge and delete (a processed entry no longer counts
  against the stream's limit);
- `own(name, holder, ttl_ms)` / `disown(name, holder)`: a short lease, used so that one
  consumer at a time reads a partition (messages of one conversation stay in order);
- `heartbeat(pool, holder, ttl_ms)`: how many holders are alive in a pool (fair shares);
- `length(stream)`, `pending(stream, group)`: for metrics and lag.

A Kafka backend would map streams to partitions, groups to consumer groups and `done` to
offset commits; `own` is then the group coordinator's assignment. `RedisBroker` is the
production backend; `EmbeddedBroker` keeps the same semantics in memory for a single
process (the embedded default and tests without Redis): it loses entries on a crash.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol


class Backpressure(Exception):
    """The stream is full: answer 429 with Retry-After, never drop an entry."""


class BrokerUnavailable(Exception):
    """The broker cannot be reached: answer 503."""


@dataclass(frozen=True)
class Entry:
    stream: str
    id: str
    fields: dict[str, str]
    deliveries: int = 1


class Broker(Protocol):
    def append(self, stream: str, fields: dict[str, str], limit: int) -> str: ...
    def read(self, stream: str, group: str, consumer: str, count: int, block_ms: int) -> list[Entry]: ...
    def reclaim(self, stream: str, group: str, consumer: str, min_idle_ms: int, count: int) -> list[Entry]: ...
    def done(self, stream: str, group: str, ids: list[str]) -> None: ...
    def own(self, name: str, holder: str, ttl_ms: int) -> bool: ...
    def disown(self, name: str, holder: str) -> None: ...
    def heartbeat(self, pool: str, holder: str, ttl_ms: int) -> int: ...
    def length(self, stream: str) -> int: ...
    def pending(self, stream: str, group: str) -> int: ...
    def publish(self, stream: str, fields: dict[str, str], maxlen: int) -> str: ...
    def publish_many(self, items: list[tuple[str, dict[str, str]]], maxlen: int) -> None: ...
    def range(self, stream: str, after: str | None, count: int) -> list[Entry]: ...


# --- Redis -----------------------------------------------------------------------------------

_APPEND = """
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
"""
_RENEW = """
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not cur then return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') and 1 or 0 end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisBroker:
    """Redis Streams with consumer groups (XADD, XREADGROUP, XACK, XAUTOCLAIM)."""

    def __init__(self, url: str, *, client: Any = None) -> None:
        import redis

        self.url = url
        self.r = client or redis.Redis.from_url(url, decode_responses=True, socket_timeout=10,
                                                 socket_connect_timeout=5, health_check_interval=30)
        self._append = self.r.register_script(_APPEND)
        self._renew = self.r.register_script(_RENEW)
        self._release = self.r.register_script(_RELEASE)
        self._groups: set[tuple[str, str]] = set()

    def _call(self, fn: Any, *args: Any, **kw: Any) -> Any:
        import redis

        try:
            return fn(*args, **kw)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise BrokerUnavailable(f"Redis unreachable: {type(exc).__name__}") from exc

    def _group(self, stream: str, group: str) -> None:
        import redis

        if (stream, group) in self._groups:
            return
        try:
            self._call(self.r.xgroup_create, stream, group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._groups.add((stream, group))

    def append(self, stream: str, fields: dict[str, str], limit: int) -> str:
        flat = [x for kv in fields.items() for x in kv]
        got = self._call(self._append, keys=[stream], args=[limit, *flat])
        if not got:
            raise Backpressure(f"stream {stream} holds {limit} unprocessed messages")
        return str(got)

    def publish(self, stream: str, fields: dict[str, str], maxlen: int) -> str:
        """An output entry: old results are trimmed (they are also in the database)."""
        return str(self._call(self.r.xadd, stream, fields, maxlen=maxlen, approximate=True))

    def publish_many(self, items: list[tuple[str, dict[str, str]]], maxlen: int) -> None:
        """`publish` for several entries, in order, in one round trip (a worker's batch of results)."""
        if not items:
            return
        pipe = self.r.pipeline(transaction=False)
        for stream, fields in items:
            pipe.xadd(stream, fields, maxlen=maxlen, approximate=True)
        self._call(pipe.execute)

    def read(self, stream: str, group: str, consumer: str, count: int, block_ms: int) -> list[Entry]:
        self._group(stream, group)
        got = self._call(self.r.xreadgroup, group, consumer, {stream: ">"}, count=count,
                         block=block_ms or None)
        out = []
        for _name, entries in got or []:
            for eid, fields in entries:
                if fields is not None:
                    out.append(Entry(stream, eid, fields, 1))
        return out

    def reclaim(self, stream: str, group: str, consumer: str, min_idle_ms: int, count: int) -> list[Entry]:
        self._group(stream, group)
        res = self._call(self.r.xautoclaim, stream, group, consumer, min_idle_ms, start_id="0-0", count=count)
        entries = [(eid, f) for eid, f in res[1] if f is not None]
        if not entries:
            return []
        counts = {p["message_id"]: int(p["times_delivered"]) for p in self._call(
            self.r.xpending_range, stream, group, min=entries[0][0], max=entries[-1][0], count=len(entries) + 10)}
        return [Entry(stream, eid, f, counts.get(eid, 1)) for eid, f in entries]

    def done(self, stream: str, group: str, ids: list[str]) -> None:
        if not ids:
            return
        pipe = self.r.pipeline(transaction=True)
        pipe.xack(stream, group, *ids)
        pipe.xdel(stream, *ids)
        self._call(pipe.execute)

    def own(self, name: str, holder: str, ttl_ms: int) -> bool:
        return bool(self._call(self._renew, keys=[name], args=[holder, ttl_ms]))

    def disown(self, name: str, holder: str) -> None:
        self._call(self._release, keys=[name], args=[holder])

    def heartbeat(self, pool: str, holder: str, ttl_ms: int) -> int:
        now = int(time.time() * 1000)
        pipe = self.r.pipeline(transaction=True)
        pipe.zadd(pool, {holder: now})
        pipe.zremrangebyscore(pool, 0, now - ttl_ms)
        pipe.zcard(pool)
        pipe.pexpire(pool, ttl_ms * 4)
        return int(self._call(pipe.execute)[2])

    def length(self, stream: str) -> int:
        return int(self._call(self.r.xlen, stream))

    def pending(self, stream: str, group: str) -> int:
        import redis

        try:
            return int(self._call(self.r.xpending, stream, group)["pending"])
        except redis.ResponseError:  # no such group yet
            return 0

    def range(self, stream: str, after: str | None, count: int) -> list[Entry]:
        """Entries after the id `after` (exclusive), oldest first."""
        got = self._call(self.r.xrange, stream, min=f"({after}" if after else "-", max="+", count=count)
        return [Entry(stream, eid, f) for eid, f in got]

    def delete_prefix(self, prefix: str) -> int:
        """Remove every key under `prefix` (tests, and `tutela worker --reset-streams`)."""
        keys = list(self.r.scan_iter(match=f"{prefix}*", count=500))
        return int(self.r.delete(*keys)) if keys else 0


# --- embedded ---------------------------------------------------------------------------------

@dataclass
class _Group:
    next_index: int = 0  # position in the stream's entries of the next new entry to deliver
    pending: dict[str, tuple[str, float, int]] = field(default_factory=dict)  # id -> (consumer, at, deliveries)


class EmbeddedBroker:
    """The same semantics in one process's memory (a lock, no network). Not durable."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._streams: dict[str, OrderedDict[str, dict[str, str]]] = {}
        self._order: dict[str, list[str]] = {}
        self._groups: dict[tuple[str, str], _Group] = {}
        self._owners: dict[str, tuple[str, float]] = {}
        self._pools: dict[str, dict[str, float]] = {}
        self._seq = 0

    def _new_id(self) -> str:
        self._seq += 1
        return f"0-{self._seq}"  # one process: a counter orders entries as Redis ids do

    def append(self, stream: str, fields: dict[str, str], limit: int) -> str:
        with self._lock:
            entries = self._streams.setdefault(stream, OrderedDict())
            if len(entries) >= limit:
                raise Backpressure(f"stream {stream} holds {limit} unprocessed messages")
            eid = self._new_id()
            entries[eid] = dict(fields)
            self._order.setdefault(stream, []).append(eid)
            self._lock.notify_all()
            return eid

    def publish(self, stream: str, fields: dict[str, str], maxlen: int) -> str:
        with self._lock:
            entries = self._streams.setdefault(stream, OrderedDict())
            eid = self._new_id()
            entries[eid] = dict(fields)
            self._order.setdefault(stream, []).append(eid)
            while len(entries) > maxlen:
                entries.popitem(last=False)
            if not any(s == stream for s, _ in self._groups) and len(self._order[stream]) > 2 * len(entries):
                self._order[stream] = list(entries)
            self._lock.notify_all()
            return eid

    def publish_many(self, items: list[tuple[str, dict[str, str]]], maxlen: int) -> None:
        for stream, fields in items:
            self.publish(stream, fields, maxlen)

    def read(self, stream: str, group: str, consumer: str, count: int, block_ms: int) -> list[Entry]:
        deadline = time.monotonic() + block_ms / 1000
        with self._lock:
            while True:
                g = self._groups.setdefault((stream, group), _Group())
                order = self._order.get(stream, [])
                entries = self._streams.get(stream, OrderedDict())
                out: list[Entry] = []
                while g.next_index < len(order) and len(out) < count:
                    eid = order[g.next_index]
                    g.next_index += 1
                    if eid in entries:
                        g.pending[eid] = (consumer, time.monotonic(), 1)
                        out.append(Entry(stream, eid, dict(entries[eid]), 1))
                left = deadline - time.monotonic()
                if out or left <= 0:
                    return out
                self._lock.wait(left)

    def reclaim(self, stream: str, group: str, consumer: str, min_idle_ms: int, count: int) -> list[Entry]:
        now = time.monotonic()
        with self._lock:
            g = self._groups.setdefault((stream, group), _Group())
            entries = self._streams.get(stream, OrderedDict())
            out = []
            for eid in sorted(g.pending, key=lambda e: tuple(int(x) for x in e.split("-"))):
                _who, at, n = g.pending[eid]
                if (now - at) * 1000 < min_idle_ms or eid not in entries:
                    continue
                g.pending[eid] = (consumer, now, n + 1)
                out.append(Entry(stream, eid, dict(entries[eid]), n + 1))
                if len(out) >= count:
                    break
            return out

    def done(self, stream: str, group: str, ids: list[str]) -> None:
        with self._lock:
            g = self._groups.setdefault((stream, group), _Group())
            entries = self._streams.get(stream, OrderedDict())
            for eid in ids:
                g.pending.pop(eid, None)
                entries.pop(eid, None)
            if ids:  # keep the id list short: drop what every group has passed and nobody holds
                order = self._order.get(stream, [])
                cut = min((gg.next_index for (s, _), gg in self._groups.items() if s == stream), default=0)
                while cut > 0 and order and order[0] not in entries:
                    order.pop(0)
                    cut -= 1
                    for (s, _), gg in self._groups.items():
                        if s == stream:
                            gg.next_index -= 1

    def own(self, name: str, holder: str, ttl_ms: int) -> bool:
        now = time.monotonic()
        with self._lock:
            cur = self._owners.get(name)
            if cur is None or cur[0] == holder or cur[1] < now:
                self._owners[name] = (holder, now + ttl_ms / 1000)
                return True
            return False

    def disown(self, name: str, holder: str) -> None:
        with self._lock:
            if self._owners.get(name, ("",))[0] == holder:
                self._owners.pop(name, None)

    def heartbeat(self, pool: str, holder: str, ttl_ms: int) -> int:
        now = time.monotonic()
        with self._lock:
            members = self._pools.setdefault(pool, {})
            members[holder] = now
            for h, t in list(members.items()):
                if (now - t) * 1000 > ttl_ms:
                    del members[h]
            return len(members)

    def length(self, stream: str) -> int:
        with self._lock:
            return len(self._streams.get(stream, ()))

    def pending(self, stream: str, group: str) -> int:
        with self._lock:
            g = self._groups.get((stream, group))
            return len(g.pending) if g else 0

    def range(self, stream: str, after: str | None, count: int) -> list[Entry]:
        def key(eid: str) -> tuple[int, ...]:
            return tuple(int(x) for x in eid.split("-"))

        with self._lock:
            items = self._streams.get(stream, OrderedDict()).items()
            return [Entry(stream, eid, dict(f)) for eid, f in items if after is None or key(eid) > key(after)][:count]

    def entries(self, stream: str) -> list[Entry]:
        """Everything a stream holds (tests read the output and dead-letter streams with it)."""
        with self._lock:
            return [Entry(stream, eid, dict(f)) for eid, f in self._streams.get(stream, OrderedDict()).items()]


_embedded: EmbeddedBroker | None = None
_brokers: dict[str, RedisBroker] = {}
_lock = threading.Lock()


def broker_for(redis_url: str | None) -> Broker:
    """The process's broker: Redis when a URL is configured, else the embedded one."""
    global _embedded
    with _lock:
        if not redis_url:
            if _embedded is None:
                _embedded = EmbeddedBroker()
            return _embedded
        found = _brokers.get(redis_url)
        if found is None:
            found = _brokers[redis_url] = RedisBroker(redis_url)
        return found


def reset_embedded() -> None:
    """Forget the embedded broker's state (tests)."""
    global _embedded
    with _lock:
        _embedded = None


__all__ = ["Backpressure", "Broker", "BrokerUnavailable", "EmbeddedBroker", "Entry", "RedisBroker",
           "broker_for", "reset_embedded"]
