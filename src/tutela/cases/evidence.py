"""Hashes recorded on intake: MD5 and SHA-256 always, PDQ (and per-second video PDQ) for media.

One hashing code path for the whole platform: `tutela.hashing.hash_bytes`.
MD5/SHA-256 are computed here first, so a file the media engine refuses
(truncated, not an image, a decompression bomb) still gets its identity
hashes: intake never fails because of hashing.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from tutela.domain.media import MediaHashes
from tutela.hashing import MediaError, hash_bytes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileHashes:
    md5: str
    sha256: str
    pdq: str | None = None
    media: MediaHashes | None = None  # the media engine's hashes, when it could read the file (for matching)


def hash_file(data: bytes, filename: str | None = None) -> FileHashes:
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        media = hash_bytes(data, filename=filename)
    except MediaError:
        log.debug("the media engine could not read %s; keeping MD5/SHA-256 only", filename, exc_info=True)
        return FileHashes(md5, sha256)
    return FileHashes(md5, sha256, media.pdq, media)
