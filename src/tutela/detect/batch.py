"""Bulk analysis of JSONL or CSV input: the engine behind `tutela scan`.

Why it lives in the engine and not in the CLI: the reading rules (formats,
bad lines, invalid UTF-8, oversize text) are part of the public contract and
must be the same for anyone scanning files from Python.

Contract, one output record per input record, in input order:
    {"id": ..., "lang": ..., "scores": {category: float, ...}, "flags": [category, ...],
     "stages": ["fast"] | ["fast", "semantic"]}
plus `"signals": {"disclosure": score}` when a signal was raised, `"truncated": true` when the
text was cut to the length cap, `"warning"`
(with `"line"`) when the text had to be repaired to be read (invalid UTF-8), and
`"explanations"` on request. A record that could not be analysed is
`{"id", "line", "error"}` only (`id` null when unknown): no scores or flags that
could be read as "safe". A bad record never stops the scan and nothing is
dropped silently.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from tutela.config import Settings
from tutela.detect.engine import analyze_texts
from tutela.detect.semantic.stage import OrgBank
from tutela.domain.taxonomy import CATEGORIES

BATCH = 512


@dataclass(slots=True)
class Item:
    """One input record: text to analyse, or an error found while reading it."""

    line: int
    id: Any = None
    text: str | None = None
    error: str | None = None
    nbytes: int = 0


@dataclass
class Summary:
    """What a scan saw: flags per category and language, and how many records were bad."""

    records: int = 0
    analysed: int = 0
    errors: int = 0
    truncated: int = 0
    flags: Counter = field(default_factory=Counter)  # (category, lang) -> count
    langs: Counter = field(default_factory=Counter)


def detect_format(name: str | None, head: bytes) -> str:
    """'jsonl' or 'csv', by file extension, else by sniffing the first non-blank byte."""
    lowered = (name or "").lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lowered.endswith((".csv", ".tsv")):
        return "csv"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return "jsonl" if stripped[:1] in (b"{", b"[") else "csv"


def _decode(raw: bytes) -> tuple[str, str | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="replace")
        return text, f"invalid UTF-8 at byte {exc.start} (undecodable bytes replaced with U+FFFD)"


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n")
    return controls > max(4, len(text) // 10)


def read_jsonl(stream: BinaryIO) -> Iterator[Item]:
    for n, raw in enumerate(stream, start=1):
        size = len(raw)
        if not raw.strip():
            continue  # blank lines are separators, not records
        line, enc_error = _decode(raw.rstrip(b"\r\n"))
        if _looks_binary(line):
            yield Item(n, error="binary data, not a JSON line", nbytes=size)
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            msg = f"malformed JSON: {exc.msg} at column {exc.colno}"
            yield Item(n, error=f"{enc_error}; {msg}" if enc_error else msg, nbytes=size)
            continue
        if not isinstance(rec, dict):
            yield Item(n, error=f"expected a JSON object with 'text', got {type(rec).__name__}", nbytes=size)
            continue
        rid = rec.get("id")
        text = rec.get("text")
        if text is None:
            yield Item(n, rid, error="missing 'text'", nbytes=size)
        elif not isinstance(text, str):
            yield Item(n, rid, error=f"'text' must be a string, got {type(text).__name__}", nbytes=size)
        else:
            yield Item(n, rid, text, enc_error, size)


def read_csv(stream: BinaryIO) -> Iterator[Item]:
    """CSV with a header naming `text` (and usually `id`); other columns are ignored."""
    wrapper = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline="")
    reader = csv.reader(wrapper)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise ValueError(f"unreadable CSV header: {exc}") from None
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    if "text" not in names:
        raise ValueError(f"CSV needs a 'text' column; header has: {', '.join(names) or '(nothing)'}")
    ti = names.index("text")
    ii = names.index("id") if "id" in names else None
    n = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            n += 1
            yield Item(n, error=f"malformed CSV: {exc}")
            continue
        n = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        rid = row[ii] if ii is not None and ii < len(row) else None
        if ti >= len(row):
            yield Item(n, rid, error=f"row has {len(row)} column(s), no 'text'")
            continue
        text, enc_error = row[ti], None
        if any("\udc80" <= c <= "\udcff" for c in text):
            raw = text.encode("utf-8", errors="surrogateescape")
            text, enc_error = _decode(raw)
        rid = _fix_surrogates(rid)
        if _looks_binary(text):
            yield Item(n, rid, error="binary data in 'text'")
            continue
        yield Item(n, rid, text, enc_error, sum(len(c) for c in row))


def _fix_surrogates(value: str | None) -> str | None:
    if value is None:
        return None
    return value.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for it in items:
        chunk.append(it)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def scan(
    items: Iterable[Item],
    write: Callable[[dict[str, Any]], None],
    *,
    settings: Settings | None = None,
    lang: str | None = None,
    explain: bool = False,
    progress: Callable[[int], None] | None = None,
    stages: str = "auto",
    org: OrgBank | None = None,
) -> Summary:
    """Analyse every item, calling `write(record)` once per item in order; returns the summary.

    `org`: an organisation's own semantic examples (`tutela scan --org`), as for `analyze_texts`."""
    summary = Summary()
    for chunk in _chunks(items, BATCH):
        todo = [it for it in chunk if it.text is not None]
        analyses = analyze_texts(
            [it.text for it in todo], settings=settings, langs=[lang] * len(todo) if lang else None, explain=explain,
            stages=stages, org=org,
        )
        by_item = {id(it): a for it, a in zip(todo, analyses, strict=True)}
        for it in chunk:
            summary.records += 1
            a = by_item.get(id(it))
            if a is None or a.error:
                # no scores and no flags on a record that was not analysed: zeros would read as "safe"
                summary.errors += 1
                write({"id": it.id, "line": it.line, "error": it.error or (a.error if a else "not analysed")})
                continue
            rec: dict[str, Any] = {
                "id": it.id,
                "lang": a.lang,
                "scores": {c.value: a.scores[c] for c in CATEGORIES},
                "flags": [c.value for c in a.flags],
                "stages": a.stages,
            }
            if a.signals:
                rec["signals"] = a.signals
            if a.truncated:
                rec["truncated"] = True
                summary.truncated += 1
            if it.error:  # read with a repair (invalid UTF-8 replaced), then analysed
                rec["warning"] = it.error
                rec["line"] = it.line
            summary.analysed += 1
            if explain and a.explanations:
                rec["explanations"] = [e.record() for e in a.explanations]
            summary.langs[a.lang] += 1
            for c in a.flags:
                summary.flags[(c.value, a.lang)] += 1
            write(rec)
        if progress is not None:
            progress(sum(it.nbytes for it in chunk))
    return summary
