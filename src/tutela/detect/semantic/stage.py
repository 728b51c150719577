"""The semantic stage at run time: the built-in index, an organisation's overlay, scoring a batch.

`score()` returns None when the stage cannot run here (no fitted artefact, an empty bank, or no
encoder): the engine then reports only the fast stage in `stages`, never a silent zero.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from tutela.detect.semantic.artefact import load_default
from tutela.detect.semantic.bank import Example, load_bank
from tutela.detect.semantic.embeddings import embed_examples
from tutela.detect.semantic.encoder import available, get_encoder
from tutela.detect.semantic.index import BankIndex, SemanticResult, forget_org, org_index
from tutela.detect.semantic.verifier import load_default as load_verifier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrgBank:
    """An organisation's own examples; `version` changes whenever one is added or removed."""

    org_id: int
    version: object
    examples: list[Example] = field(default_factory=list)


_LOCK = threading.Lock()
_STATE: dict[str, BankIndex | None] = {}


def builtin_index() -> BankIndex | None:
    """The built-in bank with the fitted calibration, built once per process (None: stage off)."""
    if "index" not in _STATE:
        with _LOCK:
            if "index" not in _STATE:
                _STATE["index"] = _build()
    return _STATE["index"]


def _build() -> BankIndex | None:
    art = load_default()
    if art is None or not available():
        log.info("semantic stage off: %s", "no fitted artefact" if art is None else "no encoder")
        return None
    examples = load_bank()
    if not examples:
        return None
    encoder = get_encoder()
    if art.runtime != encoder.runtime:
        log.warning("semantic artefact fitted with %s, encoder is %s: re-embedding the bank (refit with "
                    "`tutela train semantic`)", art.runtime, encoder.runtime)
    emb = embed_examples(examples, encoder, art.lookup(encoder.runtime))
    return BankIndex(examples, emb, art.calibrated, load_verifier())


def index_for(org: OrgBank | None) -> BankIndex | None:
    base = builtin_index()
    if base is None or org is None or not org.examples:
        return base

    def build() -> BankIndex:
        return base.extended(org.examples, embed_examples(org.examples, get_encoder()))

    return org_index(base, org.org_id, org.version, build)


def score(texts: list[str], org: OrgBank | None = None) -> list[SemanticResult] | None:
    """Semantic results for texts in their semantic form (`normalize.semantic_text`), or None when
    the stage is not available."""
    index = index_for(org)
    if index is None:
        return None
    return index.score(texts, get_encoder())


def set_index(index: BankIndex | None) -> None:
    """Install an index (tests build one from a small bank); `reset()` goes back to the built-in."""
    with _LOCK:
        _STATE["index"] = index
    forget_org()


def reset() -> None:
    with _LOCK:
        _STATE.clear()
    forget_org()
