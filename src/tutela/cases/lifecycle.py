"""The case lifecycle: allowed moves and the clock on every stage.

received -> triaged -> assigned -> referred -> actioned -> closed, with
shortcuts where real work takes them (a triaged case can be closed as a
duplicate; an assigned one can be actioned without a referral) and a reopen
(closed -> triaged). Every stage has a deadline that depends on the priority:
a critical case must be picked up within 15 minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tutela.domain.cases import CaseStatus, Priority

S = CaseStatus

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.RECEIVED: frozenset({S.TRIAGED, S.CLOSED}),
    S.TRIAGED: frozenset({S.ASSIGNED, S.REFERRED, S.ACTIONED, S.CLOSED}),
    S.ASSIGNED: frozenset({S.TRIAGED, S.REFERRED, S.ACTIONED, S.CLOSED}),
    S.REFERRED: frozenset({S.ASSIGNED, S.ACTIONED, S.CLOSED}),
    S.ACTIONED: frozenset({S.REFERRED, S.CLOSED}),
    S.CLOSED: frozenset({S.TRIAGED}),  # reopen
}

_M = timedelta(minutes=1)
_H = timedelta(hours=1)
_D = timedelta(days=1)

#: How long a case may stay in a stage, by priority. None: no clock (closed).
STAGE_LIMITS: dict[Priority, dict[CaseStatus, timedelta]] = {
    Priority.CRITICAL: {
        S.RECEIVED: 5 * _M,
        S.TRIAGED: 15 * _M,
        S.ASSIGNED: 1 * _H,
        S.REFERRED: 4 * _H,
        S.ACTIONED: 1 * _D,
    },
    Priority.HIGH: {
        S.RECEIVED: 30 * _M,
        S.TRIAGED: 2 * _H,
        S.ASSIGNED: 8 * _H,
        S.REFERRED: 1 * _D,
        S.ACTIONED: 3 * _D,
    },
    Priority.MEDIUM: {
        S.RECEIVED: 4 * _H,
        S.TRIAGED: 1 * _D,
        S.ASSIGNED: 3 * _D,
        S.REFERRED: 7 * _D,
        S.ACTIONED: 14 * _D,
    },
    Priority.LOW: {
        S.RECEIVED: 1 * _D,
        S.TRIAGED: 3 * _D,
        S.ASSIGNED: 7 * _D,
        S.REFERRED: 14 * _D,
        S.ACTIONED: 30 * _D,
    },
}


class InvalidTransition(ValueError):
    """A move the lifecycle does not allow; the message names the allowed ones."""


def check_transition(current: str, target: str) -> CaseStatus:
    try:
        to = CaseStatus(target)
    except ValueError:
        valid = ", ".join(s.value for s in CaseStatus)
        raise InvalidTransition(f"unknown status {target!r}; valid: {valid}") from None
    frm = CaseStatus(current)
    if to not in TRANSITIONS[frm]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[frm])) or "none"
        raise InvalidTransition(f"a case cannot go from '{frm.value}' to '{to.value}'; allowed: {allowed}")
    return to


def deadline(priority: str, status: str, entered_at: datetime) -> datetime | None:
    limit = STAGE_LIMITS[Priority(priority)].get(CaseStatus(status))
    return entered_at + limit if limit is not None else None


def describe_limits(priority: str) -> dict[str, str]:
    """Stage -> allowed time in words, for the case view."""
    out = {}
    for status, limit in STAGE_LIMITS[Priority(priority)].items():
        minutes = int(limit.total_seconds() // 60)
        if minutes < 60:
            out[status.value] = f"{minutes} minutes"
        elif minutes < 24 * 60:
            out[status.value] = f"{minutes // 60} hours"
        else:
            out[status.value] = f"{minutes // (24 * 60)} days"
    return out


#: What the reporter reads for each stage: plain words, nothing internal.
PUBLIC_STAGE: dict[CaseStatus, tuple[str, str]] = {
    S.RECEIVED: ("received", "We have received your report. A person will look at it."),
    # Triage at intake is automatic: until a person has acted on the case, it is only "received".
    S.TRIAGED: ("received", "We have received your report. A person will look at it."),
    S.ASSIGNED: ("being_reviewed", "A person is reviewing your report."),
    S.REFERRED: ("passed_to_helpers", "We have passed your report to the people who can act on it."),
    S.ACTIONED: ("passed_to_helpers", "Action has been taken on your report."),
    S.CLOSED: ("finished", "We have finished working on your report."),
}
