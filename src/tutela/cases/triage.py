"""Triage: analyse what was reported and decide how urgent it is.

A child writing "he says he'll send my photos to everyone unless I pay" must
reach the top of the queue at once, whether or not the detector is sure. So
priority is the most urgent of three signals: what the reporter chose on the
form (some choices always mean imminent danger), what the detection engine
flagged in the description, and what the notifier asked for (CyberTipline
"escalate to high priority"). A description that reads as a child describing
harm happening to them (the `disclosure` signal) is urgent whatever was flagged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from tutela.domain.analysis import TextAnalysis
from tutela.domain.cases import Priority, resolve_category
from tutela.domain.taxonomy import TAXONOMY, Category, Severity, definition, imminent_choices, is_category

log = logging.getLogger(__name__)

_BY_SEVERITY = {
    Severity.CRITICAL: Priority.HIGH,  # reported, not yet confirmed: high; confirmed by analysis: critical
    Severity.HIGH: Priority.HIGH,
    Severity.MEDIUM: Priority.MEDIUM,
    Severity.LOW: Priority.LOW,
}

#: The signal a child's own account of harm raises (see `tutela.detect.semantic`).
DISCLOSURE = "disclosure"


@dataclass
class Triage:
    category: str
    priority: Priority
    reasons: list[str] = field(default_factory=list)
    analysis: dict[str, Any] = field(default_factory=dict)


def analyse(
    text: str, *, lang: str | None = None, settings: Any = None, db: Any = None, org_id: int | None = None
) -> TextAnalysis | None:
    """The detection engine's view of the text, or None for an empty text or when the engine fails.

    Both stages always run on a report ("deep"): reports are few, and a child's own words
    ("someone asks me for photos and says not to tell my parents") are what the semantic stage and
    its `disclosure` signal are for. The receiving organisation's own examples (`tutela examples`)
    count too, so the flags its console shows follow what its analysts taught.
    """
    if not text.strip():
        return None
    from tutela.detect import analyze_text
    from tutela.detect.semantic.orgbank import org_bank

    try:
        org = org_bank(db, org_id)
        return analyze_text(text, lang=lang, settings=settings, stages="deep", org=org)
    except Exception:  # a detector bug must never lose a report
        log.exception("text analysis failed; the report is kept and triaged on what the reporter chose")
        return None


def analyse_conversation(messages: list[Any]) -> dict[str, Any] | None:
    """The conversation engine's grooming risk for a reported chat, or None (no chat, or an engine error)."""
    if not messages:
        return None
    from tutela.conversations.batch import score_conversation

    try:
        result = score_conversation(
            [m.model_dump() if hasattr(m, "model_dump") else m for m in messages],
            conversation_id="reported-conversation",
        )
    except Exception:  # a detector bug must never lose a report
        log.exception("conversation analysis failed; the report is kept")
        return None
    return {
        "risk": round(float(result.risk), 4),
        "alert": bool(result.alert),
        "stages": [str(s) for s in result.stages],
        "flags": list(result.flags),
        "evidence": [
            {"message_index": e.message_index, "stage": str(e.stage), "score": round(float(e.score), 4)}
            for e in result.evidence
        ],
        "first_alert_at": result.first_alert_at,
        "messages": result.message_count,
    }


def stored_analysis(analysis: TextAnalysis | None) -> dict[str, Any]:
    """What we keep of an analysis: scores, flags and where (not the matched text: that stays encrypted)."""
    if analysis is None:
        return {}
    return {
        "lang": analysis.lang,
        "flags": [str(c) for c in analysis.flags],
        "scores": {str(k): round(float(v), 4) for k, v in analysis.scores.items()},
        "explanations": [
            {
                "category": str(e.category),
                "detector": e.detector,
                "reason": e.reason,
                "score": round(float(e.score), 4),
                "start": e.start,
                "end": e.end,
                **({"examples": e.examples} if e.examples else {}),
            }
            for e in analysis.explanations
        ],
        "stages": list(analysis.stages),
        "signals": dict(analysis.signals),
    }


def _max(a: Priority, b: Priority) -> Priority:
    return a if a.rank <= b.rank else b


def triage(
    category_key: str,
    analysis: TextAnalysis | None,
    *,
    escalate: bool = False,
    hash_matched: bool = False,
    conversation: dict[str, Any] | None = None,
) -> Triage:
    reported = resolve_category(category_key)
    priority = Priority.LOW
    reasons: list[str] = []
    if reported is not None:
        priority = _max(priority, _BY_SEVERITY[TAXONOMY[reported].severity])
        reasons.append(f"reported as {reported.value}")
    if category_key in imminent_choices():
        priority = Priority.CRITICAL
        reasons.append(f"reporter chose '{category_key}': possible imminent danger")
    flagged = list(analysis.flags) if analysis is not None else []
    for cat in flagged:
        harm = definition(cat)
        sev = harm.severity
        if harm.imminent:
            priority = Priority.CRITICAL
            reasons.append(f"analysis flagged {cat}: possible imminent danger")
        else:
            priority = _max(priority, _BY_SEVERITY[sev])
            reasons.append(f"analysis flagged {cat}")
    if analysis is not None and DISCLOSURE in analysis.signals:
        priority = Priority.CRITICAL
        reasons.append("the description reads as a child describing harm happening to them (disclosure)")
    if escalate:
        priority = Priority.CRITICAL
        reasons.append("notifier asked to escalate to high priority")
    if hash_matched:
        priority = _max(priority, Priority.HIGH)
        reasons.append("a file matched a hash list")
    if conversation and conversation.get("alert"):
        priority = Priority.CRITICAL
        stages = ", ".join(conversation.get("stages") or []) or "grooming"
        reasons.append(f"conversation analysis alerted ({stages}): possible grooming in progress")
        flagged = flagged + [c for c in conversation.get("flags", []) if is_category(c)]
    if reported is not None:
        category = reported.value
    elif flagged:
        category = max(
            flagged,
            key=lambda c: (
                TAXONOMY[Category(c)].severity,
                analysis.scores.get(c, 0) if analysis is not None else 0,
            ),
        )
        category = str(category)
    else:
        category = "other"
    stored = stored_analysis(analysis)
    if conversation is not None:
        stored["conversation"] = conversation
    return Triage(category, priority, reasons, stored)
