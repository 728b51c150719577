"""A chat's lone model flag for a noisy category needs a second piece of evidence (engine.CHAT_SECOND_OPINION)."""

from __future__ import annotations

import numpy as np

from tutela.detect.engine import CHAT_MODEL_ALONE, _chat_second_opinion
from tutela.domain.taxonomy import CATEGORIES, Category

CB = CATEGORIES.index(Category.CYBERBULLYING)
VIOLENT = CATEGORIES.index(Category.VIOLENT_CONTENT)
K = len(CATEGORIES)


def _run(prob: float, *, rule: dict[int, float] | None = None, extra: int | None = None, other: int | None = None,
         chat: bool = True, overridden: set[str] | None = None) -> bool:
    flags = np.zeros((1, K), dtype=bool)
    flags[0, CB] = True
    probs = np.zeros((1, K))
    probs[0, CB] = prob
    rules = np.zeros((1, K))
    for j, v in (rule or {}).items():
        rules[0, j] = v
    extras = np.zeros((1, K), dtype=bool)
    if extra is not None:
        extras[0, extra] = True
        flags[0, extra] = True
    if other is not None:
        flags[0, other] = True
    _chat_second_opinion(flags, probs, rules, extras, np.array([chat]), [0], overridden or set())
    return bool(flags[0, CB])


def test_a_lone_weak_model_flag_in_a_chat_is_dropped() -> None:
    assert not _run(0.55)


def test_a_strong_model_flag_stands_alone() -> None:
    assert _run(CHAT_MODEL_ALONE)


def test_a_rule_cue_of_any_category_is_a_second_opinion() -> None:
    assert _run(0.55, rule={VIOLENT: 0.3})
    assert not _run(0.55, rule={VIOLENT: 0.1})


def test_a_semantic_flag_or_another_category_is_a_second_opinion() -> None:
    assert _run(0.55, extra=VIOLENT)
    assert _run(0.55, other=VIOLENT)


def test_texts_not_routed_to_chat_and_operator_thresholds_are_untouched() -> None:
    assert _run(0.55, chat=False)
    assert _run(0.55, overridden={"cyberbullying"})


def test_a_chat_disinformation_flag_never_stands_alone_however_sure() -> None:
    disinfo = CATEGORIES.index(Category.DISINFORMATION)
    flags = np.zeros((2, K), dtype=bool)
    flags[:, disinfo] = True
    probs = np.zeros((2, K))
    probs[:, disinfo] = 0.95
    rules = np.zeros((2, K))
    rules[1, disinfo] = 0.3  # a hoax pattern: a second opinion
    _chat_second_opinion(flags, probs, rules, np.zeros((2, K), dtype=bool), np.array([True, True]), [0, 1], set())
    assert flags[:, disinfo].tolist() == [False, True]
