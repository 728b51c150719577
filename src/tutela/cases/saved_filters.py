"""A reviewer's named queue filters: "critical, unassigned", "my referrals", a hash being followed.

Per person, never shared: a filter is the queue's own query parameters, checked against the
same list the queue accepts, so a saved filter can never ask the queue for more than its owner
could type. The queue still decides what the person may see when the filter is applied.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, select

from tutela.access import NotFound, Principal
from tutela.cases import authz
from tutela.storage.db import Database
from tutela.storage.tables.review import saved_filters
from tutela.storage.times import utc_now

MAX_FILTERS = 50
#: The queue parameters a filter may keep, with what each accepts.
_CHOICES: dict[str, tuple[str, ...] | None] = {
    "status": ("received", "triaged", "assigned", "referred", "actioned", "closed"),
    "priority": ("critical", "high", "medium", "low"),
    "mine": ("1",),
    "sort": ("received", "-received", "deadline", "-deadline"),
    "q": None,  # free text, at most 300 characters, as the search box
}


class SavedFilter(BaseModel):
    id: int
    name: str
    params: dict[str, str]


def clean_params(params: dict[str, Any]) -> dict[str, str]:
    """Only the queue's own parameters with values it accepts; anything else is dropped, not stored."""
    out: dict[str, str] = {}
    for key, allowed in _CHOICES.items():
        value = str(params.get(key) or "").strip()
        if not value:
            continue
        if allowed is None:
            out[key] = value[:300]
        elif value in allowed:
            out[key] = value
    return out


def _owner(principal: Principal) -> int:
    authz.require_permission(principal, "read")
    if principal.user_id is None:
        raise ValueError("saved filters belong to a person; an API key has none")
    return principal.user_id


def list_filters(db: Database, principal: Principal) -> list[SavedFilter]:
    user_id = _owner(principal)
    with db.connect() as conn:
        rows = conn.execute(
            select(saved_filters).where(saved_filters.c.user_id == user_id).order_by(saved_filters.c.name)
        ).mappings().all()
    return [SavedFilter(id=r["id"], name=r["name"], params=r["params"]) for r in rows]


def save_filter(db: Database, principal: Principal, name: str, params: dict[str, Any]) -> SavedFilter:
    """Save (or replace, by name) one filter of the signed-in person."""
    user_id = _owner(principal)
    name = " ".join(name.split())[:80]
    if not name or any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise ValueError("give the filter a name in plain words")
    clean = clean_params(params)
    if not clean:
        raise ValueError("choose a search, status, priority or sort before saving a filter")
    with db.begin() as conn:
        existing = conn.execute(
            select(saved_filters.c.id).where(saved_filters.c.user_id == user_id, saved_filters.c.name == name)
        ).scalar()
        if existing is not None:
            conn.execute(saved_filters.update().where(saved_filters.c.id == existing).values(params=clean))
            return SavedFilter(id=existing, name=name, params=clean)
        count = conn.execute(
            select(func.count()).select_from(saved_filters).where(saved_filters.c.user_id == user_id)
        ).scalar_one()
        if count >= MAX_FILTERS:
            raise ValueError(f"at most {MAX_FILTERS} saved filters; delete one first")
        new_id = conn.execute(
            saved_filters.insert()
            .values(user_id=user_id, name=name, params=clean, created_at=utc_now())
            .returning(saved_filters.c.id)
        ).scalar_one()
    return SavedFilter(id=int(new_id), name=name, params=clean)


def delete_filter(db: Database, principal: Principal, filter_id: int) -> None:
    """Delete one of the person's own filters; another person's answers 404 like a missing one."""
    user_id = _owner(principal)
    with db.begin() as conn:
        gone = conn.execute(
            delete(saved_filters).where(saved_filters.c.id == filter_id, saved_filters.c.user_id == user_id)
        ).rowcount
    if not gone:
        raise NotFound(f"no saved filter {filter_id}")
