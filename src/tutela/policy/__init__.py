"""Policy: rules over analyses and context -> decisions and actions.

    from tutela import moderate
    d = moderate("send me a pic", {"sender": {"age": 30}, "recipient": {"age": 12}})
    d.decision, d.actions, d.reasons, d.nudges

Policies are YAML data (`default_policy.yaml` is the built-in, safe-by-default
one); organisations store their own versions, run one in shadow, and every
decision is logged ready for a DSA statement of reasons.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Policy",
    "PolicyError",
    "default_policy",
    "evaluate",
    "load_policy",
    "moderate",
    "parse_policy",
]

_LAZY = {
    "moderate": ("tutela.policy.service", "moderate"),
    "Policy": ("tutela.policy.model", "Policy"),
    "PolicyError": ("tutela.policy.model", "PolicyError"),
    "default_policy": ("tutela.policy.model", "default_policy"),
    "load_policy": ("tutela.policy.model", "load_policy"),
    "parse_policy": ("tutela.policy.model", "parse_policy"),
    "evaluate": ("tutela.policy.engine", "evaluate"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'tutela.policy' has no attribute {name!r}")
