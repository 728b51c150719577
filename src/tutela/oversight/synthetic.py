"""A synthetic history for tests and benchmarks: cases, reports, referrals, appeals, notices, decisions.

Nothing in it is real: organisations are invented, account keys are random hex, there is no text.
The shape is meant to be realistic: several platforms answering at different speeds (log-normal
times, one slow platform), every harm category, five countries and languages, repeat accounts,
known-hash matches, appeals, notices and orders with deadlines met, missed and left overdue, and
moderation decisions mostly automated. Rows are written with bulk inserts in chunks, so a million
cases fit in constant memory.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text

from tutela.domain.taxonomy import CATEGORIES
from tutela.storage.db import Database
from tutela.storage.tables.cases import appeals, case_keys, cases, referrals, reports
from tutela.storage.tables.crossborder import exchange_referrals
from tutela.storage.tables.oversight import notice_events, notices
from tutela.storage.tables.policy import moderation_decisions

COUNTRIES = ("TR", "AZ", "IR", "RU", None)
LANGUAGES = ("tr", "az", "fa", "ru", "en")
#: Median hours to acknowledge and to remove, per platform (the last one is slow).
PLATFORM_SPEED = ((2.0, 18.0), (6.0, 40.0), (1.0, 8.0), (30.0, 400.0))


@dataclass
class World:
    hotline: int
    regulator: int
    platforms: list[int]


def make_orgs(db: Database, prefix: str = "Synthetic") -> World:
    """A hotline, a regulator and four platforms (created if missing)."""
    from tutela.access import create_org, get_org

    def org(name: str, kind: str, country: str | None = None) -> int:
        found = get_org(db, name)
        return found["id"] if found else create_org(db, name, kind=kind, country=country)

    return World(org(f"{prefix} Hotline", "hotline", "TR"), org(f"{prefix} Regulator", "regulator"),
                 [org(f"{prefix} Platform {c}", "platform") for c in "ABCD"])


def _hours(rng: random.Random, median: float) -> float:
    return rng.lognormvariate(0, 1.0) * median


def _chunks(world: World, n_cases: int, start: datetime, days: int, seed: int, first_id: dict[str, int],
            chunk: int, decisions_per_case: float) -> Iterator[dict[str, list[dict[str, Any]]]]:
    rng = random.Random(seed)
    accounts = [secrets.token_hex(20) for _ in range(max(10, n_cases // 4))]
    ids = dict(first_id)
    now = start + timedelta(days=days)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in ("cases", "reports", "case_keys", "referrals",
                                                            "appeals", "notices", "notice_events", "decisions",
                                                            "xrefs")}
    for _ in range(n_cases):
        created = start + timedelta(seconds=rng.uniform(0, days * 86400 - 3600 * 24 * 3))
        category = rng.choice(CATEGORIES).value
        country = rng.choice(COUNTRIES)
        lang = rng.choice(LANGUAGES) if rng.random() > 0.05 else None
        p = rng.randrange(len(world.platforms))
        platform = world.platforms[p]
        ack_med, rem_med = PLATFORM_SPEED[p % len(PLATFORM_SPEED)]
        own = rng.random() < 0.3  # a platform's own case (its users reported to it) or the hotline's
        owner = platform if own else world.hotline
        cid = ids["cases"] = ids["cases"] + 1
        n_reports = 1 if rng.random() < 0.8 else rng.randint(2, 4)
        outcome, closed = None, None
        removed_at = None
        if not own and rng.random() < 0.85:
            rid = ids["referrals"] = ids["referrals"] + 1
            sent = created + timedelta(hours=rng.uniform(0.1, 12))
            ack = sent + timedelta(hours=_hours(rng, ack_med)) if rng.random() < 0.9 else None
            removed_at = (max(ack or sent, sent + timedelta(hours=_hours(rng, rem_med)))
                          if rng.random() < 0.75 else None)
            if removed_at and removed_at > now:
                removed_at = None
            if ack and ack > now:
                ack = None
            status = "content_removed" if removed_at else ("acknowledged" if ack else "sent")
            rows["referrals"].append(dict(
                id=rid, case_id=cid, org_id=owner, agency_id="platform", agency_name="The platform",
                agency_kind="platform", target_org_id=platform, status=status, created_by="synthetic",
                created_at=sent, updated_at=removed_at or ack or sent, sent_at=sent, acknowledged_at=ack,
                content_removed_at=removed_at))
            if removed_at:
                outcome, closed = "content_removed", removed_at + timedelta(hours=1)
        elif own and rng.random() < 0.7:
            outcome = rng.choice(("content_removed", "account_actioned", "no_violation"))
            closed = created + timedelta(hours=_hours(rng, rem_med))
            if closed > now:
                outcome, closed = None, None
        status = "closed" if closed else "triaged"
        updated = max(x for x in (created, closed, removed_at) if x is not None)
        rows["cases"].append(dict(
            id=cid, org_id=owner, status=status, priority="medium", priority_rank=2, category=category,
            country=country, report_count=n_reports, routes=[], legal_hold=False, outcome=outcome,
            created_at=created, updated_at=updated, stage_entered_at=updated, closed_at=closed))
        if not own and rng.random() < 0.05:  # passed to a partner hotline abroad (cross-border referral)
            xsent = created + timedelta(hours=rng.uniform(1, 24))
            xack = xsent + timedelta(hours=_hours(rng, 20)) if rng.random() < 0.8 else None
            xrem = xack + timedelta(hours=_hours(rng, 60)) if xack and rng.random() < 0.6 else None
            xack, xrem = (x if x and x <= now else None for x in (xack, xrem))
            rows["xrefs"].append(dict(
                org_id=owner, direction="out", partner="Partner hotline", uid=f"{seed:04d}-{cid:012d}",
                case_id=cid, referral_id=None, category=category, priority="medium", country=country,
                share_level="TLP:AMBER", payload={}, status="removed" if xrem else ("acknowledged" if xack else "sent"),
                sent_at=xsent, acknowledged_at=xack, removed_at=xrem, created_at=xsent,
                updated_at=xrem or xack or xsent))
        hashed = rng.random() < 0.08
        for r in range(n_reports):
            rep = ids["reports"] = ids["reports"] + 1
            rows["reports"].append(dict(
                id=rep, reference_code=f"SYN{seed:04d}{rep:012d}", org_id=owner, case_id=cid,
                created_at=created + timedelta(minutes=r), submitted_by="synthetic", category=category,
                category_key=category, reporter_kind="public", anonymous=True, urls=[], country=country,
                language=lang, escalate=False, analysis={"hash_banks": ["synthetic-bank"]} if hashed and r == 0 else {}))
        if rng.random() < 0.6:
            rows["case_keys"].append(dict(org_id=owner, kind="account", value=rng.choice(accounts), case_id=cid))
        if closed and rng.random() < 0.06:
            upheld = rng.random() < 0.3
            rows["appeals"].append(dict(
                case_id=cid, report_id=ids["reports"], status="upheld" if upheld else "rejected",
                created_at=closed + timedelta(days=1), decided_at=closed + timedelta(days=2), decided_by="synthetic"))
        if not own and rng.random() < 0.1:
            nid = ids["notices"] = ids["notices"] + 1
            sent = created + timedelta(hours=1)
            deadline = sent + timedelta(hours=rng.choice((24, 72, 168)))
            kind = "order" if rng.random() < 0.3 else "notice"
            r = rng.random()
            acted = sent + timedelta(hours=_hours(rng, rem_med)) if r < 0.7 else None
            if acted and acted > now:
                acted = None
            st = "actioned" if acted else ("refused" if r < 0.8 else "open")
            rows["notices"].append(dict(
                id=nid, kind=kind, issuer_org_id=world.regulator if kind == "order" else world.hotline,
                platform_org_id=platform, case_id=cid if kind == "notice" else None, category=category,
                country=country, legal_ground="Law 5651 art. 8" if kind == "order" else "Terms of service",
                what="remove the reported content", reference=None, sent_at=sent, deadline_at=deadline,
                status=st, acknowledged_at=acted, actioned_at=acted, action="content_removed" if acted else None,
                closed_at=acted or (sent + timedelta(hours=5) if st == "refused" else None), created_by="synthetic",
                updated_at=acted or sent))
            rows["notice_events"].append(dict(notice_id=nid, at=sent, org_id=world.hotline, actor="synthetic",
                                              event="sent"))
        k = int(decisions_per_case) + (1 if rng.random() < decisions_per_case % 1 else 0)
        for _ in range(k):
            did = ids["decisions"] = ids["decisions"] + 1
            decision = rng.choice(("allow", "block", "hold_for_review", "warn_sender"))
            rows["decisions"].append(dict(
                id=did, decision_id=f"00000000-0000-4000-8000-{did:012d}", org_id=platform,
                created_at=created + timedelta(seconds=rng.uniform(0, 3600)), policy="default", policy_version=1,
                decision=decision, actions=[] if decision == "allow" else [decision],
                ground=None if decision == "allow" else category, rules=["synthetic-rule"],
                facts={"evidence": {"synthetic-rule": [f"{category}:0.9"]}}, content_type="text",
                channel=None, country=country, automated=rng.random() < 0.85, content_ref=secrets.token_hex(20),
                sender_ref=rng.choice(accounts)))
        if len(rows["cases"]) >= chunk:
            yield rows
            rows = {k: [] for k in rows}
    if rows["cases"]:
        yield rows


TABLES = (("cases", cases), ("reports", reports), ("case_keys", case_keys), ("referrals", referrals),
          ("appeals", appeals), ("notices", notices), ("notice_events", notice_events),
          ("decisions", moderation_decisions), ("xrefs", exchange_referrals))


def load(db: Database, world: World, *, n_cases: int, start: datetime | None = None, days: int = 180,
         seed: int = 16, chunk: int = 5000, decisions_per_case: float = 1.0) -> dict[str, int]:
    """Write a synthetic history; returns how many rows went into each table."""
    start = start or datetime(2026, 6, 1, tzinfo=UTC)
    first: dict[str, int] = {}
    with db.connect() as conn:
        for name, table in (("cases", cases), ("reports", reports), ("referrals", referrals),
                            ("notices", notices), ("decisions", moderation_decisions)):
            first[name] = int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar() or 0)
    written = {name: 0 for name, _ in TABLES}
    for rows in _chunks(world, n_cases, start, days, seed, first, chunk, decisions_per_case):
        with db.begin() as conn:
            for name, table in TABLES:
                if rows[name]:
                    conn.execute(table.insert(), rows[name])
                    written[name] += len(rows[name])
    if not db.is_sqlite:  # explicit ids: move the sequences past them
        with db.begin() as conn:
            for _name, table in TABLES:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                  f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))
    return written


__all__ = ["World", "load", "make_orgs"]
