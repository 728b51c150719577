"""The signal-type registry: every module here registers one kind of hash."""

import importlib
import pkgutil

from tutela.hashing.signals.base import SIGNALS, SignalExample, SignalType, get_signal, register

for _mod in pkgutil.iter_modules(__path__):
    if _mod.name != "base":
        importlib.import_module(f"{__name__}.{_mod.name}")

__all__ = ["SIGNALS", "SignalExample", "SignalType", "get_signal", "register"]
