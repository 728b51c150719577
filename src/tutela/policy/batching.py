"""Micro-batching of text analysis for asyncio servers.

The text engine featurises and scores a batch in one sparse matrix product,
so 32 texts cost about as much as 4 analysed one by one. A server handling
many concurrent `/v1/moderate` calls gathers the texts whose requests became
ready in the same event-loop turn and analyses them together. No timer is
involved: a lone request is analysed on the next loop turn (no added
latency), and under load batches form by themselves.

Texts that go on to the semantic stage (about 10 ms each, most of it inside ONNX Runtime, which
lets go of the GIL) are analysed on one thread of their own, so the event loop keeps answering
fast-path requests on the other core meanwhile instead of stalling behind them.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tutela.domain.analysis import TextAnalysis

log = logging.getLogger(__name__)

_frozen = False

_Item = tuple[str, str | None, Any, Any, "asyncio.Future[TextAnalysis]"]  # text, lang, audience, org, answer


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

    def __init__(self, settings: Any = None, *, max_batch: int = 64) -> None:
        self.settings = settings
        self.max_batch = max_batch
        self._pending: list[_Item] = []
        self._scheduled = False
        self._slow_thread: ThreadPoolExecutor | None = None
        self._slow_tasks: set[asyncio.Task[None]] = set()
        self.batches = 0
        self.items = 0

    async def analyze(self, text: str, lang: str | None = None, audience: Any = None, org: Any = None) -> TextAnalysis:
        """`audience` (detect.semantic.cascade.Audience, None when unknown) decides, with the fast
        stage's doubts, whether the semantic stage looks at the text: known adult-to-adult or
        child-to-child traffic stays on the fast path. `org` (detect.semantic.stage.OrgBank) is the
        calling organisation's own examples: texts of different organisations are batched apart."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[TextAnalysis] = loop.create_future()
        self._pending.append((text, lang, audience, org, fut))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await fut

    def _flush(self) -> None:
        self._scheduled = False
        items, self._pending = self._pending, []
        from tutela.detect import analyze_texts

        # Texts the cascade must send to the semantic stage (an adult, or someone of unknown age,
        # writing to a minor or someone of unknown age) cost ~10 ms each; the rest well under one.
        # Analysed in one batch, every fast text waited for the slow ones. So the rest go first and
        # are answered; the slow ones go to the semantic thread. Results are the same either way
        # (every text is analysed as on its own).
        first: dict[int, list[_Item]] = {}
        later: dict[int, list[_Item]] = {}
        for item in items:
            audience = item[2]
            slow = audience is None or audience.adult_to_minor_or_unknown
            (later if slow else first).setdefault(id(item[3]), []).append(item)
        for group in first.values():
            self._run(analyze_texts, group)
        if later:
            task = asyncio.get_running_loop().create_task(self._run_slow(analyze_texts, list(later.values())))
            self._slow_tasks.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(self._slow_tasks.discard)

    async def _run_slow(self, analyze_texts: Any, groups: list[list[_Item]]) -> None:
        """The semantic-stage texts, one thread for all of them (their batches queue there in order;
        the encoder and its caches are thread-safe), answered back on the loop."""
        if self._slow_thread is None:
            self._slow_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tutela-semantic")
        loop = asyncio.get_running_loop()
        for group in groups:
            for chunk in self._chunks(group):
                try:
                    results = await loop.run_in_executor(self._slow_thread, self._analyse, analyze_texts, chunk)
                except Exception as exc:  # noqa: BLE001 - each caller gets the error and decides
                    self._fail(chunk, exc)
                else:
                    self._answer(chunk, results)

    def _run(self, analyze_texts: Any, items: list[_Item]) -> None:
        for chunk in self._chunks(items):
            try:
                results = self._analyse(analyze_texts, chunk)
            except Exception as exc:  # noqa: BLE001 - each caller gets the error and decides
                self._fail(chunk, exc)
            else:
                self._answer(chunk, results)

    def _chunks(self, items: list[_Item]) -> list[list[_Item]]:
        return [items[start:start + self.max_batch] for start in range(0, len(items), self.max_batch)]

    def _analyse(self, analyze_texts: Any, chunk: list[_Item]) -> list[TextAnalysis]:
        return analyze_texts([t for t, *_ in chunk], settings=self.settings, org=chunk[0][3],
                             langs=[lg for _, lg, *_ in chunk], audiences=[a for _, _, a, *_ in chunk])

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
