"""Decision log rows as EU DSA Article 17 statements of reasons.

Field names follow the DSA Transparency Database submission format, so an
export needs no re-interpretation. Every decision here is automated
(detected and decided by rules), which the statement says plainly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tutela.domain.taxonomy import dsa_category, dsa_keywords, is_illegal

#: Our verdicts -> the visibility restriction they amount to.
VISIBILITY = {
    "block": "DECISION_VISIBILITY_CONTENT_REMOVED",
    "hold_for_review": "DECISION_VISIBILITY_CONTENT_DISABLED",
    "blur": "DECISION_VISIBILITY_OTHER",
    "warn_sender": "DECISION_VISIBILITY_OTHER",
}


def statement_of_reasons(row: dict[str, Any]) -> dict[str, Any] | None:
    """A statement for a logged decision that restricted something; None for plain allows."""
    decision = row["decision"]
    if decision not in VISIBILITY:
        return None
    ground = row.get("ground") or None  # no ground: the statement says terms of service
    facts = row.get("facts") or {}
    evidence = facts.get("evidence") or {}
    text = "; ".join(f"rule {rule}: {', '.join(ev)}" for rule, ev in evidence.items())
    illegal = is_illegal(ground)
    return {
        "puid": row["decision_id"],
        "decision_visibility": [VISIBILITY[decision]],
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT" if illegal else "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "illegal_content_legal_ground": "child protection law" if illegal else None,
        "incompatible_content_ground": None if illegal else f"policy {row.get('policy')} rules {', '.join(row.get('rules') or [])}",
        "category": dsa_category(ground),
        "category_specification": list(dsa_keywords(ground)),
        "content_type": ["CONTENT_TYPE_IMAGE"] if row.get("content_type") == "image" else ["CONTENT_TYPE_TEXT"],
        "decision_facts": text[:5000] or "decided by automated policy rules",
        "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": "Yes",
        "automated_decision": "AUTOMATED_DECISION_FULLY" if row.get("automated", True) else "AUTOMATED_DECISION_NOT_AUTOMATED",
        "application_date": row["created_at"].date().isoformat() if row.get("created_at") else None,
        "territorial_scope": [row["country"]] if row.get("country") else None,
        "policy_version": row.get("policy_version"),
        "actions": row.get("actions"),
    }


def export_statements(db: Any, org_id: int, *, since: Any = None) -> Iterator[dict[str, Any]]:
    """Statements of reasons for an organisation's logged decisions that restricted something."""
    from sqlalchemy import select

    from tutela.policy.log import decision_log
    from tutela.storage.tables.policy import moderation_decisions as t

    decision_log(db).flush()
    q = select(t).where(t.c.org_id == org_id)
    if since is not None:
        q = q.where(t.c.created_at >= since)
    with db.connect() as conn:
        for row in conn.execute(q.order_by(t.c.id)).mappings():
            sor = statement_of_reasons(dict(row))
            if sor is not None:
                yield sor


__all__ = ["export_statements", "statement_of_reasons"]
