"""Evaluate a compiled policy over facts: which rules fire, and what to do.

Every rule is tested (strongest priority first); a matched rule marked
`final: true` stops rules of lower priority (an allow-list, say). The decision
is the strongest *verdict* (allow < warn_sender < blur < hold_for_review < block)
among the matched rules' actions; every other action (nudges, limit_contact,
preserve_evidence, open_case, report) is added. Each audience (sender,
recipient) gets at most one nudge: the one of the highest-priority rule that
has one, because a child should read one clear message, not three.

Fail closed: when media could not be read or a detector failed
(`facts["unreadable"]`), the policy's `on_unreadable` rule (default
`hold_for_review`) is added after every other rule, `final` ones included, so
an item nobody could look at is never allowed by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tutela.domain.policy import ACTION_SEVERITY, VERDICTS, Action, RuleHit
from tutela.domain.taxonomy import Category
from tutela.policy.facts import for_policy
from tutela.policy.model import Policy, Rule

_VERDICT_RANK = {a: i for i, a in enumerate(VERDICTS)}


@dataclass
class Evaluation:
    """The outcome of one policy over one item's facts (no I/O happened yet)."""

    policy: Policy
    decision: Action
    actions: list[Action]
    rules: list[Rule]
    report_to: list[str] = field(default_factory=list)
    ground: Category | None = None
    nudges: dict[str, str] = field(default_factory=dict)  # audience -> risk
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def rule_ids(self) -> list[str]:
        return [r.id for r in self.rules]

    def hits(self) -> list[RuleHit]:
        """The reasons, with the evidence each condition saw (computed only when asked)."""
        out = []
        for r in self.rules:
            evidence: list[str] = []
            if r.when is not None:
                r.when.explain(self.facts, evidence)
            else:
                evidence.append("always (rule has no conditions)")
            out.append(RuleHit(
                rule=r.id, description=r.description, priority=r.priority,
                actions=[a.value if a is not Action.REPORT else f"report:{','.join(r.report_to)}" for a in r.actions],
                evidence=evidence, ground=r.ground, line=r.line,
            ))
        return out


def evaluate(policy: Policy, facts: dict[str, Any]) -> Evaluation:
    """Run the policy over the facts. Pure and fast: the hot path of `/v1/moderate`."""
    f = for_policy(facts, policy.service_for_minors)
    matched: list[Rule] = []
    for rule in policy.rules:
        if rule.when is None or rule.when.test(f):
            matched.append(rule)
            if rule.final:
                break
    if f.get("unreadable"):
        matched.append(policy.on_unreadable)
    actions: set[Action] = set()
    report_to: list[str] = []
    nudges: dict[str, str] = {}
    ground: Category | None = None
    for rule in matched:  # already strongest priority first
        actions.update(rule.actions)
        for t in rule.report_to:
            if t not in report_to:
                report_to.append(t)
        if rule.nudge:
            for audience in rule.nudge_to:
                nudges.setdefault(audience, rule.nudge)
        if ground is None and rule.ground is not None and any(a is not Action.ALLOW for a in rule.actions):
            ground = rule.ground
    verdict = Action.ALLOW
    for a in actions:
        if a in _VERDICT_RANK and _VERDICT_RANK[a] > _VERDICT_RANK[verdict]:
            verdict = a
    if not actions:
        actions.add(Action.ALLOW)
    elif len(actions) > 1:
        actions.discard(Action.ALLOW)
    ordered = sorted(actions, key=ACTION_SEVERITY.__getitem__, reverse=True)
    return Evaluation(
        policy=policy, decision=verdict, actions=ordered, rules=matched, report_to=report_to,
        ground=ground, nudges=nudges, facts=f,
    )


__all__ = ["Evaluation", "evaluate"]
