"""Case statistics without content: counts by status, priority, category and referral status."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from tutela.access import Principal
from tutela.cases import authz
from tutela.domain.cases import CaseStats, CaseStatus
from tutela.storage.db import Database
from tutela.storage.tables.access import orgs
from tutela.storage.tables.cases import cases, referrals
from tutela.storage.times import utc_now


def case_stats(db: Database, principal: Principal) -> CaseStats:
    """Aggregates without content. A regulator sees every organisation; others their own."""
    authz.require_permission(principal, "stats")
    with db.connect() as conn:
        kind = conn.execute(select(orgs.c.kind).where(orgs.c.id == principal.org_id)).scalar()
        everyone = principal.role == "regulator" or kind == "regulator"
        where = [] if everyone else [cases.c.org_id == principal.org_id]

        def counts(col) -> dict[str, int]:
            rows = conn.execute(select(col, func.count()).where(*where).group_by(col)).all()
            return {str(k): int(n) for k, n in rows}

        by_status = counts(cases.c.status)
        overdue = conn.execute(
            select(func.count())
            .select_from(cases)
            .where(*where, cases.c.status != CaseStatus.CLOSED.value, cases.c.deadline_at < utc_now())
        ).scalar_one()
        rq = select(referrals.c.status, func.count()).group_by(referrals.c.status)
        if not everyone:
            rq = rq.where(referrals.c.org_id == principal.org_id)
        ref_counts = Counter({str(k): int(n) for k, n in conn.execute(rq).all()})
        return CaseStats(
            total=sum(by_status.values()),
            by_status=by_status,
            by_priority=counts(cases.c.priority),
            by_category=counts(cases.c.category),
            overdue=int(overdue),
            referrals_by_status=dict(ref_counts),
        )
