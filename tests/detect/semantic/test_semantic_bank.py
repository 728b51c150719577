"""The example-bank format: strict validation with file and line, and every shipped bank file valid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tutela.detect.semantic.bank import BUILTIN_ROOT, LANGS, BankError, content_hash, load_bank, read_file


def _write(root: Path, lang: str, cat: str, lines: list[str]) -> Path:
    d = root / lang
    d.mkdir(parents=True, exist_ok=True)
    p = d / f"{cat}.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_builtin_banks_all_valid() -> None:
    """Every shipped bank file parses under the strict loader (the writers' files included)."""
    examples = load_bank(BUILTIN_ROOT)
    for e in examples:
        assert e.lang in LANGS and e.text.strip()


def test_reads_a_good_file(tmp_path: Path) -> None:
    _write(tmp_path, "en", "self_harm", [
        json.dumps({"text": "how many pills to not wake up", "label": "harm", "sub": "method_question"}),
        json.dumps({"text": "I've been clean for a year", "label": "benign", "sub": "recovery", "script": "latn"}),
        json.dumps({"text": "I hurt myself again", "label": "harm", "sub": "disclosure"}),
    ])
    ex = load_bank(tmp_path)
    assert [e.label for e in ex] == ["harm", "benign", "harm"]
    assert ex[2].is_disclosure and not ex[0].is_disclosure
    assert ex[0].source == "en/self_harm.jsonl:1"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"text": "x", "label": "bad"}', "'label' must be one of"),
        ('{"text": "", "label": "harm"}', "'text' must be a non-empty string"),
        ('{"text": "x", "label": "harm", "colour": 1}', "unknown key"),
        ('{"text": "x", "label": "harm", "script": "latin"}', "'script' must be one of"),
        ('{"text": "x", "label": "benign", "sub": "disclosure"}', "disclosure describes harm"),
        ('{"text": "x", "label": "harm", "sub": "Sextortion"}', "lower-case"),
        ('{"text": "x", "label": "harm"', "malformed JSON"),
        ('["x"]', "expected a JSON object"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    good = json.dumps({"text": "fine", "label": "harm"})
    path = _write(tmp_path, "tr", "fraud", [good, "", line])
    with pytest.raises(BankError) as exc:
        read_file(path, "tr", "fraud")
    assert f"{path}:3" in str(exc.value) and message in str(exc.value)


def test_bad_folder_category_and_ordinary_harm(tmp_path: Path) -> None:
    _write(tmp_path, "de", "fraud", ['{"text": "x", "label": "harm"}'])
    with pytest.raises(BankError, match="language folder 'de'"):
        load_bank(tmp_path)
    other = tmp_path / "other"
    _write(other, "en", "scams", ['{"text": "x", "label": "harm"}'])
    with pytest.raises(BankError, match="'scams' is not a taxonomy id"):
        load_bank(other)
    third = tmp_path / "third"
    _write(third, "ru", "ordinary", ['{"text": "x", "label": "harm"}'])
    with pytest.raises(BankError, match="must be label 'benign'"):
        load_bank(third)


def test_invalid_utf8_is_named(tmp_path: Path) -> None:
    d = tmp_path / "fa"
    d.mkdir()
    (d / "fraud.jsonl").write_bytes(b'{"text": "ok", "label": "harm"}\n{"text": "\xff", "label": "harm"}\n')
    with pytest.raises(BankError, match=r"fraud.jsonl:2: invalid UTF-8"):
        load_bank(tmp_path)


def test_content_hash_ignores_order_but_not_labels(tmp_path: Path) -> None:
    a = json.dumps({"text": "one", "label": "harm"})
    b = json.dumps({"text": "two", "label": "benign"})
    h1 = content_hash(read_file(_write(tmp_path / "1", "en", "fraud", [a, b]), "en", "fraud"))
    h2 = content_hash(read_file(_write(tmp_path / "2", "en", "fraud", [b, a]), "en", "fraud"))
    flipped = json.dumps({"text": "two", "label": "harm"})
    h3 = content_hash(read_file(_write(tmp_path / "3", "en", "fraud", [a, flipped]), "en", "fraud"))
    assert h1 == h2 != h3
