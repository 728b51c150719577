"""Bank subscriptions: which other organisations' banks may change an organisation's decisions.

Seeing a bank (its share level) is not trusting it. Without a subscription a
bank of another organisation never reaches the receiver's matches: its known
entries do not block the receiver's uploads or open cases in its queue, its
benign entries do not suppress the receiver's matches. A subscription is one
row per (subscriber organisation, bank) with a mode:

- `review` (the default): matches reach the subscriber's policy with
  `trust: review`; the default policy holds the item for review and opens a
  case, never blocks; a benign bank in review mode suppresses nothing.
- `enforce`: the bank counts like the subscriber's own.

The same row will carry a partner's feed bank when instances exchange signals:
the partner's bank is owned by the partner's organisation record, and the
receiving organisation subscribes to it like to any other.

Every subscribe, mode change and unsubscribe is written to the audit trail.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from tutela.domain.errors import ErrorKind
from tutela.domain.media import BankSubscription, SubscriptionMode
from tutela.hashing import changes
from tutela.hashing.banks import BankError, actor_for, all_banks, get_bank, record, visible_to
from tutela.storage.db import Database
from tutela.storage.tables.access import orgs
from tutela.storage.tables.media import bank_subscriptions
from tutela.storage.times import utc_now


def _mode(mode: SubscriptionMode | str) -> SubscriptionMode:
    try:
        return SubscriptionMode(mode)
    except ValueError:
        raise BankError(f"unknown subscription mode {mode!r}; valid: review, enforce") from None


def _org_exists(db: Database, org_id: int) -> None:
    with db.connect() as conn:
        if conn.execute(select(orgs.c.id).where(orgs.c.id == org_id)).first() is None:
            raise BankError(f"no organisation with id {org_id}", kind=ErrorKind.NOT_FOUND)


def subscribe(
    db: Database, subscriber_org_id: int, bank: int | str, *, mode: SubscriptionMode | str = SubscriptionMode.REVIEW,
    actor: str | None = None, by_operator: bool = False,
) -> BankSubscription:
    """Let a bank of another organisation into the subscriber's decisions (or change the mode).

    The bank must be visible to the subscriber (shared with it, or public); an
    organisation's own banks always apply and take no subscription.
    `by_operator` marks the instance operator acting for the organisation (audit only).
    """
    want = _mode(mode)
    _org_exists(db, subscriber_org_id)
    info = get_bank(db, bank, org_id=subscriber_org_id)
    if info.owner_org_id == subscriber_org_id:
        raise BankError(f"bank {info.name!r} is your own: it always applies and takes no subscription")
    who = actor_for(None if by_operator else subscriber_org_id, actor)
    with db.begin() as conn:
        row = conn.execute(
            select(bank_subscriptions.c.id, bank_subscriptions.c.mode).where(
                bank_subscriptions.c.subscriber_org_id == subscriber_org_id, bank_subscriptions.c.bank_id == info.id
            )
        ).first()
        if row is None:
            conn.execute(bank_subscriptions.insert().values(
                subscriber_org_id=subscriber_org_id, bank_id=info.id, mode=want.value, created_by=who,
                created_at=utc_now(),
            ))
            action, before = "bank.subscribe", None
        else:
            conn.execute(bank_subscriptions.update().where(bank_subscriptions.c.id == row.id).values(mode=want.value))
            action, before = "bank.subscription_mode", row.mode
    changes.notify(db)
    if before != want.value:
        record(db, actor=who, org_id=subscriber_org_id, action=action, bank_id=info.id,
               details={"bank": info.name, "owner_org_id": info.owner_org_id, "mode": want.value, "before": before})
    return _one(db, subscriber_org_id, info.id)


def unsubscribe(db: Database, subscriber_org_id: int, bank: int | str, *, actor: str | None = None,
                by_operator: bool = False) -> bool:
    """Stop a bank of another organisation from changing the subscriber's decisions; False if not subscribed."""
    subs = {s.bank_id: s for s in list_subscriptions(db, subscriber_org_id)}
    target = _find(bank, subs)
    if target is None:
        return False
    with db.begin() as conn:
        conn.execute(delete(bank_subscriptions).where(
            bank_subscriptions.c.subscriber_org_id == subscriber_org_id, bank_subscriptions.c.bank_id == target.bank_id
        ))
    changes.notify(db)
    record(db, actor=actor_for(None if by_operator else subscriber_org_id, actor), org_id=subscriber_org_id,
           action="bank.unsubscribe", bank_id=target.bank_id,
           details={"bank": target.bank, "owner_org_id": target.owner_org_id, "mode": target.mode.value})
    return True


def _find(bank: int | str, subs: dict[int, BankSubscription]) -> BankSubscription | None:
    """The subscription for a bank given by id or name; works for banks no longer visible too."""
    if isinstance(bank, int) or (isinstance(bank, str) and bank.isdigit()):
        return subs.get(int(bank))
    named = [s for s in subs.values() if s.bank == bank]
    return named[0] if named else None


def _one(db: Database, org_id: int, bank_id: int) -> BankSubscription:
    for s in list_subscriptions(db, org_id):
        if s.bank_id == bank_id:
            return s
    raise BankError(f"no subscription to bank {bank_id}", kind=ErrorKind.NOT_FOUND)


def list_subscriptions(db: Database, org_id: int | None = None) -> list[BankSubscription]:
    """An organisation's subscriptions (every organisation's when None), with whether each still applies."""
    q = select(bank_subscriptions).order_by(bank_subscriptions.c.subscriber_org_id, bank_subscriptions.c.bank_id)
    if org_id is not None:
        q = q.where(bank_subscriptions.c.subscriber_org_id == org_id)
    with db.connect() as conn:
        rows = conn.execute(q).all()
    if not rows:
        return []
    banks = {b.id: b for b in all_banks(db)}
    out = []
    for r in rows:
        b = banks.get(r.bank_id)
        if b is None:
            continue
        out.append(BankSubscription(
            subscriber_org_id=r.subscriber_org_id, bank_id=r.bank_id, bank=b.name, owner_org_id=b.owner_org_id,
            mode=SubscriptionMode(r.mode), active=visible_to(b, r.subscriber_org_id), created_by=r.created_by,
            created_at=r.created_at,
        ))
    return out


def subscription_modes(db: Database) -> dict[int, dict[int, SubscriptionMode]]:
    """subscriber org id -> bank id -> mode, for the matcher (one small query)."""
    out: dict[int, dict[int, SubscriptionMode]] = {}
    with db.connect() as conn:
        for org_id, bank_id, mode in conn.execute(
            select(bank_subscriptions.c.subscriber_org_id, bank_subscriptions.c.bank_id, bank_subscriptions.c.mode)
        ).all():
            out.setdefault(int(org_id), {})[int(bank_id)] = SubscriptionMode(mode)
    return out


__all__ = ["list_subscriptions", "subscribe", "subscription_modes", "unsubscribe"]
