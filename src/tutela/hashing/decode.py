"""Sniffing and safely decoding untrusted media bytes.

Uploads are hostile by default: a 40 KB PNG can claim to be 100,000 x 100,000
pixels and take 10 GB to decode, a truncated JPEG can half-decode, and a file
named `.jpg` can be anything. Every check here happens before pixels are
decoded, so a bad file costs microseconds and a clear `MediaError`, never a
crash, a hang or an out-of-memory kill.
"""

from __future__ import annotations

import io
import struct
import threading
from dataclasses import dataclass

from PIL import Image, ImageFile, UnidentifiedImageError

from tutela.domain.media import MediaKind
from tutela.hashing.errors import MediaError, MediaTooLarge

#: Images larger than this (width x height) are refused before decoding.
DEFAULT_MAX_PIXELS = 64_000_000
#: Default cap on the size of one file (the HTTP layer passes Settings.max_upload_bytes).
DEFAULT_MAX_BYTES = 25 * 1024 * 1024

IMAGE_FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "BMP", "HEIF", "AVIF"}
_IMAGE_SUFFIXES = {
    ".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP",
    ".bmp": "BMP", ".heic": "HEIF", ".heif": "HEIF",
}
_VIDEO_SUFFIXES = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".3gp"}
_BMP_DIB_SIZES = {12, 40, 52, 56, 64, 108, 124}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}

_heif_lock = threading.Lock()
_heif_registered = False
_heif_available = False
#: Why a HEIC photo cannot be read where the optional extra is missing (its wheel bundles GPL code, so
#: it is not a hard dependency of an Apache-2.0 package).
HEIF_MISSING = "HEIC/HEIF images need the optional 'heif' extra (pip install 'tutela[heif]')"


def _register_heif() -> bool:
    """pillow_heif adds HEIC/HEIF (iPhone photos) to Pillow; registered once, lazily. Whether it is there."""
    global _heif_registered, _heif_available
    with _heif_lock:
        if not _heif_registered:
            try:
                import pillow_heif

                pillow_heif.register_heif_opener()
                _heif_available = True
            except ImportError:  # the optional extra is not installed: HEIC files are unreadable
                _heif_available = False
            _heif_registered = True
        return _heif_available


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What the leading bytes (or failing that, the file name) say a file is."""

    kind: MediaKind
    format: str | None


def sniff(data: bytes, filename: str | None = None) -> Sniffed:
    """Classify by magic bytes first (names lie), then by suffix."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(MediaKind.IMAGE, "JPEG")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(MediaKind.IMAGE, "PNG")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed(MediaKind.IMAGE, "GIF")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Sniffed(MediaKind.IMAGE, "WEBP")
    if head.startswith(b"BM") and len(head) >= 18 and int.from_bytes(head[14:18], "little") in _BMP_DIB_SIZES:
        return Sniffed(MediaKind.IMAGE, "BMP")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return Sniffed(MediaKind.IMAGE, "HEIF")
        return Sniffed(MediaKind.VIDEO, brand.decode("ascii", "replace").strip() or "mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed(MediaKind.VIDEO, "matroska")
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return Sniffed(MediaKind.VIDEO, "avi")
    if filename:
        suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if suffix in _IMAGE_SUFFIXES:
            return Sniffed(MediaKind.IMAGE, _IMAGE_SUFFIXES[suffix])
        if suffix in _VIDEO_SUFFIXES:
            return Sniffed(MediaKind.VIDEO, suffix[1:])
    return Sniffed(MediaKind.OTHER, None)


def check_size(data: bytes, max_bytes: int | None) -> None:
    if not data:
        raise MediaError("empty file: no bytes to hash")
    limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    if len(data) > limit:
        raise MediaTooLarge(f"file too large: {len(data)} bytes, the limit is {limit}")


def open_image(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    target: int | None = None,
) -> Image.Image:
    """Decode an image fully, refusing bombs, truncation and garbage.

    `target`: when set, JPEGs whose longer side is at least twice `target`
    are decoded at half scale (DCT scaling via Pillow's `draft`): PDQ and the
    classifier reduce images far more than that anyway, half-scale decoding
    is several times faster on camera-sized photos, and it moves PDQ by only
    a few bits (deeper JPEG scaling moved it by more, so it is not used).
    Returns a loaded image in RGB or L mode (first frame of animations).

    A partly decodable image (a JPEG missing its last bytes, which browsers
    still show) is refused, never hashed or scored from the part that decoded:
    that relies on Pillow's process-wide `ImageFile.LOAD_TRUNCATED_IMAGES`
    staying off, so if any code in the process switched it on, every image is
    refused rather than silently half-read.
    """
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise MediaError("refusing to decode: Pillow's LOAD_TRUNCATED_IMAGES is switched on in this process, "
                         "so a truncated image could not be told from a whole one")
    heif = _register_heif()
    try:
        img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise MediaError(f"decompression bomb refused: {exc}") from None
    except UnidentifiedImageError:
        if not heif and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
            raise MediaError(HEIF_MISSING) from None
        raise MediaError("not a readable image: the bytes match no supported image format") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise MediaError(f"truncated or malformed image header: {exc}") from None
    width, height = img.size
    if width <= 0 or height <= 0:
        raise MediaError("malformed image: zero width or height")
    if width * height > max_pixels:
        raise MediaError(
            f"decompression bomb refused: {width}x{height} pixels exceeds the limit of {max_pixels}"
        )
    if img.format not in IMAGE_FORMATS:
        raise MediaError(f"unsupported image format {img.format!r}; supported: {', '.join(sorted(IMAGE_FORMATS))}")
    try:
        if target and img.format == "JPEG" and max(width, height) >= 2 * target:
            img.draft("RGB", ((width + 1) // 2, (height + 1) // 2))
        img.load()
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGBA").convert("RGB") if "A" in img.mode or img.mode == "P" else img.convert("RGB")
    except Image.DecompressionBombError as exc:
        raise MediaError(f"decompression bomb refused: {exc}") from None
    except MemoryError:
        raise MediaError("image too large to decode") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error) as exc:
        raise MediaError(f"truncated or corrupt image: {exc}") from None
    return img


__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "IMAGE_FORMATS",
    "Sniffed",
    "check_size",
    "open_image",
    "sniff",
]
