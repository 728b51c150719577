"""Opinions back to the source: confirmed, disputed (a false positive, with a reason), seen.

The receiver records its opinion of a signal it received (`record`, or
`seen` when it matched); `send` delivers what is not delivered yet to the
source in one signed `feedback` envelope; the source keeps it (`direction`
received) and sees, per signal, every partner's opinion (`for_signal`) and,
per partner, how many of its signals that partner confirmed or disputed
(`precision` = confirmed / (confirmed + disputed)). The receiver sees the same
numbers for the partners it receives from (`direction` sent).

One row per (organisation, partner, direction, signal): a later opinion
replaces an earlier one (a dispute withdrawn becomes a confirmation), `seen`
counts up and never erases an opinion.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from tutela.domain.errors import ErrorKind
from tutela.domain.exchange import Opinion
from tutela.exchange import envelope, inbound, partners
from tutela.exchange.errors import ExchangeError, Refused
from tutela.storage.db import Database
from tutela.storage.tables.exchange import exchange_collections, exchange_feedback, exchange_signals
from tutela.storage.times import as_utc_or_none, utc_now

KIND = "feedback"


def _upsert(
    conn: Any,
    *,
    org_id: int,
    partner_id: int,
    direction: str,
    stix_id: str,
    opinion: Opinion,
    reason: str | None,
    seen: int = 0,
    delivered: bool = False,
) -> None:
    now = utc_now()
    row = conn.execute(
        select(exchange_feedback).where(
            exchange_feedback.c.org_id == org_id,
            exchange_feedback.c.partner_id == partner_id,
            exchange_feedback.c.direction == direction,
            exchange_feedback.c.stix_id == stix_id,
        )
    ).first()
    values: dict[str, Any] = {"updated_at": now}
    if opinion is Opinion.SEEN:
        values["seen"] = (row.seen if row else 0) + max(1, seen)
    else:
        values.update(opinion=opinion.value, reason=reason if opinion is Opinion.DISPUTED else None)
        if seen:
            values["seen"] = max(row.seen if row else 0, seen)
    if direction == "sent":
        values["delivered_at"] = None  # something new to deliver
    elif delivered:
        values["delivered_at"] = now
    if row is None:
        conn.execute(
            exchange_feedback.insert().values(
                org_id=org_id,
                partner_id=partner_id,
                direction=direction,
                stix_id=stix_id,
                **{"seen": 0, **values},
            )
        )
    else:
        conn.execute(update(exchange_feedback).where(exchange_feedback.c.id == row.id).values(**values))


def record(
    db: Database,
    org_id: int,
    stix_id: str,
    opinion: Opinion | str,
    *,
    reason: str | None = None,
    actor: str = "operator",
) -> dict[str, Any]:
    """The receiver's opinion of a signal it received (to be sent to the source by `send`)."""
    from tutela.cases import audit

    try:
        op = Opinion(opinion)
    except ValueError:
        raise ExchangeError(f"unknown opinion {opinion!r}; valid: confirmed, disputed, seen") from None
    if op is Opinion.DISPUTED and not (reason or "").strip():
        raise ExchangeError("a dispute needs a reason (why it is a false positive)")
    got = inbound.received_signal(db, org_id, stix_id=stix_id)
    if got is None:
        raise ExchangeError(f"no received signal {stix_id}", kind=ErrorKind.NOT_FOUND)
    with audit.writing(db) as conn:
        _upsert(
            conn,
            org_id=org_id,
            partner_id=got["partner_id"],
            direction="sent",
            stix_id=stix_id,
            opinion=op,
            reason=(reason or "").strip()[:1000] or None,
        )
        audit.append(
            conn,
            actor=actor,
            action=f"exchange.feedback_{op.value}",
            object_type="exchange_signal",
            object_id=stix_id,
            org_id=org_id,
            details={"partner_id": got["partner_id"]},
        )
    return {"stix_id": stix_id, "opinion": op.value, "partner_id": got["partner_id"]}


def seen(db: Database, org_id: int, entry_ids: list[int]) -> int:
    """Count a match on received signals (by the bank entries they became) as `seen`, for the source."""
    n = 0
    for entry_id in entry_ids:
        got = inbound.received_signal(db, org_id, entry_id=entry_id)
        if got is None:
            continue
        with db.begin() as conn:
            _upsert(
                conn,
                org_id=org_id,
                partner_id=got["partner_id"],
                direction="sent",
                stix_id=got["stix_id"],
                opinion=Opinion.SEEN,
                reason=None,
            )
        n += 1
    return n


def pending(db: Database, org_id: int, partner_id: int) -> list[dict[str, Any]]:
    with db.connect() as conn:
        rows = conn.execute(
            select(exchange_feedback).where(
                exchange_feedback.c.org_id == org_id,
                exchange_feedback.c.partner_id == partner_id,
                exchange_feedback.c.direction == "sent",
                exchange_feedback.c.delivered_at.is_(None),
            )
        ).all()
    return [{"stix_id": r.stix_id, "opinion": r.opinion, "reason": r.reason, "seen": r.seen} for r in rows]


def send(db: Database, org_id: int, partner_name: str, *, client: Any = None) -> dict[str, Any]:
    """Deliver undelivered opinions to the source partner in one signed envelope; what it answered."""
    from tutela.exchange import transport

    partner = partners.get_partner(db, org_id, partner_name)
    items = pending(db, org_id, partner.id)
    if not items:
        return {"sent": 0}
    env = envelope.seal(db, org_id, KIND, {"opinions": items}, to=partner, share_level="amber")
    answer = transport.post_envelope(db, partner, env, client=client)
    with db.begin() as conn:
        for item in items:
            conn.execute(
                update(exchange_feedback)
                .where(
                    exchange_feedback.c.org_id == org_id,
                    exchange_feedback.c.partner_id == partner.id,
                    exchange_feedback.c.direction == "sent",
                    exchange_feedback.c.stix_id == item["stix_id"],
                )
                .values(delivered_at=utc_now())
            )
    return {"sent": len(items), "answer": answer}


def accept(db: Database, org_id: int, env: Any) -> dict[str, Any]:
    """The source's side: a partner's opinions of our signals (unknown signal ids are counted, not kept)."""
    from tutela.cases import audit

    opened = envelope.open_envelope(db, org_id, env, kind=KIND)
    items = opened.body.get("opinions")
    if not isinstance(items, list) or len(items) > 100_000:
        raise Refused("feedback carries no opinions list (or more than 100,000)", kind=ErrorKind.INVALID)
    ids = [str(i.get("stix_id")) for i in items if isinstance(i, dict)]
    with db.connect() as conn:
        ours = set()
        for k in range(0, len(ids), 500):
            ours.update(
                conn.execute(
                    select(exchange_signals.c.stix_id)
                    .join(exchange_collections, exchange_collections.c.id == exchange_signals.c.collection_id)
                    .where(
                        exchange_collections.c.org_id == org_id,
                        exchange_signals.c.stix_id.in_(ids[k : k + 500]),
                    )
                ).scalars()
            )
    kept = unknown = 0
    with audit.writing(db) as conn:
        for item in items:
            if not isinstance(item, dict) or str(item.get("stix_id")) not in ours:
                unknown += 1
                continue
            seen_n = item.get("seen") if type(item.get("seen")) is int and item["seen"] >= 0 else 0
            opinion = item.get("opinion")
            try:
                op = Opinion(opinion) if opinion else Opinion.SEEN
            except ValueError:
                unknown += 1
                continue
            _upsert(
                conn,
                org_id=org_id,
                partner_id=opened.partner.id,
                direction="received",
                stix_id=str(item["stix_id"]),
                opinion=op,
                reason=str(item.get("reason") or "")[:1000] or None,
                seen=seen_n,
                delivered=True,
            )
            if op is not Opinion.SEEN and seen_n:
                conn.execute(
                    update(exchange_feedback)
                    .where(
                        exchange_feedback.c.org_id == org_id,
                        exchange_feedback.c.partner_id == opened.partner.id,
                        exchange_feedback.c.direction == "received",
                        exchange_feedback.c.stix_id == str(item["stix_id"]),
                    )
                    .values(seen=seen_n)
                )
            kept += 1
        envelope.remember(conn, org_id, opened)
        audit.append(
            conn,
            actor=f"exchange:{opened.partner.name}"[:80],
            action="exchange.feedback_accept",
            object_type="exchange_partner",
            object_id=opened.partner.id,
            org_id=org_id,
            details={"kept": kept, "unknown": unknown},
        )
    return {"kept": kept, "unknown": unknown}


def for_signal(db: Database, org_id: int, stix_id: str) -> list[dict[str, Any]]:
    """Every partner's opinion of one of our signals (the source's view)."""
    names = {p.id: p.name for p in partners.list_partners(db, org_id)}
    with db.connect() as conn:
        rows = conn.execute(
            select(exchange_feedback)
            .where(
                exchange_feedback.c.org_id == org_id,
                exchange_feedback.c.direction == "received",
                exchange_feedback.c.stix_id == stix_id,
            )
            .order_by(exchange_feedback.c.partner_id)
        ).all()
    return [
        {
            "partner": names.get(r.partner_id),
            "opinion": r.opinion,
            "reason": r.reason,
            "seen": r.seen,
            "updated_at": as_utc_or_none(r.updated_at),
        }
        for r in rows
    ]


def precision(db: Database, org_id: int, *, direction: str = "received") -> list[dict[str, Any]]:
    """Per partner: confirmed, disputed, seen and precision = confirmed / (confirmed + disputed).

    `received`: how each partner judged our signals; `sent`: how we judged each partner's."""
    names = {p.id: p.name for p in partners.list_partners(db, org_id)}
    with db.connect() as conn:
        rows = conn.execute(
            select(
                exchange_feedback.c.partner_id,
                exchange_feedback.c.opinion,
                func.count(),
                func.sum(exchange_feedback.c.seen),
            )
            .where(
                exchange_feedback.c.org_id == org_id,
                exchange_feedback.c.direction == direction,
            )
            .group_by(exchange_feedback.c.partner_id, exchange_feedback.c.opinion)
        ).all()
    out: dict[int, dict[str, Any]] = {}
    for partner_id, opinion, n, seen_sum in rows:
        d = out.setdefault(
            partner_id, {"partner": names.get(partner_id), "confirmed": 0, "disputed": 0, "seen": 0}
        )
        if opinion in ("confirmed", "disputed"):
            d[opinion] += int(n)
        d["seen"] += int(seen_sum or 0)
    for d in out.values():
        judged = d["confirmed"] + d["disputed"]
        d["precision"] = round(d["confirmed"] / judged, 4) if judged else None
    return sorted(out.values(), key=lambda d: str(d["partner"]))


def _register() -> None:
    from tutela.exchange import inbox

    inbox.register(KIND, accept)


_register()
