"""Entry point of the `tutela` command: discovers every area's commands."""

from __future__ import annotations

import importlib
import pkgutil

import typer

import tutela.cli as cli_pkg

app = typer.Typer(
    name="tutela",
    help="Tutela: protect children online. Detect, match, act, report, cooperate, oversee.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_all() -> None:
    for mod in sorted(pkgutil.iter_modules(cli_pkg.__path__), key=lambda m: m.name):
        if mod.name in {"main", "common"}:
            continue
        module = importlib.import_module(f"tutela.cli.{mod.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_all()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
