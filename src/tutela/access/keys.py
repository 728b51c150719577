"""API keys for machines: `Authorization: Bearer tutela_<key_id>_<secret>`.

Only a SHA-256 of the secret is stored: keys are 256-bit random, so a fast
hash is safe (unlike passwords, which get argon2), and verification stays
cheap on the hot path of `/v1/moderate`.

Lookups are cached per process for at most `CACHE_TTL` seconds (one), so a key
revoked by any process (CLI, API, console, another server) stops working
everywhere within a second, while a busy key costs one query a second, not one
per request. Creating and revoking keys is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

from sqlalchemy import select, update

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
    "examples": "manage the organisation's own semantic examples (/v1/examples)",
    "exchange": "exchange hashes, signals and referrals with partners",
    "oversight": "read aggregate measures and transparency reports",
    "admin": "everything, including keys and people",
}

#: What a regulator's keys may carry: aggregates and the register, never a case (issue 16).
REGULATOR_SCOPES = frozenset({"oversight"})

ORG_KINDS = ("platform", "hotline", "agency", "police", "helpline", "regulator", "ngo")
#: The kind of the one organisation Tutela makes itself: where public reports wait while no hotline has
#: people (`tutela.cases.receiving`). Nobody can be added to it and no operator can create one.
HOLDING_KIND = "holding"


class AccessError(Exception):
    """The caller may not do this. Raised as it is: no valid credential (missing, wrong, revoked).

    The subclasses say why else; the doors choose how each reads (`tutela.api.errors`), the engine
    never names an HTTP status.
    """

    def __init__(self, message: str) -> None:  # one argument: a status passed here by habit fails loudly
        super().__init__(message)


class Forbidden(AccessError):
    """A known caller whose scope, role or organisation does not allow the action."""


class NotFound(AccessError):
    """Nothing by that id that the caller may see (the same answer whether it exists or not)."""


class Gone(AccessError):
    """The object existed and was deleted on purpose (retention)."""


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
            raise Forbidden(f"this credential lacks the '{scope}' scope")

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


def create_key(
    db: Database, org: str | int, scopes: list[str], *, label: str | None = None, actor: str = "cli"
) -> str:
    """Create an API key and return the full credential; it is shown only once."""
    from tutela.cases import audit

    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValueError(f"unknown or no scopes {unknown}; valid: {', '.join(SCOPES)}")
    if label is not None and len(label) > 200:
        raise ValueError("a key's label may have at most 200 characters")
    org_row = get_org(db, org)
    if org_row is None:
        raise ValueError(f"no organisation {org!r}; create it with `tutela admin create-org`")
    if org_row["kind"] == "regulator" and not set(scopes) <= REGULATOR_SCOPES:
        raise ValueError("a regulator's keys carry only the 'oversight' scope: regulators see aggregates and "
                         "the register, never a case")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with audit.writing(db) as conn:
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
        audit.append(conn, actor=actor, org_id=org_row["id"], action="key.create", object_type="api_key",
                     object_id=key_id, details={"scopes": sorted(set(scopes))})
    return f"tutela_{key_id}_{secret}"


_KEY_ID = re.compile(r"^[0-9a-f]{16}$")


def key_id_of(key_or_id: str) -> str | None:
    """The key id in a full credential (`tutela_<id>_<secret>`) or a bare id; None if it is neither."""
    text = key_or_id.strip()
    if text.startswith("tutela_"):
        text = text.split("_", 2)[1]
    return text if _KEY_ID.match(text) else None


def list_keys(db: Database, org_id: int) -> list[dict]:
    """The organisation's keys, newest first: never the secret, only what identifies and describes it."""
    with db.connect() as conn:
        rows = conn.execute(
            select(api_keys.c.key_id, api_keys.c.scopes, api_keys.c.label, api_keys.c.created_at,
                   api_keys.c.last_used_at, api_keys.c.revoked, api_keys.c.revoked_at)
            .where(api_keys.c.org_id == org_id)
            .order_by(api_keys.c.created_at.desc(), api_keys.c.id.desc())
        ).mappings().all()
    return [dict(r) | {"prefix": f"tutela_{r['key_id']}_"} for r in rows]


def revoke_key(db: Database, key_or_id: str, *, org_id: int | None = None, actor: str = "cli") -> dict | None:
    """Revoke a key (the credential itself or its id); with `org_id`, only that organisation's.

    Returns the key's org id and whether it was already revoked, or None when there is no such key
    (or it belongs to another organisation: the same answer, so ids of others cannot be probed).
    """
    from tutela.cases import audit

    key_id = key_id_of(key_or_id)
    if key_id is None:
        return None
    query = select(api_keys.c.org_id, api_keys.c.revoked).where(api_keys.c.key_id == key_id)
    if org_id is not None:
        query = query.where(api_keys.c.org_id == org_id)
    with audit.writing(db) as conn:
        row = conn.execute(query).first()
        if row is None:
            return None
        if not row.revoked:
            conn.execute(update(api_keys).where(api_keys.c.key_id == key_id).values(
                revoked=True, revoked_at=utc_now()))
            audit.append(conn, actor=actor, org_id=row.org_id, action="key.revoke", object_type="api_key",
                         object_id=key_id)
    _cache.forget(db, key_id)
    return {"key_id": key_id, "org_id": row.org_id, "already_revoked": bool(row.revoked)}


#: How long a process may trust what it read about a key: the bound on how late a revocation bites.
CACHE_TTL = 1.0
#: How often a key's `last_used_at` is written (per process): a hot key must not write on every request.
LAST_USED_EVERY = 60.0


class _KeyCache:
    """Key lookups per database, each kept at most `CACHE_TTL` seconds and at most `max_keys` of them."""

    def __init__(self, max_keys: int = 4096) -> None:
        self.max_keys = max_keys
        self._by_db: weakref.WeakKeyDictionary[Database, OrderedDict[str, tuple[float, object]]] = (
            weakref.WeakKeyDictionary())
        self._touched: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, db: Database, key_id: str) -> tuple[bool, object]:
        now = time.monotonic()
        with self._lock:
            found = self._by_db.get(db, {}).get(key_id)
        if found is None or now - found[0] > CACHE_TTL:
            return False, None
        return True, found[1]

    def put(self, db: Database, key_id: str, value: object) -> None:
        with self._lock:
            entries = self._by_db.setdefault(db, OrderedDict())
            entries[key_id] = (time.monotonic(), value)
            entries.move_to_end(key_id)
            while len(entries) > self.max_keys:
                entries.popitem(last=False)

    def forget(self, db: Database, key_id: str) -> None:
        with self._lock:
            self._by_db.get(db, {}).pop(key_id, None)

    def due_for_touch(self, key_id: str) -> bool:
        """True at most once per `LAST_USED_EVERY` seconds per key (in this process)."""
        now = time.monotonic()
        with self._lock:
            last = self._touched.get(key_id)
            if last is not None and now - last < LAST_USED_EVERY:
                return False
            self._touched[key_id] = now
            self._touched.move_to_end(key_id)
            while len(self._touched) > self.max_keys:
                self._touched.popitem(last=False)
            return True


_cache = _KeyCache()


def _lookup(db: Database, key_id: str) -> tuple[str, Principal] | None:
    hit, value = _cache.get(db, key_id)
    if hit:
        return value  # type: ignore[return-value]
    with db.connect() as conn:
        row = conn.execute(
            select(api_keys.c.secret_sha256, api_keys.c.scopes, api_keys.c.revoked, orgs.c.id, orgs.c.name)
            .join(orgs, orgs.c.id == api_keys.c.org_id)
            .where(api_keys.c.key_id == key_id)
        ).first()
    found = None
    if row is not None and not row.revoked:
        found = row.secret_sha256, Principal(row.id, row.name, frozenset(row.scopes), key_id=key_id)
    _cache.put(db, key_id, found)
    return found


def _touch(db: Database, key_id: str) -> None:
    if _cache.due_for_touch(key_id):
        with db.begin() as conn:
            conn.execute(update(api_keys).where(api_keys.c.key_id == key_id).values(last_used_at=utc_now()))


def authenticate_key(db: Database, credential: str | None) -> Principal:
    """Turn a bearer credential into a Principal, or raise AccessError."""
    if not credential:
        raise AccessError("missing API key: send 'Authorization: Bearer <key>'")
    parts = credential.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "tutela":
        raise AccessError("malformed API key")
    if not _KEY_ID.match(parts[1]):
        raise AccessError("unknown or revoked API key")
    found = _lookup(db, parts[1])
    if found is None:
        raise AccessError("unknown or revoked API key")
    digest, principal = found
    if not hmac.compare_digest(digest, hashlib.sha256(parts[2].encode()).hexdigest()):
        raise AccessError("unknown or revoked API key")
    _touch(db, parts[1])
    return principal
