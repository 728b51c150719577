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

from tutela.access import Principal
from tutela.cases.authz import ROLES, permissions, principal_for_user
from tutela.cases.casework import (
    QUEUE_SORTS,
    add_note,
    assign,
    bind_settings,
    bulk_transition,
    case_stats,
    custody_chain,
    decide_appeal,
    evidence_content,
    get_case,
    list_appeals,
    list_queue,
    queue_facts,
    set_legal_hold,
    transition,
)
from tutela.cases.intake import (
    IdempotencyConflict,
    PayloadTooLarge,
    report_status,
    submit_appeal,
)
from tutela.cases.intake import submit_report as _submit_report
from tutela.cases.lifecycle import InvalidTransition
from tutela.cases.receiving import HOLDING_ORG_NAME, adopt_waiting, intake_state, receiving_org, staffed_hotline
from tutela.cases.referrals import list_referrals, refer, update_referral
from tutela.config import Settings
from tutela.domain.cases import EvidenceFile, ReportIn, ReportReceipt
from tutela.storage.db import Database


def submit_report(
    db: Database,
    settings: Settings,
    report: ReportIn,
    *,
    principal: Principal | None = None,
    files: list[EvidenceFile] | None = None,
    idempotency_key: str | None = None,
) -> ReportReceipt:
    """Take a report. `principal=None` is the public, anonymous form: the report goes to the hotline
    with people (`receiving_org`), or waits for one. Returns only after the report is durably stored."""
    bind_settings(db, settings)
    return _submit_report(
        db, settings, report, principal=principal, files=files, idempotency_key=idempotency_key
    )


__all__ = [
    "QUEUE_SORTS",
    "HOLDING_ORG_NAME",
    "ROLES",
    "IdempotencyConflict",
    "InvalidTransition",
    "PayloadTooLarge",
    "add_note",
    "adopt_waiting",
    "assign",
    "bulk_transition",
    "case_stats",
    "custody_chain",
    "decide_appeal",
    "evidence_content",
    "get_case",
    "intake_state",
    "list_appeals",
    "list_queue",
    "queue_facts",
    "list_referrals",
    "permissions",
    "principal_for_user",
    "receiving_org",
    "refer",
    "report_status",
    "set_legal_hold",
    "submit_appeal",
    "staffed_hotline",
    "submit_report",
    "transition",
    "update_referral",
]
