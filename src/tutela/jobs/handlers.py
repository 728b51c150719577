"""Outbox kinds and the functions that carry them out.

A handler gets the database, the settings and the claimed `Job`; it must be
idempotent under `job.key` (it may run again after a crash between its work and
the row being marked done), and it raises to ask for a retry. What it returns
is kept (500 characters) on the done row.
"""

from __future__ import annotations

from collections.abc import Callable

from tutela.config import Settings
from tutela.jobs.outbox import Job
from tutela.storage.db import Database

Handler = Callable[[Database, Settings, Job], str | None]
#: Several claimed rows of one kind at once: per row what `Handler` returns, or the exception it raised.
BatchHandler = Callable[[Database, Settings, list[Job]], list[str | Exception]]

_HANDLERS: dict[str, Handler] = {}
_BATCH_HANDLERS: dict[str, BatchHandler] = {}


def register(kind: str) -> Callable[[Handler], Handler]:
    def wrap(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return wrap


def register_batch(kind: str) -> Callable[[BatchHandler], BatchHandler]:
    """A kind whose rows are cheaper carried out together (one commit for a batch); it must also
    `register` a one-row handler, and keep every row's idempotency on its own."""
    def wrap(fn: BatchHandler) -> BatchHandler:
        _BATCH_HANDLERS[kind] = fn
        return fn

    return wrap


def batch_handler_for(kind: str) -> BatchHandler | None:
    if not _HANDLERS:
        _load()
    return _BATCH_HANDLERS.get(kind)


def handler_for(kind: str) -> Handler | None:
    if not _HANDLERS:
        _load()
    return _HANDLERS.get(kind)


def _load() -> None:
    # each module registers its kinds on import
    import tutela.jobs.deferred  # noqa: F401
    import tutela.jobs.webhooks  # noqa: F401


def kinds() -> list[str]:
    if not _HANDLERS:
        _load()
    return sorted(_HANDLERS)


__all__ = ["BatchHandler", "Handler", "batch_handler_for", "handler_for", "kinds", "register", "register_batch"]
