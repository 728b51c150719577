"""Matches on received signals flow back: `seen` feedback for the source, and the surge count.

The matcher calls `record` after each match made for an organisation, with
the entry ids of the matches that came from banks the organisation
subscribed to (its own banks can never hold a received signal, so matching
against them costs nothing here). One query keeps the entries that are
received signals; for those, one `seen` per signal is queued for the source
(`feedback.send` delivers it) and the match is counted by `quarantine`, so a
sudden surge takes the signal out of matching. This is bookkeeping next to
the match, never part of it: any failure is logged and the match stands.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_inbound, exchange_received

log = logging.getLogger(__name__)


def received_entries(db: Database, org_id: int, entry_ids: list[int]) -> list[int]:
    """The entries among `entry_ids` that are signals `org_id` received from a partner (one query)."""
    if not entry_ids:
        return []
    with db.connect() as conn:
        found = set(
            conn.execute(
                select(exchange_received.c.entry_id)
                .join(exchange_inbound, exchange_inbound.c.id == exchange_received.c.inbound_id)
                .where(exchange_inbound.c.org_id == org_id, exchange_received.c.entry_id.in_(set(entry_ids)))
            ).scalars()
        )
    return [e for e in entry_ids if e in found]


def record(db: Database, org_id: int, entry_ids: list[int]) -> list[str]:
    """Record matches of an organisation on these bank entries; returns the STIX ids quarantined now.

    Never raises: the match has been made, and losing a count is better than losing the match."""
    from tutela.exchange import feedback, quarantine

    try:
        received = received_entries(db, org_id, [int(e) for e in entry_ids])
        if not received:
            return []
        # `seen` first: a signal quarantined by this very match no longer names its entry
        feedback.seen(db, org_id, sorted(set(received)))
        return quarantine.record_matches(db, org_id, received)
    except Exception:  # noqa: BLE001 - bookkeeping must not break matching
        log.exception("recording matches on received signals failed (org %s); the match stands", org_id)
        return []
