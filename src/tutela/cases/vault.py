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
from sqlalchemy import Connection, and_, select, update

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


#: Marks a column value sealed by `seal_field` (anything else is a value written before fields were sealed).
FIELD_PREFIX = "vault1:"


def seal_field(settings: Settings | None, text: str | None, *, purpose: str) -> str | None:
    """A short text (a case note, an evidence filename) sealed for its own column.

    Small values that belong to one row are sealed in place rather than as vault objects:
    `vault1:<key id>:<base64url(nonce + ciphertext)>`, authenticated with `purpose` so a
    sealed filename cannot be moved into a note. Without settings (no key to use) the text
    is returned as it is."""
    if text is None or settings is None:
        return text
    key = current_key(settings)
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key.key).encrypt(nonce, text.encode("utf-8"), f"field:{purpose}".encode())
    return f"{FIELD_PREFIX}{key.key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def open_field(
    settings: Settings | None, value: str | None, *, purpose: str, extra_keys: tuple[VaultKey, ...] = ()
) -> str | None:
    """The text of a sealed field (or an unsealed one as it is); a placeholder when it cannot be
    opened (key not loaded, tampered), so one bad row never hides the rest of a case."""
    if value is None or not value.startswith(FIELD_PREFIX):
        return value
    try:
        key_id, payload = value[len(FIELD_PREFIX):].split(":", 1)
        keys = {k.key_id: k for k in (*((current_key(settings),) if settings else ()), *extra_keys)}
        raw = base64.urlsafe_b64decode(payload)
        return AESGCM(keys[key_id].key).decrypt(raw[:12], raw[12:], f"field:{purpose}".encode()).decode("utf-8")
    except Exception:  # noqa: BLE001 - KeyError (key not loaded), InvalidTag, bad base64
        return "[sealed: cannot be opened with the loaded vault key]"


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
    fields = _rotate_fields(db, settings, current, tuple(old_keys))
    return {"reencrypted": done, "without_key": missing, "key_id": current.key_id, "fields": fields}


def _rotate_fields(db: Database, settings: Settings, current: VaultKey, old_keys: tuple[VaultKey, ...]) -> int:
    """Re-seal the sealed columns (case notes, evidence filenames) still under an old key."""
    from tutela.storage.tables.cases import case_notes, evidence

    done = 0
    for table, column, purpose in ((case_notes, case_notes.c.text, "case_note"),
                                   (evidence, evidence.c.filename, "evidence.filename")):
        stale = and_(column.like(f"{FIELD_PREFIX}%"), ~column.like(f"{FIELD_PREFIX}{current.key_id}:%"))
        with db.begin() as conn:
            for row_id, value in conn.execute(select(table.c.id, column).where(stale)).all():
                text = open_field(None, value, purpose=purpose, extra_keys=old_keys)
                if text is None or text.startswith("[sealed:"):
                    continue  # its key was not given: left as it is, counted by nobody
                conn.execute(update(table).where(table.c.id == row_id)
                             .values({column.name: seal_field(settings, text, purpose=purpose)}))
                done += 1
    return done
