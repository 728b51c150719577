"""/healthz, /readyz, /metrics and the JSON log lines."""

from __future__ import annotations

import json
import logging

from .conftest import CHILD_CTX, THREAT


def test_health_ready_and_metrics(client, auth) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"] == {"database": "ok", "migrations": "ok", "models": "ok"}
    h = auth("platform-m", ["moderate"])
    client.post("/v1/moderate", json={"text": THREAT, "context": CHILD_CTX}, headers=h)
    client.get("/v1/moderate/decisions/nope", headers=h)
    text = client.get("/metrics").text
    # per route template, never the raw path (which could hold an id)
    assert 'tutela_http_request_seconds_count{method="POST",route="/v1/moderate"}' in text
    assert 'route="/v1/moderate/decisions/{decision_id}"' in text and "decisions/nope" not in text
    assert "tutela_outbox_enqueued_total" in text and "tutela_outbox_rows{" in text
    assert "tutela_outbox_lag_seconds" in text and "tutela_hash_index_entries" in text


def test_readyz_says_503_when_the_schema_is_behind(client, db) -> None:
    from sqlalchemy import text

    with db.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["migrations"].startswith("behind")


def test_readyz_says_503_while_models_load(client) -> None:
    client.app.state.models = "loading"
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["models"] == "loading"


def test_worker_logs_are_json_lines_without_message_text(capsys) -> None:
    from tutela.cli.worker import _json_logs

    _json_logs()
    try:
        logging.getLogger("tutela.jobs.test").warning("outbox job %d failed", 7)
        line = capsys.readouterr().err.strip().splitlines()[-1]
        rec = json.loads(line)
        assert rec["level"] == "warning" and rec["msg"] == "outbox job 7 failed" and rec["ts"].endswith("Z")
    finally:
        logging.getLogger().handlers.clear()


def test_worker_and_scheduler_commands_run_once(settings, db) -> None:
    from typer.testing import CliRunner

    from tutela.cli.main import app

    runner = CliRunner()
    r = runner.invoke(app, ["worker", "--once"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.strip().splitlines()[-1])["done"] == 0
    r = runner.invoke(app, ["scheduler", "--once"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output.strip().splitlines()[-1])
    assert out["ran"] == ["retention", "audit-checkpoint", "outbox-purge", "exchange-pull", "exchange-tombstone-purge"] and out["holder"].startswith("scheduler@")
    logging.getLogger().handlers.clear()
