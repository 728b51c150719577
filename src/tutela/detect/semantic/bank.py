"""Example banks: the written positives and negatives the semantic stage compares a text with.

Built-in banks live in `examples/<lang>/<category>.jsonl` beside this module, one JSON object a
line: `{"text": str, "label": "harm"|"benign", "sub": str?, "script": "latn"|"cyrl"|"arab"?}`.
`category` is a taxonomy id or `ordinary` (everyday text, a negative for every category).
Lines with `sub: "disclosure"` are a child describing harm happening to them: harm for their
file's category and positives for the `disclosure` signal. Benign lines in a category file are
look-alikes (negatives) for that category.

The loader is strict on purpose: a typo in a label or a category would silently teach the
scorer the opposite of what its writer meant, so every problem names its file and line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tutela.domain.languages import language_codes
from tutela.domain.taxonomy import CATEGORIES

LANGS = language_codes()
ORDINARY = "ordinary"
DISCLOSURE = "disclosure"
CATEGORY_IDS = tuple(c.value for c in CATEGORIES)  # the engine's column order
BANK_CATEGORIES = (*CATEGORY_IDS, ORDINARY)
LABELS = ("harm", "benign")
SCRIPTS = ("latn", "cyrl", "arab")
_KEYS = {"text", "label", "sub", "script"}
MAX_TEXT_CHARS = 2_000

BUILTIN_ROOT = Path(__file__).resolve().parent / "examples"


class BankError(ValueError):
    """A bank file or line that does not follow the format; the message names file and line."""


@dataclass(frozen=True, slots=True)
class Example:
    """One written example. `source` says where it came from (a file:line, or `org:<id>:<row id>`)."""

    text: str
    category: str  # a taxonomy id or "ordinary"
    label: str  # "harm" | "benign"
    lang: str
    sub: str | None = None
    script: str | None = None
    source: str = ""

    @property
    def is_harm(self) -> bool:
        return self.label == "harm"

    @property
    def is_disclosure(self) -> bool:
        return self.label == "harm" and self.sub == DISCLOSURE


def validate_record(rec: object, where: str) -> dict:
    """Check one parsed line; raise `BankError` naming `where` on any deviation from the format."""
    if not isinstance(rec, dict):
        raise BankError(f"{where}: expected a JSON object, got {type(rec).__name__}")
    extra = set(rec) - _KEYS
    if extra:
        raise BankError(f"{where}: unknown key(s) {sorted(extra)}; allowed: {sorted(_KEYS)}")
    text = rec.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BankError(f"{where}: 'text' must be a non-empty string")
    if len(text) > MAX_TEXT_CHARS:
        raise BankError(f"{where}: 'text' longer than {MAX_TEXT_CHARS} characters")
    if rec.get("label") not in LABELS:
        raise BankError(f"{where}: 'label' must be one of {LABELS}, got {rec.get('label')!r}")
    sub = rec.get("sub")
    if sub is not None and (not isinstance(sub, str) or not sub.strip() or sub != sub.strip().lower()):
        raise BankError(f"{where}: 'sub' must be a lower-case non-empty string, got {sub!r}")
    if sub == DISCLOSURE and rec["label"] != "harm":
        raise BankError(f"{where}: a disclosure describes harm: 'label' must be 'harm'")
    script = rec.get("script")
    if script is not None and script not in SCRIPTS:
        raise BankError(f"{where}: 'script' must be one of {SCRIPTS}, got {script!r}")
    return rec


def read_file(path: Path, lang: str, category: str) -> list[Example]:
    """Parse and validate one bank file."""
    if lang not in LANGS:
        raise BankError(f"{path}: language folder {lang!r} is not one of {LANGS}")
    if category not in BANK_CATEGORIES:
        raise BankError(f"{path}: {category!r} is not a taxonomy id or 'ordinary'")
    out: list[Example] = []
    try:
        raw_lines = path.read_bytes().split(b"\n")
    except OSError as exc:
        raise BankError(f"{path}: cannot read: {exc}") from None
    for n, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        where = f"{path}:{n}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BankError(f"{where}: invalid UTF-8 at byte {exc.start}") from None
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BankError(f"{where}: malformed JSON: {exc.msg} at column {exc.colno}") from None
        rec = validate_record(rec, where)
        if category == ORDINARY and rec["label"] != "benign":
            raise BankError(f"{where}: every line of an 'ordinary' file must be label 'benign'")
        out.append(
            Example(
                text=rec["text"],
                category=category,
                label=rec["label"],
                lang=lang,
                sub=rec.get("sub"),
                script=rec.get("script"),
                source=f"{lang}/{category}.jsonl:{n}",
            )
        )
    return out


def load_bank(root: Path | None = None) -> list[Example]:
    """Every example under `root` (default: the built-in banks), in a stable order."""
    root = BUILTIN_ROOT if root is None else Path(root)
    if not root.is_dir():
        return []
    out: list[Example] = []
    for lang_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        for path in sorted(lang_dir.glob("*.jsonl")):
            out.extend(read_file(path, lang_dir.name, path.stem))
        strays = sorted(p.name for p in lang_dir.iterdir() if p.is_file() and p.suffix != ".jsonl")
        if strays:
            raise BankError(f"{lang_dir}: files that are not .jsonl banks: {strays}")
    return out


def content_hash(examples: Iterable[Example]) -> str:
    """A hash of everything that affects a fit (text, category, label, sub), order-independent."""
    h = hashlib.sha256()
    for key in sorted(f"{e.category}\t{e.label}\t{e.sub or ''}\t{e.text}" for e in examples):
        h.update(key.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()
