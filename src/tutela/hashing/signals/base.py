"""What every signal type (a kind of hash) offers.

A signal type is one small class in one file of this package that registers
itself with `@register`. It says how to validate a stored value, how far apart
two values are, and brings `examples()` that the shared tests in
`tests/hashing/test_signal_examples.py` run, so a new hasher brings its own tests.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class SignalExample:
    """Two inputs and whether their hashes must be within the signal's match
    threshold. Inputs are produced lazily so that importing the registry stays cheap."""

    name: str
    first: Callable[[], bytes]
    second: Callable[[], bytes]
    should_match: bool


class SignalType(ABC):
    """One kind of hash. Subclasses are stateless and used through the class."""

    #: Tutela's name for it (stored in banks, used in the API).
    name: ClassVar[str]
    #: python-threatexchange's name for it, for import/export of its files.
    te_name: ClassVar[str]
    #: number of hex digits in a value
    hex_len: ClassVar[int]
    #: default maximum distance that counts as a match (0 for exact hashes)
    default_threshold: ClassVar[int] = 0

    @classmethod
    def normalize(cls, value: str) -> str:
        """Canonical form (lower-case hex) or ValueError naming the problem."""
        v = value.strip().lower()
        if not re.fullmatch(rf"[0-9a-f]{{{cls.hex_len}}}", v):
            raise ValueError(f"{value!r} is not a valid {cls.name} value ({cls.hex_len} hex digits)")
        return v

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        """Hamming distance in bits; exact hashes use it only as 0 / non-zero."""
        return (int(a, 16) ^ int(b, 16)).bit_count()

    @classmethod
    @abstractmethod
    def hash_bytes(cls, data: bytes) -> str | None:
        """The value for a file, or None when the signal does not apply to it."""

    @classmethod
    def examples(cls) -> list[SignalExample]:
        return []


SIGNALS: dict[str, type[SignalType]] = {}


def register(cls: type[SignalType]) -> type[SignalType]:
    """Class decorator adding a signal type to the registry."""
    if cls.name in SIGNALS and SIGNALS[cls.name] is not cls:
        raise ValueError(f"signal type {cls.name!r} registered twice")
    SIGNALS[cls.name] = cls
    return cls


def get_signal(name: str) -> type[SignalType]:
    """Look a signal type up by Tutela's or python-threatexchange's name."""
    key = name.strip().lower()
    if key in SIGNALS:
        return SIGNALS[key]
    for sig in SIGNALS.values():
        if sig.te_name == key:
            return sig
    raise ValueError(f"unknown signal type {name!r}; known: {', '.join(sorted(SIGNALS))}")
