"""Micro-batched text analysis gives the same analyses as one-by-one, in batches."""

from __future__ import annotations

import asyncio

import pytest

from tutela.detect import analyze_text
from tutela.policy.batching import TextBatcher

TEXTS = ["did you finish the maths homework?", "annene söyleme, bu bizim sırrımız olsun",
         "ты уродливый неудачник, тебя никто не любит", "see you at practice", "بعد از مدرسه بیا همو ببینیم"]


def test_concurrent_texts_are_analysed_together_with_the_same_results() -> None:
    batcher = TextBatcher()

    async def go():
        return await asyncio.gather(*(batcher.analyze(t) for t in TEXTS * 4))

    results = asyncio.run(go())
    assert batcher.batches == 1 and batcher.items == 20
    for text, res in zip(TEXTS * 4, results, strict=True):
        single = analyze_text(text)
        assert res.scores == single.scores and res.flags == single.flags and res.lang == single.lang


def test_large_bursts_are_split_and_lone_requests_are_not_delayed() -> None:
    batcher = TextBatcher(max_batch=8)

    async def go():
        burst = await asyncio.gather(*(batcher.analyze(f"message number {i}") for i in range(20)))
        lone = await batcher.analyze("hello", "en")
        return burst, lone

    burst, lone = asyncio.run(go())
    assert len(burst) == 20 and batcher.batches == 4 and lone.lang == "en"


def test_a_failing_batch_fails_each_caller(monkeypatch) -> None:
    import tutela.detect as detect

    def boom(*_a, **_k):
        raise RuntimeError("model missing")

    monkeypatch.setattr(detect, "analyze_texts", boom, raising=False)
    batcher = TextBatcher()

    async def go():
        return await asyncio.gather(batcher.analyze("a"), batcher.analyze("b"), return_exceptions=True)

    out = asyncio.run(go())
    assert all(isinstance(e, RuntimeError) for e in out)
    with pytest.raises(RuntimeError):
        asyncio.run(batcher.analyze("c"))


def test_known_ages_keep_moderate_on_the_fast_path(tmp_path) -> None:  # noqa: ANN001
    """Adult-to-adult traffic with nothing doubtful stays on the fast stage; unknown ages go on to the
    semantic stage where it is installed (the batched path used to drop the ages)."""
    from tutela.detect.semantic.cascade import Audience
    from tutela.policy.batching import TextBatcher

    async def run() -> tuple:
        batcher = TextBatcher()
        adults = Audience(sender_minor=False, recipient_minor=False)
        return await asyncio.gather(batcher.analyze("see you at the game tonight", "en", adults),
                                    batcher.analyze("see you at the game tonight", "en", None))

    known, unknown = asyncio.run(run())
    assert known.stages == ["fast"]
    assert unknown.stages[0] == "fast"  # and "semantic" when the stage is installed here
