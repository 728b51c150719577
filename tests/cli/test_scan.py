"""CLI contract of `tutela scan`: one JSON line per record, errors in place, a summary on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tutela.cli.main import app
from tutela.domain.taxonomy import CATEGORIES

CONTRACT = {"id", "lang", "scores", "flags"}


def _run(args: list[str], settings) -> tuple[int, list[dict], str]:
    runner = CliRunner()
    res = runner.invoke(app, args, env={"TUTELA_DATA_DIR": str(settings.data_dir), "TUTELA_SECOND_STAGE": "false"})
    out = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    return res.exit_code, out, res.stderr


def test_jsonl_contract_and_bad_lines(tmp_path: Path, settings) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(
        b'{"id": 1, "text": "you are so ugly, nobody likes you"}\n'
        b'{"id": 2, "text": ""}\n'
        b"this is not json\n"
        b'{"id": 4}\n'
        b'{"id": 5, "text": "hello \xff\xfe there"}\n'
        b"\x00\x01\x02\x03binary\x00\x00\n"
        b"\n"
        b'{"id": "six", "text": "' + b"a" * 30000 + b'"}\n'
    )
    code, out, err = _run(["scan", str(src)], settings)
    assert code == 3  # finished, but some records failed
    assert len(out) == 7  # every non-blank line answered, in order
    assert CONTRACT <= set(out[0]) and "cyberbullying" in out[0]["flags"]
    assert set(out[0]["scores"]) == {c.value for c in CATEGORIES}
    assert out[1]["id"] == 2 and out[1]["error"] == "empty text"
    for row in out[1:4] + out[5:6]:  # records not analysed carry no scores or flags that read as "safe"
        assert "flags" not in row and "scores" not in row
    assert out[2]["id"] is None and "malformed JSON" in out[2]["error"] and out[2]["line"] == 3
    assert out[3]["id"] == 4 and "missing 'text'" in out[3]["error"]
    assert out[4]["id"] == 5 and "invalid UTF-8" in out[4]["warning"] and CONTRACT <= set(out[4])
    assert out[5]["id"] is None and "binary" in out[5]["error"]
    assert out[6]["id"] == "six" and out[6]["truncated"] is True
    assert "flags per category and language" in err
    assert "with errors" in err


def test_csv_and_out_file(tmp_path: Path, settings) -> None:
    src = tmp_path / "in.csv"
    src.write_text('id,text\nm1,hello friend\nm2,"ты тупой урод"\nm3\n', encoding="utf-8")
    dest = tmp_path / "out.jsonl"
    code, out, _ = _run(["scan", str(src), "--out", str(dest)], settings)
    assert code == 3 and out == []
    rows = [json.loads(line) for line in dest.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["m1", "m2", "m3"]
    assert rows[0]["flags"] == [] and CONTRACT <= set(rows[0])
    assert "cyberbullying" in rows[1]["flags"] and rows[1]["lang"] == "ru"
    assert "error" in rows[2] and "flags" not in rows[2]


def test_all_good_records_exit_zero_and_counts_read_right(tmp_path: Path, settings) -> None:
    src = tmp_path / "one.jsonl"
    src.write_text('{"id": "x", "text": "hi"}\n', encoding="utf-8")
    code, out, err = _run(["scan", str(src)], settings)
    assert code == 0 and len(out) == 1
    assert "1 record:" in err and "record(s)" not in err


def test_flags_show_no_type_in_help() -> None:
    res = CliRunner().invoke(app, ["scan", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "--explain" in res.stdout and "<bool>" not in res.stdout


def test_format_is_sniffed_without_extension(tmp_path: Path, settings) -> None:
    src = tmp_path / "messages"
    src.write_text('{"id": "x", "text": "hi"}\n', encoding="utf-8")
    code, out, _ = _run(["scan", str(src)], settings)
    assert code == 0 and out[0]["id"] == "x"


def test_csv_without_text_column_fails_clearly(tmp_path: Path, settings) -> None:
    src = tmp_path / "bad.csv"
    src.write_text("id,message\n1,hello\n", encoding="utf-8")
    code, _, err = _run(["scan", str(src)], settings)
    assert code == 2 and "'text' column" in err


def test_missing_file(settings) -> None:
    code, _, err = _run(["scan", "/nonexistent/file.jsonl"], settings)
    assert code == 2 and "not found" in err


def test_explain_flag_adds_spans(tmp_path: Path, settings) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "what the fuck"}\n', encoding="utf-8")
    _, out, _ = _run(["scan", str(src), "--explain", "-q"], settings)
    profanity = [e for e in out[0]["explanations"] if e["category"] == "profanity"]
    assert profanity and profanity[0]["text"].lower() == "fuck"
