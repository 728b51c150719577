"""The README's first screen, as written: a fresh data dir to a hotline whose person sees a child's report."""

from __future__ import annotations

import logging

from typer.testing import CliRunner

from tutela.cli.main import app


def _run(settings, *args: str, stdin: str | None = None):
    env = {"TUTELA_DATA_DIR": str(settings.data_dir), "TUTELA_SECOND_STAGE": "false", "COLUMNS": "200"}
    return CliRunner().invoke(app, list(args), input=stdin, env=env)


def test_three_commands_give_a_hotline_that_receives_the_reports_sent_before_it_existed(settings, db, caplog):
    from tutela.access.keys import authenticate_key
    from tutela.cases import service
    from tutela.domain.cases import ReportIn

    with caplog.at_level(logging.WARNING, logger="tutela.cases.receiving"):
        early = service.submit_report(db, settings, ReportIn(category="hurting_myself"))  # before any hotline
    assert "No hotline receives public reports yet" in caplog.text

    org = _run(settings, "admin", "create-org", "Your Hotline", "--kind", "hotline", "--country", "TR")
    assert org.exit_code == 0, org.output
    assert "tutela admin create-user --org 'Your Hotline'" in org.output  # it says what comes next
    person = _run(settings, "admin", "create-user", "--org", "Your Hotline", "--email", "you@example.org",
                  "--role", "supervisor", stdin="a long test password\na long test password\n")
    assert person.exit_code == 0, person.output
    assert "1 that waited for a hotline are in its queue" in person.output
    key = _run(settings, "admin", "create-key", "--org", "Your Hotline", "--scope", "cases", "--scope", "reports")
    assert key.exit_code == 0, key.output
    credential = key.stdout.strip().splitlines()[0]
    principal = authenticate_key(db, credential)
    assert {c.id for c in service.list_queue(db, principal)} == {early.case_id}


def test_serve_on_a_fresh_data_dir_says_what_to_do_next(settings, db, monkeypatch):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    res = _run(settings, "serve")
    assert res.exit_code == 0, res.output
    assert "No hotline receives the reports sent at /report yet" in res.output
    assert 'tutela admin create-org "Your Hotline" --kind hotline' in res.output
    assert "(0 waiting)" in res.output
