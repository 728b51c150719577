"""Secrets kept next to the database but never in it: generated once into the data dir, mode 0600.

The vault key and the audit key share this rule: an operator should supply
their own (a `TUTELA_*` setting from a secret manager) so that a copy of the
database alone reveals and forges nothing; without one, a key is generated on
first use into `<data_dir>/<name>` and a warning says to back it up.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import threading
from pathlib import Path

log = logging.getLogger(__name__)


def new_key_b64(size: int = 32) -> str:
    """A fresh random key, base64, for an operator to store in their secret manager."""
    return base64.b64encode(secrets.token_bytes(size)).decode()


def create_once(path: Path, content: bytes) -> bool:
    """Write `content` to `path` (0600) unless the file exists; True where this call created it.

    The content goes to a file of this caller's own and is linked into place whole (atomic, and refused where
    the file exists), so a thread or process that loses the race to create it reads the winner's content, never
    a file still being written (six threads sealing their first objects at once read an empty key that way,
    2026-12-06; the identifier salt and the decision log's key did the same until 2026-12-07, when 24 reports
    sent at once to a fresh PostgreSQL schema hashed their URLs with an empty key and opened 5 cases for 4 URLs).
    """
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(draft, path)
    except FileExistsError:
        return False  # another thread or process won the race; the caller reads theirs
    finally:
        draft.unlink(missing_ok=True)
    return True


def read_secret(path: Path) -> bytes:
    """The secret in `path`; an empty file (a write cut short before these files were created whole) stops
    here, since a keyed hash under an empty key is a plain hash (fail closed: restore the file from backup)."""
    data = path.read_bytes()
    if not data.strip():
        raise RuntimeError(f"{path} is empty: restore it from your backup (or remove it on a new install)")
    return data


def file_key_b64(path: Path, *, setting: str, purpose: str) -> str:
    """The base64 key in `path`, created (0600, whole: `create_once`) when it does not exist yet.

    `setting` names the variable that would have supplied it and `purpose` what is lost
    without it, for the one warning logged when the file is created.
    """
    if create_once(path, (new_key_b64() + "\n").encode()):
        log.warning(
            "no %s set: generated a key at %s (mode 0600). Back it up: %s. Production should set %s.",
            setting, path, purpose, setting,
        )
    return read_secret(path).decode().strip()
