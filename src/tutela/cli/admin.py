"""`tutela admin`: organisations and credentials."""

from __future__ import annotations

import typer

from tutela.access import SCOPES, create_key, create_org
from tutela.access.keys import ORG_KINDS
from tutela.cli.common import database, fail


def register(app: typer.Typer) -> None:
    admin = typer.Typer(help="Organisations, API keys and people.", no_args_is_help=True)
    app.add_typer(admin, name="admin")

    @admin.command("create-org")
    def create_org_cmd(
        name: str,
        kind: str = typer.Option("platform", help=f"one of: {', '.join(ORG_KINDS)}"),
        country: str = typer.Option(None, help="ISO country code, e.g. TR"),
    ) -> None:
        """Create an organisation (a tenant)."""
        try:
            org_id = create_org(database(), name, kind=kind, country=country)
        except ValueError as exc:
            fail(str(exc))
        typer.echo(f"created organisation {name!r} (id {org_id})")

    @admin.command("create-key")
    def create_key_cmd(
        org: str = typer.Option(..., help="organisation name"),
        scope: list[str] = typer.Option(..., help=f"repeatable; one of: {', '.join(SCOPES)}"),
        label: str = typer.Option(None, help="a note saying what the key is for"),
    ) -> None:
        """Create an API key; the credential is printed once and never stored."""
        try:
            key = create_key(database(), org, list(scope), label=label)
        except ValueError as exc:
            fail(str(exc))
        typer.echo(key)
        typer.echo("Store it now: it cannot be shown again.", err=True)
