"""Policies as data: parse and validate a YAML policy into a compiled `Policy`.

The format is meant to be read by a trust-and-safety lead, not a programmer::

    policy: my-platform
    rules:
      - id: stranger-grooming
        description: an adult who is not a contact grooms a child
        priority: 80
        when:
          recipient.minor: true
          sender.age_band: adult
          connected: false
          any:
            - score: {sexual_exploitation: ">= 0.6"}
            - conversation_risk: ">= 0.6"
        then: [hold_for_review, nudge_recipient, limit_contact, open_case]
        nudge: stranger_contact

Validation collects every problem, each with the line it is on, so an author
fixes a file in one pass: `policy.yaml:14: rule 'x': unknown category 'sexul_content'`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutela.domain.policy import ACTION_SEVERITY, REPORT_TARGETS, Action
from tutela.domain.taxonomy import Category, category_ids
from tutela.policy.conditions import Node, Unreadable, compile_conditions, suggest
from tutela.policy.yamlines import YamlSyntaxError, YDict, YList, load

_RULE_KEYS = ("id", "description", "when", "then", "nudge", "priority", "ground", "final")
_TOP_KEYS = ("policy", "description", "version", "defaults", "on_unreadable", "rules")
_DEFAULT_KEYS = ("service_for_minors",)
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
_ACTIONS = {a.value for a in Action}
#: Verdicts `on_unreadable` may use: fail closed means nobody sees the item before a person has looked.
_CLOSED_VERDICTS = (Action.HOLD_FOR_REVIEW, Action.BLOCK)
#: The id of the rule `on_unreadable` becomes (reasons and the decision log name it).
UNREADABLE_RULE_ID = "on_unreadable"
#: Audiences a rule's actions imply for its nudge.
_NUDGE_AUDIENCE = {
    Action.NUDGE_RECIPIENT: "recipient",
    Action.WARN_SENDER: "sender",
    Action.NUDGE_SENDER: "sender",
}


@dataclass(frozen=True)
class PolicyIssue:
    line: int | None
    message: str
    rule: str | None = None

    def format(self, source: str = "policy.yaml") -> str:
        where = f"{source}:{self.line}" if self.line else source
        who = f"rule '{self.rule}': " if self.rule else ""
        return f"{where}: {who}{self.message}"


class PolicyError(ValueError):
    """A policy that does not validate; `issues` has every problem with its line."""

    def __init__(self, issues: list[PolicyIssue], source: str = "policy.yaml") -> None:
        self.issues = issues
        self.source = source
        super().__init__("\n".join(i.format(source) for i in issues))

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {"line": i.line, "rule": i.rule, "message": i.message, "text": i.format(self.source)}
            for i in self.issues
        ]


@dataclass(frozen=True)
class Rule:
    id: str
    when: Node | None
    actions: tuple[Action, ...]
    report_to: tuple[str, ...] = ()
    description: str | None = None
    priority: int = 0
    nudge: str | None = None
    nudge_to: tuple[str, ...] = ()
    ground: Category | None = None
    final: bool = False
    line: int = 0
    order: int = 0


@dataclass(frozen=True)
class Policy:
    """A compiled policy: rules sorted strongest priority first (file order breaks ties)."""

    name: str
    rules: tuple[Rule, ...]
    source: str
    description: str | None = None
    service_for_minors: bool = False
    version: int | None = None
    sha256: str = ""
    filename: str = "policy.yaml"
    meta: dict[str, Any] = field(default_factory=dict)
    #: applied after every other rule when media cannot be read or a detector fails
    on_unreadable: Rule = field(default_factory=lambda: unreadable_rule((Action.HOLD_FOR_REVIEW,), ()))

    def with_version(self, version: int | None) -> Policy:
        from dataclasses import replace

        return replace(self, version=version)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def unreadable_rule(actions: tuple[Action, ...], report_to: tuple[str, ...], line: int = 0) -> Rule:
    """The rule a policy's `on_unreadable` compiles to (its condition: facts["unreadable"] is not empty)."""
    return Rule(
        id=UNREADABLE_RULE_ID, when=Unreadable(), actions=actions, report_to=report_to,
        description="Media could not be read or a detector failed: the policy's on_unreadable applies (fail closed)",
        priority=0, line=line,
    )


def _parse_unreadable(raw: Any, line: int, issues: list[PolicyIssue]) -> Rule:
    """`on_unreadable: hold_for_review` (the default) or a list of actions with
    hold_for_review or block among them; never allow."""
    actions, targets = _parse_actions(raw, line, issues, None)
    if actions and (Action.ALLOW in actions or not any(a in _CLOSED_VERDICTS for a in actions)):
        issues.append(PolicyIssue(line, "on_unreadable must fail closed: give hold_for_review or block "
                                        "(and any other actions, e.g. open_case), never allow"))
    return unreadable_rule(tuple(actions), tuple(dict.fromkeys(targets)), line)


def _known_risks() -> set[str]:
    from tutela.help.nudges import RISKS

    return set(RISKS)


def _parse_actions(raw: Any, line: int, issues: list[PolicyIssue], rule_id: str | None) -> tuple[list[Action], list[str]]:
    items = raw if isinstance(raw, list) else [raw]
    lines = raw.item_lines if isinstance(raw, YList) else [line] * len(items)
    actions: list[Action] = []
    targets: list[str] = []
    if not items:
        issues.append(PolicyIssue(line, "'then' needs at least one action", rule_id))
    for item, ln in zip(items, lines, strict=True):
        name, param = item, None
        if isinstance(item, dict):
            if len(item) != 1:
                issues.append(PolicyIssue(ln, f"an action with a parameter is one key, e.g. {{report: hotline}}, "
                                              f"got {dict(item)!r}", rule_id))
                continue
            name, param = next(iter(item.items()))
        if not isinstance(name, str) or name not in _ACTIONS:
            issues.append(PolicyIssue(
                ln, f"unknown action '{name}'{suggest(str(name), _ACTIONS)}; valid: {', '.join(_ACTIONS_ORDERED)}",
                rule_id))
            continue
        action = Action(name)
        if action is Action.REPORT:
            target = param or "hotline"
            if target not in REPORT_TARGETS:
                issues.append(PolicyIssue(ln, f"report target must be one of {', '.join(REPORT_TARGETS)}, "
                                              f"got '{target}'", rule_id))
                continue
            targets.append(str(target))
        elif param is not None:
            issues.append(PolicyIssue(ln, f"action '{name}' takes no parameter", rule_id))
            continue
        if action not in actions:
            actions.append(action)
    return actions, targets


_ACTIONS_ORDERED = [a.value for a in sorted(Action, key=ACTION_SEVERITY.__getitem__)]


def _parse_rule(raw: Any, line: int, order: int, issues: list[PolicyIssue], risks: set[str]) -> Rule | None:
    if not isinstance(raw, YDict):
        issues.append(PolicyIssue(line, "each rule must be a mapping with id, when, then"))
        return None
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID_RE.match(rid):
        issues.append(PolicyIssue(raw.line_of("id") if "id" in raw else line,
                                  "rule needs an 'id': letters, digits, '-', '_', '.' (e.g. stranger-grooming)"))
        rid = None
    start = len(issues)
    for key in raw:
        if key not in _RULE_KEYS:
            issues.append(PolicyIssue(raw.line_of(key), f"unknown key '{key}'{suggest(str(key), _RULE_KEYS)}; "
                                                        f"valid: {', '.join(_RULE_KEYS)}", rid))
    when: Node | None = None
    if "when" in raw:
        when, errs = compile_conditions(raw["when"], raw.line_of("when"))
        issues.extend(PolicyIssue(e.line, str(e), rid) for e in errs)
    if "then" not in raw:
        issues.append(PolicyIssue(raw.line, "rule needs 'then': a list of actions", rid))
        actions: list[Action] = []
        targets: list[str] = []
    else:
        actions, targets = _parse_actions(raw["then"], raw.line_of("then"), issues, rid)
    priority = raw.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        issues.append(PolicyIssue(raw.line_of("priority"), f"priority must be a whole number, got {priority!r}", rid))
        priority = 0
    nudge = raw.get("nudge")
    nudge_to: list[str] = []
    if nudge is not None:
        if not isinstance(nudge, str) or nudge not in risks:
            issues.append(PolicyIssue(raw.line_of("nudge"), f"unknown nudge '{nudge}'"
                                      f"{suggest(str(nudge), risks)}; valid: {', '.join(sorted(risks))}", rid))
        nudge_to = [aud for act, aud in _NUDGE_AUDIENCE.items() if act in actions]
        if not nudge_to and actions:
            issues.append(PolicyIssue(raw.line_of("nudge"), "a nudge needs an action that shows it: "
                                      "nudge_recipient, nudge_sender or warn_sender", rid))
    ground = raw.get("ground")
    if ground is not None:
        try:
            ground = Category(ground)
        except ValueError:
            issues.append(PolicyIssue(raw.line_of("ground"), f"unknown category '{ground}'"
                                      f"{suggest(str(ground), set(category_ids()))}", rid))
            ground = None
    elif when is not None:
        cats = when.categories()
        ground = Category(cats[0]) if cats else None
    final = raw.get("final", False)
    if not isinstance(final, bool):
        issues.append(PolicyIssue(raw.line_of("final"), "final must be true or false", rid))
    desc = raw.get("description")
    if len(issues) > start or rid is None:
        return None
    return Rule(
        id=rid, when=when, actions=tuple(actions), report_to=tuple(dict.fromkeys(targets)),
        description=str(desc) if desc is not None else None, priority=priority, nudge=nudge,
        nudge_to=tuple(dict.fromkeys(nudge_to)), ground=ground, final=bool(final), line=raw.line, order=order,
    )


def parse_policy(text: str, *, filename: str = "policy.yaml") -> Policy:
    """Validate and compile a policy; raises PolicyError listing every problem with its line."""
    try:
        doc = load(text)
    except YamlSyntaxError as exc:
        raise PolicyError([PolicyIssue(exc.line, str(exc))], filename) from None
    issues: list[PolicyIssue] = []
    if not isinstance(doc, YDict):
        raise PolicyError([PolicyIssue(1, "a policy is a mapping with 'policy' (its name) and 'rules'")], filename)
    for key in doc:
        if key not in _TOP_KEYS:
            issues.append(PolicyIssue(doc.line_of(key), f"unknown top-level key '{key}'"
                                      f"{suggest(str(key), _TOP_KEYS)}; valid: {', '.join(_TOP_KEYS)}"))
    name = doc.get("policy")
    if not isinstance(name, str) or not name.strip():
        issues.append(PolicyIssue(doc.line_of("policy") if "policy" in doc else 1,
                                  "the policy needs a name: 'policy: my-platform'"))
        name = "unnamed"
    defaults = doc.get("defaults") or {}
    service_for_minors = False
    if not isinstance(defaults, dict):
        issues.append(PolicyIssue(doc.line_of("defaults"), "'defaults' must be a mapping"))
    else:
        for key, value in defaults.items():
            dline = defaults.line_of(key) if isinstance(defaults, YDict) else doc.line_of("defaults")
            if key not in _DEFAULT_KEYS:
                issues.append(PolicyIssue(dline, f"unknown default '{key}'; valid: {', '.join(_DEFAULT_KEYS)}"))
            elif not isinstance(value, bool):
                issues.append(PolicyIssue(dline, f"defaults.{key} must be true or false"))
            else:
                service_for_minors = value
    on_unreadable = (_parse_unreadable(doc["on_unreadable"], doc.line_of("on_unreadable"), issues)
                     if "on_unreadable" in doc else unreadable_rule((Action.HOLD_FOR_REVIEW,), ()))
    raw_rules = doc.get("rules")
    rules: list[Rule] = []
    if not isinstance(raw_rules, YList) or not raw_rules:
        issues.append(PolicyIssue(doc.line_of("rules") if "rules" in doc else doc.line,
                                  "the policy needs 'rules': a non-empty list"))
    else:
        risks = _known_risks()
        seen: dict[str, int] = {}
        for i, raw in enumerate(raw_rules):
            line = raw_rules.line_of(i)
            rid = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(rid, str) and rid in seen:
                issues.append(PolicyIssue(line, f"duplicate rule id (first on line {seen[rid]})", rid))
                continue
            if isinstance(rid, str):
                seen[rid] = line
            rule = _parse_rule(raw, line, i, issues, risks)
            if rule is not None:
                rules.append(rule)
    if issues:
        issues.sort(key=lambda i: (i.line or 0))
        raise PolicyError(issues, filename)
    rules.sort(key=lambda r: (-r.priority, r.order))
    desc = doc.get("description")
    return Policy(
        name=name.strip(), rules=tuple(rules), source=text, description=str(desc) if desc else None,
        service_for_minors=service_for_minors, sha256=hashlib.sha256(text.encode()).hexdigest(), filename=filename,
        on_unreadable=on_unreadable,
    )


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    return parse_policy(path.read_text(encoding="utf-8"), filename=path.name)


DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.yaml")
_default: Policy | None = None


def default_policy() -> Policy:
    """The built-in policy, safe by default for minors (parsed once per process)."""
    global _default
    if _default is None:
        _default = load_policy(DEFAULT_POLICY_PATH)
    return _default
