"""Rate-limit counters shared by every server process (when Redis is not configured)."""

from sqlalchemy import Column, Integer, String, Table

from tutela.storage.db import metadata

#: One row per limited caller (`<rule>:<keyed hash of the caller>`): its open window and its hits so far.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("bucket", String(120), primary_key=True),
    Column("window_start", Integer, nullable=False),  # unix seconds: when the caller's window opened
    Column("hits", Integer, nullable=False),
)
