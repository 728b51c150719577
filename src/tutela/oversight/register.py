"""The register of violations: notices and orders sent to platforms, and what the platforms did.

A *notice* (from a hotline, trusted flagger or other organisation) and an *order* (from an authority:
a regulator, the police) ask a platform to act on content by a deadline, on a stated legal ground.
The platform answers in the register: it acknowledges, removes the content or actions the account,
or refuses with reasons. Steps only go forward and each is time-stamped once, like referrals.

Who sees what (`tutela.oversight.scope`): a regulator sees every item (in its country when it has
one) but never the case it came from; a platform sees the items sent to it; an issuer sees what it
sent. Every send, answer and read is written to the audit chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, update

from tutela.access import Forbidden, NotFound, Principal, get_org
from tutela.cases import audit
from tutela.cases.authz import permissions
from tutela.domain.taxonomy import definition
from tutela.oversight import cache
from tutela.oversight.scope import Scope, scope_for
from tutela.storage.db import Database
from tutela.storage.tables.access import orgs
from tutela.storage.tables.cases import cases
from tutela.storage.tables.oversight import notice_events, notices
from tutela.storage.times import as_utc, as_utc_or_none, utc_now

KINDS = ("notice", "order")
#: Organisation kinds whose requests are orders (authorities); the rest send notices.
AUTHORITIES = frozenset({"regulator", "police", "agency"})
#: What a platform may record, and the status each leads to.
ANSWERS: dict[str, str] = {
    "acknowledged": "acknowledged",
    "content_removed": "actioned",
    "account_actioned": "actioned",
    "refused": "refused",
    "answer": "",  # a message only; the status stays
}
OPEN = ("open", "acknowledged")
MAX_DEADLINE = timedelta(days=365)


@dataclass(frozen=True)
class RegisterFilters:
    platform_id: int | None = None
    category: str | None = None
    country: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    status: str | None = None  # open | overdue | met | missed | refused | withdrawn


def _can_issue(db: Database, principal: Principal) -> dict:
    perms = permissions(principal)
    if not (principal.has("oversight") or {"work", "refer"} & perms):
        raise Forbidden("sending a notice or order needs the 'oversight' or 'cases' scope")
    org = get_org(db, principal.org_id)
    if org is None or org["kind"] == "platform":
        raise Forbidden("platforms answer notices; they do not send them here")
    return org


def send(
    db: Database,
    principal: Principal,
    *,
    platform: str | int,
    legal_ground: str,
    what: str,
    category: str,
    deadline_hours: float,
    country: str | None = None,
    case_id: int | None = None,
    reference: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Record a notice (or, from an authority, an order) sent to a platform; returns the register item."""
    issuer = _can_issue(db, principal)
    target = get_org(db, platform)
    if target is None or target["kind"] != "platform":
        raise ValueError(f"no platform organisation {platform!r}; notices go to organisations of kind platform")
    definition(category)  # raises ValueError naming the valid ids
    legal_ground, what = (legal_ground or "").strip(), (what or "").strip()
    if not legal_ground or len(legal_ground) > 300:
        raise ValueError("legal_ground is required (at most 300 characters): the law or the terms relied on")
    if not what or len(what) > 500:
        raise ValueError("what is required (at most 500 characters): the content or act asked for, no names")
    if not 0 < deadline_hours <= MAX_DEADLINE.total_seconds() / 3600:
        raise ValueError("deadline_hours must be more than 0 and at most a year")
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise ValueError("country must be an ISO 3166-1 alpha-2 code such as TR, AZ, IR")
    kind = "order" if issuer["kind"] in AUTHORITIES else "notice"
    at = as_utc(at) if at else utc_now()
    with audit.writing(db) as conn:
        if case_id is not None:
            owner = conn.execute(select(cases.c.org_id).where(cases.c.id == case_id)).scalar()
            if owner != principal.org_id:
                raise NotFound(f"no case {case_id} visible to your organisation")
        nid = int(conn.execute(notices.insert().values(
            kind=kind, issuer_org_id=issuer["id"], platform_org_id=target["id"], case_id=case_id,
            category=str(category), country=country and country.upper(), legal_ground=legal_ground, what=what,
            reference=(reference or None) and reference[:100], sent_at=at,
            deadline_at=at + timedelta(hours=deadline_hours), status="open", created_by=principal.actor,
            updated_at=at)).inserted_primary_key[0])
        conn.execute(notice_events.insert().values(notice_id=nid, at=at, org_id=issuer["id"],
                                                   actor=principal.actor, event="sent"))
        audit.append(conn, actor=principal.actor, org_id=principal.org_id, action=f"oversight.{kind}.send",
                     object_type="notice", object_id=nid, details={"platform": target["id"], "category": category})
    return _one(db, scope_for_issuer(issuer), nid)


def scope_for_issuer(org: dict) -> Scope:
    return Scope("organisation", org["id"], org_ids=frozenset({org["id"]}))


def respond(db: Database, principal: Principal, notice_id: int, answer: str, *, text: str | None = None,
            at: datetime | None = None) -> dict[str, Any]:
    """The platform records its answer or action; only the platform the item was sent to may."""
    if answer not in ANSWERS:
        raise ValueError(f"unknown answer {answer!r}; valid: {', '.join(ANSWERS)}")
    if text is not None and len(text) > 2000:
        raise ValueError("text may have at most 2000 characters")
    if answer in ("refused", "answer") and not (text or "").strip():
        raise ValueError(f"'{answer}' needs a text: the platform's reasons")
    at = as_utc(at) if at else utc_now()
    with audit.writing(db) as conn:
        row = conn.execute(select(notices).where(notices.c.id == notice_id)).mappings().first()
        if row is None or row["platform_org_id"] != principal.org_id:
            raise NotFound(f"no notice {notice_id} sent to your organisation")
        if not (principal.has("oversight") or principal.has("cases") or principal.role in ("supervisor", "analyst")):
            raise Forbidden("answering a notice needs the 'oversight' or 'cases' scope")
        status = row["status"]
        values: dict[str, Any] = {"updated_at": at}
        if answer != "answer":
            if status not in OPEN or (answer == "acknowledged" and status != "open"):
                raise ValueError(f"notice {notice_id} is '{status}': '{answer}' cannot follow it")
            values["status"] = ANSWERS[answer]
            if answer == "acknowledged":
                values["acknowledged_at"] = at
            else:
                values["acknowledged_at"] = row["acknowledged_at"] or at
                values["closed_at"] = at
                if answer != "refused":
                    values["actioned_at"], values["action"] = at, answer
        conn.execute(update(notices).where(notices.c.id == notice_id).values(**values))
        conn.execute(notice_events.insert().values(notice_id=notice_id, at=at, org_id=principal.org_id,
                                                   actor=principal.actor, event=answer, text=text))
        audit.append(conn, actor=principal.actor, org_id=principal.org_id, action="oversight.notice.answer",
                     object_type="notice", object_id=notice_id, details={"answer": answer})
    return _one(db, Scope("platform", principal.org_id, platform_id=principal.org_id), notice_id)


def withdraw(db: Database, principal: Principal, notice_id: int, *, reason: str) -> dict[str, Any]:
    """The issuer withdraws an item that is still open."""
    _can_issue(db, principal)
    at = utc_now()
    with audit.writing(db) as conn:
        row = conn.execute(select(notices).where(notices.c.id == notice_id)).mappings().first()
        if row is None or row["issuer_org_id"] != principal.org_id:
            raise NotFound(f"no notice {notice_id} sent by your organisation")
        if row["status"] not in OPEN:
            raise ValueError(f"notice {notice_id} is '{row['status']}' and can no longer be withdrawn")
        conn.execute(update(notices).where(notices.c.id == notice_id).values(
            status="withdrawn", closed_at=at, updated_at=at))
        conn.execute(notice_events.insert().values(notice_id=notice_id, at=at, org_id=principal.org_id,
                                                   actor=principal.actor, event="withdrawn", text=reason[:2000]))
        audit.append(conn, actor=principal.actor, org_id=principal.org_id, action="oversight.notice.withdraw",
                     object_type="notice", object_id=notice_id, details={})
    return _one(db, scope_for_issuer({"id": principal.org_id}), notice_id)


def _visible(scope: Scope) -> Any:
    if scope.kind == "regulator":
        return notices.c.country == scope.country if scope.country else and_(True)
    if scope.kind == "platform":
        return notices.c.platform_org_id == scope.platform_id
    return notices.c.issuer_org_id.in_(sorted(scope.org_ids or ()))


def outcome(row: Any, now: datetime) -> str:
    """open | overdue | met | missed | refused | withdrawn: the item judged against its deadline."""
    deadline = as_utc(row["deadline_at"])
    acted = as_utc_or_none(row["actioned_at"])
    if acted is not None:
        return "met" if acted <= deadline else "missed"
    if row["status"] in OPEN:
        return "overdue" if now > deadline else "open"
    return row["status"]


def _outcome_sql(now: datetime) -> Any:
    """`outcome` in SQL, so the open items are counted by the database rather than fetched one by one."""
    return case(
        (notices.c.actioned_at.is_not(None),
         case((notices.c.actioned_at <= notices.c.deadline_at, "met"), else_="missed")),
        (notices.c.status.in_(OPEN), case((notices.c.deadline_at < now, "overdue"), else_="open")),
        else_=notices.c.status)


def _item(row: Any, events: list[Any], names: dict[int, str], scope: Scope, now: datetime) -> dict[str, Any]:
    item = {
        "id": row["id"], "kind": row["kind"], "issuer": names.get(row["issuer_org_id"]),
        "platform": names.get(row["platform_org_id"]), "platform_id": row["platform_org_id"],
        "category": row["category"], "country": row["country"], "legal_ground": row["legal_ground"],
        "what": row["what"], "reference": row["reference"],
        "sent_at": as_utc(row["sent_at"]).isoformat(), "deadline_at": as_utc(row["deadline_at"]).isoformat(),
        "status": row["status"], "outcome": outcome(row, now),
        "acknowledged_at": _iso(row["acknowledged_at"]), "actioned_at": _iso(row["actioned_at"]),
        "action": row["action"], "closed_at": _iso(row["closed_at"]),
        "answers": [{"at": as_utc(e.at).isoformat(), "by": names.get(e.org_id), "event": e.event, "text": e.text}
                    for e in events],
    }
    if scope.kind == "organisation":  # the issuer's own link; a regulator or platform never sees a case id
        item["case_id"] = row["case_id"]
    return item


def _iso(v: datetime | None) -> str | None:
    return as_utc(v).isoformat() if v is not None else None


def _query(scope: Scope, f: RegisterFilters, now: datetime) -> Any:
    q = select(notices).where(_visible(scope))
    if f.platform_id is not None:
        q = q.where(notices.c.platform_org_id == f.platform_id)
    if f.category:
        q = q.where(notices.c.category == f.category)
    if f.country:
        q = q.where(notices.c.country == f.country.upper())
    if f.since:
        q = q.where(notices.c.sent_at >= f.since)
    if f.until:
        q = q.where(notices.c.sent_at < f.until)
    if f.status == "overdue":
        q = q.where(notices.c.status.in_(OPEN), notices.c.deadline_at < now)
    elif f.status == "open":
        q = q.where(notices.c.status.in_(OPEN), notices.c.deadline_at >= now)
    elif f.status == "met":
        q = q.where(notices.c.actioned_at.is_not(None), notices.c.actioned_at <= notices.c.deadline_at)
    elif f.status == "missed":
        q = q.where(notices.c.actioned_at.is_not(None), notices.c.actioned_at > notices.c.deadline_at)
    elif f.status in ("refused", "withdrawn"):
        q = q.where(notices.c.status == f.status)
    elif f.status is not None:
        raise ValueError("status must be one of: open, overdue, met, missed, refused, withdrawn")
    return q


def _names(conn: Any) -> dict[int, str]:
    return {r.id: r.name for r in conn.execute(select(orgs.c.id, orgs.c.name))}


def _one(db: Database, scope: Scope, notice_id: int) -> dict[str, Any]:
    now = utc_now()
    with db.connect() as conn:
        row = conn.execute(select(notices).where(notices.c.id == notice_id, _visible(scope))).mappings().first()
        if row is None:
            raise NotFound(f"no notice {notice_id} visible to your organisation")
        events = conn.execute(select(notice_events).where(notice_events.c.notice_id == notice_id)
                              .order_by(notice_events.c.id)).all()
        return _item(row, events, _names(conn), scope, now)


def register(db: Database, principal: Principal, filters: RegisterFilters | None = None, *,
             limit: int = 200, offset: int = 0, now: datetime | None = None) -> dict[str, Any]:
    """The register as the caller may see it: the items (newest first), overdue ones, and each
    platform's record per month (sent, met, missed, refused, overdue)."""
    scope = scope_for(db, principal)
    f = filters or RegisterFilters()
    now = now or utc_now()
    limit = max(1, min(limit, 1000))
    with db.connect() as conn:
        names = _names(conn)
        base = _query(scope, f, now)
        total = conn.execute(select(func.count()).select_from(base.subquery())).scalar() or 0
        rows = conn.execute(base.order_by(notices.c.sent_at.desc(), notices.c.id.desc())
                            .limit(limit).offset(max(0, offset))).mappings().all()
        ids = [r["id"] for r in rows]
        events: dict[int, list[Any]] = {i: [] for i in ids}
        if ids:
            for e in conn.execute(select(notice_events).where(notice_events.c.notice_id.in_(ids))
                                  .order_by(notice_events.c.id)):
                events[e.notice_id].append(e)
        items = [_item(r, events[r["id"]], names, scope, now) for r in rows]
        record = platform_record(conn, scope, f, names, now)
    with audit.writing(db) as conn:
        audit.append(conn, actor=principal.actor, org_id=principal.org_id, action="oversight.register.read",
                     object_type="register", object_id=None,
                     details={"filters": {k: str(v) for k, v in f.__dict__.items() if v is not None}})
    return {"total": int(total), "items": items, "record": record,
            "overdue": sum(1 for i in items if i["outcome"] == "overdue"), "as_of": now.isoformat()}


def platform_record(conn: Any, scope: Scope, f: RegisterFilters, names: dict[int, str],
                    now: datetime) -> list[dict[str, Any]]:
    """Per platform and month (of sending): items sent, met, missed and refused from the rollups (a few
    seconds behind, never a scan of the register), and those open, overdue or withdrawn counted live
    by the database (time, not a change, makes an item overdue). The status filter does not apply."""
    from tutela.oversight.rollup import month_of
    from tutela.storage.tables.oversight import rollup as r

    q = select(r.c.platform_id, r.c.month, func.sum(r.c.notices + r.c.orders).label("sent"),
               func.sum(r.c.met).label("met"), func.sum(r.c.missed).label("missed"),
               func.sum(r.c.refused).label("refused")).where(r.c.notices + r.c.orders > 0)
    month = (func.to_char(func.timezone("UTC", notices.c.sent_at), "YYYY-MM") if conn.dialect.name == "postgresql"
             else func.substr(notices.c.sent_at, 1, 7))
    judged = _outcome_sql(now)
    live = (select(notices.c.platform_org_id, month.label("month"), judged.label("outcome"), func.count().label("n"))
            .where(notices.c.status.in_((*OPEN, "withdrawn")), _visible(scope)))
    if scope.kind == "regulator" and scope.country:
        q = q.where(r.c.country == scope.country)
    elif scope.kind == "platform":
        q = q.where(r.c.platform_id == scope.platform_id)
    elif scope.kind == "organisation":
        q = q.where(r.c.org_id.in_(sorted(scope.org_ids or ())))
    if f.platform_id is not None:
        q, live = q.where(r.c.platform_id == f.platform_id), live.where(notices.c.platform_org_id == f.platform_id)
    if f.category:
        q, live = q.where(r.c.category == f.category), live.where(notices.c.category == f.category)
    if f.country:
        q, live = q.where(r.c.country == f.country.upper()), live.where(notices.c.country == f.country.upper())
    if f.since:
        q, live = q.where(r.c.month >= month_of(f.since)), live.where(notices.c.sent_at >= f.since)
    if f.until:
        q = q.where(r.c.month <= month_of(f.until - timedelta(seconds=1)))
        live = live.where(notices.c.sent_at < f.until)
    out: dict[tuple[int, str], dict[str, Any]] = {}

    def rec(platform: int, month: str) -> dict[str, Any]:
        return out.setdefault((platform, month), {
            "platform": names.get(platform), "platform_id": platform, "month": month, "sent": 0, "met": 0,
            "missed": 0, "refused": 0, "withdrawn": 0, "overdue": 0, "open": 0})

    version = cache.version(conn)
    key = ("record", str(conn.engine.url), version, scope.kind, scope.org_ids, scope.platform_id, scope.country,
           f.platform_id, f.category, f.country, f.since, f.until)
    summed = cache.get(key) if version else None
    if summed is None:  # the rollup part changes only with the rollups' version
        summed = [dict(row) for row in conn.execute(q.group_by(r.c.platform_id, r.c.month)).mappings()]
        if version:
            cache.put(key, summed)
    for row in summed:
        x = rec(row["platform_id"], row["month"])
        for k in ("sent", "met", "missed", "refused"):
            x[k] = int(row[k] or 0)
    for row in conn.execute(live.group_by(notices.c.platform_org_id, month, judged)).mappings():
        rec(row["platform_org_id"], row["month"])[row["outcome"]] += int(row["n"])
    return sorted(out.values(), key=lambda x: (x["platform"] or "", x["month"]))


__all__ = ["ANSWERS", "KINDS", "RegisterFilters", "outcome", "platform_record", "register", "respond", "send",
           "withdraw"]
