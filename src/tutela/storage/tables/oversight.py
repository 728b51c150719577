"""Oversight: the register of notices and orders sent to platforms, and the measures' rollups.

`oversight_notices` and `oversight_notice_events` are the register of violations: what was asked of
a platform, on which legal ground, by when, and what the platform answered and did. Nothing in them
names a child: `what` is the issuer's short description of the content or act asked for.

`oversight_rollup` holds the measures pre-added per organisation, platform, category, country,
language and month, so the dashboard and `/v1/oversight/metrics` read a few thousand rows instead of
every case; durations are kept as histograms (`tutela.oversight.buckets`). `oversight_facts` keeps
what each case or notice last added to the rollup, so a change is applied as "minus the old, plus
the new" and applying the same state twice changes nothing. `oversight_state` holds watermarks.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from tutela.oversight.buckets import N_BUCKETS
from tutela.storage.db import metadata

notices = Table(
    "oversight_notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),  # notice | order
    Column("issuer_org_id", Integer, ForeignKey("orgs.id"), nullable=False, index=True),
    Column("platform_org_id", Integer, ForeignKey("orgs.id"), nullable=False, index=True),
    Column("case_id", Integer, ForeignKey("cases.id")),  # the issuer's own link; never shown to a regulator
    Column("category", String(40), nullable=False),
    Column("country", String(2)),
    Column("legal_ground", String(300), nullable=False),
    Column("what", String(500), nullable=False),
    Column("reference", String(100)),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("deadline_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),  # open | acknowledged | actioned | refused | withdrawn
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("actioned_at", DateTime(timezone=True)),
    Column("action", String(30)),  # content_removed | account_actioned
    Column("closed_at", DateTime(timezone=True)),
    Column("created_by", String(80), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_oversight_notices_open", "status", "deadline_at"),
    Index("ix_oversight_notices_updated_at", "updated_at"),
)

notice_events = Table(
    "oversight_notice_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("notice_id", Integer, ForeignKey("oversight_notices.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("org_id", Integer, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("event", String(30), nullable=False),  # sent | acknowledged | answer | content_removed | ...
    Column("text", String(2000)),
)

#: Counters of a rollup row, in the order the measures read them.
COUNTERS = (
    "cases", "reports", "referrals", "appeals", "reversals", "repeats", "hash_matches", "actioned",
    "decisions", "automated", "restricted",
    "notices", "orders", "met", "missed", "refused",
    "ack_n", "ack_sum", "rem_n", "rem_sum",
)
ACK_BUCKETS = tuple(f"ack_b{i}" for i in range(N_BUCKETS))
REM_BUCKETS = tuple(f"rem_b{i}" for i in range(N_BUCKETS))
KEY = ("org_id", "platform_id", "category", "country", "language", "month")

rollup = Table(
    "oversight_rollup",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, nullable=False),  # the organisation whose work it is (case owner, issuer)
    Column("platform_id", Integer, nullable=False),  # the platform's organisation; 0 when none is known
    Column("category", String(40), nullable=False),
    Column("country", String(2), nullable=False),  # "" when unknown
    Column("language", String(16), nullable=False),  # "" when unknown
    Column("month", String(7), nullable=False),  # YYYY-MM, UTC
    *(Column(c, BigInteger if c.endswith("_sum") else Integer, nullable=False, default=0)
      for c in COUNTERS + ACK_BUCKETS + REM_BUCKETS),
    UniqueConstraint(*KEY, name="uq_oversight_rollup_key"),
    Index("ix_oversight_rollup_month", "month"),
)

facts = Table(
    "oversight_facts",
    metadata,
    Column("source", String(10), primary_key=True),  # case | notice
    Column("object_id", Integer, primary_key=True),
    Column("org_id", Integer, nullable=False),
    Column("platform_id", Integer, nullable=False),
    Column("category", String(40), nullable=False),
    Column("country", String(2), nullable=False),
    Column("language", String(16), nullable=False),
    Column("month", String(7), nullable=False),
    Column("adds", JSON, nullable=False),  # counter -> what this object added
)

state = Table(
    "oversight_state",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(40), nullable=False),
)
