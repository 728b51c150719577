"""One model contract: every built-in component honours it, and a component registered in a fixture
flows through `analyze_texts` (scores, flags, explanations, signals) without touching the engine."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from tutela.detect import analyze_texts
from tutela.detect.components import (
    Component,
    ComponentResult,
    Evidence,
    component,
    components,
    register_component,
    unregister_component,
)

MARK = "zorblax"


class ToyComponent:
    """Flags `fraud` where the made-up word appears, with its span; raises a signal of its own."""

    name = "toy"
    stage = "fast"
    trainable = False

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def analyze(self, texts: Sequence[str], langs: Sequence[str]) -> list[ComponentResult]:
        out = []
        for text, lang in zip(texts, langs, strict=True):
            self.seen.append((text, lang))
            k = text.lower().find(MARK)
            if k < 0:
                out.append(ComponentResult({"fraud": 0.01}))
                continue
            out.append(ComponentResult(
                {"fraud": 0.97, "toy_signal": 0.8}, ["fraud", "toy_signal"],
                [Evidence("fraud", 0.97, "toy: the made-up word", k, k + len(MARK))],
            ))
        return out


@pytest.fixture()
def toy() -> Iterator[ToyComponent]:
    comp = register_component(ToyComponent())
    try:
        yield comp
    finally:
        unregister_component("toy")


def test_builtins_honour_the_contract() -> None:
    names = [c.name for c in components()]
    assert names[:5] == ["text_model", "rules", "semantic", "conversation_stages", "conversation_segments"]
    for c in components():
        assert isinstance(c, Component) and c.stage in ("fast", "semantic", "conversation")
    trainable = {c.name for c in components() if c.trainable}
    assert trainable == {"text_model", "semantic", "conversation_stages", "conversation_segments"}


def test_builtins_analyze_on_their_own() -> None:
    texts = ["you are a worthless idiot and everyone hates you", "see you at football practice"]
    model = component("text_model").analyze(texts, ["en", "en"])
    assert "cyberbullying" in model[0].flagged and not model[1].flagged
    assert model[0].evidence and model[0].evidence[0].reason.startswith("learned model")
    rules = component("rules").analyze(["my address is 12 Baker Street, call me 07700 900123"], ["en"])
    assert "privacy" in rules[0].flagged and rules[0].evidence[0].start is not None
    stages = component("conversation_stages").analyze(["don't tell your parents about our chats"], ["en"])
    assert stages[0].scores and max(stages[0].scores.values()) > 0.5


def test_a_registered_component_flows_through_analyze(toy: ToyComponent) -> None:
    hit, plain = analyze_texts([f"buy the {MARK} gift card now", "see you at football practice"],
                               langs=["en", "en"], stages="fast")
    assert toy.seen == [(f"buy the {MARK} gift card now", "en"), ("see you at football practice", "en")]
    assert "fraud" in hit.flags and hit.scores["fraud"] == pytest.approx(0.97)
    assert hit.signals.get("toy_signal") == 0.8
    why = [e for e in hit.explanations if e.detector == "toy"]
    assert why and why[0].text == MARK
    assert "fraud" not in plain.flags and plain.signals == {}


def test_an_operator_threshold_applies_to_a_plug_in_score_too(toy: ToyComponent) -> None:
    from tutela.config import Settings

    (res,) = analyze_texts([f"{MARK}"], langs=["en"], stages="fast", settings=Settings(thresholds={"fraud": 0.99}))
    assert "fraud" not in res.flags


def test_a_bad_component_is_refused() -> None:
    class NoStage:
        name = "bad"
        stage = "sometimes"
        trainable = False

        def analyze(self, texts, langs):  # noqa: ANN001, ANN201
            return []

    with pytest.raises(ValueError, match="stage"):
        register_component(NoStage())
    with pytest.raises(KeyError):
        component("bad")
