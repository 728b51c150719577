"""The transparency report as PDF, drawn with ReportLab (BSD licence) from the same figures as the page.

ReportLab draws the `tutela.oversight.charts` figures shape by shape (rectangles, lines, texts), so
the PDF's charts are the dashboard's charts, not a re-implementation. Text in the PDF is English,
in Latin script with the standard PDF fonts: shaping Persian or other scripts needs a font file and
a shaping engine ReportLab does not bring, so the HTML report is the one to read in fa, az, tr, ru.
(Another route, not used by default: print `report.html` with headless Chromium, e.g. Playwright with
`executable_path="/usr/bin/chromium"`, which shapes every script.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tutela.oversight import charts
from tutela.oversight.views import View

WIDTH = A4[0] - 40 * mm
MAX_HEIGHT = 160 * mm


def drawing(fig: charts.Figure, width: float = WIDTH) -> Drawing:
    """A chart figure as a ReportLab drawing, scaled to `width` (PDF y runs upwards: flipped here)."""
    scale = min(width / fig.width, MAX_HEIGHT / fig.height)
    d = Drawing(fig.width * scale, fig.height * scale)

    def flip(y: float) -> float:
        return (fig.height - y) * scale

    for s in fig.shapes:
        if isinstance(s, charts.Rect):
            fill = None if s.fill == "none" else colors.HexColor(s.fill)
            stroke = colors.HexColor(s.stroke) if s.stroke else None
            d.add(Rect(s.x * scale, flip(s.y + s.h), s.w * scale, s.h * scale, fillColor=fill,
                       strokeColor=stroke, strokeWidth=0.8 if stroke else 0))
        elif isinstance(s, charts.Line):
            d.add(Line(s.x1 * scale, flip(s.y1), s.x2 * scale, flip(s.y2), strokeColor=colors.HexColor(s.stroke),
                       strokeWidth=0.6))
        else:
            d.add(String(s.x * scale, flip(s.y), _latin(s.text), fontSize=s.size * scale * 0.9,
                         fillColor=colors.HexColor(s.fill), textAnchor=s.anchor,
                         fontName="Helvetica-Bold" if s.bold else "Helvetica"))
    return d


def _latin(text: str) -> str:
    """The standard PDF fonts cover Latin-1: anything else is shown as '?' rather than as garbage."""
    return text.encode("latin-1", "replace").decode("latin-1")


def _table(rows: list[list[str]], header: bool = True) -> Table:
    t = Table([[_latin(str(c)) for c in r] for r in rows], hAlign="LEFT", repeatRows=1 if header else 0)
    style = [("FONT", (0, 0), (-1, -1), "Helvetica", 8), ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
             ("ALIGN", (1, 0), (-1, -1), "RIGHT")]
    if header:
        style.append(("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8))
    t.setStyle(TableStyle(style))
    return t


def _cell(v: Any) -> str:
    return "suppressed" if v is None else str(v)


def write(report: dict[str, Any], view: View, path: Path) -> Path:
    styles = getSampleStyleSheet()
    story: list[Any] = [
        Paragraph(_latin(f"{report['organisation']}: transparency report {report['period']}"), styles["Title"]),
        Paragraph(_latin(f"{report['template']}. Counts under {report['suppression_threshold']} are suppressed, "
                         "and so are figures from which they could be worked out."), styles["Normal"]),
        Spacer(1, 4 * mm),
        _table([["Measure", "Value"]] + [[label, value] for label, value in view.summary]),
    ]
    for _fid, fig in view.figures:
        story += [Spacer(1, 4 * mm), KeepTogether([Paragraph(_latin(fig.title), styles["Heading4"]), drawing(fig)])]
    for name, section in report["sections"].items():
        if name == "not_held_by_tutela":
            story += [Paragraph("Not held by Tutela", styles["Heading3"]),
                      Paragraph(", ".join(section) + ": the organisation reports these itself.", styles["Normal"])]
            continue
        story.append(Paragraph(name.replace("_", " ").capitalize(), styles["Heading3"]))
        plain = [[k.replace("_", " "), _cell(v)] for k, v in section.items()
                 if not isinstance(v, (list, dict))]
        plain += [[k.replace("_", " "), _cell(v)] for k, v in (section.get("total") or {}).items()]
        if plain:
            story.append(_table(plain, header=False))
        for sub in (section.get("by_category"), (section.get("notices_to_platforms") or {}).get("by_category")):
            if sub:
                keys = list(sub[0])
                story += [Spacer(1, 2 * mm), _table([[k.replace("_", " ") for k in keys]]
                                                    + [[_cell(r[k]) for k in keys] for r in sub])]
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            title=f"Transparency report {report['period']}", author="Tutela")
    doc.build(story)
    return path


__all__ = ["drawing", "write"]
