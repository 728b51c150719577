"""One line per partner: its registration, what it thinks of our signals, how fast it acts on referrals,
and whether its audit trail ever shrank. What the console's partners page shows, in one call.

Precision is the share of our signals the partner confirmed among those it judged (confirmed or
disputed as a false positive); signals it only saw do not count either way (`exchange.feedback`). Timings are medians over
the referrals sent to it (`referrals.timings`); the witness line comes from `witness.state`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tutela.access import AccessError, Principal
from tutela.domain.exchange import Partner
from tutela.exchange import referrals, witness
from tutela.storage.db import Database


class Feedback(BaseModel):
    confirmed: int = 0
    disputed: int = 0
    seen: int = 0

    @property
    def precision(self) -> float | None:
        judged = self.confirmed + self.disputed
        return round(self.confirmed / judged, 3) if judged else None


class PartnerLine(BaseModel):
    partner: Partner
    feedback_on_ours: Feedback  # what the partner said about signals we shared
    feedback_on_theirs: Feedback  # what we said about signals it shared
    sent: referrals.PartnerTimings | None
    received: referrals.PartnerTimings | None
    witness: witness.WitnessState | None

    @property
    def precision(self) -> float | None:
        return self.feedback_on_ours.precision


def _feedback(db: Database, org_id: int) -> dict[tuple[str, str], Feedback]:
    """(partner name, direction) -> counts, as `exchange.feedback.precision` reports them."""
    from tutela.exchange import feedback

    return {
        (str(d["partner"]), direction): Feedback(confirmed=d["confirmed"], disputed=d["disputed"], seen=d["seen"])
        for direction in ("received", "sent")
        for d in feedback.precision(db, org_id, direction=direction)
    }


def partner_lines(db: Database, principal: Principal) -> list[PartnerLine]:
    """Every partner of the principal's organisation (revoked ones too, marked), with its figures."""
    from tutela.exchange import partners

    referrals.require_access(principal, "read")
    feedback = _feedback(db, principal.org_id)
    timings: dict[tuple[str, str], Any] = {(t.partner, t.direction): t for t in referrals.timings(db, principal)}
    try:
        witnessed = {w.partner: w for w in witness.state(db, principal)}
    except AccessError:  # people who may not exchange checkpoints still see the rest
        witnessed = {}
    return [
        PartnerLine(
            partner=p,
            feedback_on_ours=feedback.get((p.name, "received"), Feedback()),
            feedback_on_theirs=feedback.get((p.name, "sent"), Feedback()),
            sent=timings.get((p.name, "out")),
            received=timings.get((p.name, "in")),
            witness=witnessed.get(p.name),
        )
        for p in partners.list_partners(db, principal.org_id, include_revoked=True)
    ]
