"""The evidence vault: AES-256-GCM at rest, a key id on every object, rotation.

The key comes from the operator (`Settings.vault_key`, base64 of 32 bytes).
Without one, a key is generated once into `<data_dir>/vault.key` (mode 0600)
and a warning is logged: fine for a single machine, but production should
supply its own key so that backups of the database alone are unreadable.

Each object is sealed with a fresh 96-bit nonce and its random `ref` as
associated data, so a ciphertext copied onto another row fails to open.
Rotation (`rotate`) re-encrypts every object that is not under the current key
with the current key; the old keys are needed only while it runs.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, select, update

from tutela.config import Settings
from tutela.storage.db import Database
from tutela.storage.keyfiles import file_key_b64, new_key_b64  # noqa: F401 (re-exported)
from tutela.storage.tables.cases import vault_objects
from tutela.storage.times import utc_now

class VaultError(Exception):
    """The vault cannot open an object: wrong or missing key, or tampered ciphertext."""


@dataclass(frozen=True)
class VaultKey:
    key_id: str
    key: bytes

    @classmethod
    def from_bytes(cls, key: bytes) -> VaultKey:
        if len(key) != 32:
            raise VaultError("a vault key must be 32 bytes (base64 of 32 random bytes)")
        return cls(hashlib.sha256(b"tutela-vault-key-id:" + key).hexdigest()[:16], key)

    @classmethod
    def from_b64(cls, text: str) -> VaultKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except Exception as exc:  # binascii.Error, ValueError
            raise VaultError("the vault key is not valid base64") from exc
        return cls.from_bytes(raw)


_key_cache: dict[tuple[str | None, str], VaultKey] = {}


def current_key(settings: Settings) -> VaultKey:
    """The key new objects are sealed with (see module docstring for where it comes from)."""
    cache_key = (settings.vault_key, str(settings.data_dir))
    found = _key_cache.get(cache_key)
    if found is not None:
        return found
    if settings.vault_key:
        key = VaultKey.from_b64(settings.vault_key)
    else:
        key = _file_key(settings.data_dir / "vault.key")
    _key_cache[cache_key] = key
    return key


def _file_key(path: Path) -> VaultKey:
    return VaultKey.from_b64(
        file_key_b64(path, setting="TUTELA_VAULT_KEY", purpose="evidence cannot be read without it")
    )


def seal(key: VaultKey, ref: str, data: bytes) -> tuple[bytes, bytes]:
    nonce = secrets.token_bytes(12)
    return nonce, AESGCM(key.key).encrypt(nonce, data, ref.encode())


def sealed_row(settings: Settings, data: bytes, *, purpose: str) -> dict:
    """An encrypted `vault_objects` row, ready to insert (alone or many at once)."""
    key = current_key(settings)
    ref = secrets.token_hex(16)
    nonce, ct = seal(key, ref, data)
    return dict(
        ref=ref,
        purpose=purpose,
        key_id=key.key_id,
        nonce=nonce,
        ciphertext=ct,
        size=len(data),
        created_at=utc_now(),
    )


def put(conn: Connection, settings: Settings, data: bytes, *, purpose: str) -> int:
    """Encrypt and store; returns the object id."""
    res = conn.execute(vault_objects.insert(), sealed_row(settings, data, purpose=purpose))
    return int(res.inserted_primary_key[0])


def get(
    conn: Connection, settings: Settings, object_id: int, *, extra_keys: tuple[VaultKey, ...] = ()
) -> bytes:
    """Decrypt one object; raises VaultError if deleted, keyless or tampered."""
    row = conn.execute(select(vault_objects).where(vault_objects.c.id == object_id)).mappings().first()
    if row is None or row["deleted_at"] is not None:
        raise VaultError(f"vault object {object_id} does not exist or was deleted")
    keys = {k.key_id: k for k in (current_key(settings), *extra_keys)}
    key = keys.get(row["key_id"])
    if key is None:
        raise VaultError(
            f"vault object {object_id} is sealed with key {row['key_id']}, which is not loaded; "
            "run `tutela vault rotate-key --old-key-file ...` with the previous key"
        )
    try:
        return AESGCM(key.key).decrypt(bytes(row["nonce"]), bytes(row["ciphertext"]), row["ref"].encode())
    except Exception as exc:  # cryptography.exceptions.InvalidTag
        raise VaultError(f"vault object {object_id} failed its integrity check") from exc


def get_text(conn: Connection, settings: Settings, object_id: int | None) -> str | None:
    if object_id is None:
        return None
    try:
        return get(conn, settings, object_id).decode("utf-8")
    except VaultError:
        return None


def erase(conn: Connection, object_id: int) -> bool:
    """Destroy the ciphertext (not just hide it) and mark when; returns False if already gone."""
    res = conn.execute(
        update(vault_objects)
        .where(vault_objects.c.id == object_id, vault_objects.c.deleted_at.is_(None))
        .values(ciphertext=b"", nonce=b"", size=0, deleted_at=utc_now())
    )
    return bool(res.rowcount)


def rotate(db: Database, settings: Settings, old_keys: list[VaultKey], *, batch: int = 200) -> dict[str, int]:
    """Re-encrypt every live object not under the current key. Idempotent; safe to re-run."""
    from tutela.cases import audit

    current = current_key(settings)
    by_id = {k.key_id: k for k in old_keys}
    done = missing = 0
    last_id = 0
    while True:
        with audit.writing(db) as conn:
            rows = conn.execute(
                select(vault_objects.c.id, vault_objects.c.key_id)
                .where(
                    vault_objects.c.id > last_id,
                    vault_objects.c.key_id != current.key_id,
                    vault_objects.c.deleted_at.is_(None),
                )
                .order_by(vault_objects.c.id)
                .limit(batch)
            ).all()
            if not rows:
                break
            for row in rows:
                last_id = row.id
                if row.key_id not in by_id:
                    missing += 1
                    continue
                data = get(conn, settings, row.id, extra_keys=(by_id[row.key_id],))
                ref = secrets.token_hex(16)
                nonce, ct = seal(current, ref, data)
                conn.execute(
                    update(vault_objects)
                    .where(vault_objects.c.id == row.id)
                    .values(ref=ref, key_id=current.key_id, nonce=nonce, ciphertext=ct)
                )
                done += 1
            audit.append(
                conn,
                actor="system:vault",
                action="vault.rotate",
                object_type="vault",
                details={"to_key": current.key_id, "objects": len(rows)},
            )
    return {"reencrypted": done, "without_key": missing, "key_id": current.key_id}
