"""Conversation-level quality on the written corpus: what the model card reports.

A grooming conversation counts as caught when an alert fires; it counts as
caught *early* when the alert fires before the first sexual, image-request or
threat message (or at all, when the conversation never gets there). An
ordinary conversation with an alert is a false alert.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

from tutela.conversations.batch import score_conversation
from tutela.conversations.detector import StageDetector, default_detector
from tutela.conversations.risk import RiskParams
from tutela.conversations.segments import SegTerms
from tutela.conversations.tracker import ConversationTracker, default_params
from tutela.domain.conversation import LATE_STAGES


class CachedDetector(StageDetector):
    """Scores each distinct text once: tuning replays the corpus many times."""

    def __init__(self, inner: StageDetector) -> None:
        self.inner = inner
        self.model = inner.model
        self.segment_model = inner.segment_model
        self.max_chars = inner.max_chars
        self._cache: dict[str, tuple[list[float], SegTerms]] = {}

    def analyse(self, text: str) -> tuple[list[float], SegTerms]:
        s = self._cache.get(text)
        if s is None:
            s = self._cache[text] = self.inner.analyse(text)
        return s


def first_late_index(conv: dict[str, Any]) -> int | None:
    for i, m in enumerate(conv["messages"]):
        if any(s in LATE_STAGES for s in m.get("stages", [])):
            return i
    return None


def f_beta(p: float, r: float, beta: float = 0.5) -> float:
    if p + r == 0:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * p * r / (b2 * p + r)


def evaluate(
    convs: Iterable[dict[str, Any]],
    detector: StageDetector | None = None,
    params: RiskParams | None = None,
    semantic_windows: bool | None = None,
) -> dict[str, dict[str, Any]]:
    """Per language (and 'all'): precision, recall, F0.5, early share, median messages to first alert.
    `semantic_windows`: as `ConversationTracker` takes it (None: the tracker's default)."""
    detector = detector if detector is not None else default_detector()
    params = params if params is not None else default_params()
    rows: dict[str, list[tuple[bool, bool, bool, int | None]]] = {}
    for conv in convs:
        tracker = ConversationTracker(detector=detector, params=params, semantic_windows=semantic_windows)
        msgs = [{k: v for k, v in m.items() if k != "stages"} for m in conv["messages"]]
        res = score_conversation(msgs, conv["id"], tracker=tracker)
        groom = conv["kind"] == "grooming"
        alerted = res.first_alert_at is not None
        late = first_late_index(conv) if groom else None
        early = alerted and (late is None or res.first_alert_at < late)  # type: ignore[operator]
        row = (groom, alerted, early, res.first_alert_at)
        rows.setdefault(conv["lang"], []).append(row)
        rows.setdefault("all", []).append(row)
    out = {}
    for lang, rs in rows.items():
        tp = sum(1 for g, a, _, _ in rs if g and a)
        fp = sum(1 for g, a, _, _ in rs if not g and a)
        fn = sum(1 for g, a, _, _ in rs if g and not a)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 0.0
        firsts = [fa + 1 for g, a, _, fa in rs if g and a and fa is not None]
        out[lang] = {
            "grooming": sum(1 for g, *_ in rs if g),
            "ordinary": sum(1 for g, *_ in rs if not g),
            "precision": round(p, 3),
            "recall": round(r, 3),
            "f05": round(f_beta(p, r), 3),
            "false_alerts": fp,
            "early": sum(1 for g, _, e, _ in rs if g and e),
            "median_messages_to_alert": statistics.median(firsts) if firsts else None,
        }
    return out
