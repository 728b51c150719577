"""The key for platform identifiers: every account, conversation and content id is stored as
an HMAC of it, never in the clear.

Keyed (not a plain hash) because platform ids are guessable: a plain SHA-256 of "user123"
is reversed by trying ids. The key is `Settings.identifier_salt`, or one generated once
into `<data_dir>/identifier.salt` (mode 0600). Servers sharing a database must share it.
Deliberately not derived from the vault key: rotating that key must not change these
hashes, or new reports would stop matching the cases they duplicate and conversations
would start again from nothing.
"""

from __future__ import annotations

import logging
import os
import secrets

from tutela.config import Settings

log = logging.getLogger(__name__)

_cache: dict[str, bytes] = {}


def identifier_key(settings: Settings) -> bytes:
    """The HMAC key for platform identifiers (see the module docstring)."""
    if settings.identifier_salt:
        return settings.identifier_salt.encode()
    path = settings.data_dir / "identifier.salt"
    found = _cache.get(str(path))
    if found is not None:
        return found
    if not path.exists():
        settings.ensure_data_dir()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
            log.warning(
                "no TUTELA_IDENTIFIER_SALT set: generated one at %s (mode 0600); servers sharing a "
                "database must share it",
                path,
            )
    key = path.read_text().strip().encode()
    _cache[str(path)] = key
    return key


__all__ = ["identifier_key"]
