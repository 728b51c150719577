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
    from tutela.storage.times import as_utc

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


def store_batch(conn: Connection, items: list[Prepared]) -> list[ReportReceipt | Exception]:
    """Store `items` inside an `audit.writing` transaction; per item, a receipt or the error to raise."""
    results: list[Any] = [None] * len(items)

    # 1. idempotency: replays of earlier reports, conflicts, and repeats within this batch
    same_as: dict[int, int] = {}
    keyed = [(i, it) for i, it in enumerate(items) if it.idempotency_key is not None]
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
                results[i] = (
                    IdempotencyConflict(conflict)
                    if p.request_sha256 != it.digest
                    else receipt_of(conn, p.report_id, replayed=True)
                )
            elif k in first_in_batch:
                j = first_in_batch[k]
                if items[j].digest != it.digest:
                    results[i] = IdempotencyConflict(conflict)
                else:
                    same_as[i] = j
            else:
                first_in_batch[k] = i
    live = [i for i in range(len(items)) if results[i] is None and i not in same_as]
    if not live:
        return results

    # 2. deduplication: the oldest open case sharing a key, in this organisation
    values = {v for i in live for _, v in items[i].keys}
    by_key: dict[tuple[int, str], _Group] = {}
    groups: list[_Group] = []
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
                groups.append(g)
            g.known_keys.add((r.kind, r.value))
            by_key.setdefault((r.org_id, r.value), g)
    item_group: dict[int, _Group] = {}
    for i in live:
        it = items[i]
        candidates = [by_key[(it.org_id, v)] for _, v in it.keys if (it.org_id, v) in by_key]
        if candidates:
            # oldest existing case first, then cases created earlier in this batch
            g = min(candidates, key=lambda c: (c.case_id is None, c.case_id or 0, c.first or 0))
            g.priority = _max(g.priority, it.triage.priority)
        else:
            g = _Group(None, it.org_id, CaseStatus.TRIAGED.value, it.triage.priority, it.at, first=i)
            groups.append(g)
        g.members.append(i)
        for k in it.keys:
            if k not in g.known_keys:
                g.known_keys.add(k)
                g.new_keys.append(k)
            by_key.setdefault((it.org_id, k[1]), g)
        item_group[i] = g

    # 3. new cases, then updates of existing ones
    new_groups = [g for g in groups if g.case_id is None]
    new_rows = []
    for g in new_groups:
        it = items[g.first]  # type: ignore[index]
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
    merged = [g for g in groups if g.first is None and g.members]
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
                    "b_at": items[g.members[-1]].at,
                    "b_priority": g.priority.value,
                    "b_rank": g.priority.rank,
                    "b_deadline": lifecycle.deadline(g.priority.value, g.status, g.stage_entered_at),
                }
                for g in merged
            ],
        )

    events, key_rows = [], []
    for g in groups:
        if not g.members:
            continue
        running = g.original_priority
        for i in g.members:
            it = items[i]
            before = running
            running = it.triage.priority if running is None else _max(running, it.triage.priority)
            if g.first == i:
                events.append(
                    {
                        "case_id": g.case_id,
                        "at": it.at,
                        "actor": it.actor,
                        "event": "received",
                        "from_status": None,
                        "to_status": CaseStatus.RECEIVED.value,
                        "detail": None,
                    }
                )
                events.append(
                    {
                        "case_id": g.case_id,
                        "at": it.at,
                        "actor": "system:triage",
                        "event": "triaged",
                        "from_status": CaseStatus.RECEIVED.value,
                        "to_status": CaseStatus.TRIAGED.value,
                        "detail": f"priority {it.triage.priority.value}: "
                        + ("; ".join(it.triage.reasons) or "no signal"),
                    }
                )
            else:
                detail = "a new report of the same URL, account or file was merged"
                if before is not None and running.rank < before.rank:
                    detail += f"; priority raised to {running.value}"
                events.append(
                    {
                        "case_id": g.case_id,
                        "at": it.at,
                        "actor": it.actor,
                        "event": "merged",
                        "from_status": None,
                        "to_status": None,
                        "detail": detail,
                    }
                )
        key_rows += [
            {"org_id": g.org_id, "kind": kind, "value": value, "case_id": g.case_id}
            for kind, value in g.new_keys
        ]
    conn.execute(case_events.insert(), events)
    if key_rows:
        conn.execute(case_keys.insert(), key_rows)

    # 4. encrypted content, then the reports that point at it
    vault_rows: list[dict] = []
    slots: dict[tuple[int, str], int] = {}
    for i in live:
        it = items[i]
        s = it.settings
        if it.report.description:
            slots[(i, "text")] = len(vault_rows)
            vault_rows.append(vault.sealed_row(s, it.report.description.encode(), purpose="text"))
        if it.notice:
            slots[(i, "notice")] = len(vault_rows)
            vault_rows.append(vault.sealed_row(s, json.dumps(it.notice).encode(), purpose="notice"))
        c = it.report.contact
        if c is not None and any(c.model_dump(exclude_none=True).values()):
            slots[(i, "contact")] = len(vault_rows)
            vault_rows.append(
                vault.sealed_row(s, c.model_dump_json(exclude_none=True).encode(), purpose="contact")
            )
        for n, f in enumerate(it.files):
            slots[(i, f"file{n}")] = len(vault_rows)
            vault_rows.append(vault.sealed_row(s, f.data, purpose="file"))
    vault_ids = _insert_returning_ids(conn, vault_objects, vault_rows)

    def vid(i: int, slot: str) -> int | None:
        pos = slots.get((i, slot))
        return vault_ids[pos] if pos is not None else None

    codes = {i: new_reference() for i in live}
    report_rows = []
    for i in live:
        it, r, t = items[i], items[i].report, items[i].triage
        report_rows.append(
            dict(
                reference_code=codes[i],
                org_id=it.org_id,
                case_id=item_group[i].case_id,
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
                description_vault_id=vid(i, "text"),
                notice_vault_id=vid(i, "notice"),
                contact_vault_id=vid(i, "contact"),
                analysis=t.analysis | {"reasons": t.reasons, "priority": t.priority.value},
            )
        )
    report_ids = dict(zip(live, _insert_returning_ids(conn, reports, report_rows), strict=True))

    # 5. evidence with its first custody entry, idempotency keys, the audit trail
    ev_rows, ev_hashes, ref_rows = [], [], []
    for i in live:
        it = items[i]
        for n, (f, h) in enumerate(zip(it.files, it.hashes, strict=True)):
            ev_rows.append(
                dict(
                    case_id=item_group[i].case_id,
                    report_id=report_ids[i],
                    kind="file",
                    filename=vault.seal_field(it.settings, _short_name(f.filename), purpose="evidence.filename"),
                    content_type=f.content_type[:200],
                    size=len(f.data),
                    md5=h.md5,
                    sha256=h.sha256,
                    pdq=h.pdq,
                    vault_object_id=vid(i, f"file{n}"),
                    legal_hold=False,
                    created_at=it.at,
                    deleted_at=None,
                )
            )
            ev_hashes.append((it, h))
        for ref in it.report.file_refs:
            ref_rows.append(
                dict(
                    case_id=item_group[i].case_id,
                    report_id=report_ids[i],
                    kind="file_ref",
                    filename=vault.seal_field(it.settings, _short_name(ref.filename), purpose="evidence.filename"),
                    content_type=None,
                    size=0,
                    md5=ref.md5 and ref.md5.lower(),
                    sha256=ref.sha256 and ref.sha256.lower(),
                    pdq=ref.pdq and ref.pdq.lower(),
                    vault_object_id=None,
                    legal_hold=False,
                    created_at=it.at,
                    deleted_at=None,
                )
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
    idem_rows = [
        dict(
            org_id=items[i].org_id,
            key=items[i].idempotency_key,
            request_sha256=items[i].digest,
            report_id=report_ids[i],
            created_at=items[i].at,
        )
        for i in live
        if items[i].idempotency_key is not None
    ]
    if idem_rows:
        conn.execute(idempotency_keys.insert(), idem_rows)
    audit.append_many(
        conn,
        [
            {
                "actor": items[i].actor,
                "org_id": items[i].org_id,
                "action": "report.submit",
                "object_type": "report",
                "object_id": report_ids[i],
                "details": {
                    "case_id": item_group[i].case_id,
                    "priority": items[i].triage.priority.value,
                    "category": items[i].triage.category,
                    "merged": item_group[i].first != i,
                    "files": len(items[i].files),
                },
            }
            for i in live
        ],
    )

    for i in live:
        g = item_group[i]
        # what the case looked like once this report was in it (earlier batch members included)
        upto = g.members[: g.members.index(i) + 1]
        if g.first is not None:
            pr = items[g.first].triage.priority
            for j in upto[1:]:
                pr = _max(pr, items[j].triage.priority)
        else:
            pr = g.original_priority  # type: ignore[assignment]
            for j in upto:
                pr = _max(pr, items[j].triage.priority)
        results[i] = ReportReceipt(
            reference_code=codes[i],
            report_id=report_ids[i],
            case_id=g.case_id,
            priority=pr,
            status=CaseStatus(g.status),
            duplicate_of=None if g.first == i else g.case_id,
            created_at=items[i].at,
        )
    for i, j in same_as.items():
        results[i] = (
            results[j].model_copy(update={"replayed": True})
            if isinstance(results[j], ReportReceipt)
            else results[j]
        )
    return results


def _short_name(name: str | None) -> str | None:
    """A filename short enough that sealed it still fits the 300-character column: at most 150
    UTF-8 bytes, keeping the extension (a sealed value is about 4/3 of it plus 40 characters)."""
    if name is None or len(name.encode("utf-8")) <= 150:
        return name
    stem, dot, ext = name.rpartition(".")
    ext = ext if dot and len(ext) <= 10 else ""
    budget = 150 - len(ext.encode("utf-8")) - (1 if ext else 0)
    head = (stem if ext else name).encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return f"{head}.{ext}" if ext else head
