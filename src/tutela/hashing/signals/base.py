"""What every signal type (a kind of hash) offers.

A signal type is one small class in one file of this package that registers
itself with `@register`. It declares, as plain class attributes and a few
class methods (no mixin stack):

- how it hashes: from the file's bytes (`hash_bytes`), and optionally from a
  decoded image (`hash_image`) when hashing a photo is cheaper from pixels the
  hasher already decoded once for every image signal;
- how it is indexed and matched (`matching`): `EXACT` values are looked up in
  the database (a B-tree probe), `HAMMING` values of `bits` bits are searched
  in an in-memory multi-index (`HashIndex`) within a distance threshold;
- its distance and default threshold, and which threshold a bank applies;
- what to search for a file (`queries`): by default its one value; PDQ adds
  the eight rotations/flips and a video's sampled frames;
- its exchange names: python-threatexchange's name per content type (`te_names`,
  MD5 of a photo and of a video are different types there) and the STIX 2.1
  hash-algorithm name (`stix_name`) for the signed exchange.

It brings `examples()` that the shared tests in
`tests/hashing/test_signal_examples.py` run, so a new hasher brings its own tests.
The matcher, the banks, the hasher and the bank formats iterate over `SIGNALS`,
so a new type needs no change there (see docs/architecture.md, "add a signal type").
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from PIL import Image

    from tutela.domain.media import BankInfo, MediaHashes


class Matching(StrEnum):
    """How values of a signal type are compared."""

    #: equal values only; looked up in the database by (signal_type, value)
    EXACT = "exact"
    #: within a Hamming distance; searched in a per-process multi-index
    HAMMING = "hamming"


#: content types as exchanges name them (python-threatexchange's ContentType names)
PHOTO, VIDEO = "photo", "video"


@dataclass(frozen=True)
class SignalExample:
    """Two inputs and whether their hashes must be within the signal's match
    threshold. Inputs are produced lazily so that importing the registry stays cheap."""

    name: str
    first: Callable[[], bytes]
    second: Callable[[], bytes]
    should_match: bool


@dataclass(frozen=True)
class ImageHash:
    """A value computed from decoded pixels, with the signal's own quality
    score (0..100) when it has one, and variants (e.g. rotations) when asked."""

    value: str
    quality: int | None = None
    variants: list[str] | None = None


@dataclass(frozen=True)
class Query:
    """One value to search for a file, what it stands for, and its quality."""

    value: str
    label: str = "original"
    quality: int = 100


class SignalType(ABC):
    """One kind of hash. Subclasses are stateless and used through the class."""

    #: Tutela's name for it (stored in banks, used in the API).
    name: ClassVar[str]
    #: number of hex digits in a value
    hex_len: ClassVar[int]
    #: how values are compared and indexed
    matching: ClassVar[Matching] = Matching.EXACT
    #: default maximum distance that counts as a match (0 for exact hashes)
    default_threshold: ClassVar[int] = 0
    #: python-threatexchange's name per content type (None: content type unknown)
    te_names: ClassVar[Mapping[str | None, str]] = {}
    #: STIX 2.1 hash-algorithm name (`hashes` dictionary key); custom ones start with "x-"
    stix_name: ClassVar[str | None] = None
    #: the quality below which a bank's `min_quality` applies (signals without quality: none)
    has_quality: ClassVar[bool] = False

    @classmethod
    def bits(cls) -> int:
        return cls.hex_len * 4

    @classmethod
    def normalize(cls, value: str) -> str:
        """Canonical form (lower-case hex) or ValueError naming the problem."""
        v = value.strip().lower()
        if not re.fullmatch(rf"[0-9a-f]{{{cls.hex_len}}}", v):
            raise ValueError(f"{value!r} is not a valid {cls.name} value ({cls.hex_len} hex digits)")
        return v

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        """Hamming distance in bits; exact hashes use it only as 0 / non-zero."""
        return (int(a, 16) ^ int(b, 16)).bit_count()

    @classmethod
    @abstractmethod
    def hash_bytes(cls, data: bytes) -> str | None:
        """The value for a file, or None when the signal does not apply to it."""

    #: whether `hash_image` is offered (the hasher then passes decoded images)
    hashes_images: ClassVar[bool] = False

    @classmethod
    def hash_image(cls, img: Image.Image, *, variants: bool = False) -> ImageHash | None:
        """The value for a decoded image (signals with `hashes_images`)."""
        raise NotImplementedError(f"{cls.name} does not hash decoded images")

    @classmethod
    def threshold(cls, bank: BankInfo) -> int:
        """The distance a bank accepts for this signal (its setting, else the default)."""
        return cls.default_threshold

    @classmethod
    def queries(cls, hashes: MediaHashes) -> list[Query]:
        """What to search for a file: its one value of this type, if any."""
        value = hashes.signals().get(cls.name)
        return [Query(value)] if value else []

    @classmethod
    def te_name(cls, content_type: str | None = None) -> str:
        """python-threatexchange's name for this signal on a content type."""
        try:
            return cls.te_names[content_type]
        except KeyError:
            return cls.te_names.get(None, cls.name)

    @classmethod
    def examples(cls) -> list[SignalExample]:
        return []


SIGNALS: dict[str, type[SignalType]] = {}


def register(cls: type[SignalType]) -> type[SignalType]:
    """Class decorator adding a signal type to the registry."""
    if cls.name in SIGNALS and SIGNALS[cls.name] is not cls:
        raise ValueError(f"signal type {cls.name!r} registered twice")
    if cls.matching is Matching.HAMMING and cls.bits() > 256:
        raise ValueError(f"{cls.name}: Hamming signals of more than 256 bits are not supported by the index")
    SIGNALS[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    """Remove a signal type (tests that register a toy one clean up with this)."""
    SIGNALS.pop(name, None)


def get_signal(name: str) -> type[SignalType]:
    """Look a signal type up by Tutela's or python-threatexchange's name."""
    return resolve_name(name)[0]


def resolve_name(name: str) -> tuple[type[SignalType], str | None]:
    """(signal type, content type or None) for Tutela's or an exchange's name:
    `photo_md5` is MD5 of a photo, `video_md5` MD5 of a video, `md5` either."""
    key = name.strip().lower()
    if key in SIGNALS:
        return SIGNALS[key], None
    for sig in SIGNALS.values():
        for content, te in sig.te_names.items():
            if te == key:
                return sig, content
    for sig in SIGNALS.values():
        if sig.stix_name and sig.stix_name.lower() == key:
            return sig, None
    raise ValueError(f"unknown signal type {name!r}; known: {', '.join(sorted(SIGNALS))}")


def hamming_signals() -> list[type[SignalType]]:
    return [s for s in SIGNALS.values() if s.matching is Matching.HAMMING]


def exact_signals() -> list[type[SignalType]]:
    return [s for s in SIGNALS.values() if s.matching is Matching.EXACT]


def as_dict(sig: type[SignalType]) -> dict[str, Any]:
    """What a signal type declares, for `tutela` listings and docs."""
    return {
        "name": sig.name, "bits": sig.bits(), "matching": sig.matching.value,
        "default_threshold": sig.default_threshold, "te_names": {str(k): v for k, v in sig.te_names.items()},
        "stix_name": sig.stix_name, "hashes_images": sig.hashes_images,
    }
