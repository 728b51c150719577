"""Micro-batched text analysis gives the same analyses as one-by-one, in batches."""

from __future__ import annotations

import asyncio

import pytest

from tutela.detect import analyze_text
from tutela.policy.batching import TextBatcher

TEXTS = ["did you finish the maths homework?", "annene söyleme, bu bizim sırrımız olsun",
         "ты уродливый неудачник, тебя никто не любит", "see you at practice", "بعد از مدرسه بیا همو ببینیم"]


def test_concurrent_texts_are_analysed_together_with_the_same_results() -> None:
    batcher = TextBatcher(semantic_batch=32, semantic_thread=True)  # ages unknown: all 20 go to the thread

    async def go():
        return await asyncio.gather(*(batcher.analyze(t) for t in TEXTS * 4))

    results = asyncio.run(go())
    assert batcher.batches == 1 and batcher.items == 20
    for text, res in zip(TEXTS * 4, results, strict=True):
        single = analyze_text(text)
        assert res.scores == single.scores and res.flags == single.flags and res.lang == single.lang


def test_large_bursts_are_split_and_lone_requests_are_not_delayed() -> None:
    batcher = TextBatcher(max_batch=8, semantic_batch=8, semantic_thread=True)

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


def test_semantic_stage_texts_run_off_the_event_loop(monkeypatch) -> None:
    """A text bound for the semantic stage (unknown ages) gets the fast stage on the loop and is finished
    on the semantic thread, so the loop answers a fast-path text while it runs."""
    import threading

    import tutela.detect as detect
    from tutela.detect.semantic.cascade import Audience

    real, real_finish = detect.analyze_texts, detect.finish_texts
    seen: dict[str, list[tuple[str, str]]] = {}
    slow_started, release = threading.Event(), threading.Event()

    def spy(texts, **kwargs):  # noqa: ANN001, ANN202
        for t in texts:
            seen.setdefault(t, []).append((threading.current_thread().name, kwargs.get("stages", "auto")))
        return real(texts, **kwargs)

    def finish_spy(held, **kwargs):  # noqa: ANN001, ANN202
        texts = [h.coerced[0] for h in held]
        for t in texts:
            seen.setdefault(t, []).append((threading.current_thread().name, "finish"))
        if "slow one" in texts:
            slow_started.set()
            release.wait(5)
        return real_finish(held, **kwargs)

    monkeypatch.setattr(detect, "analyze_texts", spy, raising=False)
    monkeypatch.setattr(detect, "finish_texts", finish_spy, raising=False)
    adults = Audience(sender_minor=False, recipient_minor=False)

    async def go() -> tuple:
        batcher = TextBatcher(semantic_thread=True)
        slow = asyncio.ensure_future(batcher.analyze("slow one", "en", None))
        await asyncio.sleep(0)
        await asyncio.get_running_loop().run_in_executor(None, slow_started.wait, 5)
        fast = await batcher.analyze("fast one", "en", adults)  # answered while the slow text is held
        release.set()
        return fast, await slow

    fast, slow = asyncio.run(go())
    main = threading.main_thread().name
    assert seen["slow one"][0] == (main, "fast") and seen["slow one"][1][0].startswith("tutela-semantic")
    assert seen["slow one"][1][1] == "finish" and len(seen["slow one"]) == 2  # the fast stage ran once
    assert [name for name, _ in seen["fast one"]] == [main]
    assert fast.stages == ["fast"] and slow.lang == "en" and slow == analyze_text("slow one", lang="en")


#: Between two children, so the cascade decides by the fast stage's doubts alone: written for this test,
#: some it is unsure of (they go on to the semantic stage), some not.
PEER_TEXTS = ["فردا مدرسه تکلیف ریاضی", "send me a pic of you", "are your parents home", "see you at practice",
              "you are so dumb lol", "did you finish the maths homework", "delete this chat", "my mom is annoying"]


def test_texts_the_fast_stage_is_unsure_of_go_on_off_the_loop_with_the_same_answers(monkeypatch) -> None:
    """Between children, the texts the cascade sends on because the fast stage is unsure are analysed on
    the semantic thread (not inline on the loop); every answer is the one `analyze_text` gives."""
    import threading

    import tutela.detect as detect
    from tutela.detect.semantic.cascade import Audience

    kids = Audience(sender_minor=True, recipient_minor=True)
    real, real_finish = detect.analyze_texts, detect.finish_texts
    calls: list[tuple[str, str, list[str]]] = []

    def spy(texts, **kwargs):  # noqa: ANN001, ANN202
        out = real(texts, **kwargs)
        calls.append((threading.current_thread().name, kwargs.get("stages", "auto"), list(texts)))
        return out

    def finish_spy(held, **kwargs):  # noqa: ANN001, ANN202
        out = real_finish(held, **kwargs)
        calls.append((threading.current_thread().name, "finish", [h.coerced[0] for h in held]))
        return out

    monkeypatch.setattr(detect, "analyze_texts", spy, raising=False)
    monkeypatch.setattr(detect, "finish_texts", finish_spy, raising=False)

    async def go() -> list:
        batcher = TextBatcher(semantic_thread=True)
        return await asyncio.gather(*(batcher.analyze(t, None, kids) for t in PEER_TEXTS))

    results = asyncio.run(go())
    singles = [analyze_text(t, audience=kids) for t in PEER_TEXTS]
    for text, got, single in zip(PEER_TEXTS, results, singles, strict=True):
        assert (got.scores, got.flags, got.stages, got.signals) == (single.scores, single.flags, single.stages,
                                                                  single.signals), text
    went_on = {t for t, s in zip(PEER_TEXTS, singles, strict=True) if "semantic" in s.stages}
    assert went_on  # the stage is installed here and some of these texts leave the fast stage unsure
    on_loop = [c for c in calls if c[0] == threading.main_thread().name]
    assert on_loop and all(stages == "fast" for _, stages, _ in on_loop)
    on_thread = {t for name, _, texts in calls if name.startswith("tutela-semantic") for t in texts}
    assert went_on <= on_thread and len(on_thread) < len(PEER_TEXTS)


def test_semantic_texts_that_wait_for_the_thread_go_in_small_batches_oldest_first(monkeypatch) -> None:
    """While the semantic thread is busy, the texts that arrive for it wait; then they go in order of
    arrival, at most `semantic_batch` at a time (a text waits for one small batch, not for all)."""
    import threading

    import tutela.detect as detect

    real = detect.finish_texts
    batches: list[list[str]] = []
    started, release = threading.Event(), threading.Event()

    def spy(held, **kwargs):  # noqa: ANN001, ANN202
        texts = [h.coerced[0] for h in held]
        if threading.current_thread().name.startswith("tutela-semantic"):
            batches.append(texts)
            if "first" in texts:
                started.set()
                release.wait(5)
        return real(held, **kwargs)

    monkeypatch.setattr(detect, "finish_texts", spy, raising=False)

    async def go() -> list:
        batcher = TextBatcher(semantic_batch=4, semantic_thread=True)
        first = asyncio.ensure_future(batcher.analyze("first", "en", None))
        await asyncio.sleep(0)
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
        later = []
        for i in range(10):  # each arrives, and is flushed, on loop turns of its own
            later.append(asyncio.ensure_future(batcher.analyze(f"later {i}", "en", None)))
            for _ in range(3):
                await asyncio.sleep(0)
        release.set()
        return [await first, *[await f for f in later]]

    out = asyncio.run(go())
    later = [f"later {i}" for i in range(10)]
    assert len(out) == 11 and batches == [["first"], later[:4], later[4:8], later[8:]]


def test_the_fast_stage_says_exactly_which_texts_auto_sends_on() -> None:
    """`deferred` with `stages="fast"` names exactly the texts an `auto` analysis runs the semantic
    stage on (the batcher holds those back for the semantic thread and answers the rest at once)."""
    from tutela.detect import analyze_texts
    from tutela.detect.semantic.cascade import Audience

    kids = Audience(sender_minor=True, recipient_minor=True)
    adults = Audience(sender_minor=False, recipient_minor=False)
    texts = PEER_TEXTS + ["see you at the game tonight", "ok", "are your parents home"]
    audiences = [kids] * len(PEER_TEXTS) + [adults, None, Audience(sender_minor=False, recipient_minor=True)]
    deferred: list[int] = []
    fast = analyze_texts(texts, stages="fast", audiences=audiences, deferred=deferred)
    full = analyze_texts(texts, stages="auto", audiences=audiences)
    assert all(r.stages == ["fast"] for r in fast)
    assert deferred == [i for i, r in enumerate(full) if "semantic" in r.stages]
    assert len(texts) - 1 in deferred and texts.index("ok") not in deferred  # an adult to a child; a trivial text


def test_a_long_text_counts_as_its_encoder_windows_in_a_semantic_batch() -> None:
    """The semantic batch is bounded by encoder windows, so a long text (several windows) does not make
    the texts after it wait for a batch several times the usual length; a text bigger than the whole
    budget still goes, alone."""
    from tutela.detect.semantic.encoder import WINDOW_CHARS

    batcher = TextBatcher(semantic_batch=4, semantic_thread=True)
    long_text, huge = "a" * (3 * WINDOW_CHARS), "b" * (10 * WINDOW_CHARS)
    batcher._slow_pending = [(t, None, None, None, None) for t in ("one", long_text, "two", huge, "three")]
    taken = [[item[0] for item in batcher._next_slow_batch()] for _ in range(3)]
    assert taken == [["one", long_text], ["two"], [huge]] and [i[0] for i in batcher._slow_pending] == ["three"]


def test_the_semantic_stage_runs_on_a_thread_only_where_a_worker_has_cores_to_spare(monkeypatch) -> None:
    """One worker process on two cores finishes held texts on a thread; two workers on two cores, on their
    event loops; an operator's `semantic_thread` setting decides over both."""
    from tutela.config import Settings
    from tutela.policy import batching

    monkeypatch.delenv("TUTELA_SEMANTIC_THREAD", raising=False)
    monkeypatch.setattr(batching, "usable_cores", lambda: 2)
    assert TextBatcher(Settings(workers=1)).threaded and TextBatcher().threaded
    assert not TextBatcher(Settings(workers=2)).threaded and not TextBatcher(Settings(workers=4)).threaded
    assert TextBatcher(Settings(workers=2, semantic_thread=True)).threaded
    assert not TextBatcher(Settings(workers=1, semantic_thread=False)).threaded
    assert TextBatcher(Settings(workers=2)).semantic_batch == batching.LOOP_WINDOWS
    assert TextBatcher(Settings(workers=1)).semantic_batch == 32
    monkeypatch.setattr(batching, "usable_cores", lambda: 1)
    assert not TextBatcher().threaded  # one core: nothing for a thread to run on


def test_on_the_loop_the_semantic_stage_runs_after_the_fast_answers_with_the_same_results(monkeypatch) -> None:
    """Where the semantic stage runs on the event loop, a text bound for it gets the fast stage in the
    loop's batch and is finished on the loop in a round of its own, after the fast-path texts of that
    batch were answered; every answer is the one `analyze_text` gives, and no thread is started."""
    import threading

    import tutela.detect as detect
    from tutela.detect.semantic.cascade import Audience

    kids = Audience(sender_minor=True, recipient_minor=True)
    adults = Audience(sender_minor=False, recipient_minor=False)
    real_finish = detect.finish_texts
    events: list[str] = []

    def finish_spy(held, **kwargs):  # noqa: ANN001, ANN202
        assert threading.current_thread() is threading.main_thread()
        events.append("finish " + ",".join(h.coerced[0] for h in held))
        return real_finish(held, **kwargs)

    monkeypatch.setattr(detect, "finish_texts", finish_spy, raising=False)
    batcher = TextBatcher(semantic_thread=False)
    audiences = [kids] * len(PEER_TEXTS) + [adults, None]
    texts = [*PEER_TEXTS, "see you at the game tonight", "are your parents home"]

    async def one(text: str, audience: Audience | None) -> object:
        result = await batcher.analyze(text, None, audience)
        events.append("answer " + text)
        return result

    async def go() -> list:
        return await asyncio.gather(*(one(t, a) for t, a in zip(texts, audiences, strict=True)))

    results = asyncio.run(go())
    singles = [analyze_text(t, audience=a) for t, a in zip(texts, audiences, strict=True)]
    for text, got, single in zip(texts, results, singles, strict=True):
        assert (got.scores, got.flags, got.stages, got.signals) == (single.scores, single.flags, single.stages,
                                                                  single.signals), text
    went_on = [t for t, s in zip(texts, singles, strict=True) if "semantic" in s.stages]
    assert went_on and "are your parents home" in went_on and len(went_on) < len(texts)
    first_round = next(k for k, e in enumerate(events) if e.startswith("finish"))
    answered_before = {e[len("answer "):] for e in events[:first_round]}
    assert answered_before == set(texts) - set(went_on)  # the fast-path answers went out first
    assert batcher._slow_thread is None


def test_on_the_loop_held_texts_go_in_bounded_rounds_oldest_first_with_requests_in_between(monkeypatch) -> None:
    """A burst of texts for the semantic stage is finished on the loop at most `semantic_batch` windows a
    round, oldest first, each round a loop callback of its own: a request that arrives during the burst
    gets its fast-path answer before the burst's later rounds."""
    import tutela.detect as detect

    real_finish = detect.finish_texts
    rounds: list[list[str]] = []
    order: list[str] = []

    def finish_spy(held, **kwargs):  # noqa: ANN001, ANN202
        rounds.append([h.coerced[0] for h in held])
        order.append("round")
        return real_finish(held, **kwargs)

    monkeypatch.setattr(detect, "finish_texts", finish_spy, raising=False)
    from tutela.detect.semantic.cascade import Audience

    adults = Audience(sender_minor=False, recipient_minor=False)

    async def go() -> None:
        batcher = TextBatcher(semantic_batch=3, semantic_thread=False)
        burst = [asyncio.ensure_future(batcher.analyze(f"message number {i}", "en", None)) for i in range(7)]
        await asyncio.sleep(0)  # the burst's fast stage is flushed; its first round is due next

        async def late() -> None:
            await batcher.analyze("see you at the game tonight", "en", adults)
            order.append("late answered")

        await asyncio.gather(late(), *burst)

    asyncio.run(go())
    assert rounds == [[f"message number {i}" for i in r] for r in ([0, 1, 2], [3, 4, 5], [6])]
    assert order.index("late answered") < len(order) - 1  # before the last round, not after the burst
