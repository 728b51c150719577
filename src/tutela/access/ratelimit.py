"""Rate limits and sign-in throttling, shared by every server process.

Counters live where every process sees them: in the database (`rate_limits`,
one row per limited caller: when its window opened and its hits since), or in Redis when
`Settings.redis_url` is set (one key per caller, expiring with its window).
A counter in one process's memory would let a second worker, or a restart,
hand an attacker a fresh allowance.

Callers are never stored in the clear: a bucket is the rule's name plus an
HMAC of the caller (IP address, account) under the instance's secret key.

Sign-in is throttled per (account, IP address) pair and per IP address, never
per account alone: a stranger who types a victim's e-mail with wrong passwords
exhausts their own pair and their own address, and the victim, coming from
elsewhere, still signs in.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import case, delete, select

from tutela.access.keys import AccessError
from tutela.access.people import secret_key
from tutela.config import Settings
from tutela.storage.db import Database
from tutela.storage.tables.limits import rate_limits
from tutela.storage.upsert import upsert_insert


@dataclass(frozen=True)
class Rule:
    """At most `limit` hits per `window` seconds for one caller."""

    name: str
    limit: int
    window: int
    what: str


#: The limits, by name. An operator changes a limit with `Settings.rate_limits` ({"report.submit": 60}).
RULES: dict[str, Rule] = {r.name: r for r in (
    Rule("report.submit", 30, 600, "reports sent through the public form, per IP address"),
    Rule("report.status", 60, 600, "anonymous status lookups and appeals by reference code, per IP address"),
    Rule("login.pair", 5, 900, "wrong passwords for one account from one IP address"),
    Rule("login.ip", 30, 900, "wrong passwords from one IP address, whatever the account"),
)}


class RateLimited(AccessError):
    """Over a limit; `retry_after` seconds until the window opens again."""

    def __init__(self, rule: Rule, retry_after: int) -> None:
        super().__init__(f"too many requests ({rule.what}): try again in {retry_after} seconds")
        self.rule = rule
        self.retry_after = retry_after


class _Store(Protocol):
    def hit(self, bucket: str, now: int, window: int) -> tuple[int, int]: ...
    def count(self, bucket: str, now: int, window: int) -> tuple[int, int]: ...
    def reset(self, bucket: str) -> None: ...


class _DatabaseStore:
    """Windows in `rate_limits` that open at a caller's first hit: one upsert per hit, old rows pruned."""

    PRUNE_EVERY = 1000

    def __init__(self, db: Database) -> None:
        self.db = db
        self._hits = itertools.count(1)

    def hit(self, bucket: str, now: int, window: int) -> tuple[int, int]:
        """(hits in the caller's open window, when it opened), counting this one."""
        t = rate_limits.c
        still_open = t.window_start > now - window
        with self.db.begin() as conn:
            stmt = upsert_insert(conn, rate_limits).values(bucket=bucket, window_start=now, hits=1)
            conn.execute(stmt.on_conflict_do_update(index_elements=["bucket"], set_={
                "hits": case((still_open, t.hits + 1), else_=1),
                "window_start": case((still_open, t.window_start), else_=now),
            }))
            row = conn.execute(select(t.hits, t.window_start).where(t.bucket == bucket)).one()
            if next(self._hits) % self.PRUNE_EVERY == 0:
                oldest = now - max(r.window for r in RULES.values())
                conn.execute(delete(rate_limits).where(t.window_start < oldest))
        return int(row.hits), int(row.window_start)

    def count(self, bucket: str, now: int, window: int) -> tuple[int, int]:
        t = rate_limits.c
        with self.db.connect() as conn:
            row = conn.execute(select(t.hits, t.window_start).where(t.bucket == bucket)).first()
        if row is None or row.window_start <= now - window:
            return 0, now
        return int(row.hits), int(row.window_start)

    def reset(self, bucket: str) -> None:
        with self.db.begin() as conn:
            conn.execute(delete(rate_limits).where(rate_limits.c.bucket == bucket))


class _RedisStore:
    """One key per bucket, created with the window's expiry at the caller's first hit, then `INCR`."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)

    @staticmethod
    def _key(bucket: str) -> str:
        return f"tutela:rate:{bucket}"

    def hit(self, bucket: str, now: int, window: int) -> tuple[int, int]:
        pipe = self.redis.pipeline()
        pipe.set(self._key(bucket), 0, ex=window, nx=True)
        pipe.incr(self._key(bucket))
        pipe.ttl(self._key(bucket))
        _, hits, ttl = pipe.execute()
        return int(hits), now - window + max(int(ttl), 1)

    def count(self, bucket: str, now: int, window: int) -> tuple[int, int]:
        pipe = self.redis.pipeline()
        pipe.get(self._key(bucket))
        pipe.ttl(self._key(bucket))
        hits, ttl = pipe.execute()
        return int(hits or 0), now - window + max(int(ttl), 1)

    def reset(self, bucket: str) -> None:
        self.redis.delete(self._key(bucket))


class RateLimiter:
    """Counts hits per rule and caller; raises `RateLimited` past a rule's limit.

    A caller's window opens at their first hit and lasts the rule's window (not aligned to the
    clock, so a burst cannot straddle a boundary to get twice the allowance).
    """

    def __init__(self, store: _Store, key: bytes, limits: dict[str, int] | None = None) -> None:
        self.store = store
        self._key = key
        self.rules = {
            name: Rule(name, int((limits or {}).get(name, rule.limit)), rule.window, rule.what)
            for name, rule in RULES.items()
        }

    @classmethod
    def from_settings(cls, settings: Settings, db: Database) -> RateLimiter:
        store: _Store = _RedisStore(settings.redis_url) if settings.redis_url else _DatabaseStore(db)
        return cls(store, secret_key(settings), settings.rate_limits)

    def _bucket(self, rule: Rule, caller: tuple[str, ...]) -> str:
        digest = hmac.new(self._key, "\x00".join((rule.name, *caller)).encode(), hashlib.sha256)
        return f"{rule.name}:{digest.hexdigest()[:40]}"

    @staticmethod
    def _retry(rule: Rule, opened: int, now: int) -> int:
        return max(1, opened + rule.window - now)

    def hit(self, name: str, *caller: str) -> None:
        """Count one hit; raise `RateLimited` when it is past the limit."""
        rule, now = self.rules[name], int(time.time())
        hits, opened = self.store.hit(self._bucket(rule, caller), now, rule.window)
        if hits > rule.limit:
            raise RateLimited(rule, self._retry(rule, opened, now))

    def check(self, name: str, *caller: str) -> None:
        """Raise `RateLimited` when the limit is already reached, without counting (before a sign-in)."""
        rule, now = self.rules[name], int(time.time())
        hits, opened = self.store.count(self._bucket(rule, caller), now, rule.window)
        if hits >= rule.limit:
            raise RateLimited(rule, self._retry(rule, opened, now))

    def reset(self, name: str, *caller: str) -> None:
        self.store.reset(self._bucket(self.rules[name], caller))


def limiter_for(app: Any) -> RateLimiter:
    """The app's limiter, made on first use from its settings and database."""
    limiter = getattr(app.state, "rate_limiter", None)
    if limiter is None:
        limiter = app.state.rate_limiter = RateLimiter.from_settings(app.state.settings, app.state.db)
    return limiter


def client_ip(request: Any) -> str:
    """The caller's address as the server saw it (behind a proxy: uvicorn's `--forwarded-allow-ips`)."""
    return request.client.host if request.client else "unknown"
