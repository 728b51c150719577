"""`tutela audit`, `tutela retention`, `tutela vault`, `tutela cases`: operating the case system."""

from __future__ import annotations

from pathlib import Path

import typer

from tutela.cli.common import database, fail, settings


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(
        help="The append-only, keyed hash chain of every access and change, and its signed checkpoints.",
        no_args_is_help=True,
    )
    retention_app = typer.Typer(help="Delete what must not be kept, and record it.", no_args_is_help=True)
    vault_app = typer.Typer(help="The evidence vault's encryption keys.", no_args_is_help=True)
    cases_app = typer.Typer(help="Reports and cases.", no_args_is_help=True)
    app.add_typer(audit_app, name="audit")
    app.add_typer(retention_app, name="retention")
    app.add_typer(vault_app, name="vault")
    app.add_typer(cases_app, name="cases")

    @audit_app.command("verify")
    def audit_verify(
        checkpoints: Path = typer.Option(
            None, help="signed checkpoints to check against; default <data_dir>/audit-checkpoints.jsonl"
        ),
    ) -> None:
        """Walk the whole chain, its head and its signed checkpoints; exit 1 and say what failed."""
        from tutela.cases.audit import verify
        from tutela.cases.audit_keys import AuditKeyError

        try:
            result = verify(database(), checkpoints_file=checkpoints)
        except AuditKeyError as exc:
            fail(str(exc))
        typer.echo(str(result))
        if not result.ok:
            raise typer.Exit(1)

    @audit_app.command("checkpoint")
    def audit_checkpoint() -> None:
        """Sign the chain's head into the checkpoint file now (schedule it, e.g. hourly)."""
        from tutela.cases.audit import checkpoint
        from tutela.cases.checkpoints import path

        s = settings()
        fields = checkpoint(database(s))
        typer.echo(f"checkpoint of entry {fields['seq']} written to {path(s)}")

    @audit_app.command("public-key")
    def audit_public_key() -> None:
        """Print the Ed25519 public key (base64) that checks this instance's checkpoints, for witnesses."""
        from tutela.cases.audit_keys import audit_keys

        typer.echo(audit_keys(settings()).public_key_b64)

    @audit_app.command("new-key")
    def audit_new_key() -> None:
        """Print a fresh base64 key for TUTELA_AUDIT_KEY (set it before the first entry; store it safely)."""
        from tutela.storage.keyfiles import new_key_b64

        typer.echo(new_key_b64())

    @retention_app.command("run")
    def retention_run(dry_run: bool = typer.Option(False, "--dry-run", help="count, delete nothing")) -> None:
        """Apply the retention rules now (schedule this daily, e.g. with cron or a systemd timer)."""
        from tutela.cases.retention import run

        s = settings()
        try:
            summary = run(database(s), s, actor="cli:retention", dry_run=dry_run)
        except ValueError as exc:
            fail(str(exc))
        verb = "would delete" if dry_run else "deleted"
        typer.echo(
            f"retention run {summary['run_id']}: {verb} {summary['evidence_deleted']} evidence file(s), "
            f"{summary['contacts_deleted']} contact record(s), {summary['texts_deleted']} text(s); "
            f"{summary['kept_by_hold']} kept by legal hold"
        )

    @retention_app.command("history")
    def retention_history(limit: int = typer.Option(20, help="how many runs, newest first")) -> None:
        """The record of past retention runs: when, by whom, what was deleted."""
        from tutela.cases.retention import history

        for run_row in history(database(), limit=limit):
            s = run_row["summary"]
            kind = "dry run" if run_row["dry_run"] else "run"
            typer.echo(
                f"{run_row['id']}\t{run_row['at']}\t{run_row['actor']}\t{kind}\t"
                f"evidence {s.get('evidence_deleted', 0)}, contacts {s.get('contacts_deleted', 0)}, "
                f"texts {s.get('texts_deleted', 0)}, kept by hold {s.get('kept_by_hold', 0)}"
            )

    @vault_app.command("new-key")
    def vault_new_key() -> None:
        """Print a fresh base64 key for TUTELA_VAULT_KEY (store it in your secret manager)."""
        from tutela.cases.vault import new_key_b64

        typer.echo(new_key_b64())

    @vault_app.command("rotate-key")
    def vault_rotate(
        old_key_file: list[Path] = typer.Option(..., help="file holding a previous base64 key; repeatable"),
    ) -> None:
        """Re-encrypt every object sealed with an old key under the current TUTELA_VAULT_KEY."""
        from tutela.cases.vault import VaultError, VaultKey, rotate

        s = settings()
        try:
            keys = [VaultKey.from_b64(p.read_text()) for p in old_key_file]
            result = rotate(database(s), s, keys)
        except (OSError, VaultError) as exc:
            fail(str(exc))
        typer.echo(f"re-encrypted {result['reencrypted']} object(s) under key {result['key_id']}")
        if result["without_key"]:
            typer.echo(f"{result['without_key']} object(s) are under a key you did not give", err=True)
            raise typer.Exit(1)

    @cases_app.command("export")
    def cases_export(
        case_id: int,
        org: str = typer.Option(..., help="the organisation that owns the case"),
        fmt: str = typer.Option("cybertipline", "--format", help="cybertipline | dsa"),
        json_out: bool = typer.Option(False, "--json", help="CyberTipline as JSON instead of XML"),
        reporter_email: str = typer.Option(None, help="your organisation's reporting contact (CyberTipline)"),
        out: Path = typer.Option(None, help="write here instead of stdout"),
    ) -> None:
        """Export one case as a CyberTipline-shaped report or a DSA statement of reasons."""
        from tutela.access import AccessError, Principal, get_org
        from tutela.cases.exports import export_case

        s = settings()
        db = database(s)
        row = get_org(db, org)
        if row is None:
            fail(f"no organisation {org!r}")
        if row["kind"] == "regulator":
            fail("a regulator sees aggregates and the register, never a case: use `tutela report transparency`")
        principal = Principal(row["id"], row["name"], frozenset({"admin"}), key_id="cli")
        try:
            result = export_case(
                db,
                s,
                principal,
                case_id,
                fmt,
                format="json" if json_out else "xml",
                reporter_email=reporter_email,
            )
        except (AccessError, ValueError) as exc:
            fail(str(exc))
        if out:
            out.write_bytes(result.content)
            typer.echo(f"wrote {out}")
        else:
            typer.echo(result.content.decode())
