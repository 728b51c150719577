"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint says "on <at>, the chain had <seq> entries and its newest hash
was <head>", signed with the instance's Ed25519 key (see `audit_keys`). One
JSON object per line in `<data_dir>/audit-checkpoints.jsonl` (mode 0600):

    {"v":1,"type":"tutela.audit.checkpoint","seq":500,"head":"<hex>","at":"<ISO>",
     "key_id":"<chain key id>","signer":"<base64 public key>","sig":"<base64 Ed25519>"}

`sig` signs the canonical JSON (`audit.canonical`) of every other field. The
database cannot vouch for itself: whoever can write to it can delete the newest
entries and the head together, or empty both tables. A checkpoint written
elsewhere keeps a promise the database cannot take back; `audit.verify` checks
the chain against every one. The same line, handed to a partner with the
exported public key, is a witness they can check without being able to forge.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tutela.cases.audit_keys import AuditKeys
from tutela.config import Settings
from tutela.storage.times import utc_now

FILE_NAME = "audit-checkpoints.jsonl"
TYPE = "tutela.audit.checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head: str
    at: str
    line: int  # 1-based line in the file, for messages


def path(settings: Settings) -> Path:
    return settings.data_dir / FILE_NAME


def _payload_bytes(fields: dict[str, Any]) -> bytes:
    from tutela.cases.audit import canonical  # audit imports this module at run time, not at import

    return canonical({k: v for k, v in fields.items() if k != "sig"}).encode("utf-8")


def sign(keys: AuditKeys, seq: int, head: str) -> dict[str, Any]:
    """A signed checkpoint of the chain at `seq` whose newest hash is `head`."""
    fields: dict[str, Any] = {
        "v": 1,
        "type": TYPE,
        "seq": seq,
        "head": head,
        "at": utc_now().isoformat(timespec="seconds"),
        "key_id": keys.key_id,
        "signer": keys.public_key_b64,
    }
    fields["sig"] = base64.b64encode(keys.signing_key.sign(_payload_bytes(fields))).decode()
    return fields


def write(settings: Settings, keys: AuditKeys, seq: int, head: str) -> dict[str, Any]:
    """Append a checkpoint to the file, durably (one `write` of one line: appends never interleave)."""
    fields = sign(keys, seq, head)
    target = path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(fields, separators=(",", ":")) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return fields


def signature_ok(fields: dict[str, Any], public_key: Ed25519PublicKey) -> bool:
    """Whether a checkpoint (ours, or one a partner holds as a witness) was signed by `public_key`."""
    try:
        public_key.verify(base64.b64decode(str(fields.get("sig", "")), validate=True), _payload_bytes(fields))
    except (InvalidSignature, ValueError):
        return False
    return True


def read(target: Path, keys: AuditKeys) -> tuple[list[Checkpoint], str | None]:
    """Every checkpoint in the file, or its first problem (unreadable line, foreign key, bad signature).

    A missing file is no checkpoints, not a problem: whether that is plausible is `audit.verify`'s call.
    """
    if not target.exists():
        return [], None
    found: list[Checkpoint] = []
    own_key = keys.public_key
    with target.open("r", encoding="utf-8") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                fields = json.loads(raw)
                cp = Checkpoint(int(fields["seq"]), str(fields["head"]), str(fields["at"]), number)
            except (ValueError, KeyError, TypeError):
                return found, f"checkpoint line {number} of {target} is not a checkpoint"
            if fields.get("signer") != keys.public_key_b64:
                return found, f"checkpoint line {number} is signed by another key ({fields['signer']})"
            if not signature_ok(fields, own_key):
                return found, f"checkpoint line {number} has a bad signature: the file was edited"
            found.append(cp)
    return found, None
