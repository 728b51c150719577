"""Time as the database keeps it: every timestamp in Tutela is UTC.

SQLite returns datetimes without a timezone even when they were written
with one; PostgreSQL returns them aware. `as_utc` makes both the same, so
no caller compares naive and aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(dt: datetime) -> datetime:
    """A datetime read back from the database, as the UTC it was written in."""
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def as_utc_or_none(dt: datetime | None) -> datetime | None:
    """`as_utc` for a column that may be empty (a step not taken yet)."""
    return None if dt is None else as_utc(dt)
