"""Server-side sessions for people signed in to the web console.

The cookie carries only a random token; the table keeps its SHA-256, so a
leaked database backup cannot be replayed as a session, and signing out (or
disabling a person) ends the session at once, which a signed cookie cannot do.
"""

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table

from tutela.storage.db import metadata

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
