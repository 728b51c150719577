"""hash_bytes on every supported format, against reference implementations,
and on every kind of bad input."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from tutela.hashing import MediaError, MediaKind, MediaTooLarge, hash_bytes, hash_file
from tutela.hashing.synthetic import encode, synthetic_image, synthetic_jpeg

FORMATS = ["JPEG", "PNG", "GIF", "WEBP", "BMP"]


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


@pytest.mark.parametrize("fmt", FORMATS)
def test_formats_hash_with_pdq(fmt: str) -> None:
    img = synthetic_image(21, (300, 200))
    data = encode(img, fmt)
    h = hash_bytes(data)
    assert h.kind is MediaKind.IMAGE and h.format == fmt
    assert (h.width, h.height) == (300, 200)
    assert h.md5 == hashlib.md5(data).hexdigest()
    assert h.sha256 == hashlib.sha256(data).hexdigest()
    assert h.pdq is not None and len(h.pdq) == 64 and 0 <= (h.pdq_quality or 0) <= 100
    # every format of the same picture lands near the lossless PNG's hash
    ref = hash_bytes(encode(img, "PNG")).pdq
    assert _distance(h.pdq, ref) <= 31


def test_heic_is_read() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    try:
        synthetic_image(22, (256, 192)).save(buf, format="HEIF", quality=90)
    except (KeyError, OSError, ValueError) as exc:  # encoder missing in this build
        pytest.skip(f"no HEIF encoder: {exc}")
    h = hash_bytes(buf.getvalue(), filename="photo.heic")
    assert h.format == "HEIF" and h.pdq is not None
    assert _distance(h.pdq, hash_bytes(encode(synthetic_image(22, (256, 192)), "PNG")).pdq) <= 31


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("size", [(320, 240), (1600, 1200)])
def test_pdq_close_to_threatexchange_reference(seed: int, size: tuple[int, int]) -> None:
    from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes

    data = synthetic_jpeg(seed, size)
    ref_hash, ref_quality = pdq_from_bytes(data)
    h = hash_bytes(data)
    assert _distance(h.pdq, ref_hash) <= 8
    assert abs(h.pdq_quality - ref_quality) <= 10


def test_dihedral_variants_match_rotated_copies() -> None:
    img = synthetic_image(23, (320, 240))
    h = hash_bytes(encode(img, "PNG"), dihedral=True)
    assert h.pdq_dihedral is not None and len(h.pdq_dihedral) == 8 and h.pdq_dihedral[0] == h.pdq
    flipped = hash_bytes(encode(img.transpose(Image.Transpose.FLIP_LEFT_RIGHT), "PNG"))
    assert _distance(flipped.pdq, h.pdq) > 31
    assert min(_distance(flipped.pdq, v) for v in h.pdq_dihedral) <= 31


def test_non_images_get_cryptographic_hashes_only() -> None:
    data = b"%PDF-1.4 not an image at all" * 10
    h = hash_bytes(data, filename="doc.pdf")
    assert h.kind is MediaKind.OTHER and h.pdq is None and h.md5 == hashlib.md5(data).hexdigest()


def test_fake_video_is_refused_but_can_skip_video_hashing() -> None:
    data = b"\x00\x00\x00\x18ftypmp42" + b"\0" * 200
    with pytest.raises(MediaError):
        hash_bytes(data)
    h = hash_bytes(data, video=False)
    assert h.kind is MediaKind.VIDEO and h.pdq is None and h.vpdq is None


def test_large_jpeg_keeps_its_real_size() -> None:
    h = hash_bytes(synthetic_jpeg(24, (2400, 1800)))
    assert (h.width, h.height) == (2400, 1800)


def test_bad_files_raise_media_error(hostile_files) -> None:  # noqa: ANN001
    for name, (data, filename) in hostile_files.items():
        with pytest.raises(MediaError) as info:
            hash_bytes(data, filename=filename)
        assert str(info.value), name


def test_decompression_bomb_names_itself(hostile_files) -> None:  # noqa: ANN001
    for name in ("bomb_png", "bomb_png_under_pillow_limit"):
        with pytest.raises(MediaError, match="decompression bomb"):
            hash_bytes(hostile_files[name][0])


def test_oversize_is_refused_before_decoding() -> None:
    with pytest.raises(MediaTooLarge):
        hash_bytes(synthetic_jpeg(1), max_bytes=1000)


def test_hash_file(tmp_path) -> None:  # noqa: ANN001
    p = tmp_path / "a.png"
    p.write_bytes(encode(synthetic_image(3), "PNG"))
    assert hash_file(p).filename == "a.png"
    with pytest.raises(MediaError):
        hash_file(tmp_path / "missing.png")
    with pytest.raises(MediaTooLarge):
        hash_file(p, max_bytes=10)


def test_non_bytes_input() -> None:
    with pytest.raises(MediaError):
        hash_bytes("a string")  # type: ignore[arg-type]


def test_text_that_starts_like_a_bitmap_is_not_an_image() -> None:
    h = hash_bytes(b"BMW owners club newsletter, issue 4" * 3, filename="notes.txt")
    assert h.kind is MediaKind.OTHER
