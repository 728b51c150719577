"""The exchange's periodic work, run by the scheduler (`tutela scheduler`).

`pull_all` pulls every partner that has an endpoint and is not revoked, in
every organisation of this instance, and delivers the feedback waiting for
it (the `seen` counts the matcher records, the operators' opinions). One
partner that is down or refuses must not stop the others: its failure is
logged and reported in the result. `purge_tombstones` drops tombstones older
than the settings' horizon from every collection; a partner whose checkpoint
is below a purged one gets a full resync on its next pull (feed.py).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from tutela.config import Settings
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_collections, exchange_partners
from tutela.storage.times import utc_now

log = logging.getLogger(__name__)


def pull_all(db: Database, settings: Settings | None = None, *, client: Any = None) -> list[dict[str, Any]]:
    """Pull from (and send feedback to) every partner with a URL; one result per partner."""
    from tutela.exchange import feedback, transport

    with db.connect() as conn:
        rows = conn.execute(
            select(exchange_partners.c.org_id, exchange_partners.c.name)
            .where(exchange_partners.c.endpoint_url.is_not(None), exchange_partners.c.revoked_at.is_(None))
            .order_by(exchange_partners.c.org_id, exchange_partners.c.id)
        ).all()
    results: list[dict[str, Any]] = []
    for org_id, name in rows:
        result: dict[str, Any] = {"org_id": int(org_id), "partner": name}
        try:
            pulled = transport.pull(db, int(org_id), name, client=client)
            result["added"] = sum(int(r.get("added", 0)) for r in pulled)
            result["collections"] = len(pulled)
            result["feedback_sent"] = feedback.send(db, int(org_id), name, client=client)["sent"]
        except Exception as exc:  # noqa: BLE001 - one partner down must not stop the others
            log.warning("exchange pull from partner %r (org %s) failed", name, org_id, exc_info=True)
            result["error"] = f"{type(exc).__name__}: {exc}"[:300]
        results.append(result)
    return results


def purge_tombstones(db: Database, settings: Settings) -> int:
    """Drop tombstones older than `exchange_tombstone_days` from every collection; how many went."""
    from tutela.exchange import feed

    older_than = utc_now() - timedelta(days=settings.exchange_tombstone_days)
    with db.connect() as conn:
        ids = (
            conn.execute(select(exchange_collections.c.id).order_by(exchange_collections.c.id))
            .scalars()
            .all()
        )
    return sum(feed.purge(db, int(cid), older_than=older_than) for cid in ids)
