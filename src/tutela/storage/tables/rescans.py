"""Rescan jobs: stored hashes searched again against banks, in id ranges.

A job names a source of stored hashes (a bank of a platform's past uploads,
or case evidence), the banks to search and the radius. It is cut into id
ranges at creation; each range keeps its own checkpoint (`next_id`: every
source row below it is done) and is claimed by one worker at a time with a
lease (`claimed_by`, `lease_until`), so several workers share a job and a
worker that dies leaves a range another picks up after the lease. Hits and
the checkpoint that covers them are written in one transaction, so a resume
neither repeats nor loses one.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from tutela.storage.db import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

rescan_jobs = Table(
    "rescan_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(80), nullable=False),  # "bank:<id>" | "evidence"
    Column("signal_type", String(20), nullable=False),
    Column("bank_ids", JSON, nullable=False),  # banks searched
    Column("radius", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # pending | running | stopped | done
    Column("first_id", BigInteger, nullable=False),
    Column("last_id", BigInteger, nullable=False),
    Column("created_by", String(80)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

rescan_ranges = Table(
    "rescan_ranges",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("job_id", Integer, ForeignKey("rescan_jobs.id", ondelete="CASCADE"), nullable=False),
    Column("start_id", BigInteger, nullable=False),  # inclusive
    Column("end_id", BigInteger, nullable=False),  # exclusive
    Column("next_id", BigInteger, nullable=False),  # checkpoint: rows below are done
    Column("status", String(20), nullable=False),  # pending | running | done
    Column("scanned", BigInteger, nullable=False, default=0),
    Column("hits", BigInteger, nullable=False, default=0),
    Column("seconds", Float, nullable=False, default=0.0),  # work time spent on this range
    Column("claimed_by", String(80)),
    Column("lease_until", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("job_id", "start_id", name="uq_rescan_ranges_job_start"),
)

rescan_hits = Table(
    "rescan_hits",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("job_id", Integer, ForeignKey("rescan_jobs.id", ondelete="CASCADE"), nullable=False),
    Column("source_id", BigInteger, nullable=False),  # the stored row (entry or evidence id)
    Column("entry_id", BigInteger, nullable=False),  # the bank entry it matched
    Column("distance", Integer, nullable=False),
    Index("ix_rescan_hits_job_source", "job_id", "source_id"),
)
