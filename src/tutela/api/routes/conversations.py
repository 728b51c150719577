"""HTTP: feed conversation messages and read conversation and account risk.

Thin: validation by the domain models, the work in `tutela.conversations.service`.
Scope `conversations`; everything is per the caller's organisation.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from tutela.access import NotFound, Principal
from tutela.api.deps import get_db, get_settings, require
from tutela.api.limits import text_over_limit
from tutela.config import Settings
from tutela.conversations import service
from tutela.domain.conversation import AccountRisk, ConversationRisk, MessageIn
from tutela.domain.inputs import Line
from tutela.storage.db import Database

router = APIRouter(prefix="/v1", tags=["conversations"])



def _id() -> Any:
    """A fresh path parameter spec each time (FastAPI binds a spec to one parameter name)."""
    return Path(min_length=1, max_length=256, description="the platform's id (stored keyed-hashed)")


@router.post("/conversations/{conversation_id}/messages", response_model=ConversationRisk)
def post_message(
    message: MessageIn,
    conversation_id: Annotated[Line, _id()],
    principal: Principal = Depends(require("conversations")),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> ConversationRisk:
    """Add one message to a conversation; returns the conversation's updated risk.
    Text beyond the configured cap is cut; more than 1,000,000 characters is refused (413)."""
    over = text_over_limit([message.text])
    if over is not None:
        return over  # type: ignore[return-value]
    return service.ingest_message(db, settings, principal.org_id, conversation_id, message)  # a MessageError reads as 422


@router.get("/conversations/{conversation_id}/risk", response_model=ConversationRisk)
def get_conversation_risk(
    conversation_id: Annotated[Line, _id()],
    principal: Principal = Depends(require("conversations")),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> ConversationRisk:
    """The conversation's current risk with its evidence (404 if this organisation never sent it)."""
    risk = service.conversation_risk(db, settings, principal.org_id, conversation_id)
    if risk is None:
        raise NotFound("unknown conversation")
    return risk


@router.get("/accounts/{account_id}/risk", response_model=AccountRisk)
def get_account_risk(
    account_id: Annotated[Line, _id()],
    principal: Principal = Depends(require("conversations")),
    db: Database = Depends(get_db),
    settings: Settings = Depends(get_settings),
) -> AccountRisk:
    """An account's risk across the organisation's conversations (404 if it never wrote)."""
    risk = service.account_risk(db, settings, principal.org_id, account_id)
    if risk.message_count == 0:
        raise NotFound("unknown account")
    return risk
