"""Persistence: one SQLAlchemy engine over SQLite (embedded default) or PostgreSQL."""

from tutela.storage.db import Database, metadata

__all__ = ["Database", "metadata"]
