"""Micro-batching of text analysis for asyncio servers.

The text engine featurises and scores a batch in one sparse matrix product,
so 32 texts cost about as much as 4 analysed one by one. A server handling
many concurrent `/v1/moderate` calls gathers the texts whose requests became
ready in the same event-loop turn and analyses them together. No timer is
involved: a lone request is analysed on the next loop turn (no added
latency), and under load batches form by themselves.

Every text gets the fast stage on the loop. Those the cascade sends on to the semantic stage (~4-5 ms
of CPU each, most of it inside ONNX Runtime, which lets go of the GIL) are held with what the fast stage
found (`detect/held.py`) and finished later (`finish_texts`: the semantic stage and the merge, not the
fast stage again); no text is answered before its semantic stage has run. They queue in order of
arrival, and each round takes the oldest as one batch, up to `semantic_batch` encoder windows (a chat
message is one window, a long text up to eight), so a burst (a platform that sends no ages, a bulk
import) never becomes one batch of hundreds that every text in it waits for. Where the round runs
depends on whether the process has a core to itself or more (`semantic_thread`):

- **On the event loop** when every core already runs a worker process (`workers` >= the cores this
  process may use; `tutela serve --workers N` tells its processes N): the rounds are loop callbacks,
  each after the answers already due have gone out, at most `LOOP_WINDOWS` windows a round so that
  other requests interleave. A thread would add no core there, only contention: it competed with the
  loop for the GIL (each time it took the GIL back after ONNX Runtime or a NumPy call it waited up to
  the interpreter's switch interval, 5 ms, behind the busy loop) and with the other workers for the
  CPU, and its answers, coming back at other times than the loop's batches, broke the closed-loop
  clients' step, so the loop's fast stage ran in batches of ~6 texts instead of ~15 (at ~0.7 ms of fixed
  cost a call). Measured in docs/benchmarks.md ("moderate-auto").
- **On one thread of its own** otherwise (one worker on several cores, the default `workers = 1`): the
  loop keeps answering fast-path requests on one core while ONNX Runtime runs on another. Each time it
  is free it takes the oldest waiting texts, up to `semantic_batch` (32) windows; the texts that arrive
  while one batch runs make the next one (the encoder and the example bank cost less a text in
  batches). The cap sits above the ~15 texts a saturated server batches by itself because smaller caps
  cost more than they gave in the closed-loop benchmark (h15mod: at 4, +0.25-0.4 ms of CPU a request and
  a higher p99, because at saturation a text's wait is the queue in front of it, not its batch).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tutela.domain.analysis import TextAnalysis

log = logging.getLogger(__name__)

_frozen = False

# text, lang, audience, org, the fast stage's state once held for the semantic thread (detect/held.py), answer
_Item = tuple[str, str | None, Any, Any, Any, "asyncio.Future[TextAnalysis]"]


#: Encoder windows the event loop finishes a round when it runs the semantic stage itself: a round of
#: this many chat messages takes ~25-35 ms, the longest other requests on the loop wait for it.
LOOP_WINDOWS = 8


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and `taskset` narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def semantic_thread_wanted(settings: Any) -> bool:
    """Whether held texts are finished on a thread of their own (see the module docstring): the setting
    when an operator gave it, else only when this process has more cores than there are worker processes."""
    chosen = getattr(settings, "semantic_thread", None)
    if chosen is not None:
        return bool(chosen)
    workers = getattr(settings, "workers", 1)
    return usable_cores() > max(1, int(workers or 1))


def _freeze_once() -> None:
    """After the first batch the models are loaded: move every object alive now out of the
    cyclic garbage collector's generations. Without this, each full collection walks the
    models' objects again and stalls the event loop for tens of milliseconds (the p99 of
    `/v1/moderate`); nothing allocated later is affected."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


class TextBatcher:
    """One per event loop (per worker process)."""

    def __init__(self, settings: Any = None, *, max_batch: int = 64, semantic_batch: int | None = None,
                 semantic_thread: bool | None = None) -> None:
        """`semantic_thread`: finish held texts on a thread (True) or on the loop (False); None decides by
        `semantic_thread_wanted`. `semantic_batch`: encoder windows a round (default 32 on the thread,
        LOOP_WINDOWS on the loop)."""
        self.settings = settings
        self.max_batch = max_batch
        self.threaded = semantic_thread_wanted(settings) if semantic_thread is None else semantic_thread
        default = 32 if self.threaded else LOOP_WINDOWS
        self.semantic_batch = max(1, default if semantic_batch is None else semantic_batch)
        self._loop_round = False
        self._pending: list[_Item] = []
        self._scheduled = False
        self._slow_thread: ThreadPoolExecutor | None = None
        self._slow_pending: list[_Item] = []
        self._slow_task: asyncio.Task[None] | None = None
        self.batches = 0
        self.items = 0
        self.semantic_batches = 0  # rounds of the semantic stage (bench/moderate_profile.py reports them)
        self.semantic_items = 0

    async def analyze(self, text: str, lang: str | None = None, audience: Any = None, org: Any = None) -> TextAnalysis:
        """`audience` (detect.semantic.cascade.Audience, None when unknown) decides, with the fast
        stage's doubts, whether the semantic stage looks at the text: known adult-to-adult or
        child-to-child traffic stays on the fast path. `org` (detect.semantic.stage.OrgBank) is the
        calling organisation's own examples: texts of different organisations are batched apart."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[TextAnalysis] = loop.create_future()
        self._pending.append((text, lang, audience, org, None, fut))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await fut

    def _flush(self) -> None:
        self._scheduled = False
        items, self._pending = self._pending, []
        from tutela.detect import analyze_texts

        # Every text gets the fast stage here, in one batch per organisation. Texts the cascade sends on to
        # the semantic stage (`deferred`: an adult, or someone of unknown age, writing to a minor or someone
        # of unknown age; a text the fast stage is unsure of; every text when the setting is `always`) cost
        # ~5-10 ms more each: run inline, they stalled every request on the loop. They are held, with what
        # the fast stage found (`detect/held.py`), and the semantic thread finishes them (`finish_texts`:
        # the semantic stage and the merge only, not the fast stage again); the rest are answered at once.
        # No text is answered before the stage the cascade picked for it has run, and the answers are the
        # ones a one-pass `auto` analysis gives.
        hold = self._semantic_mode() != "off"
        groups: dict[int, list[_Item]] = {}
        for item in items:
            groups.setdefault(id(item[3]), []).append(item)
        for group in groups.values():
            self._slow_pending.extend(self._run(analyze_texts, group, hold=hold))
        if not self.threaded:
            if self._slow_pending and not self._loop_round:
                # after the callbacks already due (the tasks whose answers were just set write them out)
                self._loop_round = True
                asyncio.get_running_loop().call_soon(self._finish_on_loop)
            return
        if self._slow_pending and self._slow_task is None:
            from tutela.detect import finish_texts

            # held until done (the loop keeps only weak references to tasks)
            self._slow_task = asyncio.get_running_loop().create_task(self._run_slow(finish_texts))

    async def _run_slow(self, finish_texts: Any) -> None:
        """The held texts, on one thread (the encoder and its caches are thread-safe): each round takes
        the oldest texts waiting (`_next_slow_batch`), finishes them (`finish_texts` keeps organisations
        apart) and answers them back on the loop; it ends when nothing is waiting."""
        if self._slow_thread is None:
            self._slow_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tutela-semantic")
        loop = asyncio.get_running_loop()
        try:
            while self._slow_pending:
                chunk = self._next_slow_batch()
                self.semantic_items += len(chunk)
                try:
                    results = await loop.run_in_executor(self._slow_thread, self._finish, finish_texts, chunk)
                except Exception as exc:  # noqa: BLE001 - each caller gets the error and decides
                    self._fail(chunk, exc)
                else:
                    self._answer(chunk, results)
        finally:
            self._slow_task = None

    def _finish_on_loop(self) -> None:
        """One round on the event loop: the oldest held texts, up to `semantic_batch` windows; the next
        round is a callback of its own, so requests that arrived meanwhile are not held up behind all."""
        from tutela.detect import finish_texts

        self._loop_round = False
        if not self._slow_pending:
            return
        chunk = self._next_slow_batch()
        self.semantic_items += len(chunk)
        try:
            results = self._finish(finish_texts, chunk)
        except Exception as exc:  # noqa: BLE001 - each caller gets the error and decides
            self._fail(chunk, exc)
        else:
            self._answer(chunk, results)
        if self._slow_pending:
            self._loop_round = True
            asyncio.get_running_loop().call_soon(self._finish_on_loop)

    def _next_slow_batch(self) -> list[_Item]:
        """The oldest waiting texts, as many as fit `semantic_batch` encoder windows (at least one)."""
        from tutela.detect.semantic.encoder import MAX_WINDOWS, WINDOW_CHARS

        size, windows = 0, 0
        for text, *_ in self._slow_pending:
            n = min(MAX_WINDOWS, max(1, -(-len(text) // WINDOW_CHARS))) if isinstance(text, str) else 1
            if size and windows + n > self.semantic_batch:
                break
            size, windows = size + 1, windows + n
        batch = self._slow_pending[:size]
        del self._slow_pending[:size]
        self.semantic_batches += 1
        return batch

    def _run(self, analyze_texts: Any, items: list[_Item], *, hold: bool = False) -> list[_Item]:
        """Analyse on this thread and answer; with `hold`, the fast stage alone runs here and the items the
        `auto` cascade sends on to the semantic stage are returned unanswered, each with its `Held` state."""
        held_items: list[_Item] = []
        for chunk in self._chunks(items):
            held: list[Any] | None = [] if hold else None
            try:
                results = self._analyse(analyze_texts, chunk, held)
            except Exception as exc:  # noqa: BLE001 - each caller gets the error and decides
                self._fail(chunk, exc)
                continue
            if not held:
                self._answer(chunk, results)
                continue
            on = {h.position for h in held}
            held_items.extend((*chunk[h.position][:4], h, chunk[h.position][5]) for h in held)
            answer = [k for k in range(len(chunk)) if k not in on]
            if answer:
                self._answer([chunk[k] for k in answer], [results[k] for k in answer])
        return held_items

    def _semantic_mode(self) -> str:
        return str(getattr(self.settings, "semantic_stage", "auto") or "auto")

    def _chunks(self, items: list[_Item]) -> list[list[_Item]]:
        return [items[start:start + self.max_batch] for start in range(0, len(items), self.max_batch)]

    def _analyse(self, analyze_texts: Any, chunk: list[_Item], held: list[Any] | None = None) -> list[TextAnalysis]:
        """The fast stage alone when `held` is given (the texts to finish are appended to it), else `auto`."""
        return analyze_texts([t for t, *_ in chunk], settings=self.settings, org=chunk[0][3],
                             stages="fast" if held is not None else "auto", langs=[lg for _, lg, *_ in chunk],
                             audiences=[a for _, _, a, *_ in chunk], held=held)

    def _finish(self, finish_texts: Any, chunk: list[_Item]) -> list[TextAnalysis]:
        return finish_texts([item[4] for item in chunk], settings=self.settings)

    @staticmethod
    def _fail(chunk: list[_Item], exc: Exception) -> None:
        log.error("batched text analysis failed", exc_info=exc)
        for *_, fut in chunk:
            if not fut.done():
                fut.set_exception(exc)

    def _answer(self, chunk: list[_Item], results: list[TextAnalysis]) -> None:
        self.batches += 1
        self.items += len(chunk)
        _freeze_once()
        for (*_, fut), res in zip(chunk, results, strict=True):
            if not fut.done():
                fut.set_result(res)

    @property
    def mean_batch(self) -> float:
        return self.items / self.batches if self.batches else 0.0


__all__ = ["TextBatcher"]
