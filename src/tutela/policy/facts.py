"""Facts: everything a policy may look at, gathered into one flat dict.

Detectors speak in categories and explanations; rules and nudges need a few
more specific *risk signals* (a secrecy request, a photo request, a threat, a
meeting request ...). We read them from the detectors' explanations, so the
policy never re-analyses text and every signal points at the span that made it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tutela.domain.analysis import TextAnalysis
from tutela.domain.policy import AgeBand, ModerationContext
from tutela.domain.taxonomy import TAXONOMY

_MINOR_BANDS = {AgeBand.CHILD.value, AgeBand.TEEN.value}
_UNKNOWN = AgeBand.UNKNOWN.value
# `str(member)` below, not `member.value`: the enum property is slow on the hot path.

#: Explanation reason prefix (before ':') -> signal. Reasons come from the text
#: detectors' lexicons (`tutela/detect/lexicons/*.yaml`).
REASON_SIGNALS: dict[str, str] = {
    "secrecy": "secrecy",
    "secrecy from parents": "secrecy",
    "hide the chat": "secrecy",
    "image request": "photo_request",
    "sexual image request": "photo_request",
    "webcam request": "photo_request",
    "sextortion threat": "threat",
    "arranging to meet": "meeting_request",
    "sexual questioning": "sexual",
    "age gap normalised": "sexual",
}
#: Grooming stages (conversation engine) -> signals, for conditions over a whole conversation.
STAGE_SIGNALS: dict[str, str] = {
    "secrecy": "secrecy",
    "images": "photo_request",
    "threats": "threat",
    "meeting": "meeting_request",
    "off_platform": "off_platform",
    "gifts": "gifts",
    "sexual": "sexual",
}


def signals_of(analysis: TextAnalysis | None) -> set[str]:
    """Risk signals seen in one text's analysis."""
    if analysis is None:
        return set()
    found: set[str] = set()
    for exp in analysis.explanations:
        prefix = exp.reason.split(":", 1)[0].strip().lower()
        sig = REASON_SIGNALS.get(prefix)
        if sig:
            found.add(sig)
        elif exp.category.value == "privacy":
            found.add("personal_info")
    for cat in analysis.flags:  # categories that are signals in themselves once flagged
        harm = TAXONOMY.get(cat)
        if harm is not None and harm.nudge_risk:
            found.add(harm.nudge_risk)
    return found


def _party(prefix: str, party: Any, service_for_minors: bool, f: dict[str, Any]) -> None:
    band = str(party.band())
    f[f"{prefix}.age_band"] = band
    f[f"{prefix}.age"] = party.age
    f[f"{prefix}.account_age_days"] = party.account_age_days
    # Conservative by default: where the service is for minors, an unknown age is a minor.
    f[f"{prefix}.minor"] = band in _MINOR_BANDS or (band == _UNKNOWN and service_for_minors)


def build_facts(
    context: ModerationContext,
    *,
    analysis: TextAnalysis | None = None,
    has_media: bool = False,
    media_sexual_score: float | None = None,
    hash_matches: Iterable[dict[str, Any]] = (),
    conversation: Any | None = None,
    account: Any | None = None,
    policy_service_for_minors: bool = False,
    unreadable: Iterable[str] = (),
) -> dict[str, Any]:
    """The flat fact dict conditions read (see `tutela.policy.conditions.FACT_KEYS`).

    `connected` and `first_contact` that the platform did not send count as
    false: for a child, an unknown sender is treated as a stranger.
    """
    scores: dict[str, float] = {}
    flags: set[str] = set()
    if analysis is not None:
        scores = {str(c): float(v) for c, v in analysis.scores.items()}
        flags = {str(c) for c in analysis.flags}
    if media_sexual_score is not None:
        scores["sexual_content"] = max(scores.get("sexual_content", 0.0), float(media_sexual_score))
    signals = signals_of(analysis)
    stages: set[str] = set()
    conv_risk = None
    if conversation is not None:
        conv_risk = float(conversation.risk)
        stages = {str(getattr(s, "value", s)) for s in conversation.stages}
    service_for_minors = (
        context.service_for_minors if context.service_for_minors is not None else policy_service_for_minors
    )
    f: dict[str, Any] = {
        "score": scores,
        "flags": frozenset(flags),
        "signals": frozenset(signals),
        "grooming_stages": frozenset(stages),
        "hash_matches": list(hash_matches),
        # why the item was not fully looked at (media unreadable, a detector failed): on_unreadable applies
        "unreadable": tuple(unreadable),
        "media": has_media,
        "media.sexual_score": media_sexual_score,
        "conversation_risk": conv_risk,
        "account_risk": float(account.risk) if account is not None else None,
        "connected": bool(context.connected),
        "first_contact": bool(context.first_contact),
        "platform": context.platform,
        "country": context.country,
        "channel": context.channel,
        "lang": (analysis.lang if analysis is not None else None) or context.lang,
        "service_for_minors": bool(service_for_minors),
        "_context_service_for_minors": context.service_for_minors,
    }
    _party("sender", context.sender, bool(service_for_minors), f)
    _party("recipient", context.recipient, bool(service_for_minors), f)
    return f


def for_policy(f: dict[str, Any], policy_service_for_minors: bool) -> dict[str, Any]:
    """The facts as a policy with this `service_for_minors` default sees them.

    The platform's own `service_for_minors` wins; otherwise the policy's default
    decides whether unknown ages count as minors. Copies only when that changes.
    """
    ctx = f["_context_service_for_minors"]
    sfm = bool(ctx) if ctx is not None else policy_service_for_minors
    if sfm == f["service_for_minors"]:
        return f
    g = dict(f)
    g["service_for_minors"] = sfm
    for prefix in ("sender", "recipient"):
        band = g[f"{prefix}.age_band"]
        g[f"{prefix}.minor"] = band in _MINOR_BANDS or (band == _UNKNOWN and sfm)
    return g


__all__ = ["REASON_SIGNALS", "STAGE_SIGNALS", "build_facts", "for_policy", "signals_of"]
