"""Hashes recorded on intake: MD5 and SHA-256 always, PDQ for images.

The media engineer's `tutela.hashing.hash_bytes` is used when it is there
(one hashing code path for the whole platform); until then, and for any file
it refuses, MD5/SHA-256 come from hashlib and PDQ from `pdqhash` directly.
A file that cannot be decoded as an image simply has no PDQ: intake never
fails because of hashing.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileHashes:
    md5: str
    sha256: str
    pdq: str | None = None
    media: Any = None  # the media engine's MediaHashes, when it hashed the file (used for matching)


def hash_file(data: bytes, filename: str | None = None) -> FileHashes:
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    sha256 = hashlib.sha256(data).hexdigest()
    pdq = None
    media = None
    try:
        from tutela.hashing import hash_bytes  # type: ignore[attr-defined]
    except ImportError:
        hash_bytes = None
    if hash_bytes is not None:
        try:
            media = hash_bytes(data, filename=filename)
            pdq = getattr(media, "pdq", None)
        except Exception:
            log.debug("tutela.hashing could not hash %s", filename, exc_info=True)
    elif _looks_like_image(data):
        pdq = _pdq_fallback(data)
    return FileHashes(md5, sha256, pdq if isinstance(pdq, str) else None, media)


def _looks_like_image(data: bytes) -> bool:
    return (
        data[:3] == b"\xff\xd8\xff"
        or data[:8] == b"\x89PNG\r\n\x1a\n"
        or data[:6] in (b"GIF87a", b"GIF89a")
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    )


def _pdq_fallback(data: bytes) -> str | None:
    try:
        import numpy as np
        import pdqhash
        from PIL import Image

        with Image.open(io.BytesIO(data)) as img:
            img.thumbnail((512, 512))
            arr = np.asarray(img.convert("RGB"))
        bits, _quality = pdqhash.compute(arr)
        value = 0
        for b in bits:
            value = (value << 1) | int(b)
        return f"{value:064x}"
    except Exception:
        log.debug("no PDQ for this file", exc_info=True)
        return None
