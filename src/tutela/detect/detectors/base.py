"""The one contract every rule-based text detector honours, and the registry.

A detector is one module in `tutela.detect.detectors` that defines a class and
registers it with `@register`. It returns `Hit`s, each carrying the category,
a score in [0, 1], the span and the reason (as Presidio's recognizers do), and
it brings its own `examples()`, which `tests/detect/test_detector_examples.py`
picks up automatically: adding a detector adds its tests.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import ClassVar

from tutela.domain.taxonomy import Category


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of evidence. `start`/`end` index the text the detector was given."""

    category: Category
    score: float
    reason: str
    start: int | None = None
    end: int | None = None
    on_normalized: bool = True  # span indexes the normalised text (mapped back by the engine)
    detector: str = ""  # the registered name of the detector that found it
    topic: bool = False  # the words name the topic (a lexicon `topic` line), not what the writer means to do


@dataclass(frozen=True, slots=True)
class Example:
    """A text the detector must (or, with `category=None`, must not) flag for its categories."""

    text: str
    lang: str
    category: Category | None


class Detector:
    """Base class: subclasses set `name` and `categories` and implement `find`."""

    name: ClassVar[str] = "detector"
    categories: ClassVar[tuple[Category, ...]] = ()

    def find(self, original: str, normalized: str, lang: str) -> list[Hit]:  # pragma: no cover
        """Evidence in one text. `normalized` is `normalize_text(original)`."""
        raise NotImplementedError

    @classmethod
    def examples(cls) -> list[Example]:
        return []


_REGISTRY: dict[str, type[Detector]] = {}


def register(cls: type[Detector]) -> type[Detector]:
    """Class decorator: make a detector available to the engine."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two detectors named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def detector_classes() -> dict[str, type[Detector]]:
    """Every registered detector (imports each module of the package once)."""
    import tutela.detect.detectors as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name != "base":
            importlib.import_module(f"{pkg.__name__}.{mod.name}")
    return dict(_REGISTRY)
