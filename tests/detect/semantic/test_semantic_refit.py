"""`tutela train semantic` is deterministic: the same bank gives the same `semantic.npz`, byte for byte.

Why: a committed artefact must be rebuildable from the repo, and dev lines near a threshold flipped
between refits when the fit reused the previous artefact's float16 vectors next to fresh float32 ones
and stamped the file with the time (fit.py's docstring)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from tutela.detect.semantic.artefact import SemanticArtefact
from tutela.detect.semantic.bank import Example
from tutela.detect.semantic.encoder import get_encoder
from tutela.detect.semantic.fit import fit

from .conftest import SEED

_TRAIN = "import sys; from pathlib import Path; from tutela.detect.semantic.fit import train; train(Path(sys.argv[1]), Path(sys.argv[2]))"


def _train_in_process(out: Path, hash_seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "OMP_NUM_THREADS": "1"}
    src = str(Path(__file__).resolve().parents[3] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    subprocess.run([sys.executable, "-c", _TRAIN, str(SEED), str(out)], env=env, check=True, timeout=120)
    return (out / "semantic.npz").read_bytes()


def test_two_trainings_write_the_same_bytes(tmp_path: Path) -> None:
    first = _train_in_process(tmp_path / "a", "1")
    second = _train_in_process(tmp_path / "b", "2")
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    loaded = SemanticArtefact.load(tmp_path / "a" / "semantic.npz")
    assert loaded.keys and "fitted" not in loaded.meta


def test_a_refit_on_stored_vectors_equals_a_fresh_fit(seed_examples: list[Example], tmp_path: Path) -> None:
    """Vectors read back from an artefact (float16) fit to the same numbers as vectors encoded now."""
    fresh = fit(seed_examples, get_encoder())
    fresh.save(tmp_path / "fresh.npz")
    again = fit(seed_examples, get_encoder(), known=SemanticArtefact.load(tmp_path / "fresh.npz").lookup())
    for name in ("knn_calib", "head_coef", "head_intercept", "head_calib", "thresholds"):
        assert np.array_equal(getattr(fresh.calibrated, name), getattr(again.calibrated, name)), name
    assert np.array_equal(fresh.embeddings, again.embeddings)
