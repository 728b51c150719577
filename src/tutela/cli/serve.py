"""`tutela serve`: the web app and API."""

from __future__ import annotations

import typer


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

        from tutela.cli.common import database, settings

        s = settings()
        s.ensure_data_dir()
        # Before any worker starts: the embedded SQLite database is upgraded here, once;
        # a PostgreSQL schema that is behind stops the start with "run `tutela db upgrade`".
        database(s).dispose()
        host = host or s.host
        port = port or s.port
        workers = workers or s.workers
        typer.echo(f"Tutela on http://{host}:{port}  (data: {s.data_dir}; docs: /docs)")
        uvicorn.run(
            "tutela.api.asgi:app",
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=access_log,
            http="httptools",
            loop="uvloop",
        )
