"""The audit trail's keys: one secret, two uses, kept outside the database.

From one 32-byte secret (`Settings.audit_key`, else `<data_dir>/audit.key`,
generated once with mode 0600 like the vault key) two keys are derived with
HKDF, so an operator backs up one value:

- an HMAC-SHA256 key that chains the entries: without it, nobody who can only
  write to the database can recompute the chain after editing an entry;
- an Ed25519 signing key for checkpoints, whose public half can be handed to
  partners, who can then check a checkpoint without being able to forge one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tutela.config import Settings
from tutela.storage.keyfiles import file_key_b64


class AuditKeyError(Exception):
    """The audit key is missing or malformed."""


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tutela-audit/" + label).derive(secret)


@dataclass(frozen=True)
class AuditKeys:
    key_id: str
    chain_key: bytes = field(repr=False)
    signing_key: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def from_b64(cls, text: str) -> AuditKeys:
        try:
            secret = base64.b64decode(text.strip(), validate=True)
        except Exception as exc:  # binascii.Error, ValueError
            raise AuditKeyError("the audit key is not valid base64") from exc
        if len(secret) != 32:
            raise AuditKeyError("the audit key must be base64 of 32 random bytes")
        return cls(
            key_id=hashlib.sha256(b"tutela-audit-key-id:" + secret).hexdigest()[:16],
            chain_key=_derive(secret, b"chain"),
            signing_key=Ed25519PrivateKey.from_private_bytes(_derive(secret, b"checkpoint-signing")),
        )

    def mac(self, message: bytes) -> str:
        return hmac.new(self.chain_key, message, hashlib.sha256).hexdigest()

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    @property
    def public_key_b64(self) -> str:
        """The raw 32-byte Ed25519 public key, base64: what a partner needs to check checkpoints."""
        raw = self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.b64encode(raw).decode()


_cache: dict[tuple[str | None, str], AuditKeys] = {}


def audit_keys(settings: Settings) -> AuditKeys:
    """The instance's audit keys (see the module docstring for where the secret comes from)."""
    cache_key = (settings.audit_key, str(settings.data_dir))
    found = _cache.get(cache_key)
    if found is None:
        text = settings.audit_key or file_key_b64(
            settings.data_dir / "audit.key",
            setting="TUTELA_AUDIT_KEY",
            purpose="without it the audit trail cannot be verified or extended",
        )
        found = _cache[cache_key] = AuditKeys.from_b64(text)
    return found


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    """A partner's (or our own exported) checkpoint public key."""
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))
    except Exception as exc:  # binascii.Error, ValueError
        raise AuditKeyError("not a base64 Ed25519 public key") from exc
