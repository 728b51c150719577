"""Embeddings of bank examples: from the committed artefact, else a cache in the data dir, else encoded.

Why the layers: the committed artefact holds the embeddings of the banks it was fitted on (a few MB
as float16), so a fresh install never encodes the built-in banks; a bank line added since the fit is
encoded once and kept in `<data_dir>/cache/semantic-bank-<hash>.npz` (keyed by the bank's content
hash, so an edited bank never reads stale vectors).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from tutela.detect.normalize import semantic_text
from tutela.detect.semantic.artefact import text_key
from tutela.detect.semantic.bank import Example, content_hash
from tutela.detect.semantic.encoder import Encoder, windows

log = logging.getLogger(__name__)


def encoded_form(text: str, lang: str | None = None) -> str:
    """What the encoder sees for a bank example: its semantic form's first window (letters kept)."""
    w = windows(semantic_text(text, lang))
    return w[0] if w else ""


def embed_examples(
    examples: list[Example],
    encoder: Encoder,
    known: dict[str, np.ndarray] | None = None,
    cache_dir: Path | None = None,
) -> np.ndarray:
    """(len(examples), dim) float32, reusing `known` vectors (by text key) and the disk cache."""
    forms = [encoded_form(e.text, e.lang) for e in examples]
    keys = [text_key(f) for f in forms]
    have: dict[str, np.ndarray] = dict(known or {})
    cache_file = None
    if cache_dir is not None:
        cache_file = Path(cache_dir) / f"semantic-bank-{encoder.runtime}-{content_hash(examples)[:16]}.npz"
        if cache_file.is_file():
            try:
                with np.load(cache_file, allow_pickle=False) as z:
                    have.update({str(k): v for k, v in zip(z["keys"], z["embeddings"], strict=True)})
            except (OSError, ValueError, KeyError):
                log.warning("ignoring an unreadable embedding cache %s", cache_file)
    missing = [i for i, k in enumerate(keys) if k not in have]
    if missing:
        vecs = encoder.encode([forms[i] for i in missing])
        for i, v in zip(missing, vecs, strict=True):
            have[keys[i]] = v
        if cache_file is not None:
            try:
                cache_file.parent.mkdir(parents=True, exist_ok=True)
                new = {keys[i] for i in missing}
                np.savez_compressed(
                    cache_file,
                    keys=np.array(sorted(new)),
                    embeddings=np.array([have[k] for k in sorted(new)], dtype=np.float16),
                )
            except OSError:
                log.warning("could not write the embedding cache %s", cache_file)
    out = np.zeros((len(examples), encoder.dim), dtype=np.float32)
    for i, k in enumerate(keys):
        out[i] = have[k]
    return out
