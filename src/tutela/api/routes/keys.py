"""HTTP: the organisation's API keys, for its administrators (`admin` scope or role).

    GET    /v1/keys                    the organisation's keys (never a secret)
    POST   /v1/keys                    create one; the credential is in this answer only
    POST   /v1/keys/{key_id}/revoke    revoke one; every server refuses it within a second

A key of another organisation answers exactly like one that does not exist (404).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tutela.access import NotFound, Principal
from tutela.access.keys import SCOPES, create_key, list_keys, revoke_key
from tutela.api.deps import get_db, require
from tutela.storage.db import Database

router = APIRouter(prefix="/v1/keys", tags=["keys"])


class KeyView(BaseModel):
    key_id: str
    prefix: str
    scopes: list[str]
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool
    revoked_at: datetime | None


class KeyCreate(BaseModel):
    scopes: list[str] = Field(min_length=1, max_length=len(SCOPES), description=f"of: {', '.join(SCOPES)}")
    label: str | None = Field(default=None, max_length=200)


class KeyCreated(KeyView):
    key: str = Field(description="the credential: shown only in this answer, store it now")


@router.get("", response_model=list[KeyView])
def keys(principal: Principal = Depends(require("admin")), db: Database = Depends(get_db)) -> list[dict]:
    return list_keys(db, principal.org_id)


@router.post("", response_model=KeyCreated, status_code=201)
async def create(
    body: KeyCreate, principal: Principal = Depends(require("admin")), db: Database = Depends(get_db)
) -> dict:
    key = await run_in_threadpool(
        create_key, db, principal.org_id, body.scopes, label=body.label, actor=principal.actor
    )
    key_id = key.split("_", 2)[1]
    view = next(k for k in list_keys(db, principal.org_id) if k["key_id"] == key_id)
    return view | {"key": key}


@router.post("/{key_id}/revoke", response_model=KeyView)
async def revoke(
    key_id: str, principal: Principal = Depends(require("admin")), db: Database = Depends(get_db)
) -> dict:
    done = await run_in_threadpool(revoke_key, db, key_id, org_id=principal.org_id, actor=principal.actor)
    if done is None:
        raise NotFound("no such key")
    return next(k for k in list_keys(db, principal.org_id) if k["key_id"] == done["key_id"])
