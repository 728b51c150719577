"""Hash banks: named lists of hashes with provenance, stored in the database.

The database is the source of truth; match indexes in every process follow it
incrementally (see `matcher.py`). A bank belongs to one organisation and is
visible to others according to its share level:

- private: the owner only;
- shared: the owner and the organisations listed in `shared_with`;
- public: every organisation on this instance (e.g. a hotline's list
  offered to all platforms it serves).

Visibility is not trust: a bank of another organisation changes the
decisions of an organisation only once that organisation has subscribed to it
(`tutela.hashing.subscriptions`, mode `review` by default). Making a bank
`public` (visible to every tenant) takes the instance operator (`org_id=None`:
the CLI or a local Python caller), never an organisation's API key.

Only the owner (or the operator) may change a bank or its entries. Creating,
changing and deleting banks, and adding and removing entries, is written to the
audit trail with the caller; every entry also keeps who added it (`added_by`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, func, literal, select

from tutela.domain.errors import ErrorKind, kind_of
from tutela.domain.inputs import as_db_id, check_line
from tutela.domain.media import BankEntry, BankInfo, BankKind, ShareLevel
from tutela.domain.taxonomy import TAXONOMY, Category, Severity
from tutela.hashing import changes
from tutela.hashing.signals.base import PHOTO, VIDEO, resolve_name
from tutela.storage.bulk import insert_new
from tutela.storage.db import Database
from tutela.storage.tables.access import orgs
from tutela.storage.tables.media import bank_subscriptions, hash_banks, hash_entries, hash_entry_removals
from tutela.storage.times import utc_now

_CHUNK = 5000


class BankError(ValueError):
    """A bank operation that cannot be done: unknown bank, duplicate name, not allowed (see `kind`)."""

    def __init__(self, message: str, kind: ErrorKind = ErrorKind.INVALID) -> None:
        super().__init__(message)
        self.kind = kind_of(kind)


#: How the audit trail names the instance operator (CLI, local Python) when no actor is given.
OPERATOR = "operator"


def actor_for(org_id: int | None, actor: str | None) -> str:
    """The audit actor of a bank change: the caller's own name, else the operator or the organisation."""
    if actor:
        return actor[:80]
    return OPERATOR if org_id is None else f"org:{org_id}"


def record(db: Database, *, actor: str, org_id: int | None, action: str, bank_id: int,
           details: dict[str, Any] | None = None) -> None:
    """Append one entry to the audit trail (cases.audit) for a bank or subscription change."""
    from tutela.cases import audit

    with audit.writing(db) as conn:
        audit.append(conn, actor=actor, action=action, object_type="hash_bank", object_id=bank_id,
                     org_id=org_id, details=details)


def _require_operator_for_public(values: dict[str, Any], org_id: int | None) -> None:
    """Only the instance operator may make a bank visible to every tenant."""
    if values.get("share_level") == ShareLevel.PUBLIC.value and org_id is not None:
        raise BankError(
            "only the instance operator can make a bank public (visible to every organisation): "
            "ask them to run `tutela bank share BANK public`; "
            "an organisation can use share level 'shared' with the organisations it names",
            kind=ErrorKind.FORBIDDEN,
        )


def _row_to_info(row: Any, entries: int = 0) -> BankInfo:
    return BankInfo(
        id=row.id, name=row.name, owner_org_id=row.owner_org_id, kind=BankKind(row.kind), source=row.source,
        source_date=row.source_date, category=Category(row.category), severity=Severity(row.severity),
        share_level=ShareLevel(row.share_level), shared_with=list(row.shared_with or []), enabled=bool(row.enabled),
        pdq_radius=row.pdq_radius, min_quality=row.min_quality, description=row.description, entries=entries,
    )


def _notify(db: Database) -> None:
    changes.notify(db)


def _validate(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    if "kind" in out:
        out["kind"] = BankKind(out["kind"]).value
    if "category" in out:
        try:
            out["category"] = Category(out["category"]).value
        except ValueError:
            raise BankError(f"unknown category {out['category']!r}; valid: {', '.join(c.value for c in Category)}") from None
    if "severity" in out and out["severity"] is not None:
        sev = out["severity"]
        out["severity"] = int(Severity[sev.upper()] if isinstance(sev, str) and not sev.isdigit() else Severity(int(sev)))
    if "share_level" in out:
        try:
            out["share_level"] = ShareLevel(out["share_level"]).value
        except ValueError:
            raise BankError(f"unknown share level {out['share_level']!r}; valid: private, shared, public") from None
    if "pdq_radius" in out and not 0 <= int(out["pdq_radius"]) <= 64:
        raise BankError("pdq_radius must be between 0 and 64")
    if "min_quality" in out and not 0 <= int(out["min_quality"]) <= 100:
        raise BankError("min_quality must be between 0 and 100")
    if "shared_with" in out:
        out["shared_with"] = sorted({int(o) for o in out["shared_with"] or []})
    if isinstance(out.get("source_date"), str):
        out["source_date"] = date.fromisoformat(out["source_date"])
    return out


def create_bank(db: Database, owner_org_id: int, name: str, *, org_id: int | None = None,
                actor: str | None = None, **fields: Any) -> BankInfo:
    """Create a bank. Fields: kind, source, source_date, category, severity,
    share_level, shared_with, enabled, pdq_radius, min_quality, description.

    `org_id` is the organisation asking (the HTTP layer passes the key's);
    None is the instance operator, the only caller that may create a public bank.
    """
    name = name.strip()
    if not name:
        raise BankError("bank name must not be empty")
    if org_id is not None and org_id != owner_org_id:
        raise BankError("an organisation can only create banks it owns", kind=ErrorKind.FORBIDDEN)
    fields.setdefault("category", Category.SEXUAL_EXPLOITATION.value)
    values = _validate({"kind": "known", "share_level": "private", **fields})
    _require_operator_for_public(values, org_id)
    values.setdefault("severity", int(TAXONOMY[Category(values["category"])].severity))
    values.setdefault("shared_with", [])
    with db.begin() as conn:
        if conn.execute(select(orgs.c.id).where(orgs.c.id == owner_org_id)).first() is None:
            raise BankError(f"no organisation with id {owner_org_id}", kind=ErrorKind.NOT_FOUND)
        dup = conn.execute(
            select(hash_banks.c.id).where(hash_banks.c.owner_org_id == owner_org_id, hash_banks.c.name == name)
        ).first()
        if dup:
            raise BankError(f"bank {name!r} already exists", kind=ErrorKind.CONFLICT)
        res = conn.execute(
            hash_banks.insert().values(name=name, owner_org_id=owner_org_id, created_at=utc_now(), **values)
        )
        bank_id = int(res.inserted_primary_key[0])
    _notify(db)
    info = get_bank(db, bank_id)
    record(db, actor=actor_for(org_id, actor), org_id=owner_org_id, action="bank.create", bank_id=bank_id,
           details=_settings_of(info))
    return info


def _settings_of(info: BankInfo) -> dict[str, Any]:
    """The settings of a bank as the audit trail records them (no entries)."""
    return info.model_dump(mode="json", exclude={"entries", "description"})


def _counts(conn: Any, bank_ids: list[int]) -> dict[int, int]:
    if not bank_ids:
        return {}
    rows = conn.execute(
        select(hash_entries.c.bank_id, func.count()).where(hash_entries.c.bank_id.in_(bank_ids))
        .group_by(hash_entries.c.bank_id)
    ).all()
    return {int(b): int(n) for b, n in rows}


def all_banks(db: Database, *, with_counts: bool = False) -> list[BankInfo]:
    with db.connect() as conn:
        rows = conn.execute(select(hash_banks).order_by(hash_banks.c.id)).all()
        counts = _counts(conn, [r.id for r in rows]) if with_counts else {}
    return [_row_to_info(r, counts.get(r.id, 0)) for r in rows]


def visible_to(bank: BankInfo, org_id: int | None) -> bool:
    """Whether an organisation may match against (and read) a bank; None means a trusted local caller."""
    if org_id is None or bank.owner_org_id == org_id:
        return True
    if bank.share_level is ShareLevel.PUBLIC:
        return True
    return bank.share_level is ShareLevel.SHARED and org_id in bank.shared_with


def list_banks(db: Database, org_id: int | None = None) -> list[BankInfo]:
    """Banks the organisation can see (all banks when org_id is None), with entry counts."""
    return [b for b in all_banks(db, with_counts=True) if visible_to(b, org_id)]


def get_bank(db: Database, bank: int | str, *, org_id: int | None = None) -> BankInfo:
    """By id, or by name (the caller's own bank of that name first, then a visible one)."""
    with db.connect() as conn:
        bank_id = bank if isinstance(bank, int) else as_db_id(bank)
        if bank_id is not None:
            rows = conn.execute(select(hash_banks).where(hash_banks.c.id == bank_id)).all()
        else:
            rows = conn.execute(select(hash_banks).where(hash_banks.c.name == bank)).all()
        counts = _counts(conn, [r.id for r in rows])
    infos = [_row_to_info(r, counts.get(r.id, 0)) for r in rows]
    infos = [b for b in infos if visible_to(b, org_id)]
    infos.sort(key=lambda b: (b.owner_org_id != org_id, b.id))
    if not infos:
        raise BankError(f"no bank {bank!r}", kind=ErrorKind.NOT_FOUND)
    return infos[0]


def _owned(db: Database, bank: int | str, org_id: int | None) -> BankInfo:
    info = get_bank(db, bank, org_id=org_id)
    if org_id is not None and info.owner_org_id != org_id:
        raise BankError(
            f"bank {info.name!r} belongs to another organisation; only its owner may change it",
            ErrorKind.FORBIDDEN
        )
    return info


def update_bank(db: Database, bank: int | str, *, org_id: int | None = None, actor: str | None = None,
                **changes: Any) -> BankInfo:
    """Change a bank's settings (enable/disable, radius, share level, provenance).
    Switching to `public` takes the instance operator (org_id None)."""
    info = _owned(db, bank, org_id)
    allowed = {"kind", "source", "source_date", "category", "severity", "share_level", "shared_with", "enabled",
               "pdq_radius", "min_quality", "description"}
    unknown = set(changes) - allowed
    if unknown:
        raise BankError(f"cannot change {sorted(unknown)}")
    values = _validate({k: v for k, v in changes.items() if v is not None})
    if values.get("share_level") != info.share_level.value:
        _require_operator_for_public(values, org_id)
    if values:
        with db.begin() as conn:
            conn.execute(hash_banks.update().where(hash_banks.c.id == info.id).values(**values))
        _notify(db)
        record(db, actor=actor_for(org_id, actor), org_id=info.owner_org_id, action="bank.update",
               bank_id=info.id, details={k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()})
    return get_bank(db, info.id)


def set_enabled(db: Database, bank: int | str, enabled: bool, *, org_id: int | None = None,
                actor: str | None = None) -> BankInfo:
    return update_bank(db, bank, org_id=org_id, actor=actor, enabled=enabled)


def delete_bank(db: Database, bank: int | str, *, org_id: int | None = None, actor: str | None = None) -> None:
    info = _owned(db, bank, org_id)
    with db.begin() as conn:
        _remove_where(conn, hash_entries.c.bank_id == info.id)
        conn.execute(delete(bank_subscriptions).where(bank_subscriptions.c.bank_id == info.id))
        conn.execute(delete(hash_banks).where(hash_banks.c.id == info.id))
    _notify(db)
    record(db, actor=actor_for(org_id, actor), org_id=info.owner_org_id, action="bank.delete", bank_id=info.id,
           details={"name": info.name, "entries": info.entries})


def _remove_where(conn: Any, where: Any) -> int:
    """Delete the entries `where` selects, each logged in the removal log the matchers follow (set-based,
    in the caller's transaction); returns how many. The caller notifies and records after its commit."""
    conn.execute(
        hash_entry_removals.insert().from_select(
            ["entry_id", "signal_type", "removed_at"],
            select(hash_entries.c.id, hash_entries.c.signal_type,
                   literal(utc_now(), hash_entry_removals.c.removed_at.type)).where(where),
        )
    )
    return int(conn.execute(delete(hash_entries).where(where)).rowcount or 0)


def remove_selected(conn: Any, bank_id: int, entry_ids: Any) -> int:
    """Remove the bank's entries whose ids the subquery `entry_ids` selects (`_remove_where`). Why: a
    resync swaps a feed's snapshot in with one transaction, however many entries it withdraws, without
    reading their ids into Python."""
    return _remove_where(conn, and_(hash_entries.c.bank_id == bank_id, hash_entries.c.id.in_(entry_ids)))


@dataclass
class AddResult:
    """What an import did: counts plus one message per rejected line."""

    added: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "duplicates": self.duplicates, "errors": self.errors[:100],
                "error_count": len(self.errors)}


def add_entries(
    db: Database,
    bank: int | str,
    entries: Iterable[tuple[Any, ...]],
    *,
    org_id: int | None = None,
    actor: str | None = None,
) -> AddResult:
    """Add (signal_type, value[, label[, quality[, content_type]]]) entries;
    invalid ones are reported in `errors`, duplicates counted and skipped, the
    rest committed. `signal_type` may be an exchange name (`photo_md5` is MD5
    with content type photo); content_type is `photo`, `video` or None.
    Each entry keeps who added it; the import is written to the audit trail."""
    info = _owned(db, bank, org_id)
    who = actor_for(org_id, actor)
    result = AddResult()
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        if not batch:
            return
        fresh, seen = [], set()
        for e in batch:
            key = (e["signal_type"], e["value"])
            if key not in seen:
                seen.add(key)
                fresh.append(e)
        with db.begin() as conn:
            added = insert_new(conn, hash_entries, fresh, ("bank_id", "signal_type", "value"))
        result.duplicates += len(batch) - added
        result.added += added
        batch.clear()

    now = utc_now()
    for n, item in enumerate(entries, start=1):
        try:
            signal_type, value = item[0], item[1]
            label = item[2] if len(item) > 2 else None
            quality = item[3] if len(item) > 3 else None
            sig, content = resolve_name(str(signal_type))
            if len(item) > 4 and item[4]:
                content = str(item[4]).strip().lower()
            if content not in (None, PHOTO, VIDEO):
                raise ValueError(f"content type must be {PHOTO} or {VIDEO}, not {content!r}")
            batch.append({
                "bank_id": info.id, "signal_type": sig.name, "value": sig.normalize(str(value)),
                "label": (check_line(str(label)[:200]) if label else None),
                "quality": int(quality) if quality not in (None, "") else None, "added_at": now,
                "added_by": who, "content_type": content,
            })
        except (ValueError, TypeError, IndexError) as exc:
            result.errors.append(f"entry {n}: {exc}")
        if len(batch) >= _CHUNK:
            flush()
    flush()
    if result.added:
        _notify(db)
    if result.added or result.errors:
        record(db, actor=who, org_id=info.owner_org_id, action="bank.entries_add", bank_id=info.id,
               details={"added": result.added, "duplicates": result.duplicates, "errors": len(result.errors),
                        "added_at": now.isoformat()})
    return result


def remove_entries(
    db: Database, bank: int | str, values: Iterable[str] = (), *, entry_ids: Iterable[int] = (),
    org_id: int | None = None, actor: str | None = None,
) -> int:
    """Remove entries by hash value (any signal type) or by entry id; returns how many."""
    info = _owned(db, bank, org_id)
    vals = [v.strip().lower() for v in values]
    ids = [int(i) for i in entry_ids]
    removed = 0
    with db.begin() as conn:
        for i in range(0, max(len(vals), len(ids), 1), 500):
            conds = []
            if vals[i : i + 500]:
                conds.append(hash_entries.c.value.in_(vals[i : i + 500]))
            if ids[i : i + 500]:
                conds.append(hash_entries.c.id.in_(ids[i : i + 500]))
            for cond in conds:
                where = and_(hash_entries.c.bank_id == info.id, cond)
                removed += _remove_where(conn, where)
    if removed:
        _notify(db)
        record(db, actor=actor_for(org_id, actor), org_id=info.owner_org_id, action="bank.entries_remove",
               bank_id=info.id, details={"removed": removed})
    return removed


def list_entries(db: Database, bank: int | str, *, org_id: int | None = None, limit: int | None = None,
                 offset: int = 0) -> list[BankEntry]:
    """Entries in id order; who added each is shown to the owner and the operator only."""
    info = get_bank(db, bank, org_id=org_id)
    owner = org_id is None or org_id == info.owner_org_id
    q = select(hash_entries).where(hash_entries.c.bank_id == info.id).order_by(hash_entries.c.id).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    with db.connect() as conn:
        return [BankEntry(id=r.id, bank_id=r.bank_id, signal_type=r.signal_type, value=r.value, label=r.label,
                          quality=r.quality, added_by=r.added_by if owner else None,
                          content_type=r.content_type)
                for r in conn.execute(q).all()]


__all__ = [
    "OPERATOR", "AddResult", "BankError", "actor_for", "add_entries", "all_banks", "create_bank", "delete_bank",
    "get_bank", "list_banks", "record",
    "list_entries", "remove_entries", "set_enabled", "update_bank", "visible_to",
]
