"""SHA-256 of the whole file: the collision-resistant identity used for
evidence (chain of custody, deduplication) and by newer hash lists."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import ClassVar

from tutela.hashing.signals.base import PHOTO, VIDEO, SignalExample, SignalType, register


@register
class Sha256Signal(SignalType):
    name = "sha256"
    hex_len = 64
    te_names: ClassVar[Mapping[str | None, str]] = {PHOTO: "photo_sha256", VIDEO: "video_sha256", None: "sha256"}
    stix_name = "SHA-256"

    @classmethod
    def hash_bytes(cls, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    @classmethod
    def examples(cls) -> list[SignalExample]:
        return [
            SignalExample("same bytes", lambda: bytes(range(256)), lambda: bytes(range(256)), True),
            SignalExample("appended byte", lambda: bytes(range(256)), lambda: bytes(range(256)) + b"\0", False),
        ]
