"""NCMEC-style hash lists and python-threatexchange files as bank formats."""

from __future__ import annotations

import io

from tutela.access import create_org
from tutela.hashing import bank_io, banks

NCMEC = """ID,MediaType,MD5,SHA1,PDQ
n-1,image,{md5},,{pdq}
n-2,video,{md5b},da39a3ee5e6b4b0d3255bfef95601890afd80709,
""".format(md5="0" * 32, pdq="f" * 64, md5b="1" * 32)


def test_ncmec_style_list_imports_every_hash_and_reports_the_unknown(db) -> None:  # noqa: ANN001
    org = create_org(db, "tr-hotline")
    banks.create_bank(db, org, "ncmec")
    rows = list(bank_io.read_entries(io.StringIO(NCMEC), "ncmec"))
    result = banks.add_entries(db, "ncmec", rows)
    assert result.added == 3 and len(result.errors) == 1 and "sha1" in result.errors[0]
    entries = {e.value: e for e in banks.list_entries(db, "ncmec")}
    assert entries["f" * 64].label == "n-1" and entries["f" * 64].content_type == "photo"
    assert entries["1" * 32].content_type == "video"
    again = list(bank_io.read_entries(io.StringIO(bank_io.export_text(list(entries.values()), "ncmec")), "ncmec"))
    assert sorted(r[1] for r in again) == sorted(entries)


def test_threatexchange_text_round_trips_through_a_bank(db) -> None:  # noqa: ANN001
    org = create_org(db, "tr-hotline")
    banks.create_bank(db, org, "te")
    text = f"pdq {'e' * 64} case-9\nvideo_md5 {'2' * 32}\n"
    banks.add_entries(db, "te", list(bank_io.read_entries(io.StringIO(text), "te")))
    out = bank_io.export_text(banks.list_entries(db, "te"), "te")
    assert f"pdq {'e' * 64} case-9" in out and f"video_md5 {'2' * 32}" in out
