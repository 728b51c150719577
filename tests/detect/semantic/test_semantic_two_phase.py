"""The fast stage holds the texts the cascade sends on, and `finish_texts` runs only the semantic stage
and the merge on them: every answer is the one a one-pass `auto` analysis gives (flags, scores, stages,
signals, explanations), alone, in batches, and mixed from separate fast calls."""

from __future__ import annotations

import random

import pytest

from tutela.config import Settings
from tutela.detect.engine import analyze_texts, finish_texts
from tutela.detect.semantic.cascade import Audience

#: Written for this test: ordinary chat and harmful lines in all five languages, romanised Persian and
#: Russian (read back in their own script), a long text, a trivial one, an empty one.
TEXTS = [
    "did you finish the maths homework?", "send me a pic of you and don't tell your mom",
    "you are so ugly nobody likes you", "delete this chat, it's our secret",
    "annene söyleme, bu bizim sırrımız olsun", "yarın maçta görüşürüz",
    "ты уродливый неудачник, тебя никто не любит", "увидимся после школы",
    "skinj foto i nikomu ne govori", "بعد از مدرسه بیا همو ببینیم", "عکستو بفرست و به کسی نگو",
    "aksetoo befrest va be kasi nagoo", "sabah məktəbdə görüşərik", "şəklini göndər, heç kimə demə",
    "I want to hurt myself tonight", "ok", "", "see you at practice " * 30 + "are your parents home?",
]
KIDS = Audience(sender_minor=True, recipient_minor=True)
ADULT_TO_CHILD = Audience(sender_minor=False, recipient_minor=True)
AUDIENCES = [None, ADULT_TO_CHILD, KIDS]


def _record(r) -> tuple:  # noqa: ANN001
    return (r.id, r.lang, r.lang_confidence, r.scores, r.flags, r.stages, r.signals, r.truncated, r.error,
            [e.record() for e in r.explanations])


def _two_phase(texts: list[str], audiences: list, settings: Settings | None = None) -> list:
    held: list = []
    fast = analyze_texts(texts, stages="fast", audiences=audiences, held=held, settings=settings,
                         ids=[f"m{i}" for i in range(len(texts))])
    out = list(fast)
    for h, r in zip(held, finish_texts(held, settings=settings), strict=True):
        out[h.position] = r
    return out


@pytest.mark.usefixtures("semantic_on")
@pytest.mark.parametrize("settings", [None, Settings(thresholds={"grooming": 0.3})])
def test_finishing_held_texts_gives_the_one_pass_answer(settings: Settings | None) -> None:
    rnd = random.Random(3)
    audiences = [rnd.choice(AUDIENCES) for _ in TEXTS]
    ids = [f"m{i}" for i in range(len(TEXTS))]
    one_pass = analyze_texts(TEXTS, audiences=audiences, settings=settings, ids=ids)
    assert any("semantic" in r.stages for r in one_pass) and any(r.stages == ["fast"] for r in one_pass)
    assert any(r.flags for r in one_pass if "semantic" in r.stages)  # the merge has something to do
    assert [_record(r) for r in _two_phase(TEXTS, audiences, settings)] == [_record(r) for r in one_pass]
    for i, text in enumerate(TEXTS):  # alone
        alone = analyze_texts([text], audiences=[audiences[i]], settings=settings, ids=[f"m{i}"])[0]
        got = _two_phase([text], [audiences[i]], settings)[0]
        assert _record(got)[1:] == _record(alone)[1:], text


@pytest.mark.usefixtures("semantic_on")
def test_texts_held_by_separate_fast_calls_are_finished_together() -> None:
    """The semantic thread batches texts the loop held in different calls, in any order."""
    audiences = [ADULT_TO_CHILD] * len(TEXTS)
    half = len(TEXTS) // 2
    held: list = []
    analyze_texts(TEXTS[:half], stages="fast", audiences=audiences[:half], held=held)
    first = len(held)
    analyze_texts(TEXTS[half:], stages="fast", audiences=audiences[half:], held=held)
    order = list(range(len(held)))
    random.Random(5).shuffle(order)
    finished = finish_texts([held[k] for k in order])
    one_pass = analyze_texts(TEXTS, audiences=audiences)
    for k, r in zip(order, finished, strict=True):
        h = held[k]
        position = h.position + (half if k >= first else 0)
        assert _record(r)[1:] == _record(one_pass[position])[1:], TEXTS[position]
        assert "semantic" in r.stages


def test_held_are_exactly_the_deferred_texts() -> None:
    deferred: list[int] = []
    held: list = []
    audiences = [KIDS, ADULT_TO_CHILD, None, KIDS] * 5
    analyze_texts(TEXTS[:20] + ["x"] * (20 - len(TEXTS[:20])), stages="fast", audiences=audiences,
                  deferred=deferred, held=held)
    assert [h.position for h in held] == deferred and deferred
