"""`tutela exchange`: this organisation's identity and keys, and signed exchange with partners.

Contract (tested from outside, keep stable): `tutela exchange identity --org ORG` prints JSON
`{"org", "key_id", "public_key"}`. Other modules may add commands to this group
(find it in `app.registered_groups` by the name `exchange`).
"""

from __future__ import annotations

import json
from datetime import timedelta

import typer

from tutela.cli.common import database, fail


def _org(org: str) -> int:
    from tutela.exchange.identity import org_id_of

    try:
        return org_id_of(database(), org)
    except ValueError as exc:
        fail(str(exc))


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Signed exchange of signals with partner organisations.", no_args_is_help=True)
    keys_app = typer.Typer(help="This organisation's Ed25519 signing keys.", no_args_is_help=True)
    app.add_typer(group, name="exchange")
    group.add_typer(keys_app, name="keys")

    @group.command("identity")
    def identity_cmd(
        org: str = typer.Option(..., help="your organisation"),
        full: bool = typer.Option(
            False, "--full", help="the whole signed identity document (every key, endorsements)"
        ),
    ) -> None:
        """Print the organisation's key id and public key as JSON, for its partners (made on first use)."""
        from tutela.exchange import identity

        db = database()
        org_id = _org(org)
        if full:
            typer.echo(json.dumps(identity.identity_document(db, org_id), indent=2))
            return
        key = identity.current_key(db, org_id, actor="cli")
        typer.echo(
            json.dumps(
                {"org": identity.org_name(db, org_id), "key_id": key.key_id, "public_key": key.public_key}
            )
        )

    @keys_app.command("list")
    def keys_list(org: str = typer.Option(..., help="your organisation")) -> None:
        """Every signing key with its status (current, retiring, retired, revoked)."""
        from tutela.exchange import identity

        typer.echo("key_id\tstatus\tcreated\tverifies_until\trevoked")
        for k in identity.keys(database(), _org(org)):
            typer.echo(
                "\t".join(
                    [
                        k.key_id,
                        k.status,
                        k.created_at.isoformat(timespec="seconds"),
                        k.not_after.isoformat(timespec="seconds") if k.not_after else "-",
                        k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "-",
                    ]
                )
            )

    @keys_app.command("rotate")
    def keys_rotate(
        org: str = typer.Option(..., help="your organisation"),
        overlap_days: float = typer.Option(30.0, help="days the previous key keeps verifying"),
    ) -> None:
        """Make a new signing key; the previous one verifies for the overlap and endorses the new one."""
        from tutela.exchange import identity

        try:
            key = identity.rotate(database(), _org(org), overlap=timedelta(days=overlap_days), actor="cli")
        except ValueError as exc:
            fail(str(exc))
        typer.echo(json.dumps({"key_id": key.key_id, "public_key": key.public_key}))

    @keys_app.command("retire")
    def keys_retire(
        key_id: str = typer.Argument(...), org: str = typer.Option(..., help="your organisation")
    ) -> None:
        """End a rotated-out key's overlap now."""
        from tutela.exchange import identity

        try:
            identity.retire(database(), _org(org), key_id, actor="cli")
        except ValueError as exc:
            fail(str(exc))
        typer.echo(f"retired key {key_id}")

    @keys_app.command("revoke")
    def keys_revoke(
        key_id: str = typer.Argument(...),
        org: str = typer.Option(..., help="your organisation"),
        reason: str = typer.Option("", help="why (kept in the audit trail, shown to partners)"),
    ) -> None:
        """Mark a key compromised: nothing signed with it verifies again. Tell your partners."""
        from tutela.exchange import identity

        try:
            identity.revoke(database(), _org(org), key_id, reason=reason, actor="cli")
        except ValueError as exc:
            fail(str(exc))
        typer.echo(f"revoked key {key_id}")
