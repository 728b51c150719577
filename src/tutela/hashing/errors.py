"""The one error media hashing raises for input it cannot use."""

from __future__ import annotations


class MediaError(ValueError):
    """A file that cannot be hashed as what it claims to be: empty, truncated,
    malformed, too large, or a decompression bomb. The message says which, in
    words a person uploading the file can act on."""


class MediaTooLarge(MediaError):
    """The file exceeds the configured size cap (HTTP 413)."""


__all__ = ["MediaError", "MediaTooLarge"]
