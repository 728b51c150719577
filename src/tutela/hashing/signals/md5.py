"""MD5 of the whole file.

Cryptographically broken, but still the lingua franca of hash lists (NCMEC's
and many hotlines' lists carry MD5s), so it is computed for every file. It
only matches byte-identical copies: any re-encode changes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import ClassVar

from tutela.hashing.signals.base import PHOTO, VIDEO, SignalExample, SignalType, register


@register
class Md5Signal(SignalType):
    name = "md5"
    hex_len = 32
    # python-threatexchange (and ThreatExchange's HASH_MD5 with a media type)
    # tell photo and video MD5s apart; an entry whose content type is unknown
    # is written as plain `md5` rather than claimed to be a video.
    te_names: ClassVar[Mapping[str | None, str]] = {PHOTO: "photo_md5", VIDEO: "video_md5", None: "md5"}
    stix_name = "MD5"

    @classmethod
    def hash_bytes(cls, data: bytes) -> str:
        return hashlib.md5(data, usedforsecurity=False).hexdigest()

    @classmethod
    def examples(cls) -> list[SignalExample]:
        return [
            SignalExample("same bytes", lambda: b"tutela" * 100, lambda: b"tutela" * 100, True),
            SignalExample("one byte differs", lambda: b"tutela" * 100, lambda: b"tutelA" + b"tutela" * 99, False),
        ]
