"""The transparency report as PDF, drawn with ReportLab (BSD licence) from the same figures as the page.

ReportLab draws the `tutela.oversight.charts` figures shape by shape (rectangles, lines, texts), so
the PDF's charts are the dashboard's charts, not a re-implementation.

Languages: ReportLab's standard PDF fonts cover Latin-1 only (no Turkish ğ ş ı, no Azerbaijani ə, no
Cyrillic). Where DejaVu Sans is installed (Debian's fonts-dejavu-core, a permissive Bitstream Vera
derived licence, present on most Debian and Ubuntu systems and in the project's image) it is embedded
and the PDF is written in English, Turkish, Azerbaijani or Russian; where it is not, the PDF falls back
to English in Helvetica and says so nowhere worse than an English report. Persian stays English:
Arabic script needs contextual shaping and right-to-left ordering, which ReportLab does not do (the
reshaping libraries are either not permissively licensed or not enough alone), so the HTML report is
the one to read in Persian (or print it with headless Chromium, which shapes every script).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tutela.oversight import charts
from tutela.oversight.views import View

WIDTH = A4[0] - 40 * mm
MAX_HEIGHT = 160 * mm
#: Where DejaVu Sans is looked for (Debian's fonts-dejavu-core first); TUTELA_PDF_FONT_DIR overrides.
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF",
             "/usr/local/share/fonts")
#: Languages a PDF can be written in once DejaVu Sans is embedded (Latin Extended and Cyrillic; no shaping).
UNICODE_LANGS = frozenset({"en", "tr", "az", "ru"})


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    unicode: bool


_fonts: Fonts | None = None


def fonts() -> Fonts:
    """DejaVu Sans (registered once) where it is installed, else the standard Helvetica (Latin-1)."""
    global _fonts
    if _fonts is None:
        _fonts = Fonts("Helvetica", "Helvetica-Bold", False)
        dirs = [os.environ["TUTELA_PDF_FONT_DIR"]] if os.environ.get("TUTELA_PDF_FONT_DIR") else []
        for d in (*dirs, *FONT_DIRS):
            regular, bold = Path(d) / "DejaVuSans.ttf", Path(d) / "DejaVuSans-Bold.ttf"
            if regular.is_file() and bold.is_file():
                try:
                    pdfmetrics.registerFont(TTFont("TutelaSans", str(regular)))
                    pdfmetrics.registerFont(TTFont("TutelaSans-Bold", str(bold)))
                except Exception:  # a damaged font file: keep looking, then fall back
                    continue
                _fonts = Fonts("TutelaSans", "TutelaSans-Bold", True)
                break
    return _fonts


def language_for(lang: str) -> str:
    """The language the PDF will be written in when `lang` is asked for."""
    return lang if lang in UNICODE_LANGS and fonts().unicode else "en"


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
            f = fonts()
            d.add(String(s.x * scale, flip(s.y), _latin(s.text), fontSize=s.size * scale * 0.9,
                         fillColor=colors.HexColor(s.fill), textAnchor=s.anchor,
                         fontName=f.bold if s.bold else f.regular))
    return d


def _latin(text: str) -> str:
    """With the standard PDF fonts (Latin-1), anything else is shown as '?' rather than as garbage."""
    if fonts().unicode:
        return text
    return text.encode("latin-1", "replace").decode("latin-1")


def _table(rows: list[list[str]], header: bool = True) -> Table:
    t = Table([[_latin(str(c)) for c in r] for r in rows], hAlign="LEFT", repeatRows=1 if header else 0)
    f = fonts()
    style = [("FONT", (0, 0), (-1, -1), f.regular, 8), ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
             ("ALIGN", (1, 0), (-1, -1), "RIGHT")]
    if header:
        style.append(("FONT", (0, 0), (-1, 0), f.bold, 8))
    t.setStyle(TableStyle(style))
    return t


def _cell(v: Any) -> str:
    return "suppressed" if v is None else str(v)


def write(report: dict[str, Any], view: View, path: Path) -> Path:
    """Write the PDF; `view` in a language `language_for` allows (the section tables keep the
    harmonised template's English field names)."""
    styles = getSampleStyleSheet()
    f = fonts()
    for name in ("Normal", "Title", "Heading3", "Heading4"):
        styles[name].fontName = f.regular if name == "Normal" else f.bold
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
