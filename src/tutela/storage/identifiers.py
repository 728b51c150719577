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
import secrets

from tutela.config import Settings
from tutela.storage.keyfiles import create_once, read_secret

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
    if create_once(path, (secrets.token_hex(32) + "\n").encode()):
        log.warning(
            "no TUTELA_IDENTIFIER_SALT set: generated one at %s (mode 0600); servers sharing a "
            "database must share it",
            path,
        )
    key = read_secret(path).strip()
    _cache[str(path)] = key
    return key


__all__ = ["identifier_key"]
