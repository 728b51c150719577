"""Build analyses by hand for unit tests of the policy engine (end-to-end tests use the real detectors)."""

from __future__ import annotations

from typing import Any

from tutela.domain.analysis import Explanation, TextAnalysis
from tutela.domain.policy import ModerationContext
from tutela.domain.taxonomy import CATEGORIES, Category
from tutela.policy.engine import Evaluation, evaluate
from tutela.policy.facts import build_facts
from tutela.policy.model import Policy


def analysis(lang: str = "en", reasons: dict[str, str] | None = None, **scores: float) -> TextAnalysis:
    full = {c: 0.0 for c in CATEGORIES}
    full.update({Category(k): v for k, v in scores.items()})
    exps = [Explanation(category=Category(cat), detector="test", reason=reason, score=0.9)
            for reason, cat in (reasons or {}).items()]
    return TextAnalysis(lang=lang, scores=full, flags=[c for c, v in full.items() if v >= 0.5], explanations=exps)


def run(policy: Policy, context: dict[str, Any] | None = None, a: TextAnalysis | None = None,
        **facts_kwargs: Any) -> Evaluation:
    ctx = ModerationContext.model_validate(context or {})
    return evaluate(policy, build_facts(ctx, analysis=a, **facts_kwargs))
