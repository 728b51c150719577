"""Quarantine: a received signal that suddenly matches far more than its history stops matching.

A known failure of shared hash lists (HMA has met it): a signal for one image
turns out to collide with something common (a logo, a blank frame) and
floods the receiver's queue, or blocks widely under `enforce`. Each match of
a received signal is counted (`record_matches`, called with the bank entries
that matched) per day window; when today's count reaches both `MIN_SURGE` and
`FACTOR` times the signal's average per day so far, the signal is
quarantined: its bank entry is removed (it stops matching at once, through the
bank's removal log), the row keeps why and when, and a reviewer decides
(`release` puts it back, or it stays out; the source can be told with a
dispute through `feedback`). Every quarantine and release is audited.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from tutela.domain.errors import ErrorKind
from tutela.exchange.errors import ExchangeError
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_inbound, exchange_received
from tutela.storage.times import as_utc, utc_now

WINDOW = timedelta(days=1)
#: fewer matches than this in a window never quarantine (a new signal's first matches are not a surge)
MIN_SURGE = 50
#: a window with this many times the signal's average per window so far is a surge
FACTOR = 10


def record_matches(
    db: Database, org_id: int, entry_ids: list[int], *, min_surge: int = MIN_SURGE, factor: float = FACTOR
) -> list[str]:
    """Count matches of received signals (by bank entry id); returns the STIX ids quarantined now."""
    from tutela.hashing import banks

    if not entry_ids:
        return []
    now = utc_now()
    quarantined: list[tuple[str, int, int]] = []
    counts: dict[int, int] = {}
    for e in entry_ids:
        counts[int(e)] = counts.get(int(e), 0) + 1
    with db.begin() as conn:
        rows = conn.execute(
            select(exchange_received, exchange_inbound.c.bank_id)
            .join(exchange_inbound, exchange_inbound.c.id == exchange_received.c.inbound_id)
            .where(exchange_inbound.c.org_id == org_id, exchange_received.c.entry_id.in_(list(counts)))
        ).all()
        for r in rows:
            n = counts[int(r.entry_id)]
            start = as_utc(r.window_start) if r.window_start else None
            if start is None or now - start >= WINDOW:
                start, window = now, 0
            else:
                window = r.window_matches
            window += n
            before = r.matches + n - window
            days = max(1.0, (start - as_utc(r.first_seen or r.received_at)) / WINDOW)
            baseline = before / days
            values: dict[str, Any] = {
                "matches": r.matches + n,
                "window_start": start,
                "window_matches": window,
            }
            if window >= min_surge and window >= factor * max(baseline, 1.0):
                values.update(
                    entry_id=None,
                    quarantined_at=now,
                    quarantine_reason=f"{window} matches today against {baseline:.1f} a day before",
                )
                quarantined.append((r.stix_id, int(r.entry_id), int(r.bank_id)))
            conn.execute(update(exchange_received).where(exchange_received.c.id == r.id).values(**values))
    for stix_id, entry_id, bank_id in quarantined:
        banks.remove_entries(db, bank_id, entry_ids=[entry_id], actor="exchange:quarantine")
        _audit(db, org_id, "exchange.signal_quarantine", stix_id)
    return [q[0] for q in quarantined]


def _audit(db: Database, org_id: int, action: str, stix_id: str, actor: str = "exchange:quarantine") -> None:
    from tutela.cases import audit

    with audit.writing(db) as conn:
        audit.append(
            conn, actor=actor, action=action, object_type="exchange_signal", object_id=stix_id, org_id=org_id
        )


def list_quarantined(db: Database, org_id: int) -> list[dict[str, Any]]:
    with db.connect() as conn:
        rows = conn.execute(
            select(exchange_received)
            .join(exchange_inbound, exchange_inbound.c.id == exchange_received.c.inbound_id)
            .where(exchange_inbound.c.org_id == org_id, exchange_received.c.quarantined_at.is_not(None))
        ).all()
    return [
        {
            "stix_id": r.stix_id,
            "signal_type": r.signal_type,
            "value": r.value,
            "matches": r.matches,
            "quarantined_at": as_utc(r.quarantined_at),
            "reason": r.quarantine_reason,
        }
        for r in rows
    ]


def release(db: Database, org_id: int, stix_id: str, *, actor: str = "operator") -> None:
    """A reviewer puts a quarantined signal back: it matches again, its surge count starts over."""
    from tutela.hashing import banks
    from tutela.storage.tables.media import hash_entries

    with db.connect() as conn:
        row = conn.execute(
            select(exchange_received, exchange_inbound.c.bank_id)
            .join(exchange_inbound, exchange_inbound.c.id == exchange_received.c.inbound_id)
            .where(
                exchange_inbound.c.org_id == org_id,
                exchange_received.c.stix_id == stix_id,
                exchange_received.c.quarantined_at.is_not(None),
            )
        ).first()
    if row is None:
        raise ExchangeError(f"no quarantined signal {stix_id}", kind=ErrorKind.NOT_FOUND)
    banks.add_entries(
        db, row.bank_id, [(row.signal_type, row.value, None, None, row.content_type)], actor=actor[:80]
    )
    with db.begin() as conn:
        entry_id = conn.execute(
            select(hash_entries.c.id).where(
                hash_entries.c.bank_id == row.bank_id,
                hash_entries.c.signal_type == row.signal_type,
                hash_entries.c.value == row.value,
            )
        ).scalar()
        conn.execute(
            update(exchange_received)
            .where(exchange_received.c.id == row.id)
            .values(
                entry_id=entry_id,
                quarantined_at=None,
                quarantine_reason=None,
                window_start=None,
                window_matches=0,
            )
        )
    _audit(db, org_id, "exchange.signal_release", stix_id, actor=actor)
