"""One contract for every learned or rule component, and the registry the engine iterates.

Like scikit-learn's `fit`/`predict` and Presidio's recognizers, every part that judges text honours
the same small contract, so a new one composes without touching the engine:

- `analyze(texts, langs) -> list[ComponentResult]`: per text, a score per label (a taxonomy
  category, a grooming stage, a signal such as `disclosure`), the labels the component itself
  flags at its own calibrated thresholds, and the evidence behind them (spans, reasons, nearest
  examples): what a caller or a test can use on its own;
- `stage`: when the engine runs it: `fast` (every text), `semantic` (the texts the cascade picks,
  see `detect/semantic/cascade.py`) or `conversation` (messages of a conversation, used by
  `tutela.conversations`, not by the text engine);
- `train(data_dir, out_dir) -> dict` for the trained ones (`trainable = True`): writes its
  artefacts to `out_dir`, never into the installed package unless asked to, and returns its
  fit record; `tutela train <name> --out DIR` calls it.

Inside the engine a component may fold its results into the batch its own way (`contribute`):
the first-stage model and the rule detectors keep their calibrated interplay there (see
`fast.py`). A component without `contribute` is folded generically: its scores raise the
combined score (max) and its flags are added, with its evidence as explanations. That is all a
plug-in needs.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

STAGES = ("fast", "semantic", "conversation")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a label scored: the span of the analysed text (when there is one), the reason, and for
    the semantic stage the nearest written examples."""

    label: str
    score: float
    reason: str
    start: int | None = None
    end: int | None = None
    examples: tuple[dict[str, Any], ...] = ()


@dataclass
class ComponentResult:
    """One text's result from one component."""

    scores: dict[str, float] = field(default_factory=dict)
    flagged: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)


@runtime_checkable
class Component(Protocol):
    """What every learned or rule component offers (see the module docstring)."""

    name: str
    stage: str
    trainable: bool

    def analyze(self, texts: Sequence[str], langs: Sequence[str]) -> list[ComponentResult]: ...


class TrainableComponent:
    """Base for components with an artefact: `train` writes it to `out_dir` and returns the record."""

    name: ClassVar[str] = "component"
    stage: ClassVar[str] = "fast"
    trainable: ClassVar[bool] = True

    def analyze(self, texts: Sequence[str], langs: Sequence[str]) -> list[ComponentResult]:  # pragma: no cover
        raise NotImplementedError

    def train(self, data_dir: Path | None, out_dir: Path) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError


_LOCK = threading.RLock()
_REGISTRY: dict[str, Component] = {}
_BUILTINS_LOADED = False


def register_component(component: Component) -> Component:
    """Make a component available to the engine (and to `tutela train`, when trainable)."""
    if getattr(component, "stage", None) not in STAGES:
        raise ValueError(f"component {getattr(component, 'name', component)!r}: stage must be one of {STAGES}")
    if not isinstance(component, Component):
        raise TypeError(f"{component!r} does not implement the component contract (name, stage, trainable, analyze)")
    with _LOCK:
        _REGISTRY[component.name] = component
    return component


def unregister_component(name: str) -> None:
    with _LOCK:
        _REGISTRY.pop(name, None)


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    from tutela.detect.components import builtin

    with _LOCK:  # re-entrant: registering takes it too
        if not _BUILTINS_LOADED:
            plugins = dict(_REGISTRY)  # registered before the built-ins: they run after them
            _REGISTRY.clear()
            builtin.register_all()
            _REGISTRY.update(plugins)
            _BUILTINS_LOADED = True


def components(stage: str | None = None) -> list[Component]:
    """The registered components (built-in first, in registration order), optionally of one stage."""
    _load_builtins()
    with _LOCK:
        items = list(_REGISTRY.values())
    return [c for c in items if stage is None or c.stage == stage]


def component(name: str) -> Component:
    _load_builtins()
    with _LOCK:
        found = _REGISTRY.get(name)
    if found is None:
        raise KeyError(f"no component {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    return found
