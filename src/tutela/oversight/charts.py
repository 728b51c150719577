"""Charts drawn on the server: a small figure model, written out as inline SVG or as a PDF drawing.

No chart library and no external service: a chart is a list of rectangles, lines and texts laid out
here once (`bars`, `columns`), then `svg()` writes it for the web pages and the HTML report, and
`tutela.oversight.pdf` draws the very same figure with ReportLab, so the PDF shows what the page shows.

Figures scale with their container (`viewBox`, width 100%), so they stay readable at 320 px; labels
sit above the bars rather than beside them for the same reason. In right-to-left languages the bars
grow from the right. Suppressed values are drawn as an outlined empty bar with the word for
"suppressed", never as zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

PALETTE = ("#1f5f8b", "#c8553d", "#2a9d8f", "#8d6a9f", "#e9c46a")
INK, MUTED, GRID = "#1d1d1f", "#5f6368", "#d0d4d9"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 12
    anchor: str = "start"  # start | middle | end
    fill: str = INK
    bold: bool = False


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = GRID


@dataclass
class Figure:
    width: float
    height: float
    title: str
    shapes: list[Rect | Text | Line] = field(default_factory=list)
    rtl: bool = False


def _fmt(value: float | None, digits: Callable[[str], str], unit: str) -> str:
    if value is None:
        return ""
    text = f"{value:,.0f}" if value >= 100 or float(value).is_integer() else f"{value:,.1f}"
    return digits(text + unit)


def bars(items: Sequence[tuple[str, float | None]], *, title: str, unit: str = "", rtl: bool = False,
         digits: Callable[[str], str] = str, suppressed: str = "suppressed", width: float = 320) -> Figure:
    """Horizontal bars, one per item, each with its label above it: good for categories and rankings."""
    row, bar_h, top = 34, 14, 8
    fig = Figure(width, top + row * max(1, len(items)) + 4, title, rtl=rtl)
    values = [v for _, v in items if v is not None]
    top_value = max(values) if values else 1
    usable = width - 70
    for i, (label, value) in enumerate(items):
        y = top + i * row
        lx = width - 2 if rtl else 2
        fig.shapes.append(Text(lx, y + 11, label, 11, "end" if rtl else "start", INK))
        by = y + 15
        if value is None:
            w = usable * 0.15
            x = width - 2 - w if rtl else 2
            fig.shapes.append(Rect(x, by, w, bar_h, "none", MUTED, title=f"{label}: {suppressed}"))
            tx = x - 4 if rtl else x + w + 4
            fig.shapes.append(Text(tx, by + 11, suppressed, 10, "end" if rtl else "start", MUTED))
            continue
        w = max(1.0, usable * (value / top_value if top_value else 0))
        x = width - 2 - w if rtl else 2
        shown = _fmt(value, digits, unit)
        fig.shapes.append(Rect(x, by, w, bar_h, PALETTE[0], title=f"{label}: {shown}"))
        tx = x - 4 if rtl else x + w + 4
        fig.shapes.append(Text(tx, by + 11, shown, 10, "end" if rtl else "start", INK))
    return fig


def columns(items: Sequence[tuple[str, float | None]], *, title: str, unit: str = "", rtl: bool = False,
            digits: Callable[[str], str] = str, suppressed: str = "suppressed", width: float = 320,
            height: float = 180) -> Figure:
    """Vertical columns over time (months), oldest on the reading side's start."""
    fig = Figure(width, height, title, rtl=rtl)
    order = list(reversed(items)) if rtl else list(items)
    n = max(1, len(order))
    base, top, left = height - 22, 16, 4
    slot = (width - 2 * left) / n
    values = [v for _, v in order if v is not None]
    top_value = max(values) if values else 1
    fig.shapes.append(Line(left, base, width - left, base, MUTED))
    for frac in (0.5, 1.0):
        y = base - (base - top) * frac
        fig.shapes.append(Line(left, y, width - left, y, GRID))
        fig.shapes.append(Text(width - left if not rtl else left, y - 2, _fmt(top_value * frac, digits, unit), 9,
                               "end" if not rtl else "start", MUTED))
    for i, (label, value) in enumerate(order):
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        fig.shapes.append(Text(x + w / 2, height - 8, label, 9, "middle", MUTED))
        if value is None:
            fig.shapes.append(Rect(x, base - 12, w, 12, "none", MUTED, title=f"{label}: {suppressed}"))
            continue
        h = (base - top) * (value / top_value if top_value else 0)
        fig.shapes.append(Rect(x, base - h, w, max(h, 0.5), PALETTE[1], title=f"{label}: {_fmt(value, digits, unit)}"))
    return fig


def svg(fig: Figure, *, label_id: str | None = None) -> str:
    """The figure as inline SVG: scales to its container, titled for screen readers."""
    tid = escape(label_id or "chart")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {fig.width:.0f} {fig.height:.0f}" '
        # direction pinned to ltr: text-anchor then means the same side in every language (the layout
        # above already mirrors right-to-left charts); Persian words still read right to left inside
        f'width="100%" role="img" aria-labelledby="{tid}" class="chart" direction="ltr">',
        f'<title id="{tid}">{escape(fig.title)}</title>',
    ]
    for s in fig.shapes:
        if isinstance(s, Rect):
            stroke = f' stroke="{s.stroke}"' if s.stroke else ""
            tip = f"<title>{escape(s.title)}</title>" if s.title else ""
            parts.append(f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" '
                         f'fill="{s.fill}"{stroke}>{tip}</rect>')
        elif isinstance(s, Line):
            parts.append(f'<line x1="{s.x1:.1f}" y1="{s.y1:.1f}" x2="{s.x2:.1f}" y2="{s.y2:.1f}" stroke="{s.stroke}"/>')
        else:
            weight = ' font-weight="bold"' if s.bold else ""
            parts.append(f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size:g}" text-anchor="{s.anchor}" '
                         f'fill="{s.fill}"{weight}>{escape(s.text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["Figure", "Line", "Rect", "Text", "bars", "columns", "svg"]
