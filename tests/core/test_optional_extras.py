"""The media extras are optional (`tutela[heif]`, `tutela[video]`): without them a HEIC photo or a video is
unreadable with a clear reason (so the policy's `on_unreadable` applies), never a crash at import."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

_WITHOUT = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None  # `import name` now raises ImportError, as if not installed
from tutela.hashing.errors import MediaError
data = open(sys.argv[1], "rb").read()
try:
    {call}
except MediaError as exc:
    print("MediaError:", exc)
else:
    print("read it")
"""


def _run_without(blocked: list[str], call: str, data: bytes, tmp_path: Path) -> str:
    sample = tmp_path / "sample.bin"
    sample.write_bytes(data)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", _WITHOUT.format(blocked=blocked, call=call), str(sample)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def _heic() -> bytes:
    pillow_heif = pytest.importorskip("pillow_heif")
    from PIL import Image

    pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, format="HEIF")
    return buf.getvalue()


def test_a_heic_photo_without_the_heif_extra_is_unreadable_with_the_reason(tmp_path: Path) -> None:
    data = _heic()
    call = "from tutela.hashing.hasher import hash_bytes; hash_bytes(data)"
    assert _run_without([], call, data, tmp_path) == "read it"
    said = _run_without(["pillow_heif"], call, data, tmp_path)
    assert said.startswith("MediaError:") and "tutela[heif]" in said


def test_a_video_without_the_video_extra_is_unreadable_with_the_reason(tmp_path: Path) -> None:
    call = "from tutela.hashing.video import hash_video; hash_video(data)"
    said = _run_without(["av"], call, b"\x00\x00\x00\x18ftypmp42" + bytes(64), tmp_path)
    assert said.startswith("MediaError:") and "tutela[video]" in said
