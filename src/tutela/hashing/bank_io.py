"""Import and export of bank entries: CSV, and python-threatexchange's text form.

CSV has a header; columns `signal_type`, `value`, `label`, `quality` (also
accepted: `signal`/`type` and `hash`). Without a signal column every row is
taken as the `signal` given by the caller.

The threatexchange form is what `threatexchange hash` prints and what its
`match --hashes` reads: one `<signal name> <hash>` per line (`pdq`,
`video_md5`, `video_sha256`), or bare hashes with the signal given. Extra
text after the hash is kept as the entry's label. Lines that fail are
reported one by one; the rest are imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import TextIO

from tutela.domain.media import BankEntry
from tutela.hashing.signals import get_signal

FORMATS = ("csv", "te")

_Row = tuple[str, str, str | None, int | None]




def read_csv(stream: TextIO, *, signal: str = "pdq") -> Iterator[_Row]:
    reader = csv.DictReader(stream)
    cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
    sig_col = cols.get("signal_type") or cols.get("signal") or cols.get("type")
    val_col = cols.get("value") or cols.get("hash")
    if val_col is None:
        raise ValueError("CSV needs a 'value' (or 'hash') column")
    for row in reader:
        quality = (row.get(cols["quality"]) or "").strip() if "quality" in cols else ""
        label = (row.get(cols["label"]) or "").strip() if "label" in cols else ""
        yield (
            (row.get(sig_col) or signal).strip() if sig_col else signal,
            (row.get(val_col) or "").strip(),
            label or None,
            int(quality) if quality.isdigit() else None,
        )


def read_te(stream: TextIO, *, signal: str = "pdq") -> Iterator[_Row]:
    for raw in stream:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) >= 2 and not _is_hex(parts[0]):
            yield parts[0], parts[1], (parts[2] if len(parts) > 2 else None), None
        else:
            yield signal, parts[0], (" ".join(parts[1:]) or None), None


def _is_hex(s: str) -> bool:
    return len(s) >= 32 and all(c in "0123456789abcdefABCDEF" for c in s)


def read_entries(stream: TextIO, fmt: str, *, signal: str = "pdq") -> Iterator[_Row]:
    """Rows (signal_type, value, label, quality) from a CSV or threatexchange file."""
    get_signal(signal)  # fail early on an unknown default signal
    if fmt == "csv":
        return read_csv(stream, signal=signal)  # type: ignore[return-value]
    if fmt == "te":
        return read_te(stream, signal=signal)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_entries(entries: Iterable[BankEntry], stream: TextIO, fmt: str) -> int:
    """Write entries; returns how many were written."""
    n = 0
    if fmt == "csv":
        w = csv.writer(stream, lineterminator="\n")
        w.writerow(["signal_type", "value", "label", "quality"])
        for e in entries:
            w.writerow([e.signal_type, e.value, e.label or "", "" if e.quality is None else e.quality])
            n += 1
    elif fmt == "te":
        for e in entries:
            te = get_signal(e.signal_type).te_name
            label = f" {e.label}" if e.label else ""
            stream.write(f"{te} {e.value}{label}\n")
            n += 1
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return n


def export_text(entries: Iterable[BankEntry], fmt: str) -> str:
    buf = io.StringIO()
    write_entries(entries, buf, fmt)
    return buf.getvalue()


__all__ = ["FORMATS", "export_text", "read_entries", "write_entries"]
