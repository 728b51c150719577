"""The reports-and-cases service: the one interface the API routes, the web
pages and Python callers use. Stable names; the work lives in the modules
named next to each function.

Errors: `tutela.access.AccessError` (403 for a role or scope that may not do
something, 404 for a case of another organisation, 410 for deleted evidence),
`ValueError` for bad input, with `InvalidTransition` (lifecycle),
`PayloadTooLarge` and `IdempotencyConflict` as subclasses that HTTP maps to
409 / 413 / 409.
"""

from __future__ import annotations

from tutela.cases.appeals import decide_appeal, list_appeals
from tutela.cases.authz import ROLES, permissions, principal_for_user
from tutela.cases.balancing import assign_next, auto_assign
from tutela.cases.commands import add_note, assign, bulk_transition, set_legal_hold, transition
from tutela.cases.evidence_access import custody_chain, evidence_content
from tutela.cases.intake import (
    IdempotencyConflict,
    PayloadTooLarge,
    report_status,
    submit_appeal,
    submit_report,
)
from tutela.cases.lifecycle import InvalidTransition
from tutela.cases.outcomes import list_outcomes, reset_outcomes, set_outcomes
from tutela.cases.queries import QUEUE_SORTS, get_case, list_queue, queue_facts
from tutela.cases.receiving import (
    HOLDING_ORG_NAME,
    adopt_waiting,
    intake_state,
    receiving_org,
    staffed_hotline,
)
from tutela.cases.referrals import list_referrals, refer, update_referral
from tutela.cases.saved_filters import delete_filter, list_filters, save_filter
from tutela.cases.statistics import case_stats

__all__ = [
    "HOLDING_ORG_NAME",
    "QUEUE_SORTS",
    "ROLES",
    "IdempotencyConflict",
    "InvalidTransition",
    "PayloadTooLarge",
    "add_note",
    "adopt_waiting",
    "assign",
    "assign_next",
    "auto_assign",
    "bulk_transition",
    "case_stats",
    "custody_chain",
    "delete_filter",
    "decide_appeal",
    "evidence_content",
    "get_case",
    "intake_state",
    "list_appeals",
    "list_filters",
    "list_outcomes",
    "list_queue",
    "list_referrals",
    "permissions",
    "principal_for_user",
    "queue_facts",
    "receiving_org",
    "refer",
    "report_status",
    "reset_outcomes",
    "save_filter",
    "set_legal_hold",
    "set_outcomes",
    "staffed_hotline",
    "submit_appeal",
    "submit_report",
    "transition",
    "update_referral",
]
