"""SmoothQuant factors for the int8 encoder: measured once on our own bank lines, committed.

Why: int8 activations lose the small channels whenever a few channels carry large values (the GELU
output of every layer does). SmoothQuant (Xiao et al., 2023) divides each input channel by
`s = amax(activation)^alpha / amax(weight row)^(1 - alpha)` and multiplies the weights' input row by
it, so the product is unchanged and both sides quantise well. With activations quantised per token
(`e5_int8.py`) less of the range has to move into the weights than with one scale per tensor: alpha
0.65 for the layer input, attention context and FFN input, 0.5 for the GELU output (whose weights are
requantised from 4-bit blocks and lose most from taking more of it). Fitted on 500 bank lines, mean
cosine to the float model 0.9997 on 300 others (0.9991 without smoothing, 0.9996 with 0.8 everywhere).

The factors depend on the model only, not on the banks: refit them (`python -m
tutela.detect.semantic.e5_smoothing`) when the encoder's weights or its quantisation change, not when
a bank line does.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np

ALPHA = 0.65
ALPHA_FO = 0.5  # the GELU output (see above)
CALIBRATION_TEXTS = 500
FILE = "e5_smoothing.npz"


def default_path() -> Path:
    return Path(str(resources.files("tutela.detect") / "models" / FILE))


def load_smoothing(path: Path | None = None) -> dict[str, np.ndarray] | None:
    """The committed factors, or None when the file is absent (the encoder is then plain int8)."""
    path = Path(path) if path is not None else default_path()
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k].astype(np.float32) for k in z.files if k != "meta"}


def fit_smoothing(texts: list[str], alpha: float = ALPHA, alpha_fo: float = ALPHA_FO) -> dict[str, np.ndarray]:
    """Per-channel factors from the float model's activations on `texts`."""
    from tutela.detect.semantic.e5_file import read
    from tutela.detect.semantic.e5_ort import SMOOTHED, OrtE5

    model = read()
    probe = OrtE5(int8=False, taps=True)
    keys = [f"l{i}.{k}" for i in range(model.layers) for k in SMOOTHED]
    amax: dict[str, np.ndarray] = {}
    for _, x, mask in probe.batches(texts):
        outs = probe.run(x, mask)[1:]
        real = mask.astype(bool)
        for key, out in zip(keys, outs, strict=True):
            peak = np.abs(out[real]).max(axis=0)
            amax[key] = np.maximum(amax[key], peak) if key in amax else peak
    factors: dict[str, np.ndarray] = {}
    for i in range(model.layers):
        p = f"l{i}."
        weights = {"qkv": ("q", "k", "v"), "ao": ("ao",), "fi": ("fi",), "fo": ("fo",)}
        for key, names in weights.items():
            rows = [model.dense(p + n + ".w", model.ffn if n == "fi" else model.hidden) for n in names]
            wmax = np.max([np.abs(w).max(axis=0) for w in rows], axis=0)  # per input channel
            a = alpha_fo if key == "fo" else alpha
            s = np.clip(amax[p + key], 1e-5, None) ** a / np.clip(wmax, 1e-5, None) ** (1 - a)
            factors[p + key] = s.astype(np.float32)
    return factors


def main() -> None:
    """Refit the factors on our own bank lines (never on shared or held-out data) and write them."""
    import random

    from tutela.detect.normalize import semantic_text
    from tutela.detect.semantic.bank import load_bank

    texts = sorted({semantic_text(e.text, e.lang) for e in load_bank()})
    random.Random(0).shuffle(texts)
    factors = fit_smoothing(texts[:CALIBRATION_TEXTS])
    meta = {"alpha": ALPHA, "alpha_fo": ALPHA_FO, "calibration_texts": CALIBRATION_TEXTS, "source": "built-in bank lines"}
    np.savez_compressed(default_path(), meta=np.array(json.dumps(meta)), **factors)
    print(f"wrote {default_path()} ({len(factors)} factor vectors, alpha {ALPHA}, {ALPHA_FO} for the GELU output)")


if __name__ == "__main__":
    main()
