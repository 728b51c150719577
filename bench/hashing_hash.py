"""Benchmark: PDQ hashing speed, Tutela vs python-threatexchange's PDQ hasher.

Same generated JPEGs (shapes, gradients, noise; never real photos), one
core, same run. Reports images/s for both, and how far Tutela's hashes are
from the reference hashes (max and mean Hamming distance, how many identical).

    OMP_NUM_THREADS=1 python bench/hashing_hash.py --count 150

Why Tutela is faster: PDQ reduces every image to 64x64 luminance, so Tutela
decodes JPEGs at reduced scale (DCT scaling through Pillow's `draft`, at
least ~512 px on the longer side kept) instead of decoding every pixel first.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from tutela.hashing.decode import open_image  # noqa: E402
from tutela.hashing.signals.pdq import WORK_SIZE, pdq_from_image  # noqa: E402
from tutela.hashing.synthetic import synthetic_jpeg  # noqa: E402


def tutela_pdq(data: bytes) -> tuple[str, int]:
    h, q, _ = pdq_from_image(open_image(data, target=WORK_SIZE))
    return h, q


def run(label: str, fn, images: list[bytes]) -> tuple[list[str], float, float]:  # noqa: ANN001
    fn(images[0])
    c = time.process_time()
    t = time.perf_counter()
    out = [fn(d)[0] for d in images]
    return out, len(images) / (time.perf_counter() - t), len(images) / (time.process_time() - c)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=150, help="images per size")
    ap.add_argument("--sizes", nargs="+", default=["640x480", "1600x1200", "4000x3000"])
    args = ap.parse_args()
    from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes

    print("| JPEG size | threatexchange img/s (wall / CPU) | Tutela img/s (wall / CPU) | speed-up (CPU) | "
          "max distance | mean distance | identical |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes:
        w, h = (int(x) for x in size.split("x"))
        count = args.count if w * h <= 2_000_000 else max(10, args.count // 5)
        images = [synthetic_jpeg(1000 + i, (w, h), quality=88) for i in range(count)]
        ref, te_wall, te_cpu = run("threatexchange", pdq_from_bytes, images)
        ours, tu_wall, tu_cpu = run("tutela", tutela_pdq, images)
        dists = [(int(a, 16) ^ int(b, 16)).bit_count() for a, b in zip(ref, ours, strict=True)]
        print(f"| {w}x{h} ({count} images) | {te_wall:.1f} / {te_cpu:.1f} | {tu_wall:.1f} / {tu_cpu:.1f} | "
              f"{tu_cpu / te_cpu:.1f}x | {max(dists)} | {sum(dists) / len(dists):.2f} | "
              f"{sum(d == 0 for d in dists)}/{len(dists)} |", flush=True)


if __name__ == "__main__":
    main()
