"""`tutela report`: transparency reports, statements of reasons, and the oversight rollups."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import typer

from tutela.cli.common import database, fail, settings


def _principal(db, org: str):
    from tutela.access import Principal, get_org

    row = get_org(db, int(org) if org.isdigit() else org)
    if row is None:
        fail(f"no organisation {org!r}")
    # the report is the organisation's own view: a regulator's covers everyone, a platform's its record
    return Principal(row["id"], row["name"], frozenset({"oversight"}), key_id="cli")


def register(app: typer.Typer) -> None:
    report_app = typer.Typer(help="Transparency reports, statements of reasons and oversight figures.",
                             no_args_is_help=True)
    app.add_typer(report_app, name="report")

    @report_app.command("transparency")
    def transparency(
        org: str = typer.Option(..., help="the organisation the report is for (name or id)"),
        period: str = typer.Option(..., help="YYYY, YYYY-Qn, YYYY-Hn or YYYY-MM, e.g. 2026-Q4"),
        out: Path = typer.Option(..., help="directory for report.html, report.pdf, report.csv, report.json"),
        lang: str = typer.Option("en", help="language of the HTML report: en, tr, az, fa, ru (the PDF is en)"),
        no_pdf: bool = typer.Option(False, "--no-pdf", help="skip the PDF"),
    ) -> None:
        """Write a transparency report in the structure of the DSA harmonised template, with its charts."""
        from tutela.access import AccessError
        from tutela.oversight import rollup
        from tutela.oversight import transparency as tr

        s = settings()
        db = database(s)
        principal = _principal(db, org)
        rollup.refresh(db)
        try:
            paths = tr.write(db, principal, period, out, lang=lang, threshold=s.oversight_min_count,
                             pdf=not no_pdf)
        except (AccessError, ValueError) as exc:
            fail(str(exc))
        for kind, path in paths.items():
            typer.echo(f"{kind}: {path}")

    @report_app.command("statements")
    def statements_(
        since: str = typer.Option(..., help="first day, YYYY-MM-DD (UTC)"),
        org: str = typer.Option(None, help="only this organisation's decisions (name or id)"),
        out: Path = typer.Option(None, help="write here (JSON Lines) instead of stdout"),
        batched: bool = typer.Option(False, "--batched",
                                     help='one {"statements": [...]} of up to 100 per line, as the database API takes'),
    ) -> None:
        """Every statement of reasons since DATE in the DSA Transparency Database schema, streamed."""
        from tutela.access import get_org
        from tutela.oversight import statements

        try:
            start = datetime.fromisoformat(since).replace(tzinfo=UTC)
        except ValueError:
            fail(f"--since {since!r}: use YYYY-MM-DD")
        db = database()
        org_id = None
        if org:
            row = get_org(db, int(org) if org.isdigit() else org)
            if row is None:
                fail(f"no organisation {org!r}")
            org_id = row["id"]
        items = statements.statements(db, since=start, org_id=org_id)
        if out:
            with out.open("w", encoding="utf-8") as fh:
                n = statements.write(items, fh, batched=batched)
            typer.echo(f"{n} statement(s) written to {out}", err=True)
        else:
            n = statements.write(items, sys.stdout, batched=batched)
            typer.echo(f"{n} statement(s)", err=True)

    @report_app.command("refresh")
    def refresh(rebuild: bool = typer.Option(False, "--rebuild", help="start the rollups again from nothing")) -> None:
        """Bring the oversight rollups up to date (readers do this too, at most every few seconds)."""
        from tutela.oversight import rollup

        db = database()
        counts = rollup.rebuild(db) if rebuild else rollup.refresh(db)
        typer.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))
