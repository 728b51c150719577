"""The review console's per-organisation and per-person settings: outcome lists, wellness, saved filters.

Small tables keyed by organisation or person. Nothing here holds case content: a saved filter keeps
the queue's query parameters (a search may hold a reference code or a URL fragment, which the person
typed themselves), wellness keeps preferences and the times of recent hard items, never what they were.
"""

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Table, UniqueConstraint

from tutela.storage.db import metadata

#: An organisation's outcomes for closing a case, in form order. No rows: the defaults
#: (`tutela.cases.outcomes.DEFAULTS`).
org_outcomes = Table(
    "org_outcomes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False, index=True),
    Column("key", String(40), nullable=False),
    Column("label", String(120), nullable=False),
    Column("kind", String(40), nullable=False),  # a `tutela.domain.cases.Outcome`: what it means downstream
    Column("ground", String(20), nullable=False),  # DSA decision ground: illegal | incompatible | by_category | none
    Column("position", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "key", name="uq_org_outcomes_org_key"),
)

#: One row per person who changed a wellness setting; `hard_items` is the times of recent hard items.
reviewer_settings = Table(
    "reviewer_settings",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("prefs", JSON, nullable=False),
    Column("hard_items", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

saved_filters = Table(
    "saved_filters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(80), nullable=False),
    Column("params", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),
)
