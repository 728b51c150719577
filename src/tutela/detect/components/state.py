"""What the engine knows about one sub-batch while its components run, and the generic fold.

The engine fills the inputs (texts, their normalised forms, languages); each component adds what it
found. The first-stage model and the rule detectors write their own arrays (`probs`, `rules`,
`hits`, `vetoed`, `public_domain`), because the engine's flag rule weighs them against each other
(`engine._flag_matrix`); every other component lands in `extra_scores`, `extra_flags` and
`evidence`, through `fold` unless it brings its own `contribute`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tutela.config import Settings
from tutela.detect.components.base import Component, ComponentResult, Evidence
from tutela.detect.detectors.base import Hit
from tutela.domain.taxonomy import CATEGORIES, Category

COLUMN = {c.value: j for j, c in enumerate(CATEGORIES)}


@dataclass
class BatchState:
    settings: Settings | None
    originals: list[str]
    normalized: list[str]
    langs: list[str]
    live: list[int]  # rows with text to analyse
    natives: dict[int, str] = field(default_factory=dict)  # Finglish / translit rows in their own script
    org: Any = None  # the calling organisation's own semantic examples (OrgBank)
    model: Any = None  # the first-stage LinearModel, once its component ran
    probs: np.ndarray = field(init=False)
    rules: np.ndarray = field(init=False)
    vetoed: np.ndarray = field(init=False)
    public_domain: np.ndarray = field(init=False)
    chat_domain: np.ndarray = field(init=False)  # the router's likeliest route is `chat` (engine.CHAT_SECOND_OPINION)
    adult_to_minor: np.ndarray = field(init=False)  # the platform says an adult writes to a minor (engine._verified)
    hits: list[list[Hit]] = field(init=False)
    extra_scores: np.ndarray = field(init=False)
    extra_flags: np.ndarray = field(init=False)
    evidence: list[list[tuple[str, Evidence]]] = field(init=False)  # (component, evidence) per row
    signals: list[dict[str, float]] = field(init=False)
    stages: list[list[str]] = field(init=False)
    semantic: dict[int, Any] = field(default_factory=dict)  # row -> SemanticResult (explanations)

    def __post_init__(self) -> None:
        n, k = len(self.originals), len(CATEGORIES)
        self.probs = np.zeros((n, k))
        self.rules = np.zeros((n, k))
        self.vetoed = np.zeros((n, k), dtype=bool)
        self.public_domain = np.full(n, "", dtype=object)
        self.chat_domain = np.ones(n, dtype=bool)
        self.adult_to_minor = np.zeros(n, dtype=bool)
        self.hits = [[] for _ in range(n)]
        self.extra_scores = np.zeros((n, k))
        self.extra_flags = np.zeros((n, k), dtype=bool)
        self.evidence = [[] for _ in range(n)]
        self.signals = [{} for _ in range(n)]
        self.stages = [["fast"] for _ in range(n)]

    def __len__(self) -> int:
        return len(self.originals)


def fold(component: Component, state: BatchState, rows: list[int]) -> None:
    """Run a component on `rows` and fold its results in: max of scores, union of flags, its evidence.

    Labels that are not taxonomy categories (a plug-in's own signal) go to `signals` when flagged.
    """
    if not rows:
        return
    results: list[ComponentResult] = component.analyze(
        [state.originals[i] for i in rows], [state.langs[i] for i in rows]
    )
    if len(results) != len(rows):
        raise ValueError(f"component {component.name!r} returned {len(results)} results for {len(rows)} texts")
    for i, res in zip(rows, results, strict=True):
        for label, score in res.scores.items():
            j = COLUMN.get(label)
            if j is not None:
                state.extra_scores[i, j] = max(state.extra_scores[i, j], min(max(float(score), 0.0), 1.0))
        for label in res.flagged:
            j = COLUMN.get(label)
            if j is not None:
                state.extra_flags[i, j] = True
            else:
                state.signals[i][label] = round(float(res.scores.get(label, 1.0)), 4)
        state.signals[i].update(res.signals)
        state.evidence[i].extend((component.name, e) for e in res.evidence if e.label in res.flagged)
        if component.stage not in state.stages[i]:
            state.stages[i].append(component.stage)


def category(label: str) -> Category | None:
    return CATEGORIES[COLUMN[label]] if label in COLUMN else None
