"""Rate-limit counters shared by every server process (when Redis is not configured)."""

from sqlalchemy import Column, Integer, String, Table

from tutela.storage.db import metadata

#: One row per limited thing (`<rule>:<keyed hash of the caller>`): a fixed window and its hits so far.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("bucket", String(120), primary_key=True),
    Column("window_start", Integer, nullable=False),  # unix seconds, a multiple of the rule's window
    Column("hits", Integer, nullable=False),
)
