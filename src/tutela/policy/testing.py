"""Policy test cases: a JSONL file of messages with the decision a policy should make.

Lets a trust-and-safety lead pin a policy's behaviour before uploading it
(`tutela policy test policy.yaml --cases cases.jsonl`). One case per line::

    {"id": "grooming-tr", "text": "annene söyleme", "context": {"recipient": {"age": 12}},
     "expect": {"decision": "hold_for_review", "actions": ["nudge_recipient"], "rules": ["grooming-secrecy"],
                "not_actions": ["block"], "nudge": "secrecy"}}

Cases run through the real detectors; nothing is logged and no case is opened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutela.policy.model import Policy

_EXPECT_KEYS = {"decision", "actions", "not_actions", "rules", "not_rules", "nudge", "nudges"}


class CaseFileError(ValueError):
    pass


@dataclass
class CaseResult:
    id: str
    line: int
    passed: bool
    decision: str
    actions: list[str]
    rules: list[str]
    nudges: dict[str, str]
    failures: list[str] = field(default_factory=list)


def read_cases(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, case) for each non-empty line; raises CaseFileError naming the bad line."""
    out = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                case = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CaseFileError(f"{path}:{n}: not valid JSON: {exc.msg}") from None
            if not isinstance(case, dict):
                raise CaseFileError(f"{path}:{n}: each line must be a JSON object")
            unknown = set(case.get("expect") or {}) - _EXPECT_KEYS
            if unknown:
                raise CaseFileError(f"{path}:{n}: unknown expectation(s) {sorted(unknown)}; "
                                    f"valid: {', '.join(sorted(_EXPECT_KEYS))}")
            out.append((n, case))
    return out


def run_case(policy: Policy, case: dict[str, Any], line: int = 0, settings: Any = None) -> CaseResult:
    from tutela.policy.service import moderate

    item = {k: case[k] for k in ("text", "hashes", "id") if k in case}
    d = moderate(item, case.get("context"), policy=policy, settings=settings, log_decision=False,
                 side_effects=False)
    actions = [a.value for a in d.actions]
    rules = [r.rule for r in d.reasons]
    nudges: dict[str, str] = {n.to: n.risk for n in d.nudges}
    exp = case.get("expect") or {}
    fails: list[str] = []
    if "decision" in exp and d.decision.value != exp["decision"]:
        fails.append(f"decision {d.decision.value}, expected {exp['decision']}")
    for a in exp.get("actions", []):
        if a not in actions:
            fails.append(f"missing action {a}")
    for a in exp.get("not_actions", []):
        if a in actions:
            fails.append(f"unexpected action {a}")
    for r in exp.get("rules", []):
        if r not in rules:
            fails.append(f"rule {r} did not fire")
    for r in exp.get("not_rules", []):
        if r in rules:
            fails.append(f"rule {r} fired")
    if "nudge" in exp:
        want = exp["nudge"]
        if want is None and nudges:
            fails.append(f"unexpected nudge {nudges}")
        elif want is not None and want not in nudges.values():
            fails.append(f"nudge {want} not shown (got {nudges or 'none'})")
    for aud, risk in (exp.get("nudges") or {}).items():
        if nudges.get(aud) != risk:
            fails.append(f"{aud} nudge {nudges.get(aud)}, expected {risk}")
    return CaseResult(id=str(case.get("id", f"line {line}")), line=line, passed=not fails,
                      decision=d.decision.value, actions=actions, rules=rules, nudges=nudges, failures=fails)


def run_cases(policy: Policy, path: str | Path, settings: Any = None) -> list[CaseResult]:
    return [run_case(policy, case, n, settings) for n, case in read_cases(path)]


__all__ = ["CaseFileError", "CaseResult", "read_cases", "run_case", "run_cases"]
