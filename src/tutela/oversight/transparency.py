"""Transparency reports: the quantitative part in the structure of the DSA harmonised template.

Commission Implementing Regulation (EU) 2024/2835 lays down one quantitative template in sections;
this report fills the sections Tutela holds data for, under the same headings, and says plainly
which it does not hold (the organisation adds those itself):

| section (template)                         | from |
|--------------------------------------------|------|
| orders from Member States' authorities     | the register: orders (kind `order`) sent to or by the organisation |
| notices (Art. 16) and notices to platforms | reports received, and notices in the register |
| own-initiative content moderation          | the decision log: decisions, restrictions, by category |
| complaints (internal complaint handling)   | appeals and reversals |
| use of automated means                     | automated decisions, known-hash matches |

Every count goes through the same suppression as the dashboard. Files: `report.json` (everything),
`report.csv` (one figure per line), `report.html` (with the charts as inline SVG) and `report.pdf`
(the same charts drawn by ReportLab, `tutela.oversight.pdf`).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from tutela.access import Principal, get_org
from tutela.oversight import charts, measures, suppress, views
from tutela.oversight.buckets import N_BUCKETS, bucket_of, quantile
from tutela.oversight.scope import Scope, scope_for
from tutela.oversight.words import words
from tutela.storage.db import Database
from tutela.storage.tables.oversight import notices
from tutela.storage.times import as_utc, utc_now

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE = "Commission Implementing Regulation (EU) 2024/2835, Annex I (quantitative template): structure"
NOT_HELD = ("out_of_court_disputes", "suspensions_article_23", "human_resources", "average_monthly_recipients")


def _month_bounds(f: measures.Filters) -> tuple[datetime, datetime]:
    start = datetime.fromisoformat(f"{f.month_from}-01T00:00:00+00:00")
    y, m = map(int, f.month_to.split("-"))
    end = datetime.fromisoformat(f"{y + (m == 12)}-{m % 12 + 1:02d}-01T00:00:00+00:00")
    return start, end


def _register_section(db: Database, scope: Scope, f: measures.Filters, kind: str, k: int,
                      now: datetime) -> dict[str, Any]:
    """Notices or orders in the period, by category: sent, met/missed by the deadline, refused, still
    overdue, and the median time to give effect (exact to its histogram bucket, like the dashboard)."""
    start, end = _month_bounds(f)
    q = select(notices).where(notices.c.kind == kind, notices.c.sent_at >= start, notices.c.sent_at < end)
    if scope.kind == "platform":
        q = q.where(notices.c.platform_org_id == scope.platform_id)
    elif scope.kind == "organisation":
        q = q.where(notices.c.issuer_org_id.in_(sorted(scope.org_ids or ())))
    elif scope.country:
        q = q.where(notices.c.country == scope.country)
    per: dict[str, dict[str, Any]] = defaultdict(lambda: {"received": 0, "met_deadline": 0, "missed_deadline": 0,
                                                         "refused": 0, "overdue": 0, "hist": [0] * N_BUCKETS})
    with db.connect() as conn:
        for n in conn.execute(q).mappings():
            c = per[n["category"]]
            c["received"] += 1
            acted = n["actioned_at"]
            if acted is not None:
                late = as_utc(acted) > as_utc(n["deadline_at"])
                c["missed_deadline" if late else "met_deadline"] += 1
                c["hist"][bucket_of((as_utc(acted) - as_utc(n["sent_at"])).total_seconds())] += 1
            elif n["status"] == "refused":
                c["refused"] += 1
            elif n["status"] in ("open", "acknowledged") and now > as_utc(n["deadline_at"]):
                c["overdue"] += 1
    rows = []
    total = {"received": 0, "met_deadline": 0, "missed_deadline": 0, "refused": 0, "overdue": 0,
             "hist": [0] * N_BUCKETS}
    for cat, c in sorted(per.items()):
        for key in total:
            total[key] = [a + b for a, b in zip(total[key], c[key], strict=True)] if key == "hist" else total[key] + c[key]
        rows.append({"category": cat, **c})
    names = ("received", "met_deadline", "missed_deadline", "refused", "overdue")
    suppress.flat(rows, total, names, k)

    def med(row: dict[str, Any]) -> float | None:
        hist = row.pop("hist")
        n = sum(hist)
        if n < k:
            return None
        qv = quantile(hist, 0.5)
        return round(qv.hours, 1) if qv else None

    for r in rows:
        r["median_hours_to_give_effect"] = med(r)
    total["median_hours_to_give_effect"] = med(total)
    return {"by_category": rows, "total": total}


def _by_category(m: measures.Metrics, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"category": r["key"], **{f: r[f] for f in fields}} for r in m.by.get("category", [])]


def build(db: Database, principal: Principal, period: str, *, threshold: int = measures.DEFAULT_THRESHOLD,
          now: datetime | None = None) -> dict[str, Any]:
    """The report's content (what `report.json` holds)."""
    now = now or utc_now()
    scope = scope_for(db, principal)
    f = measures.Filters.parse(db, period=period)
    m = measures.metrics(db, principal, f, threshold=threshold, now=now)
    org = get_org(db, principal.org_id) or {}
    t = m.total
    removal = t["removal"]
    report = {
        "organisation": org.get("name"), "organisation_kind": org.get("kind"), "scope": scope.kind,
        "period": period, "months": [f.month_from, f.month_to], "generated_at": now.isoformat(),
        "template": TEMPLATE, "suppression_threshold": threshold,
        "sections": {
            "orders_from_authorities": _register_section(db, scope, f, "order", threshold, now),
            "notices_article_16": {
                "reports_received": t["reports"], "cases": t["cases"], "actioned": t["actioned"],
                "median_hours_to_removal": removal["median_h"], "p90_hours_to_removal": removal["p90_h"],
                "share_removed_within": {k: removal[f"within_{k}"] for k in ("24h", "3d", "7d")},
                "by_category": _by_category(m, ("reports", "cases", "actioned")),
                "notices_to_platforms": _register_section(db, scope, f, "notice", threshold, now),
            },
            "own_initiative_moderation": {
                "decisions": t["decisions"], "restrictions": t["restricted"],
                "by_category": _by_category(m, ("decisions", "restricted", "automated")),
            },
            "complaints": {
                "appeals": t["appeals"], "reversed": t["reversals"],
                "by_category": _by_category(m, ("appeals", "reversals")),
            },
            "automated_means": {
                "decisions_fully_automated": t["automated"], "share_automated": t["automated_share"],
                "known_hash_matches": t["hash_matches"],
            },
            "not_held_by_tutela": list(NOT_HELD),
        },
        "measures": m.as_dict(),
    }
    return report


def _csv_rows(report: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    out: list[tuple[str, str, str, Any]] = []

    def walk(section: str, value: Any, path: str, category: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(section, v, f"{path}.{k}" if path else k, category)
        elif isinstance(value, list) and value and isinstance(value[0], dict) and "category" in value[0]:
            for row in value:
                for k, v in row.items():
                    if k != "category":
                        walk(section, v, f"{path}.{k}", row["category"])
        elif isinstance(value, list):
            out.append((section, path, category, ";".join(map(str, value))))
        else:
            out.append((section, path, category, "" if value is None else value))

    for name, section in report["sections"].items():
        walk(name, section, "")
    return out


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html"]))


def write(db: Database, principal: Principal, period: str, out_dir: Path, *, lang: str = "en",
          threshold: int = measures.DEFAULT_THRESHOLD, pdf: bool = True) -> dict[str, Path]:
    """Write report.json, report.csv, report.html and report.pdf into `out_dir`; returns their paths."""
    report = build(db, principal, period, threshold=threshold)
    w = words(lang)
    m = measures.Metrics(**report["measures"])
    view = views.build(m, w)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json", "csv": out_dir / "report.csv", "html": out_dir / "report.html"}
    paths["json"].write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    with paths["csv"].open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("section", "measure", "category", "value"))
        writer.writerows(_csv_rows(report))
    html = _env().get_template("report.html").render(
        r=report, w=w, view=view,
        charts=[(fid, charts.svg(fig, label_id=f"{fid}-title"), fig.title) for fid, fig in view.figures],
        sections=[(k, v) for k, v in report["sections"].items() if k != "not_held_by_tutela"])
    paths["html"].write_text(html, encoding="utf-8")
    if pdf:
        from tutela.oversight import pdf as pdf_writer

        paths["pdf"] = out_dir / "report.pdf"
        # in the language asked for where an embedded font covers it (tr, az, ru); else English
        pdf_writer.write(report, views.build(m, words(pdf_writer.language_for(lang))), paths["pdf"])
    return paths


__all__ = ["NOT_HELD", "TEMPLATE", "build", "write"]
