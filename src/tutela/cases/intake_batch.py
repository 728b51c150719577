"""Storing a batch of prepared reports with a fixed number of statements.

The group-commit writer hands this module every report waiting to be
stored. Instead of a dozen statements per report (each a round trip to
PostgreSQL), the batch is stored with about a dozen statements in all:
one look-up of idempotency keys, one of duplicate keys, then one multi-row
insert per table. Reports in the same batch deduplicate against each other
exactly as if they had arrived one after the other (earlier wins).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from tutela.cases import audit, lifecycle, vault
from tutela.cases.evidence import FileHashes
from tutela.cases.reference import new_reference
from tutela.cases.triage import Triage
from tutela.config import Settings
from tutela.domain.cases import CaseStatus, EvidenceFile, Priority, ReportIn, ReportReceipt, Route
from tutela.storage.tables.cases import (
    case_events,
    case_keys,
    cases,
    custody,
    evidence,
    idempotency_keys,
    reports,
    vault_objects,
)
from tutela.storage.times import as_utc


class IdempotencyConflict(ValueError):
    """The idempotency key was used before with a different report (HTTP 409)."""


@dataclass
class Prepared:
    """Everything about one report that could be worked out without the database."""

    settings: Settings
    org_id: int
    actor: str
    report: ReportIn
    files: list[EvidenceFile]
    hashes: list[FileHashes]
    digest: str
    triage: Triage
    routes: list[Route]
    keys: list[tuple[str, str]]
    notice: dict
    at: datetime
    idempotency_key: str | None = None


@dataclass
class _Group:
    """A case this batch writes to: an existing open case, or one it creates."""

    case_id: int | None
    org_id: int
    status: str
    priority: Priority
    stage_entered_at: datetime
    known_keys: set[tuple[str, str]] = field(default_factory=set)
    new_keys: list[tuple[str, str]] = field(default_factory=list)
    members: list[int] = field(default_factory=list)  # item indexes, in arrival order
    first: int | None = None  # the item that creates it (new cases)
    original_priority: Priority | None = None


def _max(a: Priority, b: Priority) -> Priority:
    return a if a.rank <= b.rank else b


def _insert_returning_ids(conn: Connection, table, rows: list[dict]) -> list[int]:
    if not rows:
        return []
    if len(rows) == 1:
        return [int(conn.execute(table.insert(), rows[0]).inserted_primary_key[0])]
    res = conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), rows)
    return [int(x) for x in res.scalars().all()]


def receipt_of(conn: Connection, report_id: int, *, replayed: bool = False) -> ReportReceipt:
    row = conn.execute(
        select(
            reports.c.id,
            reports.c.reference_code,
            reports.c.created_at,
            reports.c.case_id,
            cases.c.priority,
            cases.c.status,
        )
        .join(cases, cases.c.id == reports.c.case_id)
        .where(reports.c.id == report_id)
    ).one()
    first_report = conn.execute(
        select(reports.c.id).where(reports.c.case_id == row.case_id).order_by(reports.c.id).limit(1)
    ).scalar_one()
    return ReportReceipt(
        reference_code=row.reference_code,
        report_id=row.id,
        case_id=row.case_id,
        priority=Priority(row.priority),
        status=CaseStatus(row.status),
        duplicate_of=row.case_id if first_report != row.id else None,
        created_at=as_utc(row.created_at),
        replayed=replayed,
    )


@dataclass
class _Batch:
    """The state the steps of `store_batch` hand on to each other, in the order they fill it."""

    items: list[Prepared]
    results: list[Any]
    same_as: dict[int, int] = field(default_factory=dict)  # a repeat in this batch -> the item it repeats
    live: list[int] = field(default_factory=list)  # items still to store, in arrival order
    groups: list[_Group] = field(default_factory=list)
    group_of: dict[int, _Group] = field(default_factory=dict)
    vault_ids: dict[tuple[int, str], int] = field(default_factory=dict)  # (item, slot) -> vault object
    codes: dict[int, str] = field(default_factory=dict)
    report_ids: dict[int, int] = field(default_factory=dict)


Step = Callable[[Connection, _Batch], None]


def store_batch(conn: Connection, items: list[Prepared]) -> list[ReportReceipt | Exception]:
    """Store `items` inside an `audit.writing` transaction; per item, a receipt or the error to raise.

    The steps run in `STORE_STEPS` order, each with a few multi-row statements for the whole batch.
    """
    batch = _Batch(items, [None] * len(items))
    check_idempotency(conn, batch)
    if batch.live:
        for step in STORE_STEPS:
            step(conn, batch)
    answer_repeats(batch)
    return batch.results


def check_idempotency(conn: Connection, b: _Batch) -> None:
    """Replays of earlier reports get their old receipt, a key reused for another report a conflict,
    and a repeat within this batch the answer of its first; the rest are `live`."""
    keyed = [(i, it) for i, it in enumerate(b.items) if it.idempotency_key is not None]
    if keyed:
        rows = conn.execute(
            select(
                idempotency_keys.c.org_id,
                idempotency_keys.c.key,
                idempotency_keys.c.report_id,
                idempotency_keys.c.request_sha256,
            ).where(idempotency_keys.c.key.in_({it.idempotency_key for _, it in keyed}))
        ).all()
        prior = {(r.org_id, r.key): r for r in rows}
        first_in_batch: dict[tuple[int, str], int] = {}
        conflict = "this Idempotency-Key was already used for a different report; use a new key"
        for i, it in keyed:
            k = (it.org_id, it.idempotency_key)
            if k in prior:
                p = prior[k]
                b.results[i] = (
                    IdempotencyConflict(conflict)
                    if p.request_sha256 != it.digest
                    else receipt_of(conn, p.report_id, replayed=True)
                )
            elif k in first_in_batch:
                j = first_in_batch[k]
                if b.items[j].digest != it.digest:
                    b.results[i] = IdempotencyConflict(conflict)
                else:
                    b.same_as[i] = j
            else:
                first_in_batch[k] = i
    b.live = [i for i in range(len(b.items)) if b.results[i] is None and i not in b.same_as]


def group_duplicates(conn: Connection, b: _Batch) -> None:
    """Give every live item its case: the oldest open case sharing a key in its organisation (one
    already stored, or one an earlier item of this batch creates), or a new one."""
    items = b.items
    values = {v for i in b.live for _, v in items[i].keys}
    by_key: dict[tuple[int, str], _Group] = {}
    if values:
        rows = conn.execute(
            select(
                case_keys.c.org_id,
                case_keys.c.kind,
                case_keys.c.value,
                cases.c.id,
                cases.c.status,
                cases.c.priority,
                cases.c.stage_entered_at,
            )
            .join(cases, cases.c.id == case_keys.c.case_id)
            .where(case_keys.c.value.in_(values), cases.c.status != CaseStatus.CLOSED.value)
            .order_by(cases.c.id)
        ).all()
        existing: dict[int, _Group] = {}
        for r in rows:
            g = existing.get(r.id)
            if g is None:
                g = existing[r.id] = _Group(
                    r.id,
                    r.org_id,
                    r.status,
                    Priority(r.priority),
                    r.stage_entered_at,
                    original_priority=Priority(r.priority),
                )
                b.groups.append(g)
            g.known_keys.add((r.kind, r.value))
            by_key.setdefault((r.org_id, r.value), g)
    for i in b.live:
        it = items[i]
        candidates = [by_key[(it.org_id, v)] for _, v in it.keys if (it.org_id, v) in by_key]
        if candidates:
            # oldest existing case first, then cases created earlier in this batch
            g = min(candidates, key=lambda c: (c.case_id is None, c.case_id or 0, c.first or 0))
            g.priority = _max(g.priority, it.triage.priority)
        else:
            g = _Group(None, it.org_id, CaseStatus.TRIAGED.value, it.triage.priority, it.at, first=i)
            b.groups.append(g)
        g.members.append(i)
        for k in it.keys:
            if k not in g.known_keys:
                g.known_keys.add(k)
                g.new_keys.append(k)
            by_key.setdefault((it.org_id, k[1]), g)
        b.group_of[i] = g


def write_cases(conn: Connection, b: _Batch) -> None:
    """Insert the new cases (their ids go into their groups), then update the existing ones that
    gained reports: count, priority raised by the newcomers, deadline from the new priority."""
    new_groups = [g for g in b.groups if g.case_id is None]
    new_rows = []
    for g in new_groups:
        it = b.items[g.first]  # type: ignore[index]
        new_rows.append(
            dict(
                org_id=g.org_id,
                status=g.status,
                priority=g.priority.value,
                priority_rank=g.priority.rank,
                category=it.triage.category,
                country=it.report.country,
                assigned_to=None,
                report_count=len(g.members),
                routes=[r.model_dump() for r in it.routes],
                legal_hold=False,
                created_at=it.at,
                updated_at=it.at,
                stage_entered_at=it.at,
                deadline_at=lifecycle.deadline(g.priority.value, g.status, it.at),
            )
        )
    for g, cid in zip(new_groups, _insert_returning_ids(conn, cases, new_rows), strict=True):
        g.case_id = cid
    merged = [g for g in b.groups if g.first is None and g.members]
    if merged:
        conn.execute(
            update(cases)
            .where(cases.c.id == bindparam("b_id"))
            .values(
                report_count=cases.c.report_count + bindparam("b_n"),
                updated_at=bindparam("b_at"),
                priority=bindparam("b_priority"),
                priority_rank=bindparam("b_rank"),
                deadline_at=bindparam("b_deadline"),
            ),
            [
                {
                    "b_id": g.case_id,
                    "b_n": len(g.members),
                    "b_at": b.items[g.members[-1]].at,
                    "b_priority": g.priority.value,
                    "b_rank": g.priority.rank,
                    "b_deadline": lifecycle.deadline(g.priority.value, g.status, g.stage_entered_at),
                }
                for g in merged
            ],
        )


def write_timeline_and_keys(conn: Connection, b: _Batch) -> None:
    """Each case's timeline (received and triaged for a new case, merged for a duplicate, with the
    priority it was raised to) and the duplicate keys the cases did not have yet."""
    events, key_rows = [], []
    for g in b.groups:
        if not g.members:
            continue
        running = g.original_priority
        for i in g.members:
            it = b.items[i]
            before = running
            running = it.triage.priority if running is None else _max(running, it.triage.priority)
            if g.first == i:
                events += _new_case_events(g.case_id, it)  # type: ignore[arg-type]
            else:
                detail = "a new report of the same URL, account or file was merged"
                if before is not None and running.rank < before.rank:
                    detail += f"; priority raised to {running.value}"
                events.append(_event(g.case_id, it.at, it.actor, "merged", None, None, detail))  # type: ignore[arg-type]
        key_rows += [
            {"org_id": g.org_id, "kind": kind, "value": value, "case_id": g.case_id}
            for kind, value in g.new_keys
        ]
    conn.execute(case_events.insert(), events)
    if key_rows:
        conn.execute(case_keys.insert(), key_rows)


def _event(
    case_id: int, at: datetime, actor: str, event: str, from_status: str | None, to_status: str | None,
    detail: str | None,
) -> dict:
    return {"case_id": case_id, "at": at, "actor": actor, "event": event,
            "from_status": from_status, "to_status": to_status, "detail": detail}


def _new_case_events(case_id: int, it: Prepared) -> list[dict]:
    reasons = "; ".join(it.triage.reasons) or "no signal"
    return [
        _event(case_id, it.at, it.actor, "received", None, CaseStatus.RECEIVED.value, None),
        _event(case_id, it.at, "system:triage", "triaged", CaseStatus.RECEIVED.value, CaseStatus.TRIAGED.value,
               f"priority {it.triage.priority.value}: {reasons}"),
    ]


def seal_content(conn: Connection, b: _Batch) -> None:
    """Encrypt every description, notice, contact and file into the vault, one insert for the batch."""
    vault_rows: list[dict] = []
    slots: list[tuple[int, str]] = []
    for i in b.live:
        it = b.items[i]
        s = it.settings
        if it.report.description:
            slots.append((i, "text"))
            vault_rows.append(vault.sealed_row(s, it.report.description.encode(), purpose="text"))
        if it.notice:
            slots.append((i, "notice"))
            vault_rows.append(vault.sealed_row(s, json.dumps(it.notice).encode(), purpose="notice"))
        c = it.report.contact
        if c is not None and any(c.model_dump(exclude_none=True).values()):
            slots.append((i, "contact"))
            vault_rows.append(
                vault.sealed_row(s, c.model_dump_json(exclude_none=True).encode(), purpose="contact")
            )
        for n, f in enumerate(it.files):
            slots.append((i, f"file{n}"))
            vault_rows.append(vault.sealed_row(s, f.data, purpose="file"))
    b.vault_ids = dict(zip(slots, _insert_returning_ids(conn, vault_objects, vault_rows), strict=True))


def write_reports(conn: Connection, b: _Batch) -> None:
    """The reports, each with a new reference code, its case and its sealed content's vault ids."""
    b.codes = {i: new_reference() for i in b.live}
    report_rows = []
    for i in b.live:
        it, r, t = b.items[i], b.items[i].report, b.items[i].triage
        report_rows.append(
            dict(
                reference_code=b.codes[i],
                org_id=it.org_id,
                case_id=b.group_of[i].case_id,
                created_at=it.at,
                submitted_by=it.actor,
                category=t.category,
                category_key=r.category,
                reporter_kind=r.reporter_kind.value,
                anonymous=r.anonymous,
                urls=r.urls,
                country=r.country,
                language=r.language,
                incident_type=r.incident_type,
                escalate=r.escalate,
                external_id=r.external_id,
                description_vault_id=b.vault_ids.get((i, "text")),
                notice_vault_id=b.vault_ids.get((i, "notice")),
                contact_vault_id=b.vault_ids.get((i, "contact")),
                analysis=t.analysis | {"reasons": t.reasons, "priority": t.priority.value},
            )
        )
    b.report_ids = dict(zip(b.live, _insert_returning_ids(conn, reports, report_rows), strict=True))


def write_evidence(conn: Connection, b: _Batch) -> None:
    """Evidence rows: files (with their hashes and the first custody entry, "received") and hash
    references without a file."""
    ev_rows, ev_hashes, ref_rows = [], [], []
    for i in b.live:
        it = b.items[i]
        for n, (f, h) in enumerate(zip(it.files, it.hashes, strict=True)):
            ev_rows.append(
                _evidence_row(b, i, "file", f.filename, f.content_type[:200], len(f.data), h.md5, h.sha256, h.pdq,
                              b.vault_ids[(i, f"file{n}")])
            )
            ev_hashes.append((it, h))
        for ref in it.report.file_refs:
            ref_rows.append(
                _evidence_row(b, i, "file_ref", ref.filename, None, 0, ref.md5 and ref.md5.lower(),
                              ref.sha256 and ref.sha256.lower(), ref.pdq and ref.pdq.lower(), None)
            )
    ev_ids = _insert_returning_ids(conn, evidence, ev_rows)
    if ev_ids:
        conn.execute(
            custody.insert(),
            [
                {
                    "evidence_id": e,
                    "at": it.at,
                    "actor": it.actor,
                    "action": "received",
                    "detail": f"sha256 {h.sha256}",
                }
                for e, (it, h) in zip(ev_ids, ev_hashes, strict=True)
            ],
        )
    if ref_rows:
        conn.execute(evidence.insert(), ref_rows)


def _evidence_row(
    b: _Batch, i: int, kind: str, filename: str | None, content_type: str | None, size: int,
    md5: str | None, sha256: str | None, pdq: str | None, vault_object_id: int | None,
) -> dict:
    it = b.items[i]
    return dict(
        case_id=b.group_of[i].case_id,
        report_id=b.report_ids[i],
        kind=kind,
        filename=vault.seal_field(it.settings, short_name(filename), purpose="evidence.filename"),
        content_type=content_type,
        size=size,
        md5=md5,
        sha256=sha256,
        pdq=pdq,
        vault_object_id=vault_object_id,
        legal_hold=False,
        created_at=it.at,
        deleted_at=None,
    )


def record_idempotency_keys(conn: Connection, b: _Batch) -> None:
    """Remember each key with the request's digest, so a retry gets this receipt back."""
    rows = [
        dict(
            org_id=b.items[i].org_id,
            key=b.items[i].idempotency_key,
            request_sha256=b.items[i].digest,
            report_id=b.report_ids[i],
            created_at=b.items[i].at,
        )
        for i in b.live
        if b.items[i].idempotency_key is not None
    ]
    if rows:
        conn.execute(idempotency_keys.insert(), rows)


def audit_reports(conn: Connection, b: _Batch) -> None:
    """One audit entry per stored report, chained in arrival order."""
    audit.append_many(
        conn,
        [
            {
                "actor": b.items[i].actor,
                "org_id": b.items[i].org_id,
                "action": "report.submit",
                "object_type": "report",
                "object_id": b.report_ids[i],
                "details": {
                    "case_id": b.group_of[i].case_id,
                    "priority": b.items[i].triage.priority.value,
                    "category": b.items[i].triage.category,
                    "merged": b.group_of[i].first != i,
                    "files": len(b.items[i].files),
                },
            }
            for i in b.live
        ],
    )


def make_receipts(conn: Connection, b: _Batch) -> None:
    """Each stored report's receipt, with the case as it looked once that report was in it
    (earlier members of the batch included, later ones not)."""
    items = b.items
    for i in b.live:
        g = b.group_of[i]
        upto = g.members[: g.members.index(i) + 1]
        if g.first is not None:
            pr = items[g.first].triage.priority
            for j in upto[1:]:
                pr = _max(pr, items[j].triage.priority)
        else:
            pr = g.original_priority  # type: ignore[assignment]
            for j in upto:
                pr = _max(pr, items[j].triage.priority)
        b.results[i] = ReportReceipt(
            reference_code=b.codes[i],
            report_id=b.report_ids[i],
            case_id=g.case_id,
            priority=pr,
            status=CaseStatus(g.status),
            duplicate_of=None if g.first == i else g.case_id,
            created_at=items[i].at,
        )


def answer_repeats(b: _Batch) -> None:
    """A repeat of an item in this batch (same key, same report) gets that item's answer, as a replay."""
    for i, j in b.same_as.items():
        first = b.results[j]
        b.results[i] = first.model_copy(update={"replayed": True}) if isinstance(first, ReportReceipt) else first


#: What `store_batch` does with the live items, in order; each step reads what the ones before it wrote.
STORE_STEPS: tuple[Step, ...] = (
    group_duplicates,
    write_cases,
    write_timeline_and_keys,
    seal_content,
    write_reports,
    write_evidence,
    record_idempotency_keys,
    audit_reports,
    make_receipts,
)


def short_name(name: str | None) -> str | None:
    """A filename short enough that sealed it still fits the 300-character column: at most 150
    UTF-8 bytes, keeping the extension (a sealed value is about 4/3 of it plus 40 characters)."""
    if name is None or len(name.encode("utf-8")) <= 150:
        return name
    stem, dot, ext = name.rpartition(".")
    ext = ext if dot and len(ext) <= 10 else ""
    budget = 150 - len(ext.encode("utf-8")) - (1 if ext else 0)
    head = (stem if ext else name).encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return f"{head}.{ext}" if ext else head
