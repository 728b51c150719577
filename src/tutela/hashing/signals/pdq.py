"""PDQ: Meta's perceptual hash for photos (256 bits, Hamming distance).

PDQ survives resizing, re-encoding and small crops, which is why hotlines and
StopNCII share PDQ lists: a copy of known material that was re-saved by an app
still lands within distance ~31 of the original. Flips and rotations move the
hash far away, so matching also tries the eight dihedral variants of the query
(`pdq_dihedral`), which PDQ computes almost for free from the same DCT.
The quality score (0..100) says how much structure the image had: flat or
nearly blank images hash unreliably, so banks ignore queries below a minimum.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pdqhash
from PIL import Image

from tutela.hashing.decode import open_image
from tutela.hashing.errors import MediaError
from tutela.hashing.signals.base import (
    PHOTO,
    VIDEO,
    ImageHash,
    Matching,
    Query,
    SignalExample,
    SignalType,
    register,
)
from tutela.hashing.synthetic import encode, synthetic_image

if TYPE_CHECKING:
    from tutela.domain.media import BankInfo, MediaHashes

#: JPEGs at least twice this size on the longer side are decoded at half
#: scale before PDQ (see `decode.open_image`); PDQ itself boils everything
#: down to 64x64, so this changes only a few bits.
WORK_SIZE = 800
#: the dihedral variants in pdqhash's order: the transform applied to the
#: query image (rotations counter-clockwise, as Pillow's ROTATE_90)
DIHEDRAL_NAMES = (
    "original", "rotate90", "rotate180", "rotate270", "flip_vertical", "flip_horizontal", "transpose", "transverse",
)


def _bits_to_hex(bits: np.ndarray) -> str:
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def _pixels(img: Image.Image) -> np.ndarray:
    arr = np.asarray(img.convert("RGB") if img.mode != "RGB" else img)
    return np.ascontiguousarray(arr)


def pdq_from_image(img: Image.Image, *, dihedral: bool = False) -> tuple[str, int, list[str] | None]:
    """(hex hash, quality, the 8 dihedral hashes or None) for a decoded image."""
    arr = _pixels(img)
    if dihedral:
        hashes, quality = pdqhash.compute_dihedral(arr)
        hexes = [_bits_to_hex(h) for h in hashes]
        return hexes[0], int(quality), hexes
    bits, quality = pdqhash.compute(arr)
    return _bits_to_hex(bits), int(quality), None


@register
class PdqSignal(SignalType):
    name = "pdq"
    hex_len = 64
    matching = Matching.HAMMING
    default_threshold = 31
    has_quality = True
    hashes_images = True
    # python-threatexchange's PDQ is a photo signal; video frames hashed with
    # PDQ are exchanged as the same type (vPDQ frame lists have their own format)
    te_names: ClassVar[Mapping[str | None, str]] = {PHOTO: "pdq", VIDEO: "pdq", None: "pdq"}
    stix_name = "x-pdq"

    @classmethod
    def hash_image(cls, img: Image.Image, *, variants: bool = False) -> ImageHash:
        value, quality, dihedral = pdq_from_image(img, dihedral=variants)
        return ImageHash(value, quality, dihedral)

    @classmethod
    def threshold(cls, bank: BankInfo) -> int:
        return bank.pdq_radius

    @classmethod
    def queries(cls, hashes: MediaHashes) -> list[Query]:
        """The image's dihedral variants (or its PDQ), and a video's sampled frames."""
        out: list[Query] = []
        if hashes.pdq:
            variants = hashes.pdq_dihedral or [hashes.pdq]
            quality = hashes.pdq_quality if hashes.pdq_quality is not None else 100
            for i, v in enumerate(variants):
                out.append(Query(v, DIHEDRAL_NAMES[i] if len(variants) > 1 else "original", quality))
        for frame in hashes.vpdq or []:
            out.append(Query(frame.pdq, f"frame@{frame.second:g}s", frame.quality))
        return out

    @classmethod
    def hash_bytes(cls, data: bytes) -> str | None:
        try:
            img = open_image(data, target=WORK_SIZE)
        except MediaError:
            return None
        return pdq_from_image(img)[0]

    @classmethod
    def examples(cls) -> list[SignalExample]:
        def original() -> bytes:
            return encode(synthetic_image(7, (400, 300)), "PNG")

        def resized() -> bytes:
            return encode(synthetic_image(7, (400, 300)).resize((200, 150)), "JPEG", quality=70)

        def cropped() -> bytes:
            return encode(synthetic_image(7, (400, 300)).crop((2, 2, 398, 298)), "WEBP")

        def other() -> bytes:
            return encode(synthetic_image(8, (400, 300)), "PNG")

        return [
            SignalExample("resized and re-encoded", original, resized, True),
            SignalExample("slightly cropped", original, cropped, True),
            SignalExample("unrelated picture", original, other, False),
        ]
