"""Fail closed (issue 10): media nobody could read, or a detector that failed, never ends in `allow`.

Every hostile file is generated here: a JPEG missing its last two bytes (browsers still show it),
truncated PNG, GIF and MP4 files, and a decompression bomb. Before the fix `/v1/moderate` answered
`allow` with a warning for all of them.
"""

from __future__ import annotations

import base64
import os
import struct
import tempfile
import zlib

import pytest
from PIL import ImageFile

from tutela.access import Principal, create_org
from tutela.domain.policy import Action
from tutela.hashing.synthetic import encode, synthetic_image
from tutela.policy.model import PolicyError, parse_policy
from tutela.policy.service import moderate


def _mp4(faststart: bool) -> bytes:
    """A four-scene MP4 made here; `faststart` puts the frame index first, so a cut file still opens."""
    av = pytest.importorskip("av")
    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        container = av.open(path, mode="w", format="mp4", options={"movflags": "faststart"} if faststart else {})
        stream = container.add_stream("mpeg4", rate=5)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for seed in (1, 2, 3, 4):
            frame = av.VideoFrame.from_image(synthetic_image(seed, (320, 240)))
            for _ in range(10):
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        container.close()
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def _bomb() -> bytes:
    """A 100,000 x 100,000 PNG header over a few bytes of data: a decompression bomb's shape."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def unreadable_files() -> dict[str, tuple[bytes, str]]:
    jpeg = encode(synthetic_image(31, (400, 300)), "JPEG", quality=90)
    png = encode(synthetic_image(32, (200, 150)), "PNG")
    gif = encode(synthetic_image(33, (200, 150)), "GIF")
    mp4 = _mp4(faststart=False)
    fast = _mp4(faststart=True)
    return {
        "jpeg_without_last_two_bytes": (jpeg[:-2], "a.jpg"),
        "jpeg_half": (jpeg[: len(jpeg) // 2], "b.jpg"),
        "png_truncated": (png[: len(png) // 2], "c.png"),
        "gif_truncated": (gif[:-10], "d.gif"),
        "decompression_bomb": (_bomb(), "e.png"),
        "mp4_truncated": (mp4[: len(mp4) // 2], "f.mp4"),
        "mp4_faststart_truncated": (fast[: len(fast) * 2 // 3], "g.mp4"),
        "mp4_faststart_last_two_bytes": (fast[:-2], "h.mp4"),
        "unknown_format": (b"\x00\x01 not any media format \x02" * 40, "i.bin"),
    }


@pytest.fixture(scope="module")
def files() -> dict[str, tuple[bytes, str]]:
    return unreadable_files()


def test_unreadable_media_is_held_for_review_with_the_reason(files) -> None:
    for name, (data, filename) in files.items():
        d = moderate({"media": data, "filename": filename}, {"recipient": {"age": 30}})
        assert d.decision is Action.HOLD_FOR_REVIEW, (name, d.warnings)
        hit = [r for r in d.reasons if r.rule == "on_unreadable"]
        assert hit and hit[0].evidence and "could not be read" in hit[0].evidence[0], (name, d.reasons)


def test_whole_files_are_still_allowed() -> None:
    for data in (encode(synthetic_image(34, (400, 300)), "JPEG"), encode(synthetic_image(35, (200, 150)), "GIF"),
                 _mp4(faststart=True)):
        d = moderate(data, {"recipient": {"age": 30}})
        assert d.decision is Action.ALLOW and not [r for r in d.reasons if r.rule == "on_unreadable"], d.warnings


def test_http_moderate_fails_closed(client, auth, files) -> None:
    h = auth("platform-fc", ["moderate"])
    for name in ("jpeg_without_last_two_bytes", "decompression_bomb", "mp4_faststart_truncated"):
        data, filename = files[name]
        r = client.post("/v1/moderate", json={"media_base64": base64.b64encode(data).decode(), "filename": filename},
                        headers=h)
        assert r.status_code == 200 and r.json()["decision"] == "hold_for_review", (name, r.json())
        r = client.post("/v1/moderate/upload", files={"file": (filename, data, "application/octet-stream")},
                        headers=h)
        assert r.status_code == 200 and r.json()["decision"] == "hold_for_review", (name, r.json())
        assert any(w.startswith("media could not be read") for w in r.json()["warnings"])


def test_a_failing_detector_fails_closed(monkeypatch) -> None:
    import tutela.detect
    import tutela.detect.image

    def broken(*_a, **_k):
        raise RuntimeError("model file missing")

    monkeypatch.setattr(tutela.detect.image, "sexual_content_score", broken)
    d = moderate(encode(synthetic_image(36, (200, 150)), "PNG"))
    assert d.decision is Action.HOLD_FOR_REVIEW and "image classifier failed: RuntimeError" in d.warnings
    monkeypatch.setattr(tutela.detect, "analyze_text", broken)
    d = moderate("hello there")
    assert d.decision is Action.HOLD_FOR_REVIEW
    assert d.reasons[-1].evidence == ["unreadable: text analysis failed: RuntimeError"]


def test_a_failing_conversation_engine_fails_closed(db, settings, monkeypatch) -> None:
    import tutela.conversations.service

    def broken(*_a, **_k):
        raise RuntimeError("store down")

    monkeypatch.setattr(tutela.conversations.service, "load_conversations", broken)
    org = create_org(db, "conv-org")
    d = moderate("hi", {"conversation_id": "c1", "sender": {"id": "u1"}}, db=db, settings=settings,
                 principal=Principal(org, "conv-org", frozenset({"moderate"}), key_id="t"))
    assert d.decision is Action.HOLD_FOR_REVIEW and "conversation risk failed: RuntimeError" in d.warnings


def test_truncated_images_are_refused_even_if_someone_switched_pillow_to_lenient(monkeypatch, files) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data, filename = files["jpeg_without_last_two_bytes"]
    d = moderate({"media": data, "filename": filename})
    assert d.decision is Action.HOLD_FOR_REVIEW
    assert any("LOAD_TRUNCATED_IMAGES" in w for w in d.warnings)


def test_on_unreadable_is_set_by_the_policy_and_never_allow(files) -> None:
    data, filename = files["jpeg_without_last_two_bytes"]
    base = "policy: p\n{extra}rules:\n  - id: allow-everything\n    when: {{media: true}}\n    then: [allow]\n    final: true\n"
    d = moderate({"media": data, "filename": filename}, policy=base.format(extra=""))
    assert d.decision is Action.HOLD_FOR_REVIEW, "the default applies even after a final allow rule"
    strict = base.format(extra="on_unreadable: [block, open_case]\n")
    d = moderate({"media": data, "filename": filename}, policy=strict)
    assert d.decision is Action.BLOCK and Action.OPEN_CASE in d.actions
    assert parse_policy(strict).on_unreadable.actions == (Action.BLOCK, Action.OPEN_CASE)
    for bad, needle in (("allow", "never allow"), ("[warn_sender]", "fail closed"), ("[hold_for_review, allow]",
                        "never allow"), ("blok", "unknown action")):
        with pytest.raises(PolicyError) as info:
            parse_policy(base.format(extra=f"on_unreadable: {bad}\n"), filename="p.yaml")
        assert needle in str(info.value) and "p.yaml:2" in str(info.value), (bad, str(info.value))
    # a readable file is untouched by on_unreadable
    whole = encode(synthetic_image(37, (200, 150)), "PNG")
    assert moderate(whole, policy=strict).decision is Action.ALLOW


@pytest.fixture(params=["sqlite", "postgres"])
def anydb(request: pytest.FixtureRequest):
    return request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")


def test_unreadable_media_with_a_database_is_held_and_logged(anydb, settings, files) -> None:
    from sqlalchemy import select

    from tutela.storage.tables.policy import moderation_decisions as t

    org = create_org(anydb, "fc-platform")
    data, filename = files["gif_truncated"]
    d = moderate({"media": data, "filename": filename}, db=anydb, settings=settings, org_id=org, sync_log=True)
    assert d.decision is Action.HOLD_FOR_REVIEW
    with anydb.connect() as conn:
        row = conn.execute(select(t.c.decision, t.c.rules).where(t.c.decision_id == d.id)).one()
    assert row.decision == "hold_for_review" and "on_unreadable" in row.rules
