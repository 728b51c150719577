"""`tutela rescan`: search stored hashes again against (new) banks, resumably.

    tutela rescan start --source bank:uploads --bank partner-list     # creates the job and runs it
    tutela rescan status [JOB]
    tutela rescan stop JOB        # workers stop after their current chunk
    tutela rescan resume JOB      # carries on from the checkpoints
    tutela rescan hits JOB

Ctrl-C stops cleanly at the next checkpoint. Several `tutela rescan resume
JOB` (or stream workers calling `run_rescan_range`) can run one job at once:
each claims its own id range.
"""

from __future__ import annotations

import json
import signal
import threading

import typer

from tutela.cli.common import database, fail

rescan_app = typer.Typer(help="Rescan stored hashes against banks (id-range jobs with checkpoints).",
                         no_args_is_help=True)


def _run(job: int, chunk: int) -> None:
    from tutela.hashing.rescan import run_rescan

    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        status = run_rescan(database(), job, stop=stop, chunk=chunk,
                            on_progress=lambda r: typer.echo(json.dumps({"range": r.status, "scanned": r.scanned,
                                                                          "hits": r.hits}), err=True))
    finally:
        signal.signal(signal.SIGINT, previous)
    typer.echo(json.dumps(status))


def register(app: typer.Typer) -> None:
    app.add_typer(rescan_app, name="rescan")

    @rescan_app.command("start")
    def start(
        source: str = typer.Option(..., help="stored hashes: bank:<name or id>, or evidence"),
        bank: list[str] = typer.Option(..., "--bank", help="bank to search (repeat for several)"),
        radius: int = typer.Option(None, help="max distance (default: the banks' widest)"),
        range_size: int = typer.Option(1_000_000, help="ids per range (the unit a worker claims)"),
        chunk: int = typer.Option(50_000, help="hashes per checkpoint"),
        run: bool = typer.Option(True, help="run it now in this process (--no-run: leave it to workers)"),
    ) -> None:
        """Create a rescan job (and run it)."""
        from tutela.hashing.rescan import RescanError, create_rescan

        try:
            job = create_rescan(database(), source, list(bank), radius=radius, range_size=range_size)
        except RescanError as exc:
            fail(str(exc))
        typer.echo(json.dumps({"job": job}), err=True)
        if run:
            _run(job, chunk)

    @rescan_app.command("status")
    def status(job: int = typer.Argument(None, help="job id (default: every job)")) -> None:
        """Progress, hits and throughput of one job or all."""
        from tutela.hashing.rescan import RescanError, list_rescans, rescan_status

        try:
            out = [rescan_status(database(), job)] if job is not None else list_rescans(database())
        except RescanError as exc:
            fail(str(exc))
        for row in out:
            typer.echo(json.dumps(row))

    @rescan_app.command("stop")
    def stop(job: int) -> None:
        """Stop a job: its workers finish their current chunk and keep the checkpoint."""
        from tutela.hashing.rescan import RescanError, stop_rescan

        try:
            stop_rescan(database(), job)
        except RescanError as exc:
            fail(str(exc))

    @rescan_app.command("resume")
    def resume(
        job: int,
        take_over: bool = typer.Option(False, help="also take ranges held by a worker you know is dead"),
        chunk: int = typer.Option(50_000, help="hashes per checkpoint"),
        run: bool = typer.Option(True, help="run it in this process (--no-run: only mark it runnable)"),
    ) -> None:
        """Carry on a stopped job from its checkpoints."""
        from tutela.hashing.rescan import RescanError, resume_rescan

        try:
            resume_rescan(database(), job, take_over=take_over)
        except RescanError as exc:
            fail(str(exc))
        if run:
            _run(job, chunk)

    @rescan_app.command("hits")
    def hits(job: int, limit: int = typer.Option(1000), offset: int = typer.Option(0)) -> None:
        """What a job found: stored row id, bank entry id, distance (JSON Lines)."""
        from tutela.hashing.rescan import rescan_hits_of

        for h in rescan_hits_of(database(), job, limit=limit, offset=offset):
            typer.echo(json.dumps(h))
