"""What the HTTP API and other areas (policy) call: one message in, risk out.

Each call is one transaction that reads the conversation's and the sender's
states, applies the message and writes both back (write-through), so an
acknowledged message survives a crash or restart, and several server workers
can share one database. State is per organisation: every query is filtered by
`org_id`, so one organisation never reads another's conversations.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any, cast

from tutela.config import Settings
from tutela.conversations.detector import default_detector, models_dir
from tutela.conversations.state import AccountState, ConversationState
from tutela.conversations.store import IdKeyer, load_accounts, load_conversations, save
from tutela.conversations.tracker import MessageError, apply_message, default_params, parse_message
from tutela.domain.conversation import AccountRisk, ConversationRisk, MessageIn
from tutela.storage.db import Database

# SQLite has no SELECT ... FOR UPDATE: serialise read-modify-write per conversation
# inside this process (PostgreSQL rows are locked in the transaction instead).
_LOCKS = [threading.Lock() for _ in range(64)]


def _lock_index(org_id: int, key: str) -> int:
    return zlib.crc32(f"{org_id}:{key}".encode()) % len(_LOCKS)


def ingest_message(
    db: Database,
    settings: Settings,
    org_id: int,
    conversation_id: str,
    message: MessageIn | dict[str, Any],
    *,
    hash_ids: bool | None = None,
) -> ConversationRisk:
    """Score one message of a conversation, persist the new state, return the risk.

    Raises `MessageError` (a ValueError) for an unusable message; nothing is
    stored then. Ids are stored as keyed hashes when `hash_ids` is true, or by
    default whenever settings are given (`tutela.storage.identifiers` holds the key).
    """
    got = ingest_messages(db, settings, org_id, [(conversation_id, message)], hash_ids=hash_ids)[0]
    if isinstance(got, MessageError):
        raise got
    return got[0]


def ingest_messages(
    db: Database,
    settings: Settings,
    org_id: int,
    items: Sequence[tuple[str, MessageIn | dict[str, Any]]],
    *,
    hash_ids: bool | None = None,
) -> list[tuple[ConversationRisk, AccountRisk] | MessageError]:
    """Many (conversation id, message) pairs in one transaction, applied in the order given.

    What a stream worker does with a batch: the same states and results as calling
    `ingest_message` (and `account_risk` for the sender) once per message, but two reads and
    two writes for the whole batch instead of five statements and two transactions per
    message, which were most of a worker's and the database's CPU per message. For each
    item: (conversation risk, sender's account risk) after that message, or the
    `MessageError` that kept it out (nothing stored for it). Rows are locked in key order
    (conversations, then accounts), as `ingest_message` locks them, so concurrent batches
    and single messages cannot deadlock."""
    keyer = IdKeyer.from_settings(settings, hash_ids)
    params = default_params(models_dir(settings))
    detector = default_detector(models_dir(settings))
    out: list[tuple[ConversationRisk, AccountRisk] | MessageError | None] = [None] * len(items)
    todo = []
    for i, (conversation_id, message) in enumerate(items):
        try:
            if not isinstance(conversation_id, str) or not conversation_id.strip():
                raise MessageError("conversation id must be a non-empty string")
            msg = parse_message(message)
        except MessageError as exc:
            out[i] = exc
            continue
        scores, seg_terms = detector.analyse(msg.text[: settings.max_text_chars])  # outside the transaction
        todo.append((i, conversation_id, keyer("conversation", conversation_id), keyer("account", msg.sender),
                     msg, scores, seg_terms))
    if todo:
        conv_keys = sorted({t[2] for t in todo})
        acc_keys = sorted({t[3] for t in todo})
        with ExitStack() as stack:
            for n in sorted({_lock_index(org_id, k) for k in conv_keys}):
                stack.enter_context(_LOCKS[n])
            conn = stack.enter_context(db.begin())
            convs = load_conversations(conn, org_id, conv_keys, for_update=True)
            accounts = load_accounts(conn, org_id, acc_keys, for_update=True)
            conv_rows: dict[str, tuple[ConversationState, float, bool]] = {}
            acc_rows: dict[str, tuple[AccountState, float, bool]] = {}
            for i, conversation_id, conv_key, sender_key, msg, scores, seg_terms in todo:
                conv = convs.setdefault(conv_key, ConversationState())
                account = accounts.setdefault(sender_key, AccountState())
                apply_message(conv_key, conv, sender_key, account, msg, scores, params, keyer, seg_terms)
                if len(msg.text) > detector.max_chars:
                    conv._warn(f"message {conv.n - 1}: text longer than {detector.max_chars} characters; "
                               "only the start was scored")
                result, acc = conv.result(conversation_id, params), account.result(msg.sender, params)
                out[i] = (result, acc)
                conv_rows[conv_key] = (conv, result.risk, result.alert)
                acc_rows[sender_key] = (account, acc.risk, acc.alert)
            save(conn, org_id, conv_rows, acc_rows)
    return cast(list[tuple[ConversationRisk, AccountRisk] | MessageError], out)  # every slot is filled above


def conversation_risk(
    db: Database, settings: Settings, org_id: int, conversation_id: str, *, hash_ids: bool | None = None
) -> ConversationRisk | None:
    """The stored risk of a conversation, or None when this organisation never sent it."""
    keyer = IdKeyer.from_settings(settings, hash_ids)
    key = keyer("conversation", conversation_id)
    with db.connect() as conn:
        st = load_conversations(conn, org_id, [key]).get(key)
    return None if st is None else st.result(conversation_id, default_params(models_dir(settings)))


def account_risk(
    db: Database, settings: Settings, org_id: int, account_id: str, *, hash_ids: bool | None = None
) -> AccountRisk:
    """The stored risk of an account across the organisation's conversations.

    An account never seen gets risk 0 with `message_count == 0` (policy code can always
    read a risk; the HTTP route turns that into 404).
    """
    keyer = IdKeyer.from_settings(settings, hash_ids)
    key = keyer("account", account_id)
    with db.connect() as conn:
        st = load_accounts(conn, org_id, [key]).get(key)
    if st is None:
        return AccountRisk(account_id=account_id, risk=0.0)
    return st.result(account_id, default_params(models_dir(settings)))


__all__ = ["MessageError", "account_risk", "conversation_risk", "ingest_message", "ingest_messages"]
