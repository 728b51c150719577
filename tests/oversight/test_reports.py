"""Transparency reports (HTML, PDF with charts, CSV, JSON) and the `tutela report` commands."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tutela.cli.main import app

from . import independent as ind

runner = CliRunner()


@pytest.fixture(scope="module")
def report_dir(history, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    res = runner.invoke(app, ["report", "transparency", "--org", "Synthetic Regulator", "--period", "2026-Q3",
                              "--out", str(out)], env={"TUTELA_DATA_DIR": str(history.settings.data_dir)})
    assert res.exit_code == 0, res.output
    return out


def test_report_files_and_template_sections(report_dir, history):
    data = json.loads((report_dir / "report.json").read_text())
    assert set(data["sections"]) >= {"orders_from_authorities", "notices_article_16", "own_initiative_moderation",
                                     "complaints", "automated_means", "not_held_by_tutela"}
    cases = [c for c in ind.per_case(history.db) if "2026-07" <= c["month"] <= "2026-09"]
    assert data["sections"]["notices_article_16"]["reports_received"] == sum(c["reports"] for c in cases)
    assert data["sections"]["complaints"]["appeals"] == sum(c["appeals"] for c in cases)
    orders = [n for n in ind.notices_plain(history.db) if n["kind"] == "order" and "2026-07" <= n["month"] <= "2026-09"]
    assert data["sections"]["orders_from_authorities"]["total"]["received"] == len(orders)
    assert data["sections"]["orders_from_authorities"]["total"]["met_deadline"] == sum(n["met"] for n in orders)
    with (report_dir / "report.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert any(r["section"] == "complaints" and r["measure"] == "appeals" for r in rows)
    html = (report_dir / "report.html").read_text()
    assert html.count("<svg") == 6 and "<script" not in html and "http://" not in html.replace(
        "http://www.w3.org/2000/svg", "")


def test_pdf_has_its_charts(report_dir):
    pdfium = pytest.importorskip("pypdfium2")
    pdf = pdfium.PdfDocument(str(report_dir / "report.pdf"))
    assert len(pdf) >= 2
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for title in ("Reports received per month", "Reports by category", "Platforms by median hours to removal"):
        assert title in text
    # the charts are drawn: pages carry the bar colour of the charts, not just black text on white
    coloured = 0
    for i in range(len(pdf)):
        px = np.asarray(pdf[i].render(scale=1).to_pil().convert("RGB")).astype(int)
        coloured += int((np.abs(px - np.array([0x1F, 0x5F, 0x8B])) < 25).all(axis=2).sum())
    assert coloured > 500


def test_statements_command_streams_valid_lines(history, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from tutela.oversight import statements

    out = tmp_path / "sor.jsonl"
    res = runner.invoke(app, ["report", "statements", "--since", "2026-01-01", "--out", str(out)],
                        env={"TUTELA_DATA_DIR": str(history.settings.data_dir)})
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    want = [r for r in ind.rows(history.db, "SELECT decision FROM moderation_decisions") if r["decision"] != "allow"]
    assert len(lines) == len(want)
    v = statements.validator()
    assert all(not list(v.iter_errors(json.loads(line))) for line in lines[:500])
    assert jsonschema


def test_bad_input_is_refused_clearly(history, tmp_path):
    env = {"TUTELA_DATA_DIR": str(history.settings.data_dir)}
    res = runner.invoke(app, ["report", "transparency", "--org", "Nobody", "--period", "2026-Q4", "--out",
                              str(tmp_path)], env=env)
    assert res.exit_code == 2 and "no organisation" in res.output
    res = runner.invoke(app, ["report", "transparency", "--org", "Synthetic Regulator", "--period", "Q4",
                              "--out", str(tmp_path)], env=env)
    assert res.exit_code == 2 and "period" in res.output
    res = runner.invoke(app, ["report", "statements", "--since", "yesterday"], env=env)
    assert res.exit_code == 2


@pytest.mark.parametrize("lang", ["ru", "az", "fa"])
def test_pdf_in_the_language_its_font_covers(history, tmp_path, lang):
    """tr, az, ru: the PDF's charts and summary in that language where DejaVu Sans is installed;
    Persian (no shaping in ReportLab) and any language without the font: English."""
    pdfium = pytest.importorskip("pypdfium2")
    from tutela.oversight import pdf, transparency
    from tutela.oversight.words import words

    paths = transparency.write(history.db, history.regulator, "2026-Q3", tmp_path, lang=lang)
    doc = pdfium.PdfDocument(str(paths["pdf"]))
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    written = pdf.language_for(lang)
    assert words(written).t("chart_reports_month") in text
    if lang == "fa" or not pdf.fonts().unicode:
        assert written == "en"
    else:
        assert written == lang
        assert "?" not in words(lang).t("chart_by_category")
        assert words(lang).t("chart_by_category") in text  # not replaced by '?': the font has the glyphs


def test_pdf_falls_back_to_english_without_the_font(history, tmp_path, monkeypatch):
    pdfium = pytest.importorskip("pypdfium2")
    from tutela.oversight import pdf, transparency

    monkeypatch.setattr(pdf, "_fonts", None)
    monkeypatch.setattr(pdf, "FONT_DIRS", ())
    monkeypatch.delenv("TUTELA_PDF_FONT_DIR", raising=False)
    assert pdf.language_for("ru") == "en" and pdf.fonts().regular == "Helvetica"
    paths = transparency.write(history.db, history.regulator, "2026-Q3", tmp_path, lang="ru")
    doc = pdfium.PdfDocument(str(paths["pdf"]))
    assert "Reports received per month" in "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    monkeypatch.setattr(pdf, "_fonts", None)  # the next test finds the real font again
