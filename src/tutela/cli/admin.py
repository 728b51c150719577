"""`tutela admin`: organisations and credentials."""

from __future__ import annotations

from pathlib import Path

import typer

from tutela.access import SCOPES, create_key, create_org
from tutela.access.keys import ORG_KINDS
from tutela.cli.common import database, fail
from tutela.storage.db import Database

_SCOPE_HELP = f"repeatable; one of: {', '.join(SCOPES)}"


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
        if kind == "hotline":
            typer.echo(f"next: add a person, who signs in at /console and sees the reports sent at /report:\n"
                       f"  tutela admin create-user --org {name!r} --email you@example.org --role supervisor")

    @admin.command("create-key")
    def create_key_cmd(
        org: str = typer.Option(..., help="organisation name"),
        scope: list[str] = typer.Option(..., help=_SCOPE_HELP),
        label: str = typer.Option(None, help="a note saying what the key is for"),
    ) -> None:
        """Create an API key; the credential is printed once and never stored."""
        try:
            key = create_key(database(), org, list(scope), label=label)
        except ValueError as exc:
            fail(str(exc))
        typer.echo(key)
        typer.echo("Store it now: it cannot be shown again.", err=True)

    @admin.command("list-keys")
    def list_keys_cmd(org: str = typer.Option(..., help="organisation name")) -> None:
        """The organisation's API keys: id, prefix, scopes, created, last used, revoked (never the secret)."""
        from tutela.access import get_org
        from tutela.access.keys import list_keys

        db = database()
        row = get_org(db, org)
        if row is None:
            fail(f"no organisation {org!r}")
        keys = list_keys(db, row["id"])
        if not keys:
            typer.echo(f"{org} has no API keys")
            return
        typer.echo("id\tprefix\tscopes\tcreated\tlast used\trevoked\tlabel")
        for k in keys:
            typer.echo("\t".join([
                k["key_id"], k["prefix"], ",".join(k["scopes"]), _when(k["created_at"]), _when(k["last_used_at"]),
                _when(k["revoked_at"]) if k["revoked"] else "no", k["label"] or "",
            ]))

    @admin.command("revoke-key")
    def revoke_key_cmd(key: str = typer.Argument(..., help="the key itself, or its id (from list-keys)")) -> None:
        """Revoke an API key; every running server refuses it within a second."""
        from tutela.access.keys import revoke_key

        result = revoke_key(database(), key, actor="cli:admin")
        if result is None:
            fail("no such API key (give the key or the 16-character id shown by `tutela admin list-keys`)")
        word = "was already revoked" if result["already_revoked"] else "revoked"
        typer.echo(f"key {result['key_id']} {word}")


    @admin.command("list-outcomes")
    def list_outcomes_cmd(org: str = typer.Option(..., help="organisation name")) -> None:
        """The organisation's outcomes for closing a case: key, kind, DSA ground, words (the defaults until set)."""
        from tutela.cases.outcomes import outcomes_in

        db = database()
        with db.connect() as conn:
            items = outcomes_in(conn, _org_id(db, org))
        typer.echo("key\tkind\tground\tlabel")
        for o in items:
            typer.echo(f"{o.key}\t{o.kind.value}\t{o.ground}\t{o.label}")

    @admin.command("set-outcomes")
    def set_outcomes_cmd(
        org: str = typer.Option(..., help="organisation name"),
        file: Path = typer.Option(None, help="YAML or JSON: a list of {key, label, kind, ground}"),
        reset: bool = typer.Option(False, "--reset", help="go back to the default list"),
    ) -> None:
        """Replace the organisation's outcome list (audited); cases already closed keep theirs."""
        import yaml
        from pydantic import ValidationError

        from tutela.cases.outcomes import operator_set_outcomes

        if reset == (file is not None):
            fail("give either --file or --reset")
        db = database()
        org_id = _org_id(db, org)
        entries = None
        if file is not None:
            try:
                entries = yaml.safe_load(file.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError) as exc:
                fail(f"cannot read {file}: {exc}")
            if not isinstance(entries, list):
                fail(f"{file} must hold a list of outcomes, each with key, label, kind and ground")
        try:
            items = operator_set_outcomes(db, org_id, entries, actor="cli:admin")
        except ValidationError as exc:
            fail("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()))
        except ValueError as exc:
            fail(str(exc))
        typer.echo(f"{org}: {len(items)} outcome(s): {', '.join(o.key for o in items)}")


def _org_id(db: Database, org: str) -> int:
    from tutela.access import get_org

    row = get_org(db, org)
    if row is None:
        fail(f"no organisation {org!r}")
    return int(row["id"])


def _when(value: object) -> str:
    return "never" if value is None else str(value)[:19].replace("T", " ")
