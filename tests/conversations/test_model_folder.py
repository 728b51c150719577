"""Conversation models from a folder (`conversation_models`), and `tutela train conversations` never
writes into the installed package unless told to."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutela.config import Settings
from tutela.conversations import ConversationTracker
from tutela.conversations.detector import MODEL_PATH, default_detector

SHIPPED = MODEL_PATH.parent


def test_tracker_reads_the_configured_folder(tmp_path: Path) -> None:
    folder = tmp_path / "conv-models"
    shutil.copytree(SHIPPED, folder)
    settings = Settings(data_dir=tmp_path / "data", conversation_models=folder)
    tracker = ConversationTracker(settings=settings)
    assert tracker.detector is default_detector(str(folder)) and tracker.detector is not default_detector()
    risk = tracker.feed("c1", {"sender": "u1", "text": "how old are you? don't tell your parents about us"})
    shipped = ConversationTracker().feed("c1", {"sender": "u1", "text": "how old are you? don't tell your parents about us"})
    assert risk.risk == pytest.approx(shipped.risk)  # the same models, read from elsewhere


def test_a_folder_without_models_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="tutela train conversations --out"):
        default_detector(str(tmp_path))


def test_train_conversations_writes_to_the_user_folder_by_default(tmp_path: Path, monkeypatch) -> None:
    from tutela.cli.main import app
    from tutela.detect.components import component

    calls: list[tuple[object, Path]] = []
    comp = component("conversation_stages")
    monkeypatch.setattr(type(comp), "train", lambda self, data, out, **kw: calls.append((data, out)) or {"ok": 1})
    monkeypatch.setenv("TUTELA_DATA_DIR", str(tmp_path / "data"))
    res = CliRunner().invoke(app, ["train", "conversations"])
    assert res.exit_code == 0, res.output
    ((_, out),) = calls
    assert Path(out) == tmp_path / "data" / "models" / "conversations" and SHIPPED not in Path(out).parents
    res = CliRunner().invoke(app, ["train", "conversations", "--out", str(tmp_path / "x")])
    assert res.exit_code == 0 and Path(calls[-1][1]) == tmp_path / "x"
