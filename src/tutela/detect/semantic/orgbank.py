"""An organisation's own examples: add, list, remove (audited), and the overlay its analyses use.

An analyst who sees a new scam pattern adds one example; the next analysis of that organisation
compares texts with it too (kNN only, no retraining), in every language the encoder knows. Other
organisations never see it: the overlay is built per organisation, keyed by a version of its rows
(count, highest id, sum of ids) read with one aggregate query per call, so a change made through
another process (the CLI, another worker) is picked up on the next call.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from tutela.cases import audit
from tutela.detect.semantic.bank import BANK_CATEGORIES, LANGS, Example, validate_record
from tutela.detect.semantic.stage import OrgBank
from tutela.storage.db import Database
from tutela.storage.tables.semantic import semantic_examples
from tutela.storage.times import utc_now

SOURCES = ("api", "cli")
MAX_PER_ORG = 5_000
# `/v1/moderate` answers on the event loop without a database round trip; it reuses an overlay read
# this recently (an added example reaches moderation within this many seconds, analysis at once)
RECENT_SECONDS = 2.0
STALE = object()  # `recent_org_bank`'s answer when the overlay must be read again
_RECENT: dict[tuple[int, int], tuple[float, Any]] = {}
_RECENT_LOCK = threading.Lock()


class ExampleError(ValueError):
    """A bad example (the message says which field) or a limit reached."""


@dataclass(frozen=True)
class OrgExample:
    id: int
    org_id: int
    category: str
    label: str
    text: str
    lang: str | None
    sub: str | None
    source: str
    created_by: str
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["created_at"] = self.created_at.isoformat()
        return d


def _row(r: Any) -> OrgExample:
    return OrgExample(**{k: r[k] for k in OrgExample.__dataclass_fields__})


def add_example(
    db: Database,
    org_id: int,
    *,
    category: str,
    label: str,
    text: str,
    actor: str,
    source: str,
    lang: str | None = None,
    sub: str | None = None,
) -> OrgExample:
    """Validate (same rules as the built-in banks), store with provenance, audit; effective at once."""
    if category not in BANK_CATEGORIES:
        raise ExampleError(f"category must be a taxonomy id or 'ordinary', got {category!r}")
    if lang is not None and lang not in LANGS:
        raise ExampleError(f"lang must be one of {', '.join(LANGS)} (or left out), got {lang!r}")
    if source not in SOURCES:
        raise ExampleError(f"source must be one of {SOURCES}")
    rec = {"text": text, "label": label} | ({"sub": sub} if sub is not None else {})
    try:
        validate_record(rec, "example")
    except ValueError as exc:
        raise ExampleError(str(exc)) from None
    if category == "ordinary" and label != "benign":
        raise ExampleError("an 'ordinary' example is benign by definition")
    with audit.writing(db) as conn:
        count = conn.execute(
            select(func.count()).select_from(semantic_examples).where(semantic_examples.c.org_id == org_id)
        ).scalar_one()
        if count >= MAX_PER_ORG:
            raise ExampleError(f"this organisation already has {MAX_PER_ORG} examples; remove some first")
        values = {
            "org_id": org_id, "category": category, "label": label, "text": text.strip(), "lang": lang,
            "sub": sub, "source": source, "created_by": actor[:100], "created_at": utc_now(),
        }
        new_id = conn.execute(semantic_examples.insert().values(**values)).inserted_primary_key[0]
        audit.append(
            conn, actor=actor, org_id=org_id, action="examples.add", object_type="semantic_example",
            object_id=new_id, details={"category": category, "label": label, "lang": lang, "sub": sub,
                                       "source": source, "chars": len(values["text"])},
        )
    return OrgExample(id=int(new_id), **values)


def list_examples(db: Database, org_id: int, *, category: str | None = None) -> list[OrgExample]:
    q = select(semantic_examples).where(semantic_examples.c.org_id == org_id)
    if category is not None:
        q = q.where(semantic_examples.c.category == category)
    with db.connect() as conn:
        return [_row(r) for r in conn.execute(q.order_by(semantic_examples.c.id)).mappings()]


def remove_example(db: Database, org_id: int, example_id: int, *, actor: str) -> bool:
    """Remove one of the organisation's examples (another organisation's id reads as not found)."""
    with audit.writing(db) as conn:
        row = conn.execute(
            select(semantic_examples).where(
                semantic_examples.c.id == example_id, semantic_examples.c.org_id == org_id
            )
        ).mappings().first()
        if row is None:
            return False
        conn.execute(delete(semantic_examples).where(semantic_examples.c.id == example_id))
        audit.append(
            conn, actor=actor, org_id=org_id, action="examples.remove", object_type="semantic_example",
            object_id=example_id, details={"category": row["category"], "label": row["label"]},
        )
    return True


def org_bank(db: Database | None, org_id: int | None) -> OrgBank | None:
    """The overlay for one organisation's analyses, or None when it has no examples."""
    if db is None or org_id is None:
        return None
    t = semantic_examples
    with db.connect() as conn:
        version = tuple(
            conn.execute(
                select(func.count(), func.max(t.c.id), func.sum(t.c.id)).where(t.c.org_id == org_id)
            ).one()
        )
    if not version[0]:
        return None
    from tutela.detect.semantic.index import cached_org_examples

    def fetch() -> list[Example]:
        return [
            Example(
                text=e.text, category=e.category, label=e.label, lang=e.lang or "und", sub=e.sub,
                source=f"org:{org_id}:{e.id}",
            )
            for e in list_examples(db, org_id)
        ]

    return OrgBank(org_id, version, cached_org_examples(org_id, version, fetch))


def fresh_org_bank(db: Database | None, org_id: int | None) -> OrgBank | None:
    """`org_bank`, remembered for `RECENT_SECONDS` so `recent_org_bank` can answer without I/O."""
    bank = org_bank(db, org_id)
    if db is not None and org_id is not None:
        with _RECENT_LOCK:
            _RECENT[(id(db), org_id)] = (time.monotonic(), bank)
    return bank


def recent_org_bank(db: Database | None, org_id: int | None) -> Any:
    """The overlay read in the last `RECENT_SECONDS` (None: the org has no examples, or no database),
    or `STALE` when it must be read again with `fresh_org_bank` (off the event loop: it queries)."""
    if db is None or org_id is None:
        return None
    with _RECENT_LOCK:
        hit = _RECENT.get((id(db), org_id))
    if hit is None or time.monotonic() - hit[0] > RECENT_SECONDS:
        return STALE
    return hit[1]
