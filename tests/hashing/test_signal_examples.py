"""Shared tests fed by every registered signal type's own examples:
adding a hasher file adds its tests here."""

from __future__ import annotations

import pytest

from tutela.hashing.signals import SIGNALS

CASES = [(name, ex) for name, sig in sorted(SIGNALS.items()) for ex in sig.examples()]


def test_registry_has_the_core_signals() -> None:
    assert {"md5", "sha256", "pdq"} <= set(SIGNALS)


@pytest.mark.parametrize(("signal", "example"), CASES, ids=[f"{n}-{e.name}" for n, e in CASES])
def test_signal_example(signal: str, example) -> None:  # noqa: ANN001
    sig = SIGNALS[signal]
    a = sig.hash_bytes(example.first())
    b = sig.hash_bytes(example.second())
    assert a is not None and b is not None
    assert sig.normalize(a) == a and len(a) == sig.hex_len
    matched = sig.distance(a, b) <= sig.default_threshold
    assert matched is example.should_match, f"distance {sig.distance(a, b)}"


@pytest.mark.parametrize("signal", sorted(SIGNALS))
def test_normalize_rejects_bad_values(signal: str) -> None:
    sig = SIGNALS[signal]
    with pytest.raises(ValueError):
        sig.normalize("xyz")
    with pytest.raises(ValueError):
        sig.normalize("a" * (sig.hex_len + 1))
    assert sig.normalize(" " + "AB" * (sig.hex_len // 2) + "\n") == "ab" * (sig.hex_len // 2)
