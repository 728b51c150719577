"""The inbox: where partners deliver signed envelopes (pushed bundles, feedback, referrals...).

Each envelope kind has one handler, registered here by the module that owns
the kind (`register("feedback", feedback.accept_envelope)`), so a new kind of
exchange is one new module. The inbox only finds the organisation addressed
(the envelope's `to` is one of its key ids; unaddressed envelopes are files
for `tutela exchange import`, not for the inbox) and hands over; the handler
opens the envelope with `envelope.open_envelope`, which applies every check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from tutela.domain.errors import ErrorKind
from tutela.exchange.errors import Refused
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_keys

#: handler(db, org_id, envelope) -> a JSON-ready answer; raises Refused / ExchangeError
Handler = Callable[[Database, int, dict[str, Any]], dict[str, Any]]
#: handler(db, org_id, the envelope's bytes as delivered) -> as `Handler`
RawHandler = Callable[[Database, int, bytes], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}
RAW_HANDLERS: dict[str, RawHandler] = {}


def register(kind: str, handler: Handler, *, raw: RawHandler | None = None) -> Handler:
    """`raw`: the same handler over the bytes as delivered, for kinds whose envelopes are big (a
    pushed feed page): the signature is then checked over those bytes (`envelope.open_envelope(raw=...)`)
    instead of over a canonical form made again from the parsed JSON."""
    if kind in HANDLERS and HANDLERS[kind] is not handler:
        raise ValueError(f"inbox kind {kind!r} registered twice")
    HANDLERS[kind] = handler
    if raw is not None:
        RAW_HANDLERS[kind] = raw
    return handler


def addressed_org(db: Database, env: Any) -> int:
    """The organisation an envelope is addressed to (one of its keys that is not revoked)."""
    if not isinstance(env, dict) or not env.get("to"):
        raise Refused(
            "the inbox takes only envelopes addressed to an organisation here ('to' is empty)",
            kind=ErrorKind.INVALID,
        )
    with db.connect() as conn:
        org_id = conn.execute(
            select(exchange_keys.c.org_id).where(
                exchange_keys.c.key_id == str(env["to"]), exchange_keys.c.revoked_at.is_(None)
            )
        ).scalar()
    if org_id is None:
        raise Refused(
            f"the envelope is addressed to key {env['to']}, which is no organisation's here",
            kind=ErrorKind.NOT_FOUND,
        )
    return int(org_id)


def deliver(db: Database, env: Any, *, raw: bytes | None = None) -> dict[str, Any]:
    """Hand a delivered envelope to its kind's handler; Refused for unknown kinds. `raw`: the bytes
    `env` was parsed from, passed on to a kind that checks its signature over them."""
    _load_handlers()
    org_id = addressed_org(db, env)
    kind = str(env.get("kind"))
    handler = HANDLERS.get(kind)
    if handler is None:
        raise Refused(
            f"the inbox takes no {kind!r} envelopes; it takes: {', '.join(sorted(HANDLERS))}",
            kind=ErrorKind.INVALID,
        )
    by_bytes = RAW_HANDLERS.get(kind)
    if raw is not None and by_bytes is not None:
        return by_bytes(db, org_id, raw)
    return handler(db, org_id, env)


def _load_handlers() -> None:
    """Import the exchange modules that register inbox kinds (once)."""
    import importlib
    import pkgutil

    import tutela.exchange as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"tutela.exchange.{mod.name}")
