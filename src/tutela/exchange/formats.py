"""Hash-list file formats of the exchange world, registered as bank formats (`tutela bank import -f ...`).

- `ncmec`: an NCMEC-style industry hash list: CSV whose header names hash columns
  (`MD5`, `SHA256`/`SHA-256`, `PDQ`; other columns such as `SHA1` or `PhotoDNA`
  are reported per row as unknown signal types, never silently dropped) and
  optionally `ID` (kept as the entry label) and `MediaType` (`image`/`photo` or
  `video`). One row describes one file and may carry several hashes.
- python-threatexchange's text form (`te`) ships with `tutela.hashing.bank_io`;
  signed STIX bundles are `tutela exchange export/import`, not a bank format,
  because they carry a signature and a partner.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import TextIO

from tutela.domain.media import BankEntry
from tutela.hashing.bank_io import BankFormat, Row, register_format

_HASH_COLUMNS = {"md5": "md5", "sha256": "sha256", "sha-256": "sha256", "pdq": "pdq", "sha1": "sha1",
                 "photodna": "photodna"}
_MEDIA = {"image": "photo", "photo": "photo", "picture": "photo", "video": "video"}


def read_ncmec(stream: TextIO, signal: str = "pdq") -> Iterator[Row]:
    reader = csv.DictReader(stream)
    cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
    hash_cols = [(cols[c], _HASH_COLUMNS[c]) for c in cols if c in _HASH_COLUMNS]
    if not hash_cols:
        raise ValueError("an NCMEC-style list needs at least one hash column (MD5, SHA256, PDQ)")
    id_col = cols.get("id") or cols.get("hashid") or cols.get("hash_id")
    media_col = cols.get("mediatype") or cols.get("media_type") or cols.get("type")
    for row in reader:
        label = (row.get(id_col) or "").strip() or None if id_col else None
        media = _MEDIA.get((row.get(media_col) or "").strip().lower()) if media_col else None
        for col, sig in hash_cols:
            value = (row.get(col) or "").strip()
            if value:
                yield sig, value, label, None, media


def write_ncmec(entries: Iterable[BankEntry], stream: TextIO) -> int:
    w = csv.writer(stream, lineterminator="\n")
    w.writerow(["ID", "MediaType", "MD5", "SHA256", "PDQ"])
    n = 0
    for e in entries:
        cells = {"md5": "", "sha256": "", "pdq": ""}
        if e.signal_type not in cells:
            continue
        cells[e.signal_type] = e.value
        media = {"photo": "image", "video": "video"}.get(e.content_type or "", "")
        w.writerow([e.label or "", media, cells["md5"], cells["sha256"], cells["pdq"]])
        n += 1
    return n


register_format(BankFormat("ncmec", read_ncmec, write_ncmec, "NCMEC-style hash list (CSV of MD5/SHA256/PDQ columns)",
                           "text/csv"))
