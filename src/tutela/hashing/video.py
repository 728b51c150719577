"""Video hashing in the style of vPDQ: PDQ of one frame per second.

Known abuse videos are re-encoded, trimmed and spliced; hashing sampled
frames lets a video match a bank of frame hashes (or of known still images,
which often come from videos) even when its file hash changed. PyAV's wheels
bundle ffmpeg, so this needs no system packages. Consecutive frames with an
identical PDQ (a still scene) are kept once.

Guards: container and codec errors, no video stream, frames larger than the
pixel cap, and a cap on the seconds hashed; all end in `MediaError`. A file
cut short is refused too, not hashed in part: ffmpeg happily decodes the
frames before the cut, which would let a truncated upload pass as a short
clean video. A packet the demuxer marks corrupt (a short read) or fewer
packets than the container's index declares means truncation.
"""

from __future__ import annotations

import io

import numpy as np
import pdqhash

from tutela.domain.media import VideoFrameHash
from tutela.hashing.decode import DEFAULT_MAX_PIXELS
from tutela.hashing.errors import MediaError

#: seconds between sampled frames
SAMPLE_EVERY = 1.0
#: longer videos are hashed up to this point (and say so via `duration`)
DEFAULT_MAX_SECONDS = 1800.0
#: frames decoded at most (guards against absurd frame rates)
MAX_DECODED_FRAMES = 200_000


def hash_video(
    data: bytes, *, max_seconds: float = DEFAULT_MAX_SECONDS, max_pixels: int = DEFAULT_MAX_PIXELS
) -> tuple[list[VideoFrameHash], float, int, int]:
    """(frame hashes, seconds covered, width, height) of a video file."""
    try:
        import av
    except ImportError:  # the optional extra (PyAV bundles x264/x265, so it is not a hard dependency)
        raise MediaError("videos need the optional 'video' extra (pip install 'tutela[video]')") from None
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise MediaError(f"not a readable video: {exc}") from None
    frames: list[VideoFrameHash] = []
    last_time = 0.0
    try:
        with container:
            if not container.streams.video:
                raise MediaError("no video stream in the file")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if width * height > max_pixels:
                raise MediaError(f"video frames of {width}x{height} exceed the pixel limit of {max_pixels}")
            declared = int(stream.frames or 0)
            next_sample = 0.0
            decoded = 0
            packets = 0
            stopped_early = False
            for packet in container.demux(stream):
                # the last packet is an empty flush (decoding it drains the decoder); it is no frame
                packets += packet.size > 0 or packet.dts is not None
                if packet.is_corrupt:
                    raise MediaError("truncated or corrupt video: the data of a frame is cut off")
                for frame in packet.decode():
                    decoded += 1
                    if decoded > MAX_DECODED_FRAMES:
                        stopped_early = True
                        break
                    t = float(frame.time) if frame.time is not None else decoded / 30.0
                    if t > max_seconds:
                        stopped_early = True
                        break
                    last_time = max(last_time, t)
                    if t + 1e-6 < next_sample:
                        continue
                    next_sample = t + SAMPLE_EVERY
                    if frame.width * frame.height > max_pixels:
                        raise MediaError("a video frame exceeds the pixel limit")
                    rgb = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
                    bits, quality = pdqhash.compute(rgb)
                    hexed = np.packbits(bits.astype(np.uint8)).tobytes().hex()
                    if frames and frames[-1].pdq == hexed:
                        continue
                    frames.append(VideoFrameHash(second=round(t, 3), pdq=hexed, quality=int(quality)))
                if stopped_early:
                    break
            if not stopped_early and declared and packets < declared:
                raise MediaError(f"truncated video: {packets} of the {declared} frames its index declares are present")
    except MediaError:
        raise
    except (av.FFmpegError, ValueError, OSError, MemoryError) as exc:
        raise MediaError(f"corrupt or truncated video: {exc}") from None
    if not frames:
        raise MediaError("no decodable video frames")
    return frames, round(last_time, 3), int(width), int(height)


__all__ = ["hash_video"]
