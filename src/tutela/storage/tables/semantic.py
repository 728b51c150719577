"""An organisation's own examples for the semantic stage (`tutela examples`, `/v1/examples`).

Written by the organisation's analysts (not reporter text), so the text is kept in the clear: it is
embedded and shown as the explanation of that organisation's flags, and only that organisation's
analyses ever see it. Provenance: who added it, when, and through which door.
"""

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from tutela.storage.db import metadata

semantic_examples = Table(
    "semantic_examples",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("orgs.id"), nullable=False),
    Column("category", String(40), nullable=False),
    Column("label", String(10), nullable=False),
    Column("text", Text, nullable=False),
    Column("lang", String(16)),
    Column("sub", String(60)),
    Column("source", String(20), nullable=False),  # "api" | "cli"
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_semantic_examples_org_id", "org_id"),
)
