"""`tutela admin create-user` / `disable-user`: people who sign in to the console.

Registered onto the existing `admin` group when it is there (it is the natural
home of "who may do what"), else as its own `people` group.
"""

from __future__ import annotations

import typer

from tutela.access.people import ROLES, create_user, set_disabled
from tutela.cli.common import database, fail


def _group(app: typer.Typer) -> typer.Typer:
    for info in app.registered_groups:
        if info.name == "admin" and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help="People who sign in to the web console.", no_args_is_help=True)
    app.add_typer(group, name="people")
    return group


def _hand_over_waiting_reports(org: str) -> None:
    """A hotline that just got its first person receives the public reports that waited for one."""
    from tutela.access import get_org
    from tutela.cases.receiving import adopt_waiting, staffed_hotline

    db = database()
    row = get_org(db, org)
    hotline = staffed_hotline(db)
    if row is None or row["kind"] != "hotline" or hotline is None or hotline["id"] != row["id"]:
        return
    moved = adopt_waiting(db, row["id"])
    typer.echo(f"{row['name']!r} now receives the reports sent at /report"
               + (f"; {moved} that waited for a hotline are in its queue" if moved else ""))


def register(app: typer.Typer) -> None:
    group = _group(app)

    @group.command("create-user")
    def create_user_cmd(
        org: str = typer.Option(..., help="organisation name"),
        email: str = typer.Option(..., help="the person's email, used to sign in"),
        role: str = typer.Option(..., help=f"one of: {', '.join(ROLES)}"),
        password: str = typer.Option(
            ..., prompt=True, hide_input=True, confirmation_prompt=True,
            help="asked for when left out (recommended: keeps it out of shell history)",
        ),
    ) -> None:
        """Create a person who signs in at /login; the password is stored only as an argon2id hash."""
        try:
            user_id = create_user(database(), org, email, password, role)
        except ValueError as exc:
            fail(str(exc))
        typer.echo(f"created {role} {email.strip().lower()} in {org!r} (id {user_id})")
        _hand_over_waiting_reports(org)

    @group.command("disable-user")
    def disable_user_cmd(email: str = typer.Argument(..., help="the person's email")) -> None:
        """Disable a person; their sessions end at once."""
        if not set_disabled(database(), email):
            fail(f"no person with email {email!r}")
        typer.echo(f"disabled {email}")
