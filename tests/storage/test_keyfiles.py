"""Key files created on first use: one key, whole, whoever races to create it."""

from __future__ import annotations

import base64
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tutela.storage.keyfiles import file_key_b64


def test_threads_racing_to_create_a_key_file_all_read_the_same_whole_key(tmp_path: Path) -> None:
    path = tmp_path / "data" / "vault.key"
    start = threading.Barrier(12)
    keys: list[str] = []

    def first_use() -> None:
        start.wait()
        keys.append(file_key_b64(path, setting="TUTELA_VAULT_KEY", purpose="test"))

    threads = [threading.Thread(target=first_use) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 12 and len(set(keys)) == 1
    assert len(base64.b64decode(keys[0])) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["vault.key"]  # no draft left behind


def test_an_existing_key_file_is_read_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "vault.key"
    first = file_key_b64(path, setting="TUTELA_VAULT_KEY", purpose="test")
    assert file_key_b64(path, setting="TUTELA_VAULT_KEY", purpose="test") == first


def _race(n: int, first_use: Callable[[], bytes]) -> list[bytes]:
    start = threading.Barrier(n)
    out: list[bytes] = []

    def run() -> None:
        start.wait()
        out.append(first_use())

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_threads_racing_for_the_identifier_salt_and_the_decision_log_key_read_one_whole_key(tmp_path: Path) -> None:
    """Both were written in place, so a thread that lost the race could read the file before the winner wrote
    it: an empty HMAC key, under which 24 reports sent at once hashed their URLs differently and opened 5 cases
    for 4 URLs (CI on PostgreSQL, 2026-12-07)."""
    from tutela.config import Settings
    from tutela.policy import log as decision_log
    from tutela.storage import identifiers

    settings = Settings(data_dir=tmp_path / "data")
    identifiers._cache.clear()
    decision_log._KEYS.clear()
    try:
        salts = _race(12, lambda: identifiers.identifier_key(settings))
        identifiers._cache.clear()
        again = identifiers.identifier_key(settings)  # read back from the file
        logs = _race(12, lambda: decision_log._key(settings))
    finally:
        identifiers._cache.clear()
        decision_log._KEYS.clear()
    assert len(set(salts)) == 1 and salts[0] == again and len(salts[0]) == 64  # hex of 32 bytes
    assert len(set(logs)) == 1 and len(logs[0]) == 32
    for name in ("identifier.salt", "decision-log.key"):
        assert stat.S_IMODE((settings.data_dir / name).stat().st_mode) == 0o600
    assert not [p for p in settings.data_dir.iterdir() if p.name.endswith(".new")]  # no draft left behind


def test_an_empty_secret_file_stops_instead_of_keying_with_nothing(tmp_path: Path) -> None:
    from tutela.config import Settings
    from tutela.storage import identifiers

    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_data_dir()
    (settings.data_dir / "identifier.salt").write_text("")
    identifiers._cache.clear()
    with pytest.raises(RuntimeError, match="identifier.salt is empty"):
        identifiers.identifier_key(settings)
    identifiers._cache.clear()


def test_threads_racing_for_the_csrf_signing_key_read_one_whole_key(tmp_path: Path) -> None:
    from tutela.access.people import secret_key
    from tutela.config import Settings

    settings = Settings(data_dir=tmp_path / "data")
    keys = _race(12, lambda: secret_key(settings))
    assert len(set(keys)) == 1 and len(keys[0]) == 64  # token_urlsafe(48)
    assert stat.S_IMODE((settings.data_dir / "secret.key").stat().st_mode) == 0o600
