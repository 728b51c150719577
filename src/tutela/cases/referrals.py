"""Referrals: a case passed to an agency, and what became of it.

A referral moves forward only: sent -> acknowledged -> content_removed ->
removal_verified (or declined), each step time-stamped once. When the agency
works in Tutela (its routing entry names an `org`), that organisation can see
the case and update the referral itself; otherwise the referring analyst
records the agency's answers. When it names a `partner` (an organisation on
another instance), the referral is also sent there, signed, by
`tutela.exchange.referrals`; the partner's acknowledgement and removal then
move this referral forward by themselves.
"""

from __future__ import annotations

from sqlalchemy import or_, select, update

from tutela.access import Forbidden, NotFound, Principal, get_org
from tutela.cases import audit, authz, lifecycle, routing
from tutela.cases.views import referral_view
from tutela.config import Settings
from tutela.domain.cases import CaseStatus, ReferralStatus, ReferralView
from tutela.storage.db import Database
from tutela.storage.tables.cases import case_events, cases, referrals
from tutela.storage.times import utc_now

R = ReferralStatus

#: Allowed next steps; time-stamp column per status.
NEXT: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    R.PENDING: frozenset({R.SENT, R.DECLINED}),
    R.SENT: frozenset({R.ACKNOWLEDGED, R.CONTENT_REMOVED, R.DECLINED}),
    R.ACKNOWLEDGED: frozenset({R.CONTENT_REMOVED, R.DECLINED}),
    R.CONTENT_REMOVED: frozenset({R.REMOVAL_VERIFIED}),
    R.REMOVAL_VERIFIED: frozenset(),
    R.DECLINED: frozenset(),
}
STAMP = {
    R.SENT: "sent_at",
    R.ACKNOWLEDGED: "acknowledged_at",
    R.CONTENT_REMOVED: "content_removed_at",
    R.REMOVAL_VERIFIED: "removal_verified_at",
    R.DECLINED: "declined_at",
}


def refer(
    db: Database,
    settings: Settings,
    principal: Principal,
    case_id: int,
    agency_ids: list[str] | None = None,
    *,
    note: str | None = None,
) -> list[ReferralView]:
    """Refer a case to agencies (default: every suggested route). The case moves to `referred`."""
    with audit.writing(db) as conn:
        access = authz.case_access(conn, principal, case_id, "refer")
        if access.relation != "owner":
            raise Forbidden(
                f"case {case_id} belongs to another organisation: only its owner refers it")
        case = access.case
        if case["status"] == CaseStatus.CLOSED.value:
            raise lifecycle.InvalidTransition("a closed case cannot be referred; reopen it first")
        config = routing.config_for(case["country"], settings, fresh=True)
        suggested = [r["agency_id"] for r in (case["routes"] or [])]
        wanted = list(dict.fromkeys(agency_ids or suggested))
        if not wanted:
            raise ValueError("no agency given and no route suggested for this case")
        unknown = [a for a in wanted if a not in config.agencies]
        if unknown:
            raise ValueError(
                f"unknown agencies {unknown} for routing config '{config.id}'; "
                f"valid: {', '.join(config.agencies)}"
            )
        abroad = {a: config.agencies[a].partner for a in wanted if config.agencies[a].partner}
        if abroad:  # refused before anything is written: a partner that may not receive this case
            from tutela.exchange.referrals import check_partner

            for partner in abroad.values():
                check_partner(db, principal, case, partner)
        already = set(
            conn.execute(
                select(referrals.c.agency_id).where(
                    referrals.c.case_id == case_id, referrals.c.status != R.DECLINED.value
                )
            ).scalars()
        )
        at = utc_now()
        created = []
        for agency_id in wanted:
            if agency_id in already:
                continue
            agency = config.agencies[agency_id]
            target = get_org(db, agency.org) if agency.org else None
            rid = int(
                conn.execute(
                    referrals.insert().values(
                        case_id=case_id,
                        org_id=case["org_id"],
                        agency_id=agency.id,
                        agency_name=agency.name,
                        agency_kind=agency.kind,
                        target_org_id=target["id"] if target else None,
                        status=R.SENT.value,
                        created_by=principal.actor,
                        created_at=at,
                        updated_at=at,
                        sent_at=at,
                    )
                ).inserted_primary_key[0]
            )
            created.append(rid)
        if not created:
            raise ValueError("the case is already referred to every agency named")
        moves: dict[str, str] = {}  # the case moves to "referred" where its lifecycle allows it
        if case["status"] in {
            s.value for s in lifecycle.TRANSITIONS if CaseStatus.REFERRED in lifecycle.TRANSITIONS[s]
        }:
            conn.execute(
                update(cases)
                .where(cases.c.id == case_id)
                .values(
                    status=CaseStatus.REFERRED.value,
                    updated_at=at,
                    stage_entered_at=at,
                    deadline_at=lifecycle.deadline(case["priority"], CaseStatus.REFERRED.value, at),
                )
            )
            moves = {"from_status": case["status"], "to_status": CaseStatus.REFERRED.value}
        conn.execute(
            case_events.insert().values(
                case_id=case_id,
                at=at,
                actor=principal.actor,
                event="referred",
                detail=note or ", ".join(wanted),
                **moves,
            )
        )
        audit.append(
            conn,
            actor=principal.actor,
            org_id=principal.org_id,
            action="case.refer",
            object_type="case",
            object_id=case_id,
            details={"referrals": created, "agencies": wanted},
        )
        sent_abroad = [
            (r["id"], abroad[r["agency_id"]])
            for r in conn.execute(select(referrals.c.id, referrals.c.agency_id).where(referrals.c.id.in_(created)))
            .mappings() if r["agency_id"] in abroad
        ]
    if sent_abroad:
        from tutela.exchange.referrals import refer_case

        for referral_id, partner in sent_abroad:
            refer_case(db, settings, principal, case_id, partner, referral_id=referral_id, note=note)
    with db.connect() as conn:
        rows = conn.execute(select(referrals).where(referrals.c.id.in_(created)).order_by(referrals.c.id))
        return [referral_view(dict(r)) for r in rows.mappings()]


def update_referral(
    db: Database, principal: Principal, referral_id: int, status: str, *, external_ref: str | None = None
) -> ReferralView:
    """Record the agency's progress. Either side of the referral may do it; steps never go back."""
    try:
        to = ReferralStatus(status)
    except ValueError:
        raise ValueError(
            f"unknown referral status {status!r}; valid: {', '.join(s.value for s in R)}"
        ) from None
    authz.require_permission(principal, "referral_update")  # before any lookup
    with audit.writing(db) as conn:
        row = conn.execute(select(referrals).where(referrals.c.id == referral_id)).mappings().first()
        if row is None:
            raise NotFound(f"no referral {referral_id} visible to your organisation")
        access = authz.case_access_as(conn, principal, row["case_id"], "referral_update",
                                      f"no referral {referral_id} visible to your organisation")
        if access.relation == "referred" and row["target_org_id"] != principal.org_id:
            raise NotFound(f"no referral {referral_id} visible to your organisation")
        current = ReferralStatus(row["status"])
        if to not in NEXT[current]:
            allowed = ", ".join(sorted(s.value for s in NEXT[current])) or "none (final)"
            raise lifecycle.InvalidTransition(
                f"a referral cannot go from '{current.value}' to '{to.value}'; allowed: {allowed}"
            )
        at = utc_now()
        values = {"status": to.value, "updated_at": at, STAMP[to]: at}
        if external_ref:
            values["external_ref"] = external_ref[:200]
        conn.execute(update(referrals).where(referrals.c.id == referral_id).values(**values))
        conn.execute(
            case_events.insert().values(
                case_id=row["case_id"],
                at=at,
                actor=principal.actor,
                event=f"referral_{to.value}",
                detail=f"referral {referral_id} ({row['agency_name']})",
            )
        )
        conn.execute(update(cases).where(cases.c.id == row["case_id"]).values(updated_at=at))
        audit.append(
            conn,
            actor=principal.actor,
            org_id=principal.org_id,
            action="referral.update",
            object_type="referral",
            object_id=referral_id,
            details={"case_id": row["case_id"], "from": current.value, "to": to.value},
        )
        new = conn.execute(select(referrals).where(referrals.c.id == referral_id)).mappings().one()
    return referral_view(dict(new))


def list_referrals(
    db: Database, principal: Principal, *, direction: str = "all", status: str | None = None, limit: int = 200
) -> list[ReferralView]:
    """`outgoing`: referrals this organisation made; `incoming`: referrals made to it."""
    authz.require_permission(principal, "read")
    if direction not in ("all", "incoming", "outgoing"):
        raise ValueError("direction must be one of: all, incoming, outgoing")
    outgoing = referrals.c.org_id == principal.org_id
    incoming = referrals.c.target_org_id == principal.org_id
    if not authz.sees_own_cases(principal):
        direction = "incoming"
    where = {"all": or_(outgoing, incoming), "incoming": incoming, "outgoing": outgoing}[direction]
    q = select(referrals).where(where)
    if status is not None:
        q = q.where(referrals.c.status == status)
    with db.connect() as conn:
        rows = (
            conn.execute(q.order_by(referrals.c.id.desc()).limit(max(1, min(limit, 1000)))).mappings().all()
        )
    return [referral_view(dict(r)) for r in rows]
