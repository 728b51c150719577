"""SmoothQuant factors for the int8 encoder: measured once on our own bank lines, committed.

Why: int8 activations quantised per tensor lose the small channels whenever a few channels carry
large values (the GELU output of every layer does). SmoothQuant (Xiao et al., 2023) divides each
input channel by `s = amax(activation)^alpha / amax(weight row)^(1 - alpha)` and multiplies the
weights' input row by it, so the product is unchanged and both sides quantise well. With alpha 0.8,
fitted on 500 of our bank lines, embeddings agree with the float model to a cosine of 0.9995
(0.997 without), for about 3% of the speed (the Mul nodes; bench/semantic_throughput.py).

The per-token int8 graph (`e5_int8.py`, the default runtime) has factors of its own
(`e5_smoothing_token.npz`, `--per-token`): alpha 0.8 for the layer input, attention context and FFN
input, and 0.5 for the GELU output, whose per-token outliers a per-token scale already holds (mean
cosine to the float model 0.999773, min 0.99956 on 400 bank lines outside the calibration set; alpha
0.65 everywhere but the GELU output: 0.999762 / 0.99952; 0.5: 0.99973; more calibration lines, 2,000
instead of 500, changed nothing).

The factors depend on the model only, not on the banks: refit them (`python -m
tutela.detect.semantic.e5_smoothing`) when the encoder's weights change, not when a bank line does.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np

ALPHA = 0.8
ALPHA_TOKEN, ALPHA_TOKEN_FO = 0.8, 0.5  # the per-token graph: every input, and the GELU output
CALIBRATION_TEXTS = 500
FILE = "e5_smoothing.npz"
FILE_TOKEN = "e5_smoothing_token.npz"


def default_path() -> Path:
    return Path(str(resources.files("tutela.detect") / "models" / FILE))


def token_path() -> Path:
    return Path(str(resources.files("tutela.detect") / "models" / FILE_TOKEN))


def load_smoothing(path: Path | None = None) -> dict[str, np.ndarray] | None:
    """The committed factors, or None when the file is absent (the encoder is then plain int8)."""
    path = Path(path) if path is not None else default_path()
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k].astype(np.float32) for k in z.files if k != "meta"}


def fit_smoothing(texts: list[str], alpha: float = ALPHA, alpha_fo: float | None = None) -> dict[str, np.ndarray]:
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
            a = alpha_fo if key == "fo" and alpha_fo is not None else alpha
            s = np.clip(amax[p + key], 1e-5, None) ** a / np.clip(wmax, 1e-5, None) ** (1 - a)
            factors[p + key] = s.astype(np.float32)
    return factors


def main() -> None:
    """Refit the factors on our own bank lines (never on shared or held-out data) and write them
    (`--per-token`: those of the per-token graph)."""
    import random
    import sys

    from tutela.detect.normalize import semantic_text
    from tutela.detect.semantic.bank import load_bank

    texts = sorted({semantic_text(e.text, e.lang) for e in load_bank()})
    random.Random(0).shuffle(texts)
    if "--per-token" in sys.argv[1:]:
        path, alpha, alpha_fo = token_path(), ALPHA_TOKEN, ALPHA_TOKEN_FO
    else:
        path, alpha, alpha_fo = default_path(), ALPHA, None
    factors = fit_smoothing(texts[:CALIBRATION_TEXTS], alpha, alpha_fo)
    meta = {"alpha": alpha, "alpha_fo": alpha_fo or alpha, "calibration_texts": CALIBRATION_TEXTS,
            "source": "built-in bank lines"}
    np.savez_compressed(path, meta=np.array(json.dumps(meta)), **factors)
    print(f"wrote {path} ({len(factors)} factor vectors, alpha {alpha}, GELU output {alpha_fo or alpha})")


if __name__ == "__main__":
    main()
