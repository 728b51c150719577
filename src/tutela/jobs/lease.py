"""A lease row in the database: at most one holder of a singleton role at a time.

`acquire` takes the row when it is free or expired, or renews it when this
holder already has it, in one conditional statement, so two schedulers started
by mistake never both run: the loser sees zero rows changed and waits. A holder
that dies stops renewing, and the row is free again `ttl` seconds later. A
holder whose renewal fails (the database away, or its lease taken after a long
pause) must stop its work: `acquire` returning False says so.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from tutela.storage.db import Database
from tutela.storage.tables.jobs import leases
from tutela.storage.times import utc_now


class Lease:
    def __init__(self, db: Database, name: str, holder: str, *, ttl_s: float = 30.0) -> None:
        self.db = db
        self.name = name
        self.holder = holder
        self.ttl_s = ttl_s

    def acquire(self, *, renew: bool = True) -> bool:
        """Take or renew the lease; True while this holder has it.

        `renew=False` takes it only when free or expired, even from this holder: a periodic
        task's row ("task:retention", ttl = its interval) is so taken once per interval."""
        now = utc_now()
        until = now + timedelta(seconds=self.ttl_s)
        ours_or_free = or_(leases.c.holder == self.holder, leases.c.expires_at < now) if renew \
            else leases.c.expires_at < now
        with self.db.begin() as conn:
            res = conn.execute(update(leases).where(and_(leases.c.name == self.name, ours_or_free))
                               .values(holder=self.holder, expires_at=until))
            if res.rowcount == 1:
                return True
            if conn.execute(select(leases.c.name).where(leases.c.name == self.name)).first() is not None:
                return False
        try:  # no row yet: the first insert wins, the other gets an integrity error
            with self.db.begin() as conn:
                conn.execute(leases.insert().values(name=self.name, holder=self.holder, expires_at=until,
                                                    acquired_at=now))
            return True
        except IntegrityError:
            return False

    def release(self) -> None:
        with self.db.begin() as conn:
            conn.execute(delete(leases).where(leases.c.name == self.name, leases.c.holder == self.holder))

    def holder_now(self) -> str | None:
        """Who holds the lease now (None when nobody, or it expired)."""
        with self.db.connect() as conn:
            row = conn.execute(select(leases).where(leases.c.name == self.name)).mappings().first()
        if row is None:
            return None
        from tutela.storage.times import as_utc

        return row["holder"] if as_utc(row["expires_at"]) >= utc_now() else None


__all__ = ["Lease"]
