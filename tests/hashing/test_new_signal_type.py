"""Adding a signal type is one registered class: a toy 64-bit Hamming hash
(an "average hash" of 8x8 grey pixels), registered only inside this test,
flows through hashing, a bank, matching, export and import with no change
to the hasher, the matcher, the banks or the formats."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from typing import ClassVar

import numpy as np
import pytest
from PIL import Image

from tutela.access import create_org
from tutela.hashing import hash_bytes, match_bytes
from tutela.hashing.bank_io import FORMATS, BankFormat, export_text, read_entries, register_format
from tutela.hashing.banks import add_entries, create_bank, list_entries
from tutela.hashing.decode import open_image
from tutela.hashing.errors import MediaError
from tutela.hashing.signals import SIGNALS
from tutela.hashing.signals.base import ImageHash, Matching, SignalType, register, unregister
from tutela.hashing.synthetic import encode, synthetic_image
from tutela.storage.db import Database


class AverageHash(SignalType):
    """64 bits: is each of 8x8 grey pixels brighter than their mean."""

    name = "toyahash"
    hex_len = 16
    matching = Matching.HAMMING
    default_threshold = 8
    hashes_images = True
    te_names: ClassVar[Mapping[str | None, str]] = {None: "toy_ahash"}
    stix_name = "x-toy-ahash"

    @classmethod
    def hash_image(cls, img: Image.Image, *, variants: bool = False) -> ImageHash:
        small = np.asarray(img.convert("L").resize((8, 8), Image.Resampling.BOX), dtype=np.float64)
        bits = (small > small.mean()).flatten()
        return ImageHash(f"{int(''.join('1' if b else '0' for b in bits), 2):016x}")

    @classmethod
    def hash_bytes(cls, data: bytes) -> str | None:
        try:
            return cls.hash_image(open_image(data)).value
        except MediaError:
            return None


@pytest.fixture()
def toy_signal() -> Iterator[type[SignalType]]:
    register(AverageHash)
    yield AverageHash
    unregister(AverageHash.name)


def test_registered_type_flows_through(db: Database, toy_signal: type[SignalType]) -> None:
    org = create_org(db, "hotline-toy", kind="hotline")
    bank = create_bank(db, org, "toy-bank")
    original = synthetic_image(41, (320, 240))
    hashes = hash_bytes(encode(original, "PNG"))
    value = hashes.signals()["toyahash"]
    assert hashes.other == {"toyahash": value} and len(value) == 16
    assert "other" in hashes.model_dump(mode="json")
    assert add_entries(db, bank.id, [("toyahash", value, "toy-item")]).added == 1

    # a re-encoded, resized copy: MD5/SHA-256 differ, the toy hash is near
    copy = encode(original.resize((160, 120)), "JPEG", quality=70)
    got, matches = match_bytes(db, copy)
    toy = [m for m in matches if m.signal_type == "toyahash"]
    assert len(toy) == 1 and toy[0].entry_label == "toy-item"
    assert toy[0].distance == toy_signal.distance(got.other["toyahash"], value) <= toy[0].radius == 8
    assert not [m for m in match_bytes(db, encode(synthetic_image(42, (320, 240)), "PNG"))[1]
                if m.signal_type == "toyahash"]

    # export and import in every registered format
    for fmt in ("csv", "te"):
        text = export_text(list_entries(db, bank.id), fmt)
        assert ("toy_ahash " if fmt == "te" else "toyahash,") + value in text
        other = create_bank(db, org, f"toy-copy-{fmt}")
        res = add_entries(db, other.id, read_entries(io.StringIO(text), fmt))
        assert res.added == 1 and not res.errors
        assert [(e.signal_type, e.value) for e in list_entries(db, other.id)] == [("toyahash", value)]


def test_without_the_type_nothing_changes(db: Database) -> None:
    assert "toyahash" not in SIGNALS
    hashes = hash_bytes(encode(synthetic_image(41, (320, 240)), "PNG"))
    assert hashes.other == {} and "other" not in hashes.model_dump(mode="json")


def test_a_bank_format_can_be_registered() -> None:
    """The hook the exchange package uses: a format registered by name is
    served by read_entries/export_text like the built-in ones."""

    def read_pipe(stream: io.TextIOBase, signal: str) -> Iterator[tuple]:
        for line in stream:
            if line.strip():
                sig, value = line.strip().split("|")
                yield sig, value, None, None, None

    def write_pipe(entries, stream) -> int:
        n = 0
        for e in entries:
            stream.write(f"{e.signal_type}|{e.value}\n")
            n += 1
        return n

    fmt = register_format(BankFormat("pipe-test", read_pipe, write_pipe))
    try:
        with pytest.raises(ValueError, match="registered twice"):
            register_format(BankFormat("pipe-test", read_pipe, write_pipe))
        rows = list(read_entries(io.StringIO("md5|" + "a" * 32 + "\n"), "pipe-test"))
        assert rows == [("md5", "a" * 32, None, None, None)]
    finally:
        FORMATS.pop(fmt.name)
    with pytest.raises(ValueError, match="unknown format"):
        read_entries(io.StringIO(""), "pipe-test")
