"""Entry point of the `tutela` command: discovers every area's commands."""

from __future__ import annotations

import importlib
import pkgutil

import typer
from typer.core import TyperOption

import tutela.cli as cli_pkg


def _flag_type(self: TyperOption, ctx: object) -> str | None:
    """No `<bool>` type column for on/off flags: they take no value, so there is no type to show."""
    if self.is_flag:
        return None
    return _option_type(self, ctx)  # type: ignore[arg-type]


_option_type = TyperOption.display_type_rich
TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign]

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
