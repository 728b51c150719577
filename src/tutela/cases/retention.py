"""Retention: delete what must not be kept, on a schedule, and record that it happened.

Rules say what to delete (`evidence` files, reporter `contact`, report `texts`)
once a case matching `statuses` / `categories` / `outcomes` has been in that
state for `after_days` (measured from closing for closed cases, else from the
last update). A legal hold on the case or on a piece of evidence stops
deletion. Deleting destroys the ciphertext in the vault, keeps the hashes
(so the same file is still recognised) and writes a custody entry, a
`retention_runs` row and an audit entry.

Operators override the defaults with `<data_dir>/retention.yaml`:

    rules:
      - {name: contact-30d-after-close, target: contact, after_days: 30, statuses: [closed]}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import and_, or_, select, update

from tutela.cases import audit, vault
from tutela.config import Settings
from tutela.storage.db import Database
from tutela.storage.tables.cases import appeals, cases, custody, evidence, reports, retention_runs
from tutela.storage.times import utc_now

TARGETS = ("evidence", "contact", "texts")


@dataclass(frozen=True)
class RetentionRule:
    name: str
    target: str
    after_days: float
    statuses: frozenset[str] | None = frozenset({"closed"})
    categories: frozenset[str] | None = None
    outcomes: frozenset[str] | None = None


DEFAULT_RULES: tuple[RetentionRule, ...] = (
    RetentionRule("contact-after-close", "contact", 30),
    RetentionRule(
        "evidence-no-action",
        "evidence",
        30,
        outcomes=frozenset({"no_violation", "insufficient_information", "duplicate"}),
    ),
    RetentionRule("evidence-after-close", "evidence", 365),
    RetentionRule("texts-after-close", "texts", 365),
)


def _frozen(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset([value] if isinstance(value, str) else map(str, value))


def load_rules(settings: Settings) -> tuple[RetentionRule, ...]:
    path: Path = settings.data_dir / "retention.yaml"
    if not path.is_file():
        return DEFAULT_RULES
    data = yaml.safe_load(path.read_text()) or {}
    rules = []
    for i, r in enumerate(data.get("rules") or []):
        if r.get("target") not in TARGETS:
            raise ValueError(f"{path} rule {i + 1}: target must be one of {', '.join(TARGETS)}")
        if not isinstance(r.get("after_days"), (int, float)) or r["after_days"] < 0:
            raise ValueError(f"{path} rule {i + 1}: after_days must be a number >= 0")
        rules.append(
            RetentionRule(
                name=str(r.get("name") or f"rule-{i + 1}"),
                target=r["target"],
                after_days=float(r["after_days"]),
                statuses=_frozen(r.get("statuses", ["closed"])),
                categories=_frozen(r.get("categories")),
                outcomes=_frozen(r.get("outcomes")),
            )
        )
    return tuple(rules)


def _matching_cases(conn, rule: RetentionRule, at: datetime) -> list[int]:
    cutoff = at - timedelta(days=rule.after_days)
    q = select(cases.c.id).where(
        cases.c.legal_hold.is_(False),
        or_(
            and_(cases.c.closed_at.is_not(None), cases.c.closed_at <= cutoff),
            and_(cases.c.closed_at.is_(None), cases.c.updated_at <= cutoff),
        ),
    )
    if rule.statuses is not None:
        q = q.where(cases.c.status.in_(rule.statuses))
    if rule.categories is not None:
        q = q.where(cases.c.category.in_(rule.categories))
    if rule.outcomes is not None:
        q = q.where(cases.c.outcome.in_(rule.outcomes))
    # an open appeal keeps everything: the decision may be reviewed
    q = q.where(~cases.c.id.in_(select(appeals.c.case_id).where(appeals.c.status == "open")))
    return list(conn.execute(q).scalars())


def run(
    db: Database,
    settings: Settings,
    *,
    at: datetime | None = None,
    actor: str = "system:retention",
    dry_run: bool = False,
    rules: tuple[RetentionRule, ...] | None = None,
) -> dict[str, Any]:
    """Apply every rule once; returns (and records) what was deleted and what a hold kept."""
    at = at or utc_now()
    rules = rules if rules is not None else load_rules(settings)
    summary: dict[str, Any] = {
        "evidence_deleted": 0,
        "contacts_deleted": 0,
        "texts_deleted": 0,
        "kept_by_hold": 0,
        "rules": {},
    }
    with audit.writing(db) as conn:
        for rule in rules:
            case_ids = _matching_cases(conn, rule, at)
            n = 0
            if case_ids and rule.target == "evidence":
                rows = conn.execute(
                    select(evidence.c.id, evidence.c.vault_object_id, evidence.c.legal_hold).where(
                        evidence.c.case_id.in_(case_ids), evidence.c.deleted_at.is_(None)
                    )
                ).all()
                for row in rows:
                    if row.legal_hold:
                        summary["kept_by_hold"] += 1
                        continue
                    n += 1
                    if dry_run:
                        continue
                    if row.vault_object_id is not None:
                        vault.erase(conn, row.vault_object_id)
                    conn.execute(update(evidence).where(evidence.c.id == row.id).values(deleted_at=at))
                    conn.execute(
                        custody.insert().values(
                            evidence_id=row.id,
                            at=at,
                            actor=actor,
                            action="deleted",
                            detail=f"retention rule {rule.name}",
                        )
                    )
                summary["evidence_deleted"] += n
            elif case_ids and rule.target in ("contact", "texts"):
                cols = (
                    [reports.c.contact_vault_id]
                    if rule.target == "contact"
                    else [reports.c.description_vault_id, reports.c.notice_vault_id]
                )
                rows = conn.execute(select(reports.c.id, *cols).where(reports.c.case_id.in_(case_ids))).all()
                for row in rows:
                    for obj in row[1:]:
                        if obj is None:
                            continue
                        if dry_run or vault.erase(conn, obj):
                            n += 1
                summary["contacts_deleted" if rule.target == "contact" else "texts_deleted"] += n
            summary["rules"][rule.name] = n
        # dry runs are recorded too: the record shows what would have gone
        run_id = conn.execute(
            retention_runs.insert().values(at=at, actor=actor, dry_run=dry_run, summary=summary)
        ).inserted_primary_key[0]
        audit.append(
            conn,
            actor=actor,
            action="retention.run",
            object_type="retention",
            object_id=run_id,
            details={"dry_run": dry_run} | {k: v for k, v in summary.items() if k != "rules"},
        )
    return summary | {"run_id": run_id, "dry_run": dry_run, "at": at.isoformat()}


def history(db: Database, limit: int = 20) -> list[dict]:
    with db.connect() as conn:
        rows = conn.execute(
            select(retention_runs).order_by(retention_runs.c.id.desc()).limit(limit)
        ).mappings()
        return [dict(r) for r in rows]
