"""Reading and writing conversation/account states (SQLite or PostgreSQL).

Upserts go out in batches: with SQLite in `synchronous=FULL` each commit is an
fsync, so the streaming tracker writes many states per transaction (write-
behind), while the HTTP service writes one message's two rows per
transaction (write-through) so an acknowledged message is never lost.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tutela.config import Settings
from tutela.conversations.state import AccountState, ConversationState
from tutela.storage.identifiers import identifier_key
from tutela.storage.tables.conversations import account_states, conversation_states
from tutela.storage.times import utc_now


class IdKeyer:
    """Turns platform ids into storage keys: clear, or keyed hashes (HMAC-SHA256).

    Hashing is keyed (not a plain hash) because platform ids are guessable: a
    plain SHA-256 of "user123" can be reversed by trying ids.
    """

    def __init__(self, salt: str | None = None, hash_ids: bool = False) -> None:
        if hash_ids and not salt:
            raise ValueError("hashing identifiers needs a key: set identifier_salt (TUTELA_IDENTIFIER_SALT)")
        self.hash_ids = hash_ids
        self._key = salt.encode() if salt else b""

    @classmethod
    def from_settings(cls, settings: Settings | None, hash_ids: bool | None = None) -> IdKeyer:
        """Keyed hashes whenever there are settings to hold the key (`storage.identifiers`); clear
        ids only when asked (`hash_ids=False`) or without settings (in-memory tracking)."""
        if hash_ids is False or (settings is None and not hash_ids):
            return cls(None, False)
        if settings is None:
            raise ValueError("hashing identifiers needs settings (the identifier key)")
        return cls(identifier_key(settings).decode(), True)

    def __call__(self, kind: str, value: str) -> str:
        if not self.hash_ids:
            return value
        return "h:" + hmac.new(self._key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()[:40]


#: built upsert statements by (dialect, table, columns, keys): building one (`excluded` and its
#: column proxies) cost about as much CPU as running it, once per message on the write-through path
_UPSERTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], object] = {}


def _upsert(conn: Connection, table, rows: list[dict], keys: list[str]) -> None:  # noqa: ANN001
    if not rows:
        return
    cache_key = (conn.dialect.name, table.name, tuple(rows[0]), tuple(keys))
    stmt = _UPSERTS.get(cache_key)
    if stmt is None:
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        ins = insert(table)
        update = {c: ins.excluded[c] for c in rows[0] if c not in keys}
        stmt = _UPSERTS[cache_key] = ins.on_conflict_do_update(index_elements=keys, set_=update)
    conn.execute(stmt, rows)  # type: ignore[call-overload]


def _sqlite_one(conn: Connection, sql: str, org_id: int, key: str) -> bytes | None:
    """Single-row read through the raw sqlite3 cursor: the streaming tracker does one per cache
    miss, and SQLAlchemy's per-statement overhead is several times the query itself."""
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        row = cur.execute(sql, (org_id, key)).fetchone()
    finally:
        cur.close()
    return None if row is None else row[0]


def load_conversation(conn: Connection, org_id: int, key: str) -> ConversationState | None:
    """One conversation state (fast path for SQLite)."""
    if conn.dialect.name == "sqlite":
        raw = _sqlite_one(conn, "SELECT state FROM conversation_states WHERE org_id = ? AND conv_key = ?", org_id, key)
        return None if raw is None else ConversationState.from_json(raw)
    return load_conversations(conn, org_id, [key]).get(key)


def load_account(conn: Connection, org_id: int, key: str) -> AccountState | None:
    """One account state (fast path for SQLite)."""
    if conn.dialect.name == "sqlite":
        raw = _sqlite_one(conn, "SELECT state FROM account_states WHERE org_id = ? AND account_key = ?", org_id, key)
        return None if raw is None else AccountState.from_json(raw)
    return load_accounts(conn, org_id, [key]).get(key)


def _load_states(conn: Connection, table, key_col, cls, org_id: int, keys: Iterable[str], for_update: bool):  # noqa: ANN001, ANN202
    """States of one kind (conversations or accounts) by storage key; rows locked on PostgreSQL when asked."""
    keys = list(keys)
    if not keys:
        return {}
    q = select(key_col, table.c.state).where(table.c.org_id == org_id, key_col.in_(keys))
    if for_update and conn.dialect.name == "postgresql":
        # rows locked in key order: two writers locking overlapping sets cannot deadlock
        q = q.order_by(key_col).with_for_update()
    return {k: cls.from_json(s) for k, s in conn.execute(q)}


def load_conversations(
    conn: Connection, org_id: int, keys: Iterable[str], *, for_update: bool = False
) -> dict[str, ConversationState]:
    return _load_states(conn, conversation_states, conversation_states.c.conv_key, ConversationState,
                        org_id, keys, for_update)


def load_accounts(
    conn: Connection, org_id: int, keys: Iterable[str], *, for_update: bool = False
) -> dict[str, AccountState]:
    return _load_states(conn, account_states, account_states.c.account_key, AccountState, org_id, keys, for_update)


def save(
    conn: Connection,
    org_id: int,
    conversations: dict[str, tuple[ConversationState, float, bool]],
    accounts: dict[str, tuple[AccountState, float, bool]],
) -> None:
    """Upsert states; values are (state, current risk, alert) so risk is queryable in SQL."""
    now = utc_now()
    _upsert(
        conn,
        conversation_states,
        [
            {"org_id": org_id, "conv_key": k, "state": st.to_json(), "risk": risk, "alert": alert,
             "message_count": st.n, "updated_at": now}
            for k, (st, risk, alert) in conversations.items()
        ],
        ["org_id", "conv_key"],
    )
    _upsert(
        conn,
        account_states,
        [
            {"org_id": org_id, "account_key": k, "state": st.to_json(), "risk": risk, "alert": alert,
             "updated_at": now}
            for k, (st, risk, alert) in accounts.items()
        ],
        ["org_id", "account_key"],
    )
