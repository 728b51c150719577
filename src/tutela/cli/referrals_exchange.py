"""`tutela exchange refer`, `tutela exchange referrals ...`, `tutela exchange witness ...`.

Added to the `exchange` group that `cli/exchange.py` makes (found by name in
`app.registered_groups`; made here when that module is absent). Each command
acts for one organisation (`--org`) as an operator on this machine, and is
audited as `key:cli`. A partner that cannot be reached over HTTP gets its
messages as files: `--out` writes them, `receive FILE` takes them in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from tutela.cli.common import database, fail, settings


def _group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help=help_text, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


def _principal(db: Any, org: str) -> Any:
    from tutela.access import Principal, get_org

    row = get_org(db, org)
    if row is None:
        fail(f"no organisation {org!r}")
    return Principal(row["id"], row["name"], frozenset({"exchange", "cases"}), key_id="cli")


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    from tutela.access import AccessError

    try:
        return fn(*args, **kwargs)
    except (AccessError, ValueError) as exc:  # ExchangeError, Refused and bad input are ValueErrors
        fail(str(exc))


def _print_referral(r: Any) -> None:
    typer.echo(json.dumps(r.model_dump(mode="json"), indent=2, ensure_ascii=False))


def _outbox_files(db: Any, org_id: int, out: Path, *, exchange_referral_id: int | None = None) -> int:
    """Write every undelivered message (of one referral, or all) to `out`, one JSON per line."""
    from sqlalchemy import select

    from tutela.storage.tables.crossborder import exchange_referral_messages as m

    q = select(m.c.body).where(m.c.org_id == org_id, m.c.direction == "out", m.c.delivered_at.is_(None))
    if exchange_referral_id is not None:
        q = q.where(m.c.exchange_referral_id == exchange_referral_id)
    with db.connect() as conn:
        bodies = list(conn.execute(q.order_by(m.c.id)).scalars())
    out.write_text("".join(b + "\n" for b in bodies), encoding="utf-8")
    return len(bodies)


def _hosting(values: list[str]) -> list[dict]:
    out = []
    for v in values or []:
        host, _, provider = v.partition("=")
        if not host.strip():
            fail(f"--host {v!r}: expected HOST or HOST=PROVIDER")
        out.append({"host": host.strip(), **({"provider": provider.strip()} if provider.strip() else {})})
    return out


def register(app: typer.Typer) -> None:
    group = _group(app, "exchange", "Signed exchange with partner organisations.")
    refs = typer.Typer(help="Referrals to and from partners abroad, and their steps.", no_args_is_help=True)
    wit = typer.Typer(help="Audit witness: hand partners signed checkpoints; hold theirs.", no_args_is_help=True)
    group.add_typer(refs, name="referrals")
    group.add_typer(wit, name="witness")

    @group.command("refer")
    def refer(
        case_id: int = typer.Argument(..., help="the case to refer"),
        partner: str = typer.Argument(..., help="the partner's name (tutela partners list)"),
        org: str = typer.Option(..., help="your organisation (owner of the case)"),
        share_level: str = typer.Option("amber+strict", help="TLP 2.0: clear, green, amber, amber+strict, red"),
        host: list[str] = typer.Option([], "--host", help="HOST=PROVIDER where the content is hosted (repeat)"),
        include_content: bool = typer.Option(False, "--include-content",
                                             help="send the reports' descriptions (never files or contacts)"),
        legal_basis: str = typer.Option(None, help="the law or agreement that allows sending content"),
        note: str = typer.Option(None, help="a note to the partner"),
        out: Path = typer.Option(None, help="also write the signed referral here (for a partner without URL)"),
    ) -> None:
        """Send a case to a partner as a signed referral: hashes, URLs, hosting; content only if allowed."""
        from tutela.exchange import referrals as xref

        s = settings()
        db = database(s)
        p = _principal(db, org)
        r = _run(xref.refer_case, db, s, p, case_id, partner, share_level=share_level, hosting=_hosting(host),
                 include_content=include_content, legal_basis=legal_basis, note=note)
        if out:
            n = _outbox_files(db, p.org_id, out, exchange_referral_id=r.id)
            typer.echo(f"wrote {n} undelivered message(s) to {out}", err=True)
        _print_referral(r)

    @refs.command("list")
    def list_cmd(
        org: str = typer.Option(..., help="your organisation"),
        direction: str = typer.Option("all", help="all | in | out"),
        partner: str = typer.Option(None, help="only this partner"),
        as_json: bool = typer.Option(False, "--json", help="one JSON object per line"),
    ) -> None:
        """Referrals sent and received, with each step's time."""
        from tutela.exchange import referrals as xref

        db = database()
        rows = _run(xref.list_referrals, db, _principal(db, org), direction=direction, partner=partner)
        if as_json:
            for r in rows:
                typer.echo(json.dumps(r.model_dump(mode="json"), ensure_ascii=False))
            return
        cols = ("sent_at", "received_at", "acknowledged_at", "actioned_at", "removed_at", "closed_at")
        typer.echo("id\tdir\tpartner\tcase\tstatus\t" + "\t".join(c.removesuffix("_at") for c in cols))
        for r in rows:
            stamps = [(getattr(r, c).isoformat(timespec="seconds") if getattr(r, c) else "-") for c in cols]
            typer.echo("\t".join([str(r.id), r.direction, r.partner, str(r.case_id or "-"), r.status, *stamps]))

    @refs.command("step")
    def step_cmd(
        referral_id: int = typer.Argument(..., help="the id of a referral you received (list --direction in)"),
        step: str = typer.Argument(..., help="acknowledged | actioned | removed | closed"),
        org: str = typer.Option(..., help="your organisation"),
        outcome: str = typer.Option(None, help="with closed: removed, actioned, declined, not_found, ..."),
        external_ref: str = typer.Option(None, help="your own reference for it"),
        out: Path = typer.Option(None, help="also write the signed step here (for a partner without URL)"),
    ) -> None:
        """Record a step of a referral you received; the partner who sent it is told (signed)."""
        from tutela.exchange import referrals as xref

        s = settings()
        db = database(s)
        p = _principal(db, org)
        r = _run(xref.record_step, db, s, p, referral_id, step, outcome=outcome, external_ref=external_ref)
        if out:
            n = _outbox_files(db, p.org_id, out, exchange_referral_id=r.id)
            typer.echo(f"wrote {n} undelivered message(s) to {out}", err=True)
        _print_referral(r)

    @refs.command("receive")
    def receive_cmd(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, help="signed messages, one per line"),
        receipts: Path = typer.Option(None, help="write the receipts to hand back to the sender here"),
    ) -> None:
        """Take in signed referrals or steps handed over as a file; refused ones exit 1 with the reason."""
        from tutela.exchange import referrals as xref
        from tutela.exchange.errors import ExchangeError

        s = settings()
        db = database(s)
        lines = [ln for ln in file.read_text(encoding="utf-8").splitlines() if ln.strip()]
        if not lines:
            fail(f"{file} holds no message")
        refused = 0
        back = []
        for n, line in enumerate(lines, start=1):
            try:
                answer = xref.receive(db, s, line)
            except ExchangeError as exc:
                refused += 1
                typer.echo(f"message {n}: refused: {exc}", err=True)
                continue
            typer.echo(json.dumps({k: v for k, v in answer.items() if k != "receipt"}))
            if answer.get("receipt"):
                back.append(json.dumps(answer["receipt"], separators=(",", ":")))
        if receipts and back:
            receipts.write_text("".join(b + "\n" for b in back), encoding="utf-8")
            typer.echo(f"wrote {len(back)} receipt(s) to {receipts}", err=True)
        if refused:
            raise typer.Exit(1)

    @refs.command("deliver")
    def deliver_cmd(org: str = typer.Option(..., help="your organisation")) -> None:
        """Send again every message a partner has not accepted yet (schedule it, e.g. every minute)."""
        from tutela.exchange import referrals as xref

        s = settings()
        db = database(s)
        typer.echo(json.dumps(xref.deliver_pending(db, s, _principal(db, org).org_id)))

    @refs.command("timings")
    def timings_cmd(org: str = typer.Option(..., help="your organisation")) -> None:
        """Per partner: referrals, and median hours to acknowledgement and to removal."""
        from tutela.exchange import referrals as xref

        db = database()
        typer.echo("partner\tdir\treferrals\tacknowledged\tremoved\tclosed\tmedian_h_ack\tmedian_h_removed")
        for t in _run(xref.timings, db, _principal(db, org)):
            typer.echo("\t".join(str(x if x is not None else "-") for x in (
                t.partner, t.direction, t.referrals, t.acknowledged, t.removed, t.closed,
                t.median_hours_to_acknowledge, t.median_hours_to_remove)))

    @wit.command("send")
    def witness_send(
        partner: str = typer.Argument(..., help="the partner to hand the checkpoint to"),
        org: str = typer.Option(..., help="your organisation"),
        out: Path = typer.Option(None, help="write the signed checkpoint here instead of sending it"),
    ) -> None:
        """Sign a checkpoint of this instance's audit trail now and hand it to a partner."""
        from tutela.exchange import witness

        db = database()
        result = _run(witness.send, db, _principal(db, org), partner, deliver=out is None)
        if out:
            out.write_text(json.dumps(result["message"], separators=(",", ":")) + "\n", encoding="utf-8")
            typer.echo(f"checkpoint of entry {result['seq']} written to {out}")
            return
        typer.echo(json.dumps({k: v for k, v in result.items() if k != "message"}))
        if not result["delivered"]:
            raise typer.Exit(1)

    @wit.command("receive")
    def witness_receive(file: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
        """Take in a partner's signed checkpoint handed over as a file; exit 1 if refused or the trail was cut."""
        from tutela.exchange import witness
        from tutela.exchange.errors import ExchangeError

        db = database()
        bad = 0
        for line in [ln for ln in file.read_text(encoding="utf-8").splitlines() if ln.strip()]:
            try:
                answer = witness.receive(db, line)
            except ExchangeError as exc:
                bad += 1
                typer.echo(f"refused: {exc}", err=True)
                continue
            typer.echo(json.dumps(answer))
            bad += answer["verdict"] not in witness.GOOD
        if bad:
            raise typer.Exit(1)

    @wit.command("list")
    def witness_list(org: str = typer.Option(..., help="your organisation")) -> None:
        """Per partner: checkpoints held, how far its trail went, and any cut or rewrite."""
        from tutela.exchange import witness

        db = database()
        typer.echo("partner\tcheckpoints\thighest_seq\tlast_received\tproblems\tlast_problem")
        for w in _run(witness.state, db, _principal(db, org)):
            typer.echo("\t".join([w.partner, str(w.checkpoints), str(w.highest_seq),
                                  w.last_received_at.isoformat(timespec="seconds"), str(w.problems),
                                  w.last_problem or "-"]))
