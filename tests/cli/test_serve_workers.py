"""`tutela serve --workers N` tells its worker processes N (they read their settings again)."""

from __future__ import annotations

import os

from typer.testing import CliRunner

from tutela.cli.main import app


def test_serve_passes_its_worker_count_to_the_workers(settings, db, monkeypatch):  # noqa: ANN001
    """Each worker decides from it where the semantic stage runs (policy/batching.py): on a thread of its
    own only where it has cores to spare."""
    import uvicorn

    from tutela.api import listeners

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.update(k, env=os.environ.get("TUTELA_WORKERS")))
    monkeypatch.setattr(listeners, "run_balanced",
                        lambda config: seen.update(workers=config.workers, env=os.environ.get("TUTELA_WORKERS")))
    monkeypatch.setenv("TUTELA_WORKERS", "1")  # restored after the test, whatever serve sets
    env = {"TUTELA_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}
    res = CliRunner().invoke(app, ["serve", "--workers", "3"], env=env)
    assert res.exit_code == 0, res.output
    assert seen["workers"] == 3 and seen["env"] == "3"
    monkeypatch.setenv("TUTELA_WORKERS", "1")
    res = CliRunner().invoke(app, ["serve"], env=env)
    assert res.exit_code == 0, res.output
    assert seen["workers"] == 1 and seen["env"] == "1"  # the settings' own count: nothing to pass on
