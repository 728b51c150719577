"""Fit the harm verifier (`tutela train verifier`) on every written line: the banks and the dev challenge lines.

The lines: each bank line (harm or benign, `examples/`) and each line of the written challenge sets whose split
is `dev` (`bench/challenge/<lang>.jsonl`: harmful and disguised against tricky-benign and ordinary). Held-out
lines are never read. The bank's vectors come from the semantic artefact (what the stage scores with); the
challenge lines are encoded here, in the form the encoder reads (`encoded_form`), and a line typed in Latin letters
(Finglish, Russian translit) once more written back in its own script, as the engine reads it (`written_back`);
~2 minutes on one core.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from tutela.detect.semantic.artefact import load_default as load_artefact
from tutela.detect.semantic.bank import content_hash, load_bank
from tutela.detect.semantic.embeddings import embed_examples, encoded_form
from tutela.detect.semantic.encoder import get_encoder
from tutela.detect.semantic.verifier import ARTEFACT, fit_verifier
from tutela.detect.translit import to_native

HARMFUL_KINDS = frozenset({"harmful", "disguised"})
BENIGN_KINDS = frozenset({"ordinary", "tricky_benign"})


def default_challenge_dir() -> Path:
    """`<repo>/bench/challenge` for a source checkout."""
    return Path(__file__).resolve().parents[4] / "bench" / "challenge"


def challenge_lines(folder: Path, split: str = "dev") -> list[tuple[str, str, bool]]:
    """(text, lang, harmful) of every line of `split` in the challenge files under `folder`."""
    out: list[tuple[str, str, bool]] = []
    for path in sorted(folder.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("split") != split:
                continue
            kind = row.get("kind")
            if kind not in HARMFUL_KINDS | BENIGN_KINDS:
                raise ValueError(f"{path}:{n}: unknown kind {kind!r}")
            out.append((str(row["text"]), path.stem, kind in HARMFUL_KINDS))
    return out


def written_back(text: str, lang: str) -> str | None:
    """The encoder's form of a line typed in Latin letters (Finglish, Russian translit) written back in its
    own script, as the engine hands it to the semantic stage (`engine.py`, `to_native`, which answers None for
    any other line or language). Why: the verifier reads Russian translit only in Cyrillic, so it learns that
    reading too."""
    native = to_native(text, lang)
    return None if native is None else encoded_form(native, lang)


def train(challenge_dir: Path, out_dir: Path) -> tuple[Path, dict]:
    """Fit and write `verifier.npz`; returns its path and its meta."""
    examples = load_bank()
    art = load_artefact()
    encoder = get_encoder()
    bank_emb = embed_examples(examples, encoder, art.lookup(encoder.runtime) if art is not None else None)
    lines = challenge_lines(challenge_dir)
    if not lines:
        raise ValueError(f"no dev lines under {challenge_dir}")
    # every line as typed; a line typed in Latin letters (Finglish, translit) also written back in its script
    extra = [(native, e.is_harm) for e in examples if (native := written_back(e.text, e.lang)) is not None]
    forms = [(form, harm) for text, lang, harm in lines
             for form in (encoded_form(text, lang), written_back(text, lang)) if form is not None]
    more = encoder.encode([form for form, _ in extra + forms])
    x = np.vstack([bank_emb.astype(np.float32), more.astype(np.float32)])
    y = np.array([e.is_harm for e in examples] + [harm for _, harm in extra + forms], dtype=bool)
    digest = hashlib.sha256("\n".join(f"{lang}\t{int(h)}\t{t}" for t, lang, h in lines).encode()).hexdigest()
    meta = {"bank_examples": len(examples), "bank_hash": content_hash(examples), "challenge_lines": len(lines),
            "challenge_hash": digest, "harmful": int(y.sum()), "benign": int((~y).sum()), "encoder": encoder.runtime}
    verifier = fit_verifier(x, y, meta)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ARTEFACT
    verifier.save(path)
    return path, meta
