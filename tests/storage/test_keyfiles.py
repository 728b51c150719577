"""Key files created on first use: one key, whole, whoever races to create it."""

from __future__ import annotations

import base64
import stat
import threading
from pathlib import Path

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
