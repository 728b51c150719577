"""One text's fast-stage state, held so that the semantic stage can finish it later, elsewhere.

Why: a server answers most texts from the fast stage on its event loop and sends the few the cascade
picks to a thread of their own for the semantic stage (`policy/batching.py`). Analysing those again
there from the raw text repeated the fast stage (normalising, language, featurising, the model and the
rules: ~0.5 ms a text plus ~1 ms of fixed costs a call, docs/benchmarks.md "h15mod"). A `Held` carries
what the fast stage found for one text, so the thread runs only the semantic components and the merge
(`engine.finish_texts`), and the answer is the one a one-pass `auto` analysis gives.

`hold` takes rows out of a batch's `BatchState`; `restore` puts any held texts (from any number of
batches, of one organisation) back into a fresh one, as the rows of one batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tutela.config import Settings
from tutela.detect.components.base import Evidence
from tutela.detect.components.state import BatchState
from tutela.detect.detectors.base import Hit


@dataclass(frozen=True, slots=True)
class Held:
    """What the fast stage knows about one text (its row of the batch it was analysed in)."""

    position: int  # in the `analyze_texts` call that held it
    coerced: tuple[str, bool, str | None]  # text analysed, truncated?, error
    normalized: str
    lang: tuple[str, float]  # code, confidence
    native: str | None  # romanised text written back in its own script
    rid: str | None
    org: Any
    model: Any  # the first-stage model that scored it
    probs: np.ndarray
    rules: np.ndarray  # after the experts' vetoes
    flags: np.ndarray  # the fast stage's flags (before the semantic stage and the merge)
    public_domain: str
    chat_domain: bool
    hits: list[Hit]
    extra_scores: np.ndarray
    extra_flags: np.ndarray
    evidence: list[tuple[str, Evidence]]
    signals: dict[str, float]
    stages: list[str]
    adult_to_minor: bool = False


def hold(state: BatchState, rows: Sequence[int], flags: np.ndarray, coerced: list[tuple[str, bool, str | None]],
         lang_list: list[tuple[str, float]], ids: Sequence[str | None] | None, offset: int) -> list[Held]:
    """The fast-stage state of `rows`, copied out of the batch (`offset`: the sub-batch's first position)."""
    out = []
    for i in rows:
        rid = ids[i] if ids is not None and i < len(ids) else None
        out.append(Held(
            position=offset + i, coerced=coerced[i], normalized=state.normalized[i], lang=lang_list[i],
            native=state.natives.get(i), rid=None if rid is None else str(rid), org=state.org, model=state.model,
            probs=state.probs[i].copy(), rules=state.rules[i].copy(), flags=flags[i].copy(),
            public_domain=str(state.public_domain[i]), chat_domain=bool(state.chat_domain[i]),
            hits=list(state.hits[i]), extra_scores=state.extra_scores[i].copy(),
            extra_flags=state.extra_flags[i].copy(), evidence=list(state.evidence[i]),
            signals=dict(state.signals[i]), stages=list(state.stages[i]),
            adult_to_minor=bool(state.adult_to_minor[i]),
        ))
    return out


def restore(held: Sequence[Held], settings: Settings | None) -> tuple[BatchState, np.ndarray]:
    """A batch state whose rows are `held` (all live, one organisation), and its fast flags."""
    natives = {k: h.native for k, h in enumerate(held) if h.native is not None}
    state = BatchState(settings, [h.coerced[0] for h in held], [h.normalized for h in held],
                       [h.lang[0] for h in held], list(range(len(held))), natives=natives, org=held[0].org)
    state.model = held[0].model
    state.probs = np.array([h.probs for h in held])
    state.rules = np.array([h.rules for h in held])
    state.public_domain = np.array([h.public_domain for h in held], dtype=object)
    state.chat_domain = np.array([h.chat_domain for h in held], dtype=bool)
    state.adult_to_minor = np.array([h.adult_to_minor for h in held], dtype=bool)
    state.hits = [h.hits for h in held]
    state.extra_scores = np.array([h.extra_scores for h in held])
    state.extra_flags = np.array([h.extra_flags for h in held])
    state.evidence = [list(h.evidence) for h in held]
    state.signals = [dict(h.signals) for h in held]
    state.stages = [list(h.stages) for h in held]
    return state, np.array([h.flags for h in held])
