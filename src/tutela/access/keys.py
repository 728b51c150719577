"""API keys for machines: `Authorization: Bearer tutela_<key_id>_<secret>`.

Only a SHA-256 of the secret is stored: keys are 256-bit random, so a fast
hash is safe (unlike passwords, which get argon2), and verification stays
cheap on the hot path of `/v1/moderate`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select

from tutela.storage.db import Database
from tutela.storage.tables.access import api_keys, orgs
from tutela.storage.times import utc_now

#: Scopes a key can carry. `admin` implies every other scope.
SCOPES: dict[str, str] = {
    "analyze": "analyse text (POST /v1/analyze/*)",
    "moderate": "ask for moderation decisions (POST /v1/moderate)",
    "media": "hash and match media",
    "banks": "manage hash banks",
    "conversations": "feed conversations and read their risk",
    "reports": "submit reports and notices",
    "cases": "read and work cases of the organisation",
    "policy": "manage the organisation's policies",
    "exchange": "exchange hashes, signals and referrals with partners",
    "oversight": "read aggregate measures and transparency reports",
    "admin": "everything, including keys and people",
}

ORG_KINDS = ("platform", "hotline", "agency", "police", "helpline", "regulator", "ngo")


class AccessError(Exception):
    """Raised when a credential is missing, wrong, or lacks the needed scope."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an organisation plus what it may do."""

    org_id: int
    org_name: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    key_id: str | None = None
    user_id: int | None = None
    role: str | None = None

    def has(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes

    def require(self, scope: str) -> None:
        if not self.has(scope):
            raise AccessError(f"this credential lacks the '{scope}' scope", status=403)

    @property
    def actor(self) -> str:
        """How the audit trail names this caller."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"key:{self.key_id}"


def create_org(db: Database, name: str, *, kind: str = "platform", country: str | None = None) -> int:
    """Create an organisation; raises ValueError if the name is taken or invalid."""
    name = name.strip()
    if not name:
        raise ValueError("organisation name must not be empty")
    if kind not in ORG_KINDS:
        raise ValueError(f"unknown organisation kind {kind!r}; valid: {', '.join(ORG_KINDS)}")
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise ValueError("country must be an ISO 3166-1 alpha-2 code such as TR, AZ, IR")
    with db.begin() as conn:
        if conn.execute(select(orgs.c.id).where(orgs.c.name == name)).first():
            raise ValueError(f"organisation {name!r} already exists")
        res = conn.execute(
            orgs.insert().values(name=name, kind=kind, country=country and country.upper(), created_at=utc_now())
        )
        return int(res.inserted_primary_key[0])


def get_org(db: Database, name_or_id: str | int) -> dict | None:
    with db.connect() as conn:
        col = orgs.c.id if isinstance(name_or_id, int) else orgs.c.name
        row = conn.execute(select(orgs).where(col == name_or_id)).mappings().first()
        return dict(row) if row else None


def create_key(db: Database, org: str | int, scopes: list[str], *, label: str | None = None) -> str:
    """Create an API key and return the full credential; it is shown only once."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValueError(f"unknown or no scopes {unknown}; valid: {', '.join(SCOPES)}")
    org_row = get_org(db, org)
    if org_row is None:
        raise ValueError(f"no organisation {org!r}; create it with `tutela admin create-org`")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with db.begin() as conn:
        conn.execute(
            api_keys.insert().values(
                key_id=key_id,
                secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
                org_id=org_row["id"],
                scopes=sorted(set(scopes)),
                label=label,
                created_at=utc_now(),
                revoked=False,
            )
        )
    _lookup.cache_clear()
    return f"tutela_{key_id}_{secret}"


def revoke_key(db: Database, key_id: str) -> bool:
    with db.begin() as conn:
        n = conn.execute(api_keys.update().where(api_keys.c.key_id == key_id).values(revoked=True)).rowcount
    _lookup.cache_clear()
    return bool(n)


@lru_cache(maxsize=4096)
def _lookup(db: Database, key_id: str) -> tuple[str, Principal] | None:
    with db.connect() as conn:
        row = conn.execute(
            select(api_keys.c.secret_sha256, api_keys.c.scopes, api_keys.c.revoked, orgs.c.id, orgs.c.name)
            .join(orgs, orgs.c.id == api_keys.c.org_id)
            .where(api_keys.c.key_id == key_id)
        ).first()
    if row is None or row.revoked:
        return None
    return row.secret_sha256, Principal(row.id, row.name, frozenset(row.scopes), key_id=key_id)


def authenticate_key(db: Database, credential: str | None) -> Principal:
    """Turn a bearer credential into a Principal, or raise AccessError."""
    if not credential:
        raise AccessError("missing API key: send 'Authorization: Bearer <key>'")
    parts = credential.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "tutela":
        raise AccessError("malformed API key")
    found = _lookup(db, parts[1])
    if found is None:
        raise AccessError("unknown or revoked API key")
    digest, principal = found
    if not hmac.compare_digest(digest, hashlib.sha256(parts[2].encode()).hexdigest()):
        raise AccessError("unknown or revoked API key")
    return principal
