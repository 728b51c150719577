"""`tutela exchange`: this organisation's identity and keys, and signed exchange with partners.

Contract (tested from outside, keep stable): `tutela exchange identity --org ORG` prints JSON
`{"org", "key_id", "public_key"}`. Other modules may add commands to this group
(find it in `app.registered_groups` by the name `exchange`).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

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
    register_transfers(group)

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


def _print(value: object) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


def register_transfers(group: typer.Typer) -> None:
    """export / import / pull / push / feedback / collections / quarantine (the rest of the contract)."""

    @group.command("export")
    def export_cmd(
        org: str = typer.Option(..., help="your organisation"),
        bank: str = typer.Option(..., help="one of your banks"),
        out: Path = typer.Option(..., help="file to write the signed STIX 2.1 bundle to"),
        to: str = typer.Option(None, help="the partner it is for: its policy decides what goes"),
        max_level: str = typer.Option(None, help="unaddressed: the highest TLP that goes (default amber)"),
    ) -> None:
        """Write a signed STIX 2.1 bundle (a complete snapshot of the bank, deletions included)."""
        import orjson

        from tutela.exchange import bundles, partners, stix

        db = database()
        org_id = _org(org)
        try:
            partner = partners.get_partner(db, org_id, to) if to else None
            env = bundles.export_file(db, org_id, bank, to=partner, max_level=max_level)
        except ValueError as exc:
            fail(str(exc))
        out.write_bytes(orjson.dumps(env, option=orjson.OPT_INDENT_2))
        indicators = stix.indicators_of(env["body"]["bundle"])
        deleted = sum(1 for o in indicators if o.get("revoked"))
        typer.echo(
            f"wrote {len(indicators) - deleted} signals and {deleted} deletions "
            f"(TLP:{env['share_level'].upper()}, signed with key {env['from']['key_id']}) to {out}"
        )

    @group.command("import")
    def import_cmd(
        file: Path = typer.Argument(..., help="a signed bundle from a partner"),
        org: str = typer.Option(..., help="your organisation"),
        from_: str = typer.Option(..., "--from", help="the partner who sent it"),
    ) -> None:
        """Verify a partner's signed bundle and take it into a bank your organisation reviews."""
        from tutela.exchange import bundles

        db = database()
        org_id = _org(org)
        try:
            env = bundles.load_file(file.read_text(encoding="utf-8"))
            result = bundles.accept(db, org_id, env, partner=from_)
        except OSError as exc:
            fail(f"cannot read {file}: {exc}")
        except UnicodeDecodeError:
            fail(f"{file} is not UTF-8 text")
        except ValueError as exc:
            fail(f"refused: {exc}")
        _print(result.as_dict())

    @group.command("pull")
    def pull_cmd(
        name: str = typer.Argument(..., help="the partner"),
        org: str = typer.Option(..., help="your organisation"),
    ) -> None:
        """Pull every collection the partner offers, from the last checkpoint (its endpoint URL)."""
        from tutela.exchange import transport

        try:
            _print(transport.pull(database(), _org(org), name))
        except ValueError as exc:
            fail(f"refused: {exc}")

    @group.command("push")
    def push_cmd(
        name: str = typer.Argument(..., help="the partner"),
        org: str = typer.Option(..., help="your organisation"),
    ) -> None:
        """Push each of your collections to the partner's inbox, from where it last accepted."""
        from tutela.exchange import transport

        try:
            _print(transport.push(database(), _org(org), name))
        except ValueError as exc:
            fail(f"refused: {exc}")

    @group.command("collections")
    def collections_cmd(
        org: str = typer.Option(..., help="your organisation"),
        bank: str = typer.Option(None, help="offer this bank (make its collection)"),
        share_level: str = typer.Option(None, help="TLP its signals get"),
        confidence: int = typer.Option(None, help="STIX confidence its signals get"),
    ) -> None:
        """List what you offer partners (or offer one more bank)."""
        from tutela.exchange import feed

        db = database()
        org_id = _org(org)
        try:
            if bank:
                col = feed.ensure_collection(
                    db, org_id, bank, share_level=share_level, confidence=confidence, actor="cli"
                )
                feed.sync(db, col.id)
        except ValueError as exc:
            fail(str(exc))
        _print([{**c.describe(), **feed.counts(db, c.id)} for c in feed.list_collections(db, org_id)])

    @group.command("feedback")
    def feedback_cmd(
        stix_id: str = typer.Argument(None, help="a signal you received"),
        org: str = typer.Option(..., help="your organisation"),
        opinion: str = typer.Option(None, help="confirmed | disputed | seen"),
        reason: str = typer.Option(None, help="why it is a false positive (for disputed)"),
        send: str = typer.Option(None, help="deliver undelivered opinions to this partner"),
    ) -> None:
        """Record an opinion of a received signal, send opinions, or (no arguments) show partner precision."""
        from tutela.exchange import feedback

        db = database()
        org_id = _org(org)
        try:
            if stix_id and opinion:
                _print(feedback.record(db, org_id, stix_id, opinion, reason=reason, actor="cli"))
            elif stix_id:
                _print(feedback.for_signal(db, org_id, stix_id))
            if send:
                _print(feedback.send(db, org_id, send))
            if not stix_id and not send:
                _print(
                    {
                        "of_our_signals": feedback.precision(db, org_id, direction="received"),
                        "of_theirs": feedback.precision(db, org_id, direction="sent"),
                    }
                )
        except ValueError as exc:
            fail(str(exc))
