"""HTTP and CLI contracts end to end."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tutela.cli.main import app as cli_app
from tutela.conversations.corpus import load_corpus

from .conftest import strip_labels

GROOMING = [
    {"sender": "g", "text": "you're so mature for your age", "ts": 1_767_225_600, "sender_age": 29},
    {"sender": "c", "text": "thanks lol", "ts": 1_767_225_660, "sender_age": 12},
    {"sender": "g", "text": "are you home alone right now?", "ts": 1_767_225_720},
    {"sender": "g", "text": "don't tell your parents about us, delete our chat", "ts": 1_767_225_780},
    {"sender": "g", "text": "add me on telegram", "ts": 1_767_225_840},
]


def test_http_post_and_get(client, auth) -> None:  # noqa: ANN001
    h = auth("plat", ["conversations"])
    last = None
    for m in GROOMING:
        resp = client.post("/v1/conversations/chat-9/messages", json=m, headers=h)
        assert resp.status_code == 200, resp.text
        last = resp.json()
    assert last["alert"] is True and "sexual_exploitation" in last["flags"] and "adult_to_minor" in last["flags"]
    assert last["evidence"] and {"message_index", "stage", "score"} <= set(last["evidence"][0])
    got = client.get("/v1/conversations/chat-9/risk", headers=h).json()
    assert got["risk"] == last["risk"] and got["first_alert_at"] == last["first_alert_at"]
    acc = client.get("/v1/accounts/g/risk", headers=h).json()
    assert acc["risk"] >= last["risk"] * 0.9 and acc["minor_counterparts"] == 1 and acc["conversations"] == 1


def test_http_errors_and_isolation(client, auth) -> None:  # noqa: ANN001
    h = auth("plat", ["conversations"])
    r = client.post("/v1/conversations/c/messages", json={"text": "no sender"}, headers=h)
    assert r.status_code == 422 and "sender" in r.text
    r = client.post("/v1/conversations/c/messages", json={"sender": "a", "text": "x", "ts": "soon"}, headers=h)
    assert r.status_code == 422 and "timestamp" in r.text
    assert client.get("/v1/conversations/c/risk", headers=h).status_code == 404
    assert client.post("/v1/conversations/c/messages", json={"sender": "a", "text": "hi"}, headers=h).status_code == 200
    other = auth("other-org", ["conversations"])
    assert client.get("/v1/conversations/c/risk", headers=other).status_code == 404
    assert client.get("/v1/accounts/a/risk", headers=other).status_code == 404
    no_scope = auth("plat", ["analyze"])
    assert client.get("/v1/conversations/c/risk", headers=no_scope).status_code == 403
    assert client.get("/v1/conversations/c/risk").status_code == 401


def test_cli_scan_jsonl(tmp_path: Path) -> None:
    convs = [c for c in load_corpus("tr", "heldout")][:4]
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": c["id"], "messages": strip_labels(c)}, ensure_ascii=False) for c in convs]
    lines.insert(1, "{broken")
    lines.append(json.dumps({"id": "empty", "messages": []}))
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(cli_app, ["scan-conversations", str(src), "--out", str(out), "--no-progress"])
    assert res.exit_code == 3, res.output  # done, but two conversations could not be scored
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 6
    assert recs[1]["error"].startswith("line 2: invalid JSON")
    assert recs[-1]["error"] == "empty conversation: no messages"
    for rec in recs:
        assert {"id", "risk", "flags", "stages", "evidence", "first_alert_at"} <= set(rec)
    for rec in (recs[1], recs[-1]):  # an unusable conversation never reads as "safe"
        assert rec["risk"] is None and rec["alert"] is None
    assert "1 conversations" not in res.output
    assert "conversations" in res.output and "alerted" in res.output


def test_cli_scan_chat_log(tmp_path: Path) -> None:
    log = tmp_path / "chat.txt"
    log.write_text("\n".join(f"{m['sender']}: {m['text']}" for m in GROOMING) + "\n", encoding="utf-8")
    res = CliRunner().invoke(cli_app, ["scan-conversations", str(log), "--no-progress"])
    assert res.exit_code == 0, res.output
    rec = json.loads(next(line for line in res.stdout.splitlines() if line.startswith("{")))
    assert rec["id"] == "chat" and rec["risk"] > 0.5 and rec["stages"]


def test_cli_missing_file() -> None:
    res = CliRunner().invoke(cli_app, ["scan-conversations", "/nonexistent/x.jsonl"])
    assert res.exit_code == 2
