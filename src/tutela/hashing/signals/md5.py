"""MD5 of the whole file.

Cryptographically broken, but still the lingua franca of hash lists (NCMEC's
and many hotlines' lists carry MD5s), so it is computed for every file. It
only matches byte-identical copies: any re-encode changes it.
"""

from __future__ import annotations

import hashlib

from tutela.hashing.signals.base import SignalExample, SignalType, register


@register
class Md5Signal(SignalType):
    name = "md5"
    te_name = "video_md5"
    hex_len = 32

    @classmethod
    def hash_bytes(cls, data: bytes) -> str:
        return hashlib.md5(data, usedforsecurity=False).hexdigest()

    @classmethod
    def examples(cls) -> list[SignalExample]:
        return [
            SignalExample("same bytes", lambda: b"tutela" * 100, lambda: b"tutela" * 100, True),
            SignalExample("one byte differs", lambda: b"tutela" * 100, lambda: b"tutelA" + b"tutela" * 99, False),
        ]
