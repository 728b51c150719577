"""Helpers for the conversation tests: corpus access and message builders."""

from __future__ import annotations

from typing import Any

import pytest

from tutela.conversations.corpus import load_corpus
from tutela.conversations.detector import StageDetector


def strip_labels(conv: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in m.items() if k != "stages"} for m in conv["messages"]]


@pytest.fixture(scope="session")
def corpus() -> list[dict[str, Any]]:
    return load_corpus()


@pytest.fixture(scope="session")
def detector() -> StageDetector:
    """One stage detector for every test that reads messages through it (it keeps no state between calls)."""
    return StageDetector()
