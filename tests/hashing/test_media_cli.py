"""`tutela hash`, `tutela match`, `tutela bank`: JSONL out, per-file errors, never a crash."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tutela.access import create_org
from tutela.cli.main import app
from tutela.hashing.synthetic import encode, synthetic_image, synthetic_jpeg

runner = CliRunner()


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture()
def folder(tmp_path, hostile_files):  # noqa: ANN001
    d = tmp_path / "media"
    (d / "sub").mkdir(parents=True)
    (d / "a.jpg").write_bytes(synthetic_jpeg(301))
    (d / "sub" / "b.png").write_bytes(encode(synthetic_image(302), "PNG"))
    for name, (data, filename) in hostile_files.items():
        (d / "sub" / f"{name}-{filename}").write_bytes(data)
    return d


def test_hash_folder_reports_every_file(folder, hostile_files) -> None:  # noqa: ANN001
    res = runner.invoke(app, ["hash", str(folder)])
    assert res.exit_code == 3, res.output  # the hostile files failed; every file still has its line
    records = _jsonl(res.stdout)
    assert len(records) == 2 + len(hostile_files)
    good = [r for r in records if "error" not in r]
    bad = [r for r in records if "error" in r]
    assert {r["path"].rsplit("/", 1)[-1] for r in good} == {"a.jpg", "b.png"}
    assert all(len(r["pdq"]) == 64 and len(r["md5"]) == 32 for r in good)
    assert len(bad) == len(hostile_files) and all(r["error"] for r in bad)


def test_hash_to_file_and_missing_path(tmp_path, folder) -> None:  # noqa: ANN001
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["hash", str(folder / "a.jpg"), str(tmp_path / "nope.png"), "-o", str(out)])
    assert res.exit_code == 3  # a missing path is a failed record, not success
    records = _jsonl(out.read_text())
    assert "pdq" in records[0] and "error" in records[1]


def test_bank_import_match_export(db, tmp_path, folder) -> None:  # noqa: ANN001
    create_org(db, "cli-hotline", kind="hotline")
    res = runner.invoke(app, ["bank", "create", "cli-bank", "--org", "cli-hotline", "--source", "CLI test"])
    assert res.exit_code == 0, res.output
    hashed = _jsonl(runner.invoke(app, ["hash", str(folder / "a.jpg")]).stdout)[0]
    te_file = tmp_path / "list.txt"
    te_file.write_text(f"pdq {hashed['pdq']} item-a\nvideo_md5 {hashed['md5']}\nbogus line\n")
    res = runner.invoke(app, ["bank", "import", "cli-bank", str(te_file)])
    assert res.exit_code == 3, res.output  # imported, but one line was bad
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["added"] == 2 and summary["error_count"] == 1

    copy = tmp_path / "copy.jpg"
    copy.write_bytes(encode(synthetic_image(301).resize((160, 120)), "JPEG", quality=60))
    res = runner.invoke(app, ["match", str(folder / "a.jpg"), str(copy), str(folder / "sub"), "--bank", "cli-bank"])
    assert res.exit_code == 3, res.output  # the hostile files in sub/ could not be read
    by_name = {r["path"].rsplit("/", 1)[-1]: r for r in _jsonl(res.stdout)}
    assert {m["signal_type"] for m in by_name["a.jpg"]["matches"]} == {"pdq", "md5"}
    assert [m["entry_label"] for m in by_name["copy.jpg"]["matches"]] == ["item-a"]
    assert by_name["b.png"]["matches"] == []
    assert sum("error" in r for r in by_name.values()) >= 5

    out = tmp_path / "export.csv"
    res = runner.invoke(app, ["bank", "export", "cli-bank", "-f", "csv", "-o", str(out)])
    assert res.exit_code == 0 and hashed["pdq"] in out.read_text()
    res = runner.invoke(app, ["bank", "list", "--json"])
    assert json.loads(res.stdout.splitlines()[0])["entries"] == 2

    assert runner.invoke(app, ["bank", "disable", "cli-bank"]).exit_code == 0
    res = runner.invoke(app, ["match", str(folder / "a.jpg")])
    assert _jsonl(res.stdout)[0]["matches"] == []
    assert runner.invoke(app, ["bank", "enable", "cli-bank"]).exit_code == 0
    assert runner.invoke(app, ["bank", "remove", "cli-bank", hashed["md5"]]).exit_code == 0
    res = runner.invoke(app, ["match", str(folder / "a.jpg")])
    assert [m["signal_type"] for m in _jsonl(res.stdout)[0]["matches"]] == ["pdq"]
    assert runner.invoke(app, ["bank", "delete", "cli-bank"]).exit_code != 0  # needs --yes
    assert runner.invoke(app, ["bank", "delete", "cli-bank", "--yes"]).exit_code == 0


def test_bank_errors_are_clean(db, tmp_path) -> None:  # noqa: ANN001
    res = runner.invoke(app, ["bank", "import", "missing-bank", str(tmp_path / "none.csv")])
    assert res.exit_code == 2 and "no file" in res.output
    f = tmp_path / "x.csv"
    f.write_text("value\n" + "a" * 64 + "\n")
    res = runner.invoke(app, ["bank", "import", "missing-bank", str(f)])
    assert res.exit_code == 2 and "no bank" in res.output
    res = runner.invoke(app, ["bank", "create", "b", "--org", "no-such-org"])
    assert res.exit_code == 2


def test_reindex(db, settings) -> None:  # noqa: ANN001
    from tutela.hashing.banks import add_entries, create_bank

    org = create_org(db, "reindex-org")
    bank = create_bank(db, org, "r")
    add_entries(db, bank.id, [("pdq", "ab" * 32), ("pdq", "cd" * 32)])
    res = runner.invoke(app, ["bank", "reindex"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["live"] == 2
    assert (settings.data_dir / "hash_index" / "pdq" / "meta.json").is_file()
    res = runner.invoke(app, ["bank", "reindex", "--rebuild"])
    assert res.exit_code == 0 and json.loads(res.stdout)["live"] == 2
