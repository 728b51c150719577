"""`tutela train text`: clear error without data; deterministic artefacts from the same data."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from tutela.cli.main import app
from tutela.detect.model import ARTEFACT, LinearModel


def _tiny_data(folder: Path) -> None:
    """A few written rows in the shared-data layout (no real data)."""
    folder.mkdir()
    rows = []
    for i in range(40):
        rows.append((f"tiny:{i}", f"you are a stupid idiot number {i}", "en", "OFF", "harassment"))
        rows.append((f"tiny:n{i}", f"have a nice day at school number {i}", "en", "NOT", "none"))
    with (folder / "tiny.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text", "lang", "label", "harm", "source", "license"])
        for r in rows:
            w.writerow([*r, "written-for-tests", "Apache-2.0"])


def test_train_without_data_fails_clearly(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["train", "text", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "training data not found" in res.stderr


def test_training_is_deterministic(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _tiny_data(data)
    outs = []
    for k in range(2):
        out = tmp_path / f"out{k}"
        res = CliRunner().invoke(app, ["train", "text", "--data", str(data), "--out", str(out)])
        assert res.exit_code == 0, res.output
        outs.append(LinearModel.load(out / ARTEFACT))
        assert (out / "text_metrics.json").is_file()
    a, b = outs
    assert a.heads == b.heads
    assert np.array_equal(a.coef.toarray(), b.coef.toarray())
    assert a.thresholds == b.thresholds
