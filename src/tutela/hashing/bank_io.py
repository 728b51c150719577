"""Import and export of bank entries: a registry of bank formats.

A format is one object with a `name`, a `read` (text -> rows) and a `write`
(entries -> text), registered with `register_format`. Two ship here:

- `csv`: a header; columns `signal_type`, `value`, `label`, `quality`,
  `content_type` (also accepted: `signal`/`type` and `hash`). Without a
  signal column every row is taken as the `signal` given by the caller.
- `te`: python-threatexchange's text form, what `threatexchange hash` prints
  and its `match --hashes` reads: one `<signal name> <hash>` per line, or bare
  hashes with the signal given; extra text after the hash is the entry's label.
  Signal names follow each signal type's `te_names`: an MD5 of a photo is
  `photo_md5`, of a video `video_md5`, of content of unknown type plain `md5`.

Other exchange formats (STIX bundles, NCMEC-style lists: the `exchange`
package) register themselves the same way:

    from tutela.hashing.bank_io import BankFormat, register_format
    register_format(BankFormat("stix", read_stix, write_stix, "STIX 2.1 bundle of indicators"))

A reader yields rows `(signal_type, value, label, quality, content_type)`;
`signal_type` may be any name `signals.resolve_name` knows. Rows that fail
are reported one by one by `banks.add_entries`; the rest are imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

from tutela.domain.media import BankEntry
from tutela.hashing.signals import get_signal

#: (signal_type, value, label, quality, content_type)
Row = tuple[str, str, str | None, int | None, str | None]
Reader = Callable[[TextIO, str], Iterator[Row]]
Writer = Callable[[Iterable[BankEntry], TextIO], int]


@dataclass(frozen=True)
class BankFormat:
    """One import/export format. `read(stream, default_signal)` yields rows;
    `write(entries, stream)` returns how many entries it wrote."""

    name: str
    read: Reader
    write: Writer
    description: str = ""
    #: the media type a door serves an export as
    media_type: str = "text/plain"


#: registered formats by name (iterating gives the names, as the doors list them)
FORMATS: dict[str, BankFormat] = {}


def register_format(fmt: BankFormat, *, replace: bool = False) -> BankFormat:
    """Add a format. Registering a name twice is an error unless `replace`."""
    if fmt.name in FORMATS and not replace and FORMATS[fmt.name] is not fmt:
        raise ValueError(f"bank format {fmt.name!r} registered twice")
    FORMATS[fmt.name] = fmt
    return fmt


def get_format(name: str) -> BankFormat:
    if name not in FORMATS:
        import tutela.exchange.formats  # noqa: F401 - the exchange's formats register themselves on import
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown format {name!r}; use one of {', '.join(FORMATS)}") from None


# -- CSV ---------------------------------------------------------------------
def read_csv(stream: TextIO, signal: str = "pdq") -> Iterator[Row]:
    reader = csv.DictReader(stream)
    cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
    sig_col = cols.get("signal_type") or cols.get("signal") or cols.get("type")
    val_col = cols.get("value") or cols.get("hash")
    if val_col is None:
        raise ValueError("CSV needs a 'value' (or 'hash') column")

    def cell(row: dict[str, str | None], name: str) -> str:
        return (row.get(cols[name]) or "").strip() if name in cols else ""

    for row in reader:
        quality = cell(row, "quality")
        yield (
            (row.get(sig_col) or signal).strip() if sig_col else signal,
            (row.get(val_col) or "").strip(),
            cell(row, "label") or None,
            int(quality) if quality.isdigit() else None,
            cell(row, "content_type") or None,
        )


def write_csv(entries: Iterable[BankEntry], stream: TextIO) -> int:
    w = csv.writer(stream, lineterminator="\n")
    w.writerow(["signal_type", "value", "label", "quality", "content_type"])
    n = 0
    for e in entries:
        w.writerow([e.signal_type, e.value, e.label or "", "" if e.quality is None else e.quality,
                    e.content_type or ""])
        n += 1
    return n


# -- python-threatexchange text ----------------------------------------------
def read_te(stream: TextIO, signal: str = "pdq") -> Iterator[Row]:
    for raw in stream:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) >= 2 and not _is_hex(parts[0]):
            yield parts[0], parts[1], (parts[2] if len(parts) > 2 else None), None, None
        else:
            yield signal, parts[0], (" ".join(parts[1:]) or None), None, None


def write_te(entries: Iterable[BankEntry], stream: TextIO) -> int:
    n = 0
    for e in entries:
        te = get_signal(e.signal_type).te_name(e.content_type)
        label = f" {e.label}" if e.label else ""
        stream.write(f"{te} {e.value}{label}\n")
        n += 1
    return n


def _is_hex(s: str) -> bool:
    return len(s) >= 16 and all(c in "0123456789abcdefABCDEF" for c in s)


register_format(BankFormat("csv", read_csv, write_csv, "CSV with a header row", "text/csv"))
register_format(BankFormat("te", read_te, write_te, "python-threatexchange's `<signal> <hash> [label]` lines"))


# -- entry points ------------------------------------------------------------
def read_entries(stream: TextIO, fmt: str, *, signal: str = "pdq") -> Iterator[Row]:
    """Rows (signal_type, value, label, quality, content_type) from a file in a registered format."""
    get_signal(signal)  # fail early on an unknown default signal
    return get_format(fmt).read(stream, signal)


def write_entries(entries: Iterable[BankEntry], stream: TextIO, fmt: str) -> int:
    """Write entries in a registered format; returns how many were written."""
    return get_format(fmt).write(entries, stream)


def export_text(entries: Iterable[BankEntry], fmt: str) -> str:
    buf = io.StringIO()
    write_entries(entries, buf, fmt)
    return buf.getvalue()


__all__ = [
    "FORMATS", "BankFormat", "Row", "export_text", "get_format", "read_entries", "register_format",
    "write_entries",
]
