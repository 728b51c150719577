"""Helpers shared by CLI modules: settings, database, consistent errors and exit codes.

Exit codes, the same for every command (documented in the README):
0 everything done; 2 nothing done (bad arguments, missing input, unusable file);
3 done, with every record written, but some records failed (their lines carry `error`).
A pipeline can so tell "all analysed" from "look at the error lines" without parsing stderr.
"""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from tutela.config import Settings, load_settings
from tutela.storage.db import Database

# soft_wrap: error lines carry paths and ids that must stay whole (copyable, greppable), never folded.
err_console = Console(stderr=True, soft_wrap=True)


def settings() -> Settings:
    return load_settings()


def database(s: Settings | None = None) -> Database:
    """The configured database; a PostgreSQL schema that is behind stops the command with advice."""
    from tutela.storage.schema import SchemaNotCurrent

    try:
        return Database.from_settings(s or settings())
    except SchemaNotCurrent as exc:
        fail(str(exc))


EXIT_OK = 0
EXIT_USAGE = 2
EXIT_PARTIAL = 3


def plural(n: int, one: str, many: str | None = None) -> str:
    """`1 error`, `2 errors`: a count with its noun in the right number."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def finish(failed: int) -> None:
    """End a bulk command: exit 3 when some records failed, else return normally (exit 0)."""
    if failed:
        raise typer.Exit(EXIT_PARTIAL)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)
