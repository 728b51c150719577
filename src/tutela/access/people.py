"""People who sign in to the web console: accounts, passwords, sessions, CSRF.

Passwords are hashed with argon2id (argon2-cffi's defaults follow RFC 9106),
because a password, unlike an API key, is guessable and must be slow to test.
Sessions live server-side (`web_sessions`) so signing out and disabling an
account take effect immediately. A person becomes the same `Principal` an API
key does, with scopes derived from their role, so every engine check works for
both.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select

from tutela.access.keys import HOLDING_KIND, AccessError, Forbidden, Principal, get_org
from tutela.config import Settings
from tutela.storage.db import Database
from tutela.storage.keyfiles import create_once, read_secret
from tutela.storage.tables.access import orgs, users
from tutela.storage.tables.sessions import web_sessions
from tutela.storage.times import as_utc, utc_now

#: Roles a person can hold, and the scopes each role grants.
ROLES: dict[str, frozenset[str]] = {
    "analyst": frozenset({"cases", "reports"}),
    "supervisor": frozenset({"cases", "reports"}),
    "agency_liaison": frozenset({"cases", "reports", "exchange"}),
    "regulator": frozenset({"oversight"}),  # aggregates only, never case content
    "admin": frozenset({"admin"}),
}

SESSION_TTL = timedelta(hours=12)
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()  # argon2id
#: Verified against when the email is unknown, so a wrong email costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Session:
    """A live sign-in: the token goes in the cookie, the CSRF token in every form."""

    token: str
    csrf_token: str
    principal: Principal


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_user(db: Database, org: str | int, email: str, password: str, role: str) -> int:
    """Create a person in an organisation; raises ValueError on bad input."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise ValueError("email must look like name@example.org")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; valid: {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    org_row = get_org(db, org)
    if org_row is None:
        raise ValueError(f"no organisation {org!r}; create it with `tutela admin create-org`")
    if org_row["kind"] == HOLDING_KIND:
        raise ValueError(
            f"{org_row['name']!r} only keeps public reports until a hotline has people; add people to your "
            "hotline instead (`tutela admin create-org NAME --kind hotline`): the waiting reports move there"
        )
    if org_row["kind"] == "regulator" and role != "regulator":
        raise ValueError("people of a regulator have the 'regulator' role: aggregates and the register, never a "
                         "case (the instance's operator manages them with `tutela admin create-user`)")
    with db.begin() as conn:
        if conn.execute(select(users.c.id).where(users.c.email == email)).first():
            # e-mails are unique across the instance: the same words whoever holds the address, so
            # an organisation's admin cannot learn who else has an account here
            raise ValueError("this e-mail address cannot be used for a new person; if they are already "
                             "in your organisation they are in the list")
        res = conn.execute(
            users.insert().values(
                org_id=org_row["id"],
                email=email,
                password_hash=hash_password(password),
                role=role,
                created_at=utc_now(),
                disabled=False,
            )
        )
        return int(res.inserted_primary_key[0])


def change_password(db: Database, user_id: int, current: str, new: str) -> None:
    """A person changes their own password; every other session of theirs ends.

    Raises AccessError when the current password is wrong, ValueError when the new one is too short.
    """
    if len(new) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the new password must be at least {MIN_PASSWORD_LENGTH} characters")
    with db.begin() as conn:
        row = conn.execute(select(users.c.password_hash).where(users.c.id == user_id)).first()
        if row is None or not verify_password(row.password_hash, current):
            raise Forbidden("the current password is wrong")
        conn.execute(users.update().where(users.c.id == user_id).values(password_hash=hash_password(new)))
        conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))


def set_disabled(db: Database, email: str, disabled: bool = True, *, org_id: int | None = None) -> bool:
    """Disable (or re-enable) a person; their sessions end at once. With `org_id`, only within that org."""
    query = select(users.c.id).where(users.c.email == email.strip().lower())
    if org_id is not None:
        query = query.where(users.c.org_id == org_id)
    with db.begin() as conn:
        row = conn.execute(query).first()
        if row is None:
            return False
        conn.execute(users.update().where(users.c.id == row.id).values(disabled=disabled))
        if disabled:
            conn.execute(delete(web_sessions).where(web_sessions.c.user_id == row.id))
        return True


def list_people(db: Database, org_id: int, *, include_disabled: bool = False) -> list[dict]:
    """The organisation's people (id, email, role, disabled), active ones only unless asked."""
    query = select(users.c.id, users.c.email, users.c.role, users.c.disabled, users.c.created_at).where(
        users.c.org_id == org_id)
    if not include_disabled:
        query = query.where(users.c.disabled.is_(False))
    with db.connect() as conn:
        rows = conn.execute(query.order_by(users.c.email)).mappings().all()
    return [dict(r) for r in rows]


def _principal(row) -> Principal:  # noqa: ANN001 (a SQLAlchemy row)
    return Principal(
        org_id=row.org_id, org_name=row.org_name, scopes=ROLES.get(row.role, frozenset()),
        user_id=row.user_id, role=row.role,
    )


_PERSON = select(
    users.c.id.label("user_id"), users.c.org_id, users.c.password_hash, users.c.role, users.c.disabled,
    orgs.c.name.label("org_name"),
).join(orgs, orgs.c.id == users.c.org_id)


def authenticate_person(db: Database, email: str, password: str) -> Principal:
    """Check an email and password; the error never says which one was wrong."""
    with db.connect() as conn:
        row = conn.execute(_PERSON.where(users.c.email == email.strip().lower())).first()
    if row is None:
        verify_password(_DUMMY_HASH, password)
        raise AccessError("wrong email or password")
    if not verify_password(row.password_hash, password) or row.disabled:
        raise AccessError("wrong email or password")
    if _hasher.check_needs_rehash(row.password_hash):
        with db.begin() as conn:
            conn.execute(
                users.update().where(users.c.id == row.user_id).values(password_hash=hash_password(password))
            )
    return _principal(row)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Database, principal: Principal) -> Session:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utc_now()
    with db.begin() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))
        conn.execute(
            web_sessions.insert().values(
                token_sha256=_digest(token), user_id=principal.user_id, csrf_token=csrf,
                created_at=now, expires_at=now + SESSION_TTL,
            )
        )
    return Session(token, csrf, principal)


def session_for(db: Database, token: str | None) -> Session | None:
    """The live session behind a cookie token, or None (expired, signed out, disabled)."""
    if not token:
        return None
    with db.connect() as conn:
        row = conn.execute(
            _PERSON.add_columns(web_sessions.c.csrf_token, web_sessions.c.expires_at)
            .join(web_sessions, web_sessions.c.user_id == users.c.id)
            .where(web_sessions.c.token_sha256 == _digest(token))
        ).first()
    if row is None or row.disabled or as_utc(row.expires_at) < utc_now():
        return None
    return Session(token, row.csrf_token, _principal(row))


def end_session(db: Database, token: str | None) -> None:
    if token:
        with db.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.token_sha256 == _digest(token)))


def secret_key(settings: Settings) -> bytes:
    """The key that signs anonymous CSRF tokens: from settings, else one kept in the data dir."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path: Path = settings.ensure_data_dir() / "secret.key"
    # created whole and 0600 from the start (storage/keyfiles.create_once): written in place, a request that
    # lost the race read an empty key and signed its CSRF tokens with nothing
    create_once(path, secrets.token_urlsafe(48).encode())
    return read_secret(path).strip()


def sign(key: bytes, value: str) -> str:
    """HMAC a value, for double-submit CSRF tokens on forms that have no session."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def tokens_match(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


__all__ = [
    "ROLES", "Session", "authenticate_person", "change_password", "create_user", "end_session",
    "hash_password", "list_people", "secret_key", "session_for", "set_disabled", "sign", "start_session",
    "tokens_match", "verify_password",
]
