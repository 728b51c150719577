"""Reports, cases, evidence, referrals, the vault and the audit trail.

Content (descriptions, notice bodies, reporter contact, files) never sits in
these tables in the clear: it lives in `vault_objects`, AES-256-GCM encrypted,
and rows point at it. URLs and hashes stay in the clear because triage,
deduplication and routing need them on every report.
"""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tutela.storage.db import metadata

vault_objects = Table(
    "vault_objects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(32), nullable=False, unique=True),  # random; bound into the AEAD as associated data
    Column("purpose", String(40), nullable=False),  # file | text | notice | contact | appeal
    Column("key_id", String(16), nullable=False, index=True),
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("deleted_at", DateTime(timezone=True)),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("priority", String(20), nullable=False),
    Column("priority_rank", Integer, nullable=False),
    Column("category", String(40), nullable=False),
    Column("country", String(2)),
    Column("assigned_to", Integer),
    Column("report_count", Integer, nullable=False, default=1),
    Column("routes", JSON, nullable=False, default=list),
    Column("legal_hold", Boolean, nullable=False, default=False),
    Column("outcome", String(40)),  # a `tutela.domain.cases.Outcome`: the kind of ending
    Column("outcome_key", String(40)),  # the organisation's own outcome (`org_outcomes.key`) chosen
    Column("outcome_ground", String(20)),  # its DSA decision ground when the case closed
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("stage_entered_at", DateTime(timezone=True), nullable=False),
    Column("deadline_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Index("ix_cases_queue", "org_id", "status", "priority_rank", "deadline_at"),
    Index("ix_cases_updated_at", "updated_at"),  # oversight rollups read what changed since last time
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference_code", String(24), nullable=False, unique=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False, index=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("submitted_by", String(80), nullable=False),
    Column("category", String(40), nullable=False),
    Column("category_key", String(40), nullable=False),
    Column("reporter_kind", String(20), nullable=False),
    Column("anonymous", Boolean, nullable=False),
    Column("urls", JSON, nullable=False, default=list),
    Column("country", String(2)),
    Column("language", String(16)),
    Column("incident_type", String(100)),
    Column("escalate", Boolean, nullable=False, default=False),
    Column("external_id", String(200)),
    Column("description_vault_id", Integer, ForeignKey("vault_objects.id")),
    Column("notice_vault_id", Integer, ForeignKey("vault_objects.id")),
    Column("contact_vault_id", Integer, ForeignKey("vault_objects.id")),
    Column("analysis", JSON, nullable=False, default=dict),  # scores, flags, explanations (no text spans)
    Column("feedback_sent_at", DateTime(timezone=True)),
)

case_keys = Table(
    "case_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, nullable=False),
    Column("kind", String(10), nullable=False),  # url | account | file
    Column("value", String(64), nullable=False),  # keyed hash (HMAC-SHA256), never the identifier itself
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Index("ix_case_keys_lookup", "org_id", "kind", "value"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("report_id", Integer, ForeignKey("reports.id")),
    Column("kind", String(20), nullable=False),  # file | file_ref | text
    Column("filename", String(300)),
    Column("content_type", String(200)),
    Column("size", Integer, nullable=False, default=0),
    Column("md5", String(32), index=True),
    Column("sha256", String(64), index=True),
    Column("pdq", String(64)),
    Column("vault_object_id", Integer, ForeignKey("vault_objects.id")),
    Column("legal_hold", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("deleted_at", DateTime(timezone=True)),
)

custody = Table(
    "evidence_custody",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("evidence_id", Integer, ForeignKey("evidence.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(40), nullable=False),
    Column("detail", String(500)),
)

case_notes = Table(
    "case_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("author", String(80), nullable=False),
    Column("org_id", Integer),
    Column("text", Text, nullable=False),
    Column("for_reporter", Boolean, nullable=False, default=False),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("event", String(40), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20)),
    Column("detail", String(500)),
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("org_id", Integer, nullable=False),  # the referring organisation
    Column("agency_id", String(80), nullable=False),
    Column("agency_name", String(300), nullable=False),
    Column("agency_kind", String(40), nullable=False),
    Column(
        "target_org_id", Integer, index=True
    ),  # set when the agency works in Tutela: it may then see the case
    Column("status", String(30), nullable=False),
    Column("external_ref", String(200)),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("content_removed_at", DateTime(timezone=True)),
    Column("removal_verified_at", DateTime(timezone=True)),
    Column("declined_at", DateTime(timezone=True)),
    Index("ix_referrals_updated_at", "updated_at"),  # oversight rollups read what changed since last time
)

idempotency_keys = Table(
    "report_idempotency",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, nullable=False),
    Column("key", String(200), nullable=False),
    Column("request_sha256", String(64), nullable=False),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "key", name="uq_report_idempotency"),
)

appeals = Table(
    "case_appeals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False),
    Column("reason_vault_id", Integer, ForeignKey("vault_objects.id")),
    Column("status", String(20), nullable=False),  # open | upheld | rejected
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
    Column("decided_by", String(80)),
    Index("ix_case_appeals_decided_at", "decided_at"),  # oversight rollups read what changed since last time
)

retention_runs = Table(
    "retention_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("summary", JSON, nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: the row every writer locks first
    Column("seq", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("at", String(40), nullable=False),  # ISO text, hashed exactly as stored
    Column("actor", String(80), nullable=False),
    Column("org_id", Integer),
    Column("action", String(60), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_id", String(80)),
    Column("details", Text, nullable=False),  # canonical JSON, hashed exactly as stored
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

#: Anonymous status lookups, counted per report and day rather than each written to the audit trail: a
#: lookup changes nothing, and one row per lookup let a single client slow report intake down.
report_status_lookups = Table(
    "report_status_lookups",
    metadata,
    Column("report_id", Integer, ForeignKey("reports.id"), primary_key=True),
    Column("day", String(10), primary_key=True),  # ISO date, UTC
    Column("lookups", Integer, nullable=False),
)
