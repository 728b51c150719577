"""Video frame hashing (vPDQ-style) on videos the test encodes from generated pictures."""

from __future__ import annotations

import io

import pytest

from tutela.access import create_org
from tutela.hashing import MediaError, MediaKind, hash_bytes, match_bytes
from tutela.hashing.banks import add_entries, create_bank
from tutela.hashing.synthetic import encode, synthetic_image

av = pytest.importorskip("av")


def make_video(seeds: list[int], seconds_each: float = 2.0, fps: int = 5, size: tuple[int, int] = (320, 240),
               fmt: str = "mp4", codec: str = "mpeg4") -> bytes:
    """A video showing each generated picture for `seconds_each` seconds."""
    buf = io.BytesIO()
    container = av.open(buf, mode="w", format=fmt)
    stream = container.add_stream(codec, rate=fps)
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    for seed in seeds:
        frame = av.VideoFrame.from_image(synthetic_image(seed, size))
        for _ in range(int(seconds_each * fps)):
            for packet in stream.encode(frame):
                container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return buf.getvalue()


def test_video_frames_are_hashed() -> None:
    h = hash_bytes(make_video([601, 602, 603]))
    assert h.kind is MediaKind.VIDEO and h.vpdq
    assert (h.width, h.height) == (320, 240)
    assert 4.0 <= (h.duration or 0) <= 6.0
    assert 3 <= len(h.vpdq) <= 6  # one per second, still scenes collapsed
    assert [f.second for f in h.vpdq] == sorted(f.second for f in h.vpdq)
    assert all(len(f.pdq) == 64 for f in h.vpdq)


def test_video_matches_a_known_still(db) -> None:  # noqa: ANN001
    org = create_org(db, "video-hotline", kind="hotline")
    bank = create_bank(db, org, "stills")
    still = hash_bytes(encode(synthetic_image(612, (320, 240)), "PNG"))
    add_entries(db, bank.id, [("pdq", still.pdq, "still-612")])
    _, matches = match_bytes(db, make_video([611, 612, 613]))
    assert [m.entry_label for m in matches] == ["still-612"]
    assert matches[0].transform.startswith("frame@") and matches[0].distance <= 31
    _, matches = match_bytes(db, make_video([614, 615]))
    assert matches == []


def test_bad_videos() -> None:
    video = make_video([621, 622])
    for data in (video[: len(video) // 3], b"\x1a\x45\xdf\xa3" + b"\x00" * 500):
        with pytest.raises(MediaError):
            hash_bytes(data, filename="clip.mp4")
    with pytest.raises(MediaError):
        hash_bytes(video, max_pixels=1000)
