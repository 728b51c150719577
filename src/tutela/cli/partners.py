"""`tutela partners`: the organisations an organisation exchanges with, their keys and their policy.

Contract (tested from outside, keep stable):
`tutela partners add --org ORG --name NAME --public-key KEY [--url URL] [--share-level amber]`,
`tutela partners list --org ORG`, `tutela partners revoke --org ORG NAME`.
"""

from __future__ import annotations

import json

import typer

from tutela.cli.common import database, fail


def _org(org: str) -> int:
    from tutela.exchange.identity import org_id_of

    try:
        return org_id_of(database(), org)
    except ValueError as exc:
        fail(str(exc))


def _split(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [v for item in values for v in item.split(",") if v.strip()]


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Partners: who this organisation exchanges signals and referrals with.", no_args_is_help=True
    )
    app.add_typer(group, name="partners")

    @group.command("add")
    def add(
        org: str = typer.Option(..., help="your organisation"),
        name: str = typer.Option(..., help="what you call the partner"),
        public_key: str = typer.Option(
            ..., help="the partner's Ed25519 public key (from `tutela exchange identity`)"
        ),
        url: str = typer.Option(None, help="the partner's Tutela base URL, for pull and push"),
        share_level: str = typer.Option(
            "amber", help="highest TLP 2.0 level: clear, green, amber, amber+strict, red"
        ),
        country: str = typer.Option(None, help="the partner's own country (ISO alpha-2)"),
        category: list[str] = typer.Option(
            None, help="allowed taxonomy categories (repeat or comma-separate); default all"
        ),
        signal_type: list[str] = typer.Option(None, help="allowed signal types; default all"),
        signal_country: list[str] = typer.Option(
            None, "--signal-country", help="allowed countries of signals; default all"
        ),
        may_receive_content: bool = typer.Option(
            False, "--may-receive-content", help="allow content itself (not only fingerprints); default never"
        ),
    ) -> None:
        """Register a partner with its public key; compare the printed key id with theirs on a call."""
        from tutela.exchange import partners

        try:
            p = partners.add_partner(
                database(),
                _org(org),
                name,
                public_key,
                url=url,
                country=country,
                share_level=share_level,
                categories=_split(category),
                signal_types=_split(signal_type),
                countries=_split(signal_country),
                may_receive_content=may_receive_content,
                actor="cli",
            )
        except ValueError as exc:
            fail(str(exc))
        typer.echo(
            f"added partner {p.name!r} with key {p.keys[0].key_id} (share level {p.share_level.value}"
            f"{', may receive content' if p.may_receive_content else ''})"
        )

    @group.command("list")
    def list_cmd(
        org: str = typer.Option(..., help="your organisation"),
        as_json: bool = typer.Option(False, "--json", help="one JSON array instead of lines"),
    ) -> None:
        """Every partner: name, status, share level, keys, endpoint."""
        from tutela.exchange import partners

        found = partners.list_partners(database(), _org(org))
        if as_json:
            typer.echo(json.dumps([partners.describe(p) for p in found], indent=2))
            return
        if not found:
            typer.echo(f"{org} has no partners")
            return
        typer.echo("name\tstatus\tshare_level\tkeys\turl")
        for p in found:
            live = [k.key_id + ("(revoked)" if k.revoked_at else "") for k in p.keys]
            typer.echo(
                "\t".join(
                    [
                        p.name,
                        "revoked" if p.revoked_at else "active",
                        p.share_level.value,
                        ",".join(live),
                        p.endpoint_url or "-",
                    ]
                )
            )

    @group.command("revoke")
    def revoke(
        name: str = typer.Argument(..., help="the partner"),
        org: str = typer.Option(..., help="your organisation"),
        key: str = typer.Option(None, help="revoke only this key id of the partner"),
        reason: str = typer.Option("", help="why (kept in the audit trail)"),
    ) -> None:
        """Stop all exchange with a partner (or stop trusting one of its keys)."""
        from tutela.exchange import partners

        try:
            if key:
                partners.revoke_key(database(), _org(org), name, key, reason=reason, actor="cli")
                typer.echo(f"revoked key {key} of partner {name!r}")
            else:
                partners.revoke_partner(database(), _org(org), name, reason=reason, actor="cli")
                typer.echo(f"revoked partner {name!r}: nothing is sent to it or accepted from it")
        except ValueError as exc:
            fail(str(exc))

    @group.command("update")
    def update_cmd(
        name: str = typer.Argument(..., help="the partner"),
        org: str = typer.Option(..., help="your organisation"),
        url: str = typer.Option(None, help="new endpoint URL"),
        share_level: str = typer.Option(None, help="new TLP ceiling"),
        country: str = typer.Option(None, help="the partner's own country"),
        category: list[str] = typer.Option(None, help="allowed categories (replaces the list)"),
        signal_type: list[str] = typer.Option(None, help="allowed signal types (replaces the list)"),
        signal_country: list[str] = typer.Option(
            None, "--signal-country", help="allowed countries (replaces)"
        ),
        may_receive_content: bool = typer.Option(
            None, "--may-receive-content/--no-content", help="allow or forbid content"
        ),
    ) -> None:
        """Change a partner's endpoint or policy."""
        from tutela.exchange import partners

        try:
            p = partners.update_partner(
                database(),
                _org(org),
                name,
                url=url,
                share_level=share_level,
                country=country,
                categories=_split(category),
                signal_types=_split(signal_type),
                countries=_split(signal_country),
                may_receive_content=may_receive_content,
                actor="cli",
            )
        except ValueError as exc:
            fail(str(exc))
        typer.echo(json.dumps(partners.describe(p), indent=2))

    @group.command("add-key")
    def add_key(
        name: str = typer.Argument(..., help="the partner"),
        org: str = typer.Option(..., help="your organisation"),
        public_key: str = typer.Option(..., help="the partner's new public key (check it with them)"),
    ) -> None:
        """Trust one more key of a partner (after it rotated)."""
        from tutela.exchange import jose, partners

        try:
            partners.add_key(database(), _org(org), name, public_key, actor="cli")
        except ValueError as exc:
            fail(str(exc))
        typer.echo(f"partner {name!r} now also has key {jose.thumbprint(jose.parse_public_key(public_key))}")
