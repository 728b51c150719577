"""The streaming scorer: feed messages one at a time, read risk at any moment.

```python
from tutela.conversations import ConversationTracker
tracker = ConversationTracker()                    # in memory
tracker = ConversationTracker(db, org_id=1)        # state in the database
risk = tracker.feed("conv-1", {"sender": "u1", "text": "hi", "ts": 1700000000})
tracker.account_risk("u1"); tracker.flush()
```

With a database the tracker keeps an LRU cache of states and writes them back
in batches (write-behind): every `flush_every` messages, when a dirty state
is evicted, and on `flush()`/`close()`. That is what makes thousands of
messages per second possible on SQLite; a process that must never lose an
acknowledged message uses `tutela.conversations.service` instead, which
writes through on every message.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tutela.config import Settings
from tutela.conversations.detector import StageDetector, default_detector, models_dir, native_text
from tutela.conversations.risk import RiskParams, StepOutcome
from tutela.conversations.segments import NO_TERMS, SegTerms
from tutela.conversations.state import DEFAULT, AccountState, ConversationState
from tutela.conversations.store import IdKeyer, load_account, load_conversation, save
from tutela.conversations.windows import Windows
from tutela.domain.conversation import AccountRisk, ConversationRisk, MessageIn
from tutela.storage.db import Database


class MessageError(ValueError):
    """One message could not be used; the conversation's state is unchanged by it."""


def parse_message(message: MessageIn | dict[str, Any]) -> MessageIn:
    """Validate a message; raises MessageError naming the problem."""
    if isinstance(message, MessageIn):
        return message
    if not isinstance(message, dict):
        raise MessageError(f"a message must be an object, got {type(message).__name__}")
    sender = message.get("sender")
    if sender is None or (isinstance(sender, str) and not sender.strip()):
        raise MessageError("sender: missing or empty (a chat-log line needs a `sender: text` form)")
    try:
        return MessageIn.model_validate(message)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'message'}: {e['msg']}" for e in exc.errors()
        )
        raise MessageError(problems) from None


_params_cache: dict[str | None, RiskParams] = {}


def default_params(models_dir: str | None = None) -> RiskParams:
    """The shipped risk constants, or those in `models_dir` (the `conversation_models` setting)."""
    params = _params_cache.get(models_dir)
    if params is None:
        from tutela.conversations.risk import PARAMS_PATH

        path = PARAMS_PATH if models_dir is None else Path(models_dir) / PARAMS_PATH.name
        params = _params_cache[models_dir] = RiskParams.load(path)
    return params


def apply_message(
    conv_key: str,
    conv: ConversationState,
    sender_key: str,
    account: AccountState,
    msg: MessageIn,
    scores: list[float],
    params: RiskParams,
    keyer: IdKeyer,
    seg_terms: SegTerms = NO_TERMS,
    seg_model: Any = DEFAULT,
) -> StepOutcome:
    """One message into its conversation and its sender's account state."""
    if keyer.hash_ids and (msg.ages or msg.recipients):
        msg = msg.model_copy(update={
            "ages": {keyer("account", k): v for k, v in msg.ages.items()},
            "recipients": [keyer("account", r) for r in msg.recipients],
        })
    outcome = conv.step(sender_key, msg, scores, params, seg_terms, seg_model)
    if sender_key in conv.parties:
        account.step(conv_key, conv, sender_key, outcome, scores, params)
    return outcome


def _windows_on(settings: Settings | None, wanted: bool | None) -> bool:
    """Windows run unless asked not to (`wanted=False`), the `semantic_stage` setting is "off", or no
    encoder runs here (then the per-message models stand alone, as before)."""
    if wanted is False or (settings is not None and settings.semantic_stage == "off"):
        return False
    from tutela.detect.semantic.stage import builtin_index

    return builtin_index() is not None


class ConversationTracker:
    """Streaming risk for many conversations of one organisation."""

    def __init__(
        self,
        db: Database | None = None,
        org_id: int = 0,
        *,
        settings: Settings | None = None,
        hash_ids: bool | None = None,
        detector: StageDetector | None = None,
        params: RiskParams | None = None,
        cache_size: int = 20_000,
        flush_every: int = 2_000,
        semantic_windows: bool | None = None,
    ) -> None:
        """`semantic_windows`: also score a sender's last messages together with the semantic stage
        (`windows.py`); on by default (None) unless the `semantic_stage` setting is "off" or no encoder
        runs here, `False` turns it off. Windows lift only threats and images, and only when the
        per-message models already see a threat or an image request, so the tuned constants
        (`risk.json`) hold: on the written corpus the alerts are the same with and without them."""
        self.db = db
        self.org_id = org_id
        self.keyer = IdKeyer.from_settings(settings, hash_ids)
        self.detector = detector if detector is not None else default_detector(models_dir(settings))
        if settings is not None:
            self.detector.max_chars = min(self.detector.max_chars, settings.max_text_chars)
        self.params = params if params is not None else default_params(models_dir(settings))
        self.cache_size = max(1, cache_size)
        self.flush_every = max(1, flush_every)
        self._convs: OrderedDict[str, ConversationState] = OrderedDict()
        self._accounts: OrderedDict[str, AccountState] = OrderedDict()
        self._dirty_convs: set[str] = set()
        self._dirty_accounts: set[str] = set()
        self._since_flush = 0
        self._last: dict[str, tuple[float, bool]] = {}  # conv key -> (risk, alert) at its last message
        self._read_conn: Any = None
        self.windows = Windows(self._org_examples) if _windows_on(settings, semantic_windows) else None

    def _org_examples(self) -> Any:
        """The organisation's own semantic examples (re-read at most every few seconds)."""
        if self.db is None:
            return None
        from tutela.detect.semantic.orgbank import STALE, fresh_org_bank, recent_org_bank

        org = recent_org_bank(self.db, self.org_id)
        return fresh_org_bank(self.db, self.org_id) if org is STALE else org

    # ------------------------------------------------------------------ cache
    def _reader(self) -> Any:
        """One long-lived read connection: a pool checkout per cache miss costs more than the query."""
        if self._read_conn is None and self.db is not None:
            self._read_conn = self.db.engine.connect()
        return self._read_conn

    def _end_read(self) -> None:
        if self._read_conn is not None:
            self._read_conn.rollback()  # end the read transaction so SQLite can checkpoint
    def _get_conv(self, key: str, create: bool) -> ConversationState | None:
        st = self._convs.get(key)
        if st is not None:
            self._convs.move_to_end(key)
            return st
        if self.db is not None:
            st = load_conversation(self._reader(), self.org_id, key)
            self._end_read()
        if st is None and create:
            st = ConversationState()
        if st is not None:
            self._convs[key] = st
            self._evict()
        return st

    def _get_account(self, key: str, create: bool) -> AccountState | None:
        st = self._accounts.get(key)
        if st is not None:
            self._accounts.move_to_end(key)
            return st
        if self.db is not None:
            st = load_account(self._reader(), self.org_id, key)
            self._end_read()
        if st is None and create:
            st = AccountState()
        if st is not None:
            self._accounts[key] = st
            self._evict()
        return st

    def _evict(self) -> None:
        while len(self._convs) > self.cache_size or len(self._accounts) > self.cache_size:
            if self.db is None:
                raise MemoryError(
                    f"more than {self.cache_size} conversations or accounts in an in-memory tracker; "
                    "give it a database or a larger cache_size"
                )
            self.flush()
            if len(self._convs) > self.cache_size:
                self._convs.popitem(last=False)
            if len(self._accounts) > self.cache_size:
                self._accounts.popitem(last=False)

    # ------------------------------------------------------------------ public
    def feed(self, conversation_id: str, message: MessageIn | dict[str, Any]) -> ConversationRisk:
        """Score one message and return the conversation's updated risk.

        Raises MessageError for an unusable message (missing sender, bad
        timestamp, ...); the conversation's state is then left unchanged.
        """
        if not isinstance(conversation_id, str) or not conversation_id.strip():
            raise MessageError("conversation id must be a non-empty string")
        msg = parse_message(message)
        conv_key = self.keyer("conversation", conversation_id)
        sender_key = self.keyer("account", msg.sender)
        conv = self._get_conv(conv_key, create=True)
        account = self._get_account(sender_key, create=True)
        assert conv is not None and account is not None
        scores, seg_terms = self.detector.analyse(msg.text)
        if self.windows is not None:  # the semantic stage reads Finglish and translit in their own script
            text = msg.text[: self.detector.max_chars]
            scores = self.windows.lift(conv_key, sender_key, native_text(text) or text, scores)
        seg_model = self.detector.segment_model
        apply_message(
            conv_key, conv, sender_key, account, msg, scores, self.params, self.keyer, seg_terms, seg_model
        )
        if len(msg.text) > self.detector.max_chars:
            conv._warn(f"message {conv.n - 1}: text longer than {self.detector.max_chars} characters; "
                       "only the start was scored")
        self._dirty_convs.add(conv_key)
        self._dirty_accounts.add(sender_key)
        self._since_flush += 1
        if self.db is not None and self._since_flush >= self.flush_every:
            self.flush()
        result = conv.result(conversation_id, self.params, seg_model)
        if self.db is not None:
            self._last[conv_key] = (result.risk, result.alert)
        return result

    def conversation_risk(self, conversation_id: str) -> ConversationRisk | None:
        conv = self._get_conv(self.keyer("conversation", conversation_id), create=False)
        return None if conv is None else conv.result(conversation_id, self.params, self.detector.segment_model)

    def account_risk(self, account_id: str) -> AccountRisk | None:
        acc = self._get_account(self.keyer("account", account_id), create=False)
        return None if acc is None else acc.result(account_id, self.params)

    def forget(self, conversation_id: str) -> None:
        """Drop a finished conversation from memory (after writing it back when there is a database)."""
        key = self.keyer("conversation", conversation_id)
        if key in self._dirty_convs:
            self.flush()
        self._convs.pop(key, None)
        if self.windows is not None:
            self.windows.forget(key)

    def flush(self) -> None:
        """Write every changed state to the database in one transaction."""
        self._since_flush = 0
        if self.db is None or not (self._dirty_convs or self._dirty_accounts):
            return
        convs = {}
        for k in self._dirty_convs:
            st = self._convs[k]
            last = self._last.pop(k, None)
            if last is None:
                r = st.result(k, self.params, self.detector.segment_model)
                last = (r.risk, r.alert)
            convs[k] = (st, last[0], last[1])
        accounts = {}
        for k in self._dirty_accounts:
            st = self._accounts[k]
            r = st.result(k, self.params)
            accounts[k] = (st, r.risk, r.alert)
        with self.db.begin() as conn:
            save(conn, self.org_id, convs, accounts)
        self._dirty_convs.clear()
        self._dirty_accounts.clear()

    def close(self) -> None:
        self.flush()
        if self._read_conn is not None:
            self._read_conn.close()
            self._read_conn = None

    def __enter__(self) -> ConversationTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self._convs)
