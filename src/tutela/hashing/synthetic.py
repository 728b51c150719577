"""Synthetic test images: shapes, gradients and noise drawn from a seed.

Tests, examples and benchmarks use these and never real photographs, so the
project needs no real media (and certainly never abuse material) to prove that
hashing and matching work. The same seed always gives the same picture.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw


def synthetic_image(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A busy, distinctive RGB picture: a gradient background, random shapes and
    some noise, so PDQ has plenty of structure and different seeds hash far apart."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    grad = (np.cos(angle) * xx / w + np.sin(angle) * yy / h) * 0.5 + 0.5
    base = np.stack([grad * rng.uniform(60, 255) for _ in range(3)], axis=-1)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(8, 16))):
        x0, x1 = sorted(rng.integers(0, w, 2).tolist())
        y0, y1 = sorted(rng.integers(0, h, 2).tolist())
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = int(rng.integers(0, 3))
        if shape == 0:
            draw.rectangle([x0, y0, x1 + 4, y1 + 4], fill=colour)
        elif shape == 1:
            draw.ellipse([x0, y0, x1 + 4, y1 + 4], fill=colour)
        else:
            draw.line([x0, y0, x1, y1], fill=colour, width=int(rng.integers(2, 12)))
    noise = rng.normal(0, 6, (h, w, 3))
    arr = np.clip(np.asarray(img, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(arr, "RGB")


def encode(img: Image.Image, fmt: str = "JPEG", **kwargs: object) -> bytes:
    """Encode an image to bytes in a given format (JPEG quality 90 unless told)."""
    buf = io.BytesIO()
    if fmt.upper() in ("JPEG", "JPG"):
        kwargs.setdefault("quality", 90)
        img = img.convert("RGB")
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def synthetic_jpeg(seed: int, size: tuple[int, int] = (320, 240), quality: int = 90) -> bytes:
    return encode(synthetic_image(seed, size), "JPEG", quality=quality)


__all__ = ["encode", "synthetic_image", "synthetic_jpeg"]
