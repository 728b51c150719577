"""A DSA statement of reasons (Art. 17, transparency database shape), without personal data.

Fields follow the EU DSA Transparency Database submission format. Only the
decision and its grounds are exported: no reporter, no account identifier,
no description, no URL (the database is public); `puid` is Tutela's case id.
"""

from __future__ import annotations

import json
from typing import Any

from tutela.cases.exports import Export, register
from tutela.domain.cases import CaseDetail, Outcome
from tutela.domain.taxonomy import dsa_category, dsa_keywords, is_illegal


def statement(detail: CaseDetail) -> dict[str, Any]:
    outcome = detail.outcome
    removed = outcome == Outcome.CONTENT_REMOVED or any(r.content_removed_at for r in detail.referrals)
    account = outcome == Outcome.ACCOUNT_ACTIONED
    if not (removed or account):
        raise ValueError(
            "a statement of reasons needs a restriction (content removed or account actioned); "
            f"this case has outcome {outcome!r}"
        )
    category, keywords = dsa_category(detail.category), list(dsa_keywords(detail.category))
    # The ground the organisation's outcome carried when the case closed; "by_category" (and cases
    # closed before outcome lists) decide by the category, as the taxonomy says what is illegal.
    illegal = {"illegal": True, "incompatible": False}.get(detail.outcome_ground or "", is_illegal(detail.category))
    kinds = {r.reporter_kind for r in detail.reports}
    source = (
        "SOURCE_TRUSTED_FLAGGER"
        if "trusted_flagger" in kinds
        else "SOURCE_ARTICLE_16"
        if kinds & {"platform", "public", "parent", "child"}
        else "SOURCE_VOLUNTARY"
    )
    content_types = ["CONTENT_TYPE_TEXT"] if any(r.description for r in detail.reports) else []
    for ev in detail.evidence:
        ct = ev.content_type or ""
        if ct.startswith("image/"):
            content_types.append("CONTENT_TYPE_IMAGE")
        elif ct.startswith("video/"):
            content_types.append("CONTENT_TYPE_VIDEO")
    decided = next(
        (t.at for t in reversed(detail.timeline) if t.to_status in ("actioned", "closed")), detail.updated_at
    )
    flagged_by_model = any(r.analysis_flags for r in detail.reports)
    return {
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"] if removed else [],
        "decision_account": "DECISION_ACCOUNT_SUSPENDED" if account else None,
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"
        if illegal
        else "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "illegal_content_legal_ground": "Law on child sexual abuse and exploitation" if illegal else None,
        "illegal_content_explanation": "Content assessed as child sexual exploitation." if illegal else None,
        "incompatible_content_ground": None if illegal else "Terms of service: protection of minors",
        "incompatible_content_explanation": None if illegal else f"Content assessed as {detail.category}.",
        "category": category,
        "category_specification": keywords,
        "content_type": sorted(set(content_types)) or ["CONTENT_TYPE_OTHER"],
        "source_type": source,
        "automated_detection": "Yes" if flagged_by_model else "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "territorial_scope": [detail.country] if detail.country else [],
        "application_date": decided.date().isoformat(),
        "content_date": detail.created_at.date().isoformat(),
        "decision_facts": f"Reviewed by a trained analyst after {len(detail.reports)} report(s); "
        f"assessed as {detail.category}.",
        "puid": f"tutela-case-{detail.id}",
    }


@register("dsa")
def render(detail: CaseDetail, options: dict[str, Any]) -> Export:
    body = json.dumps(statement(detail), indent=2).encode()
    return Export(body, "application/json", f"dsa-statement-case-{detail.id}.json")
