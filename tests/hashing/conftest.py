"""Fixtures for media tests: generated images and hostile files, never real media."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from tutela.hashing.synthetic import encode, synthetic_image, synthetic_jpeg


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, valid-looking PNG whose header claims `width` x `height`: the
    shape of a decompression bomb, without ever allocating its pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def bad_files() -> dict[str, tuple[bytes, str | None]]:
    """Every kind of bad input a media endpoint must refuse cleanly: name -> (bytes, filename)."""
    jpeg = synthetic_jpeg(11, (400, 300))
    png = encode(synthetic_image(11, (200, 150)), "PNG")
    rng = np.random.default_rng(5)
    return {
        "empty": (b"", "empty.jpg"),
        "truncated_jpeg": (jpeg[: len(jpeg) // 2], "half.jpg"),
        "truncated_jpeg_header": (jpeg[:300], "head.jpg"),
        "truncated_png": (png[: len(png) // 3], "third.png"),
        "garbage_named_jpeg": (rng.bytes(4000), "noise.jpg"),
        "jpeg_magic_then_garbage": (b"\xff\xd8\xff\xe0" + rng.bytes(3000), "fake.jpg"),
        "bomb_png": (png_claiming(100_000, 100_000), "bomb.png"),
        "bomb_png_under_pillow_limit": (png_claiming(9_000, 9_000), "bomb2.png"),
    }


@pytest.fixture()
def hostile_files() -> dict[str, tuple[bytes, str | None]]:
    return bad_files()
