"""`tutela examples add/list/remove`: an organisation's own semantic examples (see docs/models.md)."""

from __future__ import annotations

import json

import typer

from tutela.cli.common import database, fail

examples_app = typer.Typer(help="An organisation's own semantic examples: add, list, remove.", no_args_is_help=True)


def _org_id(db, org: str) -> int:  # noqa: ANN001
    from tutela.access import get_org

    row = get_org(db, org)
    if row is None:
        fail(f"no organisation {org!r}")
    return int(row["id"])


def register(app: typer.Typer) -> None:
    app.add_typer(examples_app, name="examples")

    @examples_app.command("add")
    def add_cmd(
        text: str = typer.Argument(..., help="the example text"),
        org: str = typer.Option(..., "--org", help="organisation name or id"),
        category: str = typer.Option(..., "--category", help="a taxonomy id, or 'ordinary'"),
        label: str = typer.Option(..., "--label", help="harm or benign"),
        lang: str = typer.Option(None, "--lang", help="en, tr, az, fa or ru"),
        sub: str = typer.Option(None, "--sub", help="e.g. sextortion, scam_warning, disclosure"),
    ) -> None:
        """Add an example; the organisation's next analysis uses it (no retraining)."""
        from tutela.detect.semantic.orgbank import ExampleError, add_example

        db = database()
        try:
            ex = add_example(db, _org_id(db, org), category=category, label=label, text=text, lang=lang, sub=sub,
                             actor="cli", source="cli")
        except ExampleError as exc:
            fail(str(exc))
        typer.echo(f"added example {ex.id} ({ex.category}, {ex.label})")

    @examples_app.command("list")
    def list_cmd(
        org: str = typer.Option(..., "--org", help="organisation name or id"),
        category: str = typer.Option(None, "--category", help="only this category"),
        as_json: bool = typer.Option(False, "--json", help="one JSON object a line"),
    ) -> None:
        """The organisation's examples with their provenance."""
        from tutela.detect.semantic.orgbank import list_examples

        db = database()
        rows = list_examples(db, _org_id(db, org), category=category)
        if as_json:
            for e in rows:
                typer.echo(json.dumps(e.as_dict(), ensure_ascii=False))
            return
        if not rows:
            typer.echo(f"{org} has no examples")
            return
        typer.echo("id\tcategory\tlabel\tlang\tsource\tby\tcreated\ttext")
        for e in rows:
            typer.echo("\t".join([str(e.id), e.category, e.label, e.lang or "", e.source, e.created_by,
                                  e.created_at.strftime("%Y-%m-%d %H:%M"), e.text[:80]]))

    @examples_app.command("remove")
    def remove_cmd(
        example_id: int = typer.Argument(..., help="the example's id (from list)"),
        org: str = typer.Option(..., "--org", help="organisation name or id"),
    ) -> None:
        """Remove one of the organisation's examples."""
        from tutela.detect.semantic.orgbank import remove_example

        db = database()
        if not remove_example(db, _org_id(db, org), example_id, actor="cli"):
            fail(f"no example {example_id} in {org}")
        typer.echo(f"removed example {example_id}")
