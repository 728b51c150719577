"""SHA-256 of the whole file: the collision-resistant identity used for
evidence (chain of custody, deduplication) and by newer hash lists."""

from __future__ import annotations

import hashlib

from tutela.hashing.signals.base import SignalExample, SignalType, register


@register
class Sha256Signal(SignalType):
    name = "sha256"
    te_name = "video_sha256"
    hex_len = 64

    @classmethod
    def hash_bytes(cls, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    @classmethod
    def examples(cls) -> list[SignalExample]:
        return [
            SignalExample("same bytes", lambda: bytes(range(256)), lambda: bytes(range(256)), True),
            SignalExample("appended byte", lambda: bytes(range(256)), lambda: bytes(range(256)) + b"\0", False),
        ]
