"""Rule conditions: parsed once from YAML into small test objects.

A policy is compiled when it is loaded, so evaluating it per message is a few
attribute lookups and comparisons (the `/v1/moderate` hot path). Each node can
also `explain` itself: the evidence strings in a decision come from the very
conditions that held, with the values they saw.

Facts are a flat dict built by `tutela.policy.facts`; see `FACT_KEYS`.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tutela.domain.policy import AgeBand
from tutela.domain.taxonomy import category_ids
from tutela.policy.yamlines import YDict, YList


def _categories() -> set[str]:
    """Category ids a condition may name, read when a policy is parsed (so registered ones count)."""
    return set(category_ids())


_BANDS = {b.value for b in AgeBand}

#: Signals (risk cues) a condition may name; see `tutela.policy.facts.signals_of`.
SIGNALS = (
    "secrecy",
    "photo_request",
    "threat",
    "meeting_request",
    "bullying",
    "self_harm",
    "personal_info",
    "off_platform",
    "gifts",
    "sexual",
)

_NUMERIC = {
    "conversation_risk",
    "account_risk",
    "sender.age",
    "recipient.age",
    "sender.account_age_days",
    "recipient.account_age_days",
    "account_age_days",  # the sender's
    "media.sexual_score",
}
_CHOICE = {
    "sender.age_band": _BANDS,
    "recipient.age_band": _BANDS,
    "platform": None,
    "country": None,
    "channel": None,
    "lang": None,
    "grooming_stage": None,
}
_BOOL = {
    "connected",
    "first_contact",
    "media",
    "service_for_minors",
    "sender.minor",
    "recipient.minor",
}
_SPECIAL = {"score", "flag", "signal", "hash_match", "all", "any", "not"}
FACT_KEYS = sorted(_NUMERIC | set(_CHOICE) | _BOOL | _SPECIAL)

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
_CMP_RE = re.compile(r"^\s*(>=|<=|==|!=|>|<)?\s*(-?\d+(?:\.\d+)?)\s*$")


class ConditionError(ValueError):
    """A bad condition, with the line it was written on."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Node:
    """A compiled condition."""

    __slots__ = ()

    def test(self, f: dict[str, Any]) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def explain(self, f: dict[str, Any], out: list[str]) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def categories(self) -> list[str]:
        """Categories this condition is about (to infer a rule's DSA ground)."""
        return []


@dataclass(slots=True)
class Compare:
    op: str
    threshold: float

    def __call__(self, value: float) -> bool:
        return _OPS[self.op](value, self.threshold)

    def __str__(self) -> str:
        return f"{self.op} {self.threshold:g}"


def parse_compare(value: Any, what: str, line: int) -> Compare:
    """`0.7` means `>= 0.7`; strings may carry an operator: `"< 30"`."""
    if isinstance(value, bool):
        raise ConditionError(f"{what}: expected a number or a comparison like \">= 0.7\", got {value!r}", line)
    if isinstance(value, (int, float)):
        return Compare(">=", float(value))
    if isinstance(value, str):
        m = _CMP_RE.match(value)
        if m:
            return Compare(m.group(1) or ">=", float(m.group(2)))
    raise ConditionError(
        f"{what}: cannot read comparison {value!r}; write e.g. \">= 0.7\" or \"< 30\"", line
    )


class AllOf(Node):
    __slots__ = ("nodes",)

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes

    def test(self, f: dict[str, Any]) -> bool:
        for n in self.nodes:
            if not n.test(f):
                return False
        return True

    def explain(self, f: dict[str, Any], out: list[str]) -> None:
        for n in self.nodes:
            n.explain(f, out)

    def categories(self) -> list[str]:
        return [c for n in self.nodes for c in n.categories()]


class AnyOf(Node):
    __slots__ = ("nodes",)

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes

    def test(self, f: dict[str, Any]) -> bool:
        for n in self.nodes:
            if n.test(f):
                return True
        return False

    def explain(self, f: dict[str, Any], out: list[str]) -> None:
        for n in self.nodes:
            if n.test(f):
                n.explain(f, out)

    def categories(self) -> list[str]:
        return [c for n in self.nodes for c in n.categories()]


class Not(Node):
    __slots__ = ("node",)

    def __init__(self, node: Node) -> None:
        self.node = node

    def test(self, f: dict[str, Any]) -> bool:
        return not self.node.test(f)

    def explain(self, f: dict[str, Any], out: list[str]) -> None:
        inner: list[str] = []
        self.node.explain(f, inner)
        out.append("not (" + ("; ".join(inner) or "condition") + ")")


class Score(Node):
    """`score: {category: cmp}`; the key `max` compares the highest score of any category."""

    __slots__ = ("category", "cmp")

    def __init__(self, category: str, cmp: Compare) -> None:
        self.category = category
        self.cmp = cmp

    def _value(self, f: dict[str, Any]) -> tuple[str, float]:
        scores: dict[str, float] = f["score"]
        if self.category == "max":
            if not scores:
                return "max", 0.0
            cat = max(scores, key=scores.__getitem__)
            return cat, scores[cat]
        return self.category, scores.get(self.category, 0.0)

    def test(self, f: dict[str, Any]) -> bool:
        return self.cmp(self._value(f)[1])

    def explain(self, f: dict[str, Any], out: list[str]) -> None:
        cat, value = self._value(f)
        out.append(f"score.{cat}={value:.2f} {self.cmp}")

    def categories(self) -> list[str]:
        return [] if self.category == "max" else [self.category]


class InSet(Node):
    """A fact that is a set (flags, signals, stages) holding any of the listed values."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, values: frozenset[str]) -> None:
        self.key = key
        self.values = values

    def test(self, f: dict[str, Any]) -> bool:
        return not self.values.isdisjoint(f[self.key])

    def explain(self, f: dict[str, Any], out: list[str]) -> None:
        seen = sorted(self.values & f[self.key])
        out.append(f"{self.key}: {', '.join(seen)}")

    def categories(self) -> list[str]:
        return sorted(self.values & _categories()) if self.key == "flags" else []


class Numeric(Node):
    """A numeric fact; an unknown value (None) never satisfies the comparison."""

    __slots__ = ("key", "cmp")

    def __init__(self, key: str, cmp: Compare) -> None:
        self.key = key
        self.cmp = cmp

    def test(self, f: dict[str, Any]) -> bool:
        v = f.get(self.key)
        return v is not None and self.cmp(v)

    def explain(self, f: dict[str, Any], out: list[str]) -> None:
        v = f.get(self.key)
        out.append(f"{self.key}={v:g} {self.cmp}" if isinstance(v, (int, float)) else f"{self.key}={v}")


class Choice(Node):
    __slots__ = ("key", "values")

    def __init__(self, key: str, values: frozenset[str]) -> None:
        self.key = key
        self.values = values

    def test(self, f: dict[str, Any]) -> bool:
        return f.get(self.key) in self.values

    def explain(self, f: dict[str, Any], out: list[str]) -> None:
        out.append(f"{self.key}={f.get(self.key)}")


class Flag(Node):
    __slots__ = ("key", "want")

    def __init__(self, key: str, want: bool) -> None:
        self.key = key
        self.want = want

    def test(self, f: dict[str, Any]) -> bool:
        return bool(f.get(self.key)) is self.want

    def explain(self, f: dict[str, Any], out: list[str]) -> None:
        out.append(f"{self.key}={'true' if bool(f.get(self.key)) else 'false'}")


#: Match trust levels (see tutela.domain.media.MatchTrust); `hash_match` without
#: a `trust` filter looks only at matches that may decide on their own.
HASH_TRUST = ("own", "enforce", "review")
DECISIVE_TRUST = frozenset({"own", "enforce"})


class HashMatch(Node):
    """`hash_match: true`, `{any: true}`, or filters `{category:, bank:, signal_type:, trust:}`.

    Without `trust` only matches from the organisation's own banks and its
    `enforce` subscriptions count; a `review` subscription's matches reach a
    rule only when it names `trust: review` (or `trust: any`), so subscribing
    to another organisation's bank never blocks anything by surprise.
    Matches that do not say their trust (facts built by hand) count as own.
    """

    __slots__ = ("want", "filters")

    def __init__(self, want: bool, filters: dict[str, frozenset[str]]) -> None:
        self.want = want
        filters = dict(filters)
        trust = filters.pop("trust", DECISIVE_TRUST)
        if "any" not in trust:
            filters["trust"] = frozenset(trust)
        self.filters = filters

    def _hits(self, f: dict[str, Any]) -> list[dict[str, Any]]:
        found = []
        for m in f["hash_matches"]:
            if all(str(m.get(k, "own" if k == "trust" else None)) in allowed for k, allowed in self.filters.items()):
                found.append(m)
        return found

    def test(self, f: dict[str, Any]) -> bool:
        if not f["hash_matches"]:
            return not self.want
        return bool(self._hits(f)) is self.want

    def explain(self, f: dict[str, Any], out: list[str]) -> None:
        hits = self._hits(f)
        if not self.want:
            out.append("no hash match")
            return
        for m in hits:
            trust = m.get("trust", "own")
            via = "" if trust == "own" else f", subscribed bank, trust {trust}"
            out.append(
                f"hash_match: bank '{m.get('bank')}' ({m.get('signal_type')}, distance {m.get('distance')}, "
                f"{m.get('category')}{via})"
            )

    def categories(self) -> list[str]:
        return sorted(self.filters.get("category", frozenset()))


class Unreadable(Node):
    """Holds when media could not be read or a detector failed (`facts["unreadable"]`
    lists why). Not written in policies: it is the condition of the policy's
    `on_unreadable` rule, which the engine applies after every other rule."""

    __slots__ = ()

    def test(self, f: dict[str, Any]) -> bool:
        return bool(f.get("unreadable"))

    def explain(self, f: dict[str, Any], out: list[str]) -> None:
        out.extend(f"unreadable: {why}" for why in f.get("unreadable") or ())


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _strings(value: Any, what: str, line: int, allowed: set[str] | None = None) -> frozenset[str]:
    items = _as_list(value)
    if not items:
        raise ConditionError(f"{what}: needs at least one value", line)
    out = set()
    for item in items:
        if isinstance(item, (dict, list)) or item is None:
            raise ConditionError(f"{what}: expected a value or a list of values, got {item!r}", line)
        s = str(item)
        if what in {"country"}:
            s = s.upper()
        if allowed is not None and s not in allowed:
            raise ConditionError(
                f"{what}: unknown value '{s}'{suggest(s, allowed)}; valid: {', '.join(sorted(allowed))}", line
            )
        out.add(s)
    return frozenset(out)


class _Collect:
    """Gathers every condition error of a rule, so an author sees them all at once."""

    def __init__(self) -> None:
        self.errors: list[ConditionError] = []


_collector: list[_Collect] = []


def compile_conditions(spec: Any, line: int) -> tuple[Node | None, list[ConditionError]]:
    """Compile a `when:` block, returning every error found (not just the first)."""
    col = _Collect()
    _collector.append(col)
    try:
        node = compile_condition(spec, line)
    except ConditionError as exc:
        col.errors.append(exc)
        node = None
    finally:
        _collector.pop()
    return (None if col.errors else node), col.errors


def _compile_each(pairs: list[tuple[Any, int]], fn: Any) -> list[Node]:
    nodes = []
    for value, ln in pairs:
        try:
            nodes.append(fn(value, ln))
        except ConditionError as exc:
            if not _collector:
                raise
            _collector[-1].errors.append(exc)
    return nodes


def compile_condition(spec: Any, line: int) -> Node:
    """Compile a `when:` block (a mapping: every key must hold; or a list: every item must hold)."""
    if isinstance(spec, YList) or isinstance(spec, list):
        lines = spec.item_lines if isinstance(spec, YList) else [line] * len(spec)
        return AllOf(_compile_each(list(zip(spec, lines, strict=True)), compile_condition))
    if not isinstance(spec, dict):
        raise ConditionError(f"a condition must be a mapping like 'channel: dm', got {spec!r}", line)
    nodes: list[Node] = _compile_each(
        [((str(key), value), spec.line_of(key) if isinstance(spec, YDict) else line) for key, value in spec.items()],
        lambda kv, ln: _leaf(kv[0], kv[1], ln),
    )
    if not nodes:
        if _collector and _collector[-1].errors:
            return AllOf([])
        raise ConditionError("empty condition", line)
    return nodes[0] if len(nodes) == 1 else AllOf(nodes)


def _leaf(key: str, value: Any, line: int) -> Node:
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise ConditionError(f"'{key}' takes a non-empty list of conditions", line)
        lines = value.item_lines if isinstance(value, YList) else [line] * len(value)
        nodes = _compile_each(list(zip(value, lines, strict=True)), compile_condition)
        return AllOf(nodes) if key == "all" else AnyOf(nodes)
    if key == "not":
        return Not(compile_condition(value, getattr(value, "line", line) or line))
    if key == "score":
        if not isinstance(value, dict) or not value:
            raise ConditionError("'score' takes a mapping of category to comparison, e.g. "
                                 "{sexual_exploitation: \">= 0.7\"}", line)
        scores: list[Node] = []
        for cat, cmp in value.items():
            cline = value.line_of(cat) if isinstance(value, YDict) else line
            cat = str(cat)
            if cat != "max" and cat not in (known := _categories()):
                raise ConditionError(f"unknown category '{cat}'{suggest(cat, known)}", cline)
            scores.append(Score(cat, parse_compare(cmp, f"score.{cat}", cline)))
        return scores[0] if len(scores) == 1 else AllOf(scores)
    if key == "flag":
        return InSet("flags", _strings(value, "flag", line, _categories()))
    if key == "signal":
        return InSet("signals", _strings(value, "signal", line, set(SIGNALS)))
    if key == "grooming_stage":
        from tutela.domain.conversation import STAGES

        return InSet("grooming_stages", _strings(value, "grooming_stage", line, {s.value for s in STAGES}))
    if key == "hash_match":
        if isinstance(value, bool):
            return HashMatch(value, {})
        if isinstance(value, dict):
            want = True
            filters: dict[str, frozenset[str]] = {}
            for k, v in value.items():
                if k == "any":
                    if not isinstance(v, bool):
                        raise ConditionError("hash_match.any must be true or false", line)
                    want = v
                elif k in ("category", "bank", "signal_type"):
                    filters[k] = _strings(v, f"hash_match.{k}", line, _categories() if k == "category" else None)
                elif k == "trust":
                    filters[k] = _strings(v, "hash_match.trust", line, {*HASH_TRUST, "any"})
                else:
                    raise ConditionError(
                        f"hash_match: unknown key '{k}'; valid: any, category, bank, signal_type, trust", line
                    )
            return HashMatch(want, filters)
        raise ConditionError(
            "hash_match takes true/false or {any: true, category: ..., bank: ..., trust: ...}", line
        )
    if key in _NUMERIC:
        fact = "sender.account_age_days" if key == "account_age_days" else key
        return Numeric(fact, parse_compare(value, key, line))
    if key in _CHOICE:
        return Choice(key, _strings(value, key, line, _CHOICE[key]))
    if key in _BOOL:
        if not isinstance(value, bool):
            raise ConditionError(f"'{key}' must be true or false, got {value!r}", line)
        return Flag(key, value)
    raise ConditionError(f"unknown condition '{key}'{suggest(key, FACT_KEYS)}", line)
