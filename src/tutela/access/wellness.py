"""A reviewer's wellness settings and the run of hard items behind the break reminder.

People who review child abuse reports see material that harms the viewer; the practice at
hotlines (INHOPE's staff welfare guidance, Thorn Safer's reviewer tools) is to let each person
decide how media first appear (blurred, grey, muted) and to suggest a break after a run of
hard items. A hard item is a media item revealed or a critical case opened; the reminder shows
once `break_after` distinct hard items fall within `window_min` minutes, and dismissing it starts
a new run. Only times and ids are kept (never content), at most `MAX_ITEMS`, for one window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from tutela.storage.db import Database
from tutela.storage.tables.review import reviewer_settings
from tutela.storage.times import as_utc, utc_now

MAX_ITEMS = 200
HARD_KINDS = ("reveal", "critical")
DISMISSED = "dismissed"  # a marker in the list: the reminder was dismissed here


class WellnessPrefs(BaseModel):
    """How media first appear to this person, and when to suggest a break. Defaults are the safe ones."""

    blur: bool = Field(default=True, description="media start blurred until revealed")
    greyscale: bool = Field(default=True, description="media start in greyscale until revealed")
    video_muted: bool = Field(default=True, description="videos start muted (they never play by themselves)")
    break_after: int = Field(default=10, ge=0, le=100, description="hard items in a run before a break is "
                             "suggested; 0 turns the reminder off")
    window_min: int = Field(default=30, ge=5, le=480, description="the run's length in minutes")


class BreakState(BaseModel):
    """Where the reviewer's run stands: `due` means show the reminder."""

    count: int
    due: bool
    break_after: int
    window_min: int


def _row(conn: Connection, user_id: int) -> dict | None:
    row = conn.execute(select(reviewer_settings).where(reviewer_settings.c.user_id == user_id)).mappings().first()
    return dict(row) if row else None


def _save(conn: Connection, user_id: int, prefs: WellnessPrefs, items: list, exists: bool) -> None:
    values = {"prefs": prefs.model_dump(), "hard_items": items, "updated_at": utc_now()}
    if exists:
        conn.execute(reviewer_settings.update().where(reviewer_settings.c.user_id == user_id).values(**values))
    else:
        conn.execute(reviewer_settings.insert().values(user_id=user_id, **values))


def _prefs(row: dict | None) -> WellnessPrefs:
    return WellnessPrefs.model_validate(row["prefs"]) if row else WellnessPrefs()


def get_prefs(db: Database, user_id: int) -> WellnessPrefs:
    with db.connect() as conn:
        return _prefs(_row(conn, user_id))


def set_prefs(db: Database, user_id: int, prefs: WellnessPrefs) -> WellnessPrefs:
    """A person changes their own settings (the console passes the signed-in person's id only)."""
    with db.begin() as conn:
        row = _row(conn, user_id)
        _save(conn, user_id, prefs, row["hard_items"] if row else [], row is not None)
    return prefs


def _recent(items: list, prefs: WellnessPrefs, at: datetime) -> list:
    since = at - timedelta(minutes=prefs.window_min)
    return [i for i in items if as_utc(datetime.fromisoformat(i[0])) >= since][-MAX_ITEMS:]


def _state(items: list, prefs: WellnessPrefs) -> BreakState:
    """Distinct items since the last dismissal; an item seen before it (the page the reviewer goes back
    to after "carry on") does not start the next run."""
    marks = [n for n, i in enumerate(items) if i[1] == DISMISSED]
    cut = marks[-1] if marks else -1
    before = {(i[1], i[2]) for i in items[:cut]} if marks else set()
    count = len({(i[1], i[2]) for i in items[cut + 1:]} - before)
    return BreakState(count=count, due=prefs.break_after > 0 and count >= prefs.break_after,
                      break_after=prefs.break_after, window_min=prefs.window_min)


def record_hard_item(db: Database, user_id: int, kind: str, object_id: int, at: datetime | None = None) -> BreakState:
    """Note one hard item (the same item seen twice in a run counts once) and say whether a break is due."""
    if kind not in HARD_KINDS:
        raise ValueError(f"unknown kind of hard item {kind!r}; valid: {', '.join(HARD_KINDS)}")
    at = at or utc_now()
    with db.begin() as conn:
        row = _row(conn, user_id)
        prefs = _prefs(row)
        items = _recent((row["hard_items"] if row else []) + [[at.isoformat(), kind, int(object_id)]], prefs, at)
        _save(conn, user_id, prefs, items, row is not None)
    return _state(items, prefs)


def break_state(db: Database, user_id: int, at: datetime | None = None) -> BreakState:
    with db.connect() as conn:
        row = _row(conn, user_id)
    prefs = _prefs(row)
    return _state(_recent(row["hard_items"] if row else [], prefs, at or utc_now()), prefs)


def dismiss_break(db: Database, user_id: int, at: datetime | None = None) -> None:
    """The reviewer saw the reminder and carries on: a new run starts now."""
    at = at or utc_now()
    with db.begin() as conn:
        row = _row(conn, user_id)
        if row is not None:
            prefs = _prefs(row)
            _save(conn, user_id, prefs, _recent(row["hard_items"] + [[at.isoformat(), DISMISSED, 0]], prefs, at), True)
