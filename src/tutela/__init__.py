"""Tutela: software that protects children online.

The engine is importable without the web stack::

    from tutela import analyze_text, moderate

Heavy parts (models, indexes) load lazily on first use.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "analyze_text": ("tutela.detect", "analyze_text"),
    "analyze_texts": ("tutela.detect", "analyze_texts"),
    "moderate": ("tutela.policy", "moderate"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'tutela' has no attribute {name!r}")


__all__ = ["__version__", "analyze_text", "analyze_texts", "moderate"]
