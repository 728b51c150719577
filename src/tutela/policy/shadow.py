"""Shadow mode: run a candidate policy beside the live one and see where they differ
before switching.

Two ways to look: `compare` replays a set of test cases (no logging, no side
effects) through both policies now; `report` aggregates what the decision log
recorded while a shadow version ran on real traffic.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tutela.policy.engine import evaluate
from tutela.policy.facts import build_facts
from tutela.policy.model import Policy
from tutela.storage.db import Database
from tutela.storage.tables.policy import moderation_decisions


def compare(live: Policy, candidate: Policy, cases: list[tuple[Any, Any]], *, settings: Any = None) -> dict[str, Any]:
    """Decide each (item, context) under both policies; count and list the differences."""
    from tutela.policy.service import Problems, analyze_item, as_context, as_item

    diffs = []
    for i, (item, context) in enumerate(cases):
        it, ctx = as_item(item), as_context(context)
        problems = Problems()  # a failed analysis: the policies' on_unreadable decides, as in moderation
        analysis = analyze_item(it.text, ctx.lang, settings, problems) if it.text else None
        facts = build_facts(ctx, analysis=analysis, has_media=it.has_media,
                            media_sexual_score=it.hashes.sexual_score if it.hashes else None,
                            unreadable=problems.unreadable)
        a, b = evaluate(live, facts), evaluate(candidate, facts)
        if a.decision != b.decision or set(a.actions) != set(b.actions):
            diffs.append({
                "case": i, "live": a.decision.value, "shadow": b.decision.value,
                "only_live": sorted(x.value for x in set(a.actions) - set(b.actions)),
                "only_shadow": sorted(x.value for x in set(b.actions) - set(a.actions)),
                "live_rules": a.rule_ids, "shadow_rules": b.rule_ids,
            })
    return {"cases": len(cases), "differ": len(diffs), "differences": diffs}


def report(db: Database, org_id: int, *, shadow_version: int | None = None,
           since: datetime | None = None, examples: int = 20) -> dict[str, Any]:
    """Where live and shadow disagreed in the logged decisions of an organisation."""
    t = moderation_decisions
    q = select(t.c.decision_id, t.c.created_at, t.c.policy_version, t.c.decision, t.c.actions, t.c.rules,
               t.c.shadow_version, t.c.shadow_decision, t.c.shadow_actions, t.c.shadow_rules,
               t.c.shadow_differs).where(t.c.org_id == org_id, t.c.shadow_version.is_not(None))
    if shadow_version is not None:
        q = q.where(t.c.shadow_version == shadow_version)
    if since is not None:
        q = q.where(t.c.created_at >= since)
    total = 0
    differ = 0
    transitions: Counter[tuple[str, str]] = Counter()
    only_live: Counter[str] = Counter()
    only_shadow: Counter[str] = Counter()
    rules_live: Counter[str] = Counter()
    rules_shadow: Counter[str] = Counter()
    sample: list[dict[str, Any]] = []
    with db.connect() as conn:
        for r in conn.execute(q.order_by(t.c.id)):
            total += 1
            if not r.shadow_differs:
                continue
            differ += 1
            transitions[(r.decision, r.shadow_decision)] += 1
            a, b = set(r.actions or []), set(r.shadow_actions or [])
            only_live.update(a - b)
            only_shadow.update(b - a)
            rules_live.update(set(r.rules or []) - set(r.shadow_rules or []))
            rules_shadow.update(set(r.shadow_rules or []) - set(r.rules or []))
            if len(sample) < examples:
                sample.append({
                    "decision_id": r.decision_id, "at": r.created_at.isoformat() if r.created_at else None,
                    "live": r.decision, "shadow": r.shadow_decision,
                    "only_live": sorted(a - b), "only_shadow": sorted(b - a),
                })
    return {
        "org_id": org_id,
        "shadow_version": shadow_version,
        "decisions": total,
        "differ": differ,
        "agreement": round(1 - differ / total, 4) if total else None,
        "transitions": [{"live": k[0], "shadow": k[1], "count": v} for k, v in transitions.most_common()],
        "actions_only_live": dict(only_live.most_common()),
        "actions_only_shadow": dict(only_shadow.most_common()),
        "rules_only_live": dict(rules_live.most_common()),
        "rules_only_shadow": dict(rules_shadow.most_common()),
        "examples": sample,
    }


__all__ = ["compare", "report"]
