"""Helpers shared by CLI modules: settings, database, consistent errors."""

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
    return Database.from_settings(s or settings())


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)
