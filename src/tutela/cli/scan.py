"""`tutela scan INPUT`: analyse JSONL or CSV text in bulk (thin: reads, calls the engine, renders)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from tutela.cli.common import fail, finish, plural
from tutela.cli.common import settings as load_cli_settings

LONG_INPUT_BYTES = 256 * 1024  # show a progress bar above this size


def register(app: typer.Typer) -> None:
    @app.command("scan")
    def scan_cmd(
        input: str = typer.Argument(..., help="JSONL ({'id','text'} per line) or CSV (id,text columns); '-' for stdin"),
        out: Path = typer.Option(None, "--out", "-o", help="write JSONL results here (default: stdout)"),
        fmt: str = typer.Option("auto", "--format", help="auto, jsonl or csv"),
        lang: str = typer.Option(None, "--lang", help="skip language detection and use this ISO code"),
        explain: bool = typer.Option(False, "--explain", help="add the spans and patterns behind each flag"),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar or summary"),
        fast: bool = typer.Option(False, "--fast", help="fast stage only (skip the semantic stage)"),
        deep: bool = typer.Option(False, "--deep", help="run the semantic stage on every text"),
        org: str = typer.Option(None, "--org", help="organisation name or id whose own examples "
                                "(`tutela examples`) count too, as in its API calls"),
    ) -> None:
        """Analyse every text; one JSON line out per record in, then a summary of flags on stderr.

        Exit 0 when every record was analysed, 3 when some could not be (their lines carry `error`
        and no `flags`), 2 when nothing could be read.

        Records carry no sender or recipient ages, so by default (unknown ages) the semantic stage
        runs on every text, as with --deep; --fast skips it (thousands of texts a second).
        """
        from tutela.detect.batch import detect_format, read_csv, read_jsonl, scan

        err = Console(stderr=True)
        if input == "-":
            stream = sys.stdin.buffer
            total = None
            name = None
        else:
            path = Path(input)
            if not path.is_file():
                fail(f"input file not found: {input}")
            stream = path.open("rb")
            total = path.stat().st_size
            name = path.name
        head = stream.peek(4096)[:4096] if hasattr(stream, "peek") else b""
        if fast and deep:
            fail("give at most one of --fast and --deep")
        stages = "fast" if fast else "deep" if deep else "auto"
        if stages != "fast":
            from tutela.detect.native_threads import one_blas_thread

            one_blas_thread()  # same answers; a second BLAS thread only spins (~10% more CPU, no faster)
        cli_settings = load_cli_settings()
        org_examples = _org_examples(cli_settings, org) if org else None
        kind = fmt if fmt in ("jsonl", "csv") else detect_format(name, head)
        if fmt not in ("auto", "jsonl", "csv"):
            fail(f"--format must be auto, jsonl or csv, not {fmt!r}")
        items = read_jsonl(stream) if kind == "jsonl" else read_csv(stream)
        sink = out.open("wb") if out else sys.stdout.buffer

        def write(rec: dict[str, Any]) -> None:
            sink.write(orjson.dumps(rec) + b"\n")

        show_bar = not quiet and (total is None or total > LONG_INPUT_BYTES)
        progress = Progress(
            TextColumn("scanning"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=err, transient=True, disable=not show_bar,
        )
        try:
            with progress:
                task = progress.add_task("scan", total=total)
                summary = scan(
                    items, write, settings=cli_settings, lang=lang, explain=explain, stages=stages, org=org_examples,
                    progress=lambda n: progress.advance(task, n),
                )
        except ValueError as exc:
            fail(str(exc))
        finally:
            sink.flush()
            if out:
                sink.close()
            if stream is not sys.stdin.buffer:
                stream.close()
        if not quiet:
            err.print(_summary_table(summary))
            err.print(
                f"{plural(summary.records, 'record')}: {summary.analysed} analysed, {summary.errors} with errors"
                + (f", {summary.truncated} truncated" if summary.truncated else "")
            )
        finish(summary.errors)


def _org_examples(cli_settings: Any, org: str) -> Any:
    """The named organisation's own examples (None when it has none); an unknown name stops the scan."""
    from tutela.access import get_org
    from tutela.cli.common import database
    from tutela.detect.semantic.orgbank import org_bank

    db = database(cli_settings)
    row = get_org(db, org)
    if row is None:
        fail(f"no organisation {org!r}")
    return org_bank(db, int(row["id"]))


def _summary_table(summary: Any) -> Table:
    """Flags per category for the supported languages, everything else under 'other'."""
    from tutela.domain.languages import language_codes
    from tutela.domain.taxonomy import CATEGORIES

    supported = language_codes()

    cols = [lang for lang in supported if summary.langs.get(lang)]
    others = [lang for lang in summary.langs if lang not in supported]
    table = Table(title="flags per category and language")
    table.add_column("category")
    for lang in cols + (["other"] if others else []):
        table.add_column(lang, justify="right")
    table.add_column("total", justify="right")

    def row(counts_for: Any) -> list[str]:
        counts = [counts_for([lang]) for lang in cols] + ([counts_for(others)] if others else [])
        return [str(v) for v in counts] + [str(sum(counts))]

    for c in CATEGORIES:
        table.add_row(c.value, *row(lambda langs, c=c: sum(summary.flags.get((c.value, lg), 0) for lg in langs)))
    table.add_row("[dim]records[/]", *row(lambda langs: sum(summary.langs[lg] for lg in langs)))
    return table
