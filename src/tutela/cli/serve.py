"""`tutela serve`: the web app and API."""

from __future__ import annotations

import os

import typer


def _say_what_to_do_next(s: object) -> None:
    """Where no hotline has people (a fresh data dir), print the commands that make /report reach someone."""
    from tutela.cases.receiving import intake_state
    from tutela.cli.common import database

    state = intake_state(database(s))  # type: ignore[arg-type]
    if state.hotline is not None:
        return
    if state.empty_hotlines:
        org = state.empty_hotlines[0]
        steps = f"  tutela admin create-user --org {org!r} --email you@example.org --role supervisor\n"
        why = f"{org!r} is a hotline with nobody in it, so public reports are not routed to it."
    else:
        steps = ('  tutela admin create-org "Your Hotline" --kind hotline --country TR\n'
                 '  tutela admin create-user --org "Your Hotline" --email you@example.org --role supervisor\n'
                 '  tutela admin create-key --org "Your Hotline" --scope cases --scope reports   # for the API\n')
        why = "No hotline receives the reports sent at /report yet."
    typer.echo(f"\n{why} Next, in another terminal in this directory:\n{steps}"
               f"then sign in at /login. Reports sent before that are kept ({state.waiting} waiting) and "
               "move to the hotline's queue when it has a person.\n", err=True)


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option(None, help="bind address (default from settings: 127.0.0.1)"),
        port: int = typer.Option(None, help="port (default from settings: 8000)"),
        workers: int = typer.Option(None, help="worker processes"),
        access_log: bool = typer.Option(False, help="log every request (costs CPU on busy servers)"),
    ) -> None:
        """Start the web UI and HTTP API (OpenAPI at /openapi.json, docs at /docs)."""
        import uvicorn

        from tutela.api.listeners import balanced, run_balanced
        from tutela.cli.common import database, settings

        s = settings()
        s.ensure_data_dir()
        # Before any worker starts: the embedded SQLite database is upgraded here, once;
        # a PostgreSQL schema that is behind stops the start with "run `tutela db upgrade`".
        database(s).dispose()
        host = host or s.host
        port = port or s.port
        # the worker processes read their settings again (file and environment): where `--workers` differs,
        # they learn it here (the semantic stage runs on a thread of its own only where a process has cores
        # to spare, policy/batching.py)
        if workers and workers != s.workers:
            os.environ["TUTELA_WORKERS"] = str(workers)
        workers = workers or s.workers
        typer.echo(f"Tutela on http://{host}:{port}  (data: {s.data_dir}; docs: /docs)")
        _say_what_to_do_next(s)
        options = dict(host=host, port=port, workers=workers, log_level="info", access_log=access_log,
                       http="httptools", loop="uvloop")
        if workers > 1 and balanced():
            # a listening socket per worker, so that a burst of connections does not all land on one
            # (api/listeners.py)
            run_balanced(uvicorn.Config("tutela.api.asgi:app", **options))  # type: ignore[arg-type]
        else:
            uvicorn.run("tutela.api.asgi:app", **options)  # type: ignore[arg-type]
