"""`tutela policy ...`: check and test policy files, compare a candidate with the live policy.

Thin: the engine is `tutela.policy`; this file parses arguments and renders.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

policy_app = typer.Typer(help="Policies: validate, test against cases, compare, show the default.",
                         no_args_is_help=True)


def _load(path: Path):  # noqa: ANN202
    from tutela.cli.common import fail
    from tutela.policy.model import PolicyError, load_policy

    if not path.is_file():
        fail(f"no such file: {path}")
    try:
        return load_policy(path)
    except PolicyError as exc:
        for issue in exc.issues:
            typer.echo(issue.format(str(path)), err=True)
        raise typer.Exit(1) from None


@policy_app.command("check")
def check(file: Path = typer.Argument(..., help="policy YAML file")) -> None:
    """Validate a policy file; errors point at the line of the bad rule (exit 1 when invalid)."""
    pol = _load(file)
    typer.echo(f"{file}: OK: policy '{pol.name}', {len(pol.rules)} rules")
    for r in pol.rules:
        typer.echo(f"  {r.priority:>5}  {r.id}  -> {', '.join(a.value for a in r.actions)}"
                   + (f"  (nudge: {r.nudge})" if r.nudge else ""))


@policy_app.command("test")
def test(
    file: Path = typer.Argument(..., help="policy YAML file"),
    cases: Path = typer.Option(..., "--cases", help="JSONL: one case per line with 'expect'"),
    as_json: bool = typer.Option(False, "--json", help="print results as JSON lines"),
) -> None:
    """Run test cases through a policy (real detectors, nothing logged); exit 1 if any case fails."""
    from tutela.cli.common import fail
    from tutela.policy.testing import CaseFileError, run_cases

    pol = _load(file)
    if not cases.is_file():
        fail(f"no such file: {cases}")
    try:
        results = run_cases(pol, cases)
    except CaseFileError as exc:
        fail(str(exc))
    failed = [r for r in results if not r.passed]
    for r in results:
        if as_json:
            typer.echo(json.dumps({"id": r.id, "line": r.line, "passed": r.passed, "decision": r.decision,
                                   "actions": r.actions, "rules": r.rules, "nudges": r.nudges,
                                   "failures": r.failures}, ensure_ascii=False))
        else:
            mark = "PASS" if r.passed else "FAIL"
            typer.echo(f"{mark}  {r.id}: {r.decision} [{', '.join(r.rules) or 'no rule'}]")
            for f in r.failures:
                typer.echo(f"      {cases}:{r.line}: {f}")
    if not as_json:
        typer.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)


@policy_app.command("diff")
def diff(
    candidate: Path = typer.Argument(..., help="candidate policy YAML"),
    cases: Path = typer.Option(..., "--cases", help="JSONL cases (expectations are ignored)"),
    live: Path = typer.Option(None, "--live", help="live policy YAML (default: the built-in policy)"),
) -> None:
    """Shadow-compare a candidate policy with the live one over cases: where do their decisions differ?"""
    from tutela.policy.model import default_policy
    from tutela.policy.shadow import compare
    from tutela.policy.testing import read_cases

    cand = _load(candidate)
    base = _load(live) if live else default_policy()
    items = [({k: c[k] for k in ("text", "hashes") if k in c}, c.get("context")) for _, c in read_cases(cases)]
    result = compare(base, cand, items)
    typer.echo(json.dumps(result, indent=2, ensure_ascii=False))


@policy_app.command("default")
def show_default() -> None:
    """Print the built-in default policy (a starting point for your own)."""
    from tutela.policy.model import DEFAULT_POLICY_PATH

    typer.echo(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"), nl=False)


def _org_id(name: str) -> tuple[object, int]:
    from tutela.access import get_org
    from tutela.cli.common import database, fail

    db = database()
    org = get_org(db, name)
    if org is None:
        fail(f"no organisation {name!r}; create it with `tutela admin create-org`")
    return db, int(org["id"])


@policy_app.command("upload")
def upload(
    file: Path = typer.Argument(..., help="policy YAML file"),
    org: str = typer.Option(..., "--org", help="organisation name"),
    activate: bool = typer.Option(False, "--activate", help="make it live at once"),
    shadow: bool = typer.Option(False, "--shadow", help="run it in shadow beside the live policy"),
    comment: str = typer.Option(None, "--comment"),
) -> None:
    """Store a validated policy as the organisation's next version."""
    from tutela.cli.common import fail
    from tutela.policy import store

    if activate and shadow:
        fail("use either --activate or --shadow")
    pol = _load(file)
    db, org_id = _org_id(org)
    info = store.save_version(db, org_id, pol.source, created_by="cli", comment=comment, activate=activate,
                              shadow=shadow, filename=file.name)
    state = "live" if info.active else "shadow" if info.shadow else "stored"
    typer.echo(f"{org}: policy '{info.name}' version {info.version} ({state})")


@policy_app.command("versions")
def versions(org: str = typer.Option(..., "--org", help="organisation name")) -> None:
    """List an organisation's policy versions (which is live, which in shadow)."""
    from tutela.policy import store

    db, org_id = _org_id(org)
    rows = store.list_versions(db, org_id)
    if not any(r.active for r in rows):
        typer.echo("live: built-in default policy")
    for r in rows:
        mark = "live" if r.active else "shadow" if r.shadow else ""
        typer.echo(f"v{r.version:<4} {r.name:<30} {r.rules:>3} rules  {r.created_at:%Y-%m-%d %H:%M}  {mark}")


@policy_app.command("activate")
def activate_cmd(version: int = typer.Argument(...), org: str = typer.Option(..., "--org")) -> None:
    """Make a stored version live."""
    from tutela.cli.common import fail
    from tutela.policy import store

    db, org_id = _org_id(org)
    try:
        store.activate_version(db, org_id, version, by="cli")
    except store.PolicyNotFound as exc:
        fail(str(exc))
    typer.echo(f"{org}: version {version} is live")


@policy_app.command("shadow-report")
def shadow_report(org: str = typer.Option(..., "--org"), version: int = typer.Option(None, "--version")) -> None:
    """Where the live and shadow policies disagreed on logged decisions (JSON)."""
    from tutela.policy.shadow import report

    db, org_id = _org_id(org)
    typer.echo(json.dumps(report(db, org_id, shadow_version=version), indent=2, default=str))


@policy_app.command("statements")
def statements(org: str = typer.Option(..., "--org"),
               since: str = typer.Option(None, "--since", help="ISO date, e.g. 2026-11-01")) -> None:
    """Export DSA statements of reasons (JSON lines) for the organisation's restricting decisions."""
    from datetime import datetime

    from tutela.cli.common import fail
    from tutela.policy.statement import export_statements

    db, org_id = _org_id(org)
    try:
        start = datetime.fromisoformat(since) if since else None
    except ValueError:
        fail(f"--since must be an ISO date, got {since!r}")
    for sor in export_statements(db, org_id, since=start):
        typer.echo(json.dumps(sor, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
