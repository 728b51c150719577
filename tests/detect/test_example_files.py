"""The built-in semantic example banks and the written challenge sets keep their schema.

The semantic scorer reads the banks at start-up and the quality bench reads the challenge sets; a malformed
line, an unknown category or a text that sits in both (which would let the bench measure memory instead of
generalisation) must fail here, not at run time.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from tutela.domain.taxonomy import CATEGORIES

REPO = Path(__file__).resolve().parents[2]
BANKS = REPO / "src" / "tutela" / "detect" / "semantic" / "examples"
CHALLENGE = REPO / "bench" / "challenge"

CATEGORY_IDS = {c.value for c in CATEGORIES}
BANK_FILES = CATEGORY_IDS | {"ordinary"}
BANK_KEYS = {"text", "label", "sub", "script"}
LABELS = {"harm", "benign"}
SCRIPTS = {"latn", "cyrl", "arab"}
CHALLENGE_KEYS = {"id", "text", "categories", "kind", "split"}
KINDS = {"harmful", "disguised", "tricky_benign", "ordinary"}
SPLITS = {"dev", "heldout"}

# The floors the banks are written to (per language and category file).
MIN_HARM, MIN_BENIGN, MIN_ORDINARY = 25, 12, 60


def _lines(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path}:{n}: empty line"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            pytest.fail(f"{path}:{n}: not JSON: {e}")
        assert isinstance(row, dict), f"{path}:{n}: not an object"
        rows.append(row)
    return rows


def _key(text: str) -> str:
    """Comparison key: case and spacing do not make a challenge text new."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def _bank_langs() -> list[Path]:
    return sorted(p for p in BANKS.iterdir() if p.is_dir()) if BANKS.is_dir() else []


def _challenge_files() -> list[Path]:
    return sorted(CHALLENGE.glob("*.jsonl")) if CHALLENGE.is_dir() else []


def test_there_are_banks_and_challenge_sets() -> None:
    assert _bank_langs(), f"no example banks under {BANKS}"
    assert _challenge_files(), f"no challenge sets under {CHALLENGE}"


@pytest.mark.parametrize("lang_dir", _bank_langs(), ids=lambda p: p.name)
def test_bank_files_schema(lang_dir: Path) -> None:
    names = {p.stem for p in lang_dir.glob("*.jsonl")}
    assert names == BANK_FILES, f"{lang_dir.name}: missing {BANK_FILES - names}, unknown {names - BANK_FILES}"
    seen: dict[str, str] = {}
    for path in sorted(lang_dir.glob("*.jsonl")):
        rows = _lines(path)
        for row in rows:
            where = f"{path.relative_to(BANKS)}: {row.get('text')!r}"
            assert set(row) <= BANK_KEYS and {"text", "label"} <= set(row), f"{where}: keys {sorted(row)}"
            assert isinstance(row["text"], str) and row["text"].strip(), f"{where}: empty text"
            assert row["label"] in LABELS, f"{where}: label {row['label']!r}"
            if "sub" in row:
                assert isinstance(row["sub"], str) and re.fullmatch(r"[a-z_]+", row["sub"]), f"{where}: sub"
            if "script" in row:
                assert row["script"] in SCRIPTS, f"{where}: script {row['script']!r}"
                if row["script"] == "cyrl":
                    assert re.search("[\u0400-\u04ff]", row["text"]), f"{where}: marked cyrl, has no Cyrillic"
            key = _key(row["text"])
            assert key not in seen, f"{where}: also in {seen[key]}"
            seen[key] = path.name
        counts = Counter(r["label"] for r in rows)
        if path.stem == "ordinary":
            assert counts == Counter(benign=len(rows)), f"{path}: ordinary holds only benign lines"
            assert len(rows) >= MIN_ORDINARY, f"{path}: {len(rows)} lines, want {MIN_ORDINARY}"
        else:
            assert counts["harm"] >= MIN_HARM, f"{path}: {counts['harm']} harm lines, want {MIN_HARM}"
            benign = counts["benign"]
            assert benign >= MIN_BENIGN, f"{path}: {benign} benign lines, want {MIN_BENIGN}"
            disclosures = sum(r.get("sub") == "disclosure" for r in rows)
            assert disclosures >= 1, f"{path}: no line with sub 'disclosure'"


@pytest.mark.parametrize("path", _challenge_files(), ids=lambda p: p.stem)
def test_challenge_file_schema(path: Path) -> None:
    lang = path.stem
    ids: set[str] = set()
    texts: set[str] = set()
    for row in _lines(path):
        where = f"{path.name}: {row.get('id')!r}"
        assert CHALLENGE_KEYS <= set(row) <= CHALLENGE_KEYS | {"round"}, f"{where}: keys {sorted(row)}"
        # a writing round 2-21 (round 1 has no key), "Nt": lines a tuner wrote during round N, or "Nd": a dev-only
        # round by an independent writer, so tuners have text they did not write (both dev only)
        rnd = row.get("round", 2)
        assert rnd in range(2, 22) or (isinstance(rnd, str) and re.fullmatch(r"\d+[td]", rnd) and row["split"] == "dev"), \
            f"{where}: round {rnd!r}"
        assert re.fullmatch(rf"{re.escape(lang)}-\d{{3,}}", row["id"]), f"{where}: id not {lang}-NNN"
        assert row["id"] not in ids, f"{where}: duplicate id"
        ids.add(row["id"])
        assert isinstance(row["text"], str) and row["text"].strip(), f"{where}: empty text"
        assert _key(row["text"]) not in texts, f"{where}: duplicate text"
        texts.add(_key(row["text"]))
        assert row["kind"] in KINDS, f"{where}: kind {row['kind']!r}"
        assert row["split"] in SPLITS, f"{where}: split {row['split']!r}"
        cats = row["categories"]
        assert isinstance(cats, list) and len(set(cats)) == len(cats), f"{where}: categories"
        assert set(cats) <= CATEGORY_IDS, f"{where}: unknown categories {set(cats) - CATEGORY_IDS}"
        if row["kind"] in {"harmful", "disguised"}:
            assert cats, f"{where}: a {row['kind']} line names its categories"
        else:
            assert not cats, f"{where}: a {row['kind']} line has no categories"


def test_no_challenge_text_is_in_a_bank() -> None:
    """The challenge sets measure generalisation: a bank line copied into one would be measured as recall."""
    bank = {}
    for path in BANKS.glob("*/*.jsonl"):
        for row in _lines(path):
            bank[_key(row["text"])] = str(path.relative_to(BANKS))
    for path in _challenge_files():
        for row in _lines(path):
            assert _key(row["text"]) not in bank, f"{row['id']} is also in bank {bank[_key(row['text'])]}"


def test_challenge_ids_unique_across_files() -> None:
    ids = Counter(row["id"] for path in _challenge_files() for row in _lines(path))
    assert not [i for i, n in ids.items() if n > 1]
