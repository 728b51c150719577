"""What the dashboard and the transparency report show, built once from the measures: the summary
rows and the figures, in one language. The web page, the HTML report and the PDF all draw from here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tutela.oversight import charts
from tutela.oversight.measures import Metrics
from tutela.oversight.words import Words


@dataclass
class View:
    summary: list[tuple[str, str]]
    figures: list[tuple[str, charts.Figure]]  # (id, figure)


def _label_month(w: Words, month: str) -> str:
    return w.digits(month[2:])  # "26-11": short enough for twelve columns at 320 px


def summary(m: Metrics, w: Words) -> list[tuple[str, str]]:
    t = m.total
    rows = [(w.t(k), w.num(t[k])) for k in ("reports", "cases", "referrals", "actioned", "appeals", "reversals",
                                             "repeat_accounts", "hash_matches", "decisions")]
    rows.append((w.t("automated_share"), w.pct(t["automated_share"])))
    for key in ("acknowledge", "removal"):
        d = t[key]
        name = w.t(key)
        rows += [(f"{name}: {w.t('median')}", w.hours(d["median_h"])),
                 (f"{name}: {w.t('p90')}", w.hours(d["p90_h"]))]
        rows += [(f"{name}: {w.t(f'within_{s}')}", w.pct(d[f"within_{s}"])) for s in ("24h", "3d", "7d")]
    rows += [(w.t(k), w.num(t[k])) for k in ("notices", "orders", "met_deadline", "missed_deadline", "refused",
                                             "overdue")]
    return rows


def figures(m: Metrics, w: Words) -> list[tuple[str, charts.Figure]]:
    common: dict[str, Any] = {"rtl": w.rtl, "digits": w.digits, "suppressed": w.t("suppressed")}
    months = m.by.get("month", [])
    out = [
        ("chart-month", charts.columns([(_label_month(w, r["key"]), r["reports"]) for r in months],
                                       title=w.t("chart_reports_month"), **common)),
        ("chart-removal-month", charts.columns(
            [(_label_month(w, r["key"]), r["removal"]["median_h"]) for r in months],
            title=w.t("chart_removal_month"), **common)),
        ("chart-category", charts.bars(
            sorted(((w.category(r["key"]), r["reports"]) for r in m.by.get("category", []) if r["reports"] != 0),
                   key=lambda x: -(x[1] or 0)), title=w.t("chart_by_category"), **common)),
        ("chart-country", charts.bars(
            [(r["key"] or w.t("unknown"), r["reports"]) for r in m.by.get("country", []) if r["reports"] != 0],
            title=w.t("chart_by_country"), **common)),
        ("chart-platform", charts.bars(
            [(r.get("label") or w.t("unknown"), r["reports"]) for r in m.by.get("platform", []) if r["reports"] != 0],
            title=w.t("chart_by_platform"), **common)),
        ("chart-ranking", charts.bars([(r["platform"], r["median_h"]) for r in m.ranking],
                                      title=w.t("chart_ranking"), unit="", **common)),
    ]
    return out


def build(m: Metrics, w: Words) -> View:
    return View(summary(m, w), figures(m, w))


__all__ = ["View", "build", "figures", "summary"]
