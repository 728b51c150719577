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


def file_key_b64(path: Path, *, setting: str, purpose: str) -> str:
    """The base64 key in `path`, created (0600, exclusively) when it does not exist yet.

    `setting` names the variable that would have supplied it and `purpose` what is lost
    without it, for the one warning logged when the file is created. The key is written to a
    file of this caller's own and linked into place whole, so a thread or process that loses
    the race to create it reads the winner's key, never a file still being written (six threads
    sealing their first objects at once read an empty key that way, 2026-12-06).
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(new_key_b64() + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.link(draft, path)  # atomic, and refused where the file exists
        except FileExistsError:
            pass  # another thread or process won the race; read theirs
        else:
            log.warning(
                "no %s set: generated a key at %s (mode 0600). Back it up: %s. Production should set %s.",
                setting, path, purpose, setting,
            )
        finally:
            draft.unlink(missing_ok=True)
    return path.read_text().strip()
