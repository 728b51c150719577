"""Hash one file: every registered signal type that applies to it.

MD5 and SHA-256 (signals that hash bytes) for every file; PDQ (with quality)
and any other signal that hashes decoded images for images, from one guarded
decode shared by all of them.

This is the single entry point every door uses (`tutela hash`, `POST
/v1/media/hash`, evidence intake), so a file is judged the same way
everywhere: size first, then magic bytes, then a guarded decode.
"""

from __future__ import annotations

from pathlib import Path

from tutela.domain.media import MediaHashes, MediaKind
from tutela.hashing.decode import DEFAULT_MAX_PIXELS, check_size, open_image, sniff
from tutela.hashing.errors import MediaError, MediaTooLarge
from tutela.hashing.signals import SIGNALS
from tutela.hashing.signals.pdq import WORK_SIZE


def hash_bytes(
    data: bytes,
    *,
    filename: str | None = None,
    max_bytes: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    dihedral: bool = False,
    video: bool = True,
) -> MediaHashes:
    """Every hash of one file.

    Files that are not images (or videos) still get MD5 and SHA-256 with kind
    `other`. A file whose bytes or name say "image" but which does not decode
    (truncated, malformed, a decompression bomb) raises `MediaError`, because a
    hotline must know that the PDQ it expected is missing, not get a silent gap.
    `dihedral=True` also returns the eight rotation/flip PDQ variants.
    Videos get PDQ of one frame per second (`vpdq`) unless `video=False`.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise MediaError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    check_size(data, max_bytes)
    sniffed = sniff(data, filename)
    result = MediaHashes(md5="", sha256="", size=len(data), kind=sniffed.kind, format=sniffed.format,
                         filename=filename)
    for sig in SIGNALS.values():
        if not sig.hashes_images:
            result.set_signal(sig.name, sig.hash_bytes(data))
    if sniffed.kind is MediaKind.IMAGE:
        img = open_image(data, max_pixels=max_pixels, target=WORK_SIZE)
        result.format = img.format or sniffed.format
        result.width, result.height = img.size if img.format != "JPEG" else _declared_size(data, img)
        for sig in SIGNALS.values():
            if sig.hashes_images:
                got = sig.hash_image(img, variants=dihedral)
                if got is None:
                    continue
                result.set_signal(sig.name, got.value)
                if sig.name == "pdq":  # the contract's named PDQ fields
                    result.pdq_quality, result.pdq_dihedral = got.quality, got.variants
    elif sniffed.kind is MediaKind.VIDEO and video:
        from tutela.hashing.video import hash_video

        frames, duration, width, height = hash_video(data, max_pixels=max_pixels)
        result.vpdq, result.duration, result.width, result.height = frames, duration, width, height
    return result


def _declared_size(data: bytes, img: object) -> tuple[int, int]:
    """The real size of a JPEG decoded at reduced scale (`draft` shrinks `img.size`)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as probe:
        return probe.size


def hash_file(path: str | Path, **kwargs: object) -> MediaHashes:
    """Hash a file on disk; refuses over-size files before reading them."""
    p = Path(path)
    limit = kwargs.get("max_bytes")
    try:
        size = p.stat().st_size
        if limit is not None and size > int(limit):  # type: ignore[arg-type]
            raise MediaTooLarge(f"file too large: {size} bytes, the limit is {limit}")
        data = p.read_bytes()
    except OSError as exc:
        raise MediaError(f"cannot read {p}: {exc.strerror or exc}") from None
    return hash_bytes(data, filename=p.name, **kwargs)  # type: ignore[arg-type]


__all__ = ["MediaError", "hash_bytes", "hash_file"]
