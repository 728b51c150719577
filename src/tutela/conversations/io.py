"""Reading conversations from files: JSONL (one conversation per line) or a chat log.

A chat log is plain text with one `sender: text` line per message, optionally
prefixed by a timestamp in brackets (`[2026-01-05 19:02] sam: hi`); the whole
file is one conversation named after the file. Bad lines never stop a scan:
a JSONL line that is not valid JSON becomes an error record, a chat line
without `sender:` is reported by its index and skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

_CHAT_LINE = re.compile(r"^\s*(?:\[(?P<ts>[^\]]{1,40})\]\s*)?(?P<sender>[^:\n]{1,80}?)\s*:\s?(?P<text>.*)$")


def sniff_format(first_line: str) -> str:
    return "jsonl" if first_line.lstrip().startswith("{") else "chat"


def iter_jsonl(fh: IO[str]) -> Iterator[dict[str, Any]]:
    """Records; an unparseable line yields {"id": "line:N", "_error": ...}."""
    for n, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"id": f"line:{n}", "_error": f"line {n}: invalid JSON ({exc.msg} at column {exc.colno})"}
            continue
        if not isinstance(rec, dict):
            yield {"id": f"line:{n}", "_error": f"line {n}: expected a JSON object, got {type(rec).__name__}"}
            continue
        rec.setdefault("id", f"line:{n}")
        yield rec


def parse_chat_log(lines: list[str], conversation_id: str) -> dict[str, Any]:
    """A chat log as one record; unparseable lines are kept as messages without a sender,
    so they are reported (with their line's index) and the rest still counts."""
    messages: list[dict[str, Any]] = []
    for line in lines:
        if not line.strip():
            continue
        m = _CHAT_LINE.match(line.rstrip("\n"))
        if m is None or not m.group("sender").strip():
            messages.append({"sender": "", "text": line.strip()})
            continue
        msg: dict[str, Any] = {"sender": m.group("sender").strip(), "text": m.group("text")}
        if m.group("ts"):
            msg["ts"] = m.group("ts").strip().replace(" ", "T", 1)
        messages.append(msg)
    return {"id": conversation_id, "messages": messages}


def read_conversations(path: str | Path, stream: IO[str] | None = None, fmt: str = "auto") -> Iterator[dict[str, Any]]:
    """Conversation records from a file (or an already open stream, e.g. stdin)."""
    p = Path(path)
    fh = stream if stream is not None else p.open(encoding="utf-8", errors="replace")
    try:
        first = ""
        buffered: list[str] = []
        for line in fh:
            buffered.append(line)
            if line.strip():
                first = line
                break
        kind = sniff_format(first) if fmt == "auto" else fmt
        if kind == "jsonl":
            yield from iter_jsonl(_chain(buffered, fh))
        elif kind == "chat":
            name = p.stem if stream is None else "stdin"
            yield parse_chat_log(buffered + list(fh), name)
        else:
            raise ValueError(f"unknown format {fmt!r}; use auto, jsonl or chat")
    finally:
        if stream is None:
            fh.close()


def _chain(first: list[str], rest: IO[str]) -> Any:
    class _It:
        def __iter__(self):  # noqa: ANN204
            yield from first
            yield from rest

    return _It()
