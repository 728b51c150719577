"""Throughput and latency of `analyze_text(s)` on one core, against alt-profanity-check.

    OMP_NUM_THREADS=1 python bench/text_throughput.py [--n 5000] [--stages fast] [--compare /tmp/benchvenv/bin/python]

Messages: short chat-like texts (<= 280 characters) from the held-out split of
shared/data/text across en/tr/fa/ru, plus our written Azerbaijani and seed
messages; without the shared data, only the seed messages (repeated).
alt-profanity-check (English only, ships its model) runs on the same messages
in the same run, in its own virtualenv via subprocess because its pins clash
with ours: pass that venv's python with --compare. Throughput is reported per
wall-clock second and per CPU second of the process (the latter is the fairer
"one core" figure on a machine shared with other jobs).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from tutela.config import Settings  # noqa: E402
from tutela.detect import analyze_text, analyze_texts, warm_up  # noqa: E402
from tutela.detect.training.data import default_data_dir, load_public, load_seed  # noqa: E402

COMPARE_SCRIPT = r"""
import json, sys, time
import numpy as np
from profanity_check import predict_prob
texts = json.load(open(sys.argv[1]))
predict_prob(texts[:10])
t = time.perf_counter(); c = time.process_time(); predict_prob(texts); batch = time.perf_counter() - t; c = time.process_time() - c
lat = []
for s in texts[:1000]:
    t = time.perf_counter(); predict_prob([s]); lat.append(time.perf_counter() - t)
print(json.dumps({"msgs_per_s": len(texts) / batch, "msgs_per_cpu_s": len(texts) / c, "p50_ms": float(np.percentile(lat, 50) * 1e3),
                  "p99_ms": float(np.percentile(lat, 99) * 1e3)}))
"""


def messages(n: int) -> tuple[list[str], str]:
    rng = random.Random(0)
    seed = [r.text for r in load_seed()]
    try:
        rows = [r for r in load_public(default_data_dir()) if r.split == "test" and len(r.text) <= 280]
    except FileNotFoundError:
        return [rng.choice(seed) for _ in range(n)], "seed messages only (shared data absent)"
    by_lang: dict[str, list[str]] = {}
    for r in rows:
        if r.lang in ("en", "tr", "fa", "ru"):
            by_lang.setdefault(r.lang, []).append(r.text)
    per = n // 5
    out = []
    for _lang, texts in sorted(by_lang.items()):
        out += rng.sample(texts, min(per, len(texts)))
    az = [r.text for r in load_seed() if r.lang == "az"]
    out += [rng.choice(az) for _ in range(n - len(out))]
    rng.shuffle(out)
    return out, "held-out public messages <= 280 chars (en/tr/fa/ru, equal shares) + our Azerbaijani messages"


def run_tutela(texts: list[str], explain: bool = True, stages: str = "auto") -> dict:
    settings = Settings()
    warm_up(settings)  # as `tutela serve` does at start-up
    analyze_texts(texts[:200], settings=settings, stages=stages)  # warm caches
    t = time.perf_counter()
    cpu = time.process_time()
    for k in range(0, len(texts), 1000):
        analyze_texts(texts[k : k + 1000], settings=settings, explain=explain, stages=stages)
    batch = time.perf_counter() - t
    cpu = time.process_time() - cpu
    lat = []
    for s in texts[:1000]:
        t = time.perf_counter()
        analyze_text(s, settings=settings, stages=stages)
        lat.append(time.perf_counter() - t)
    return {
        "msgs_per_s": len(texts) / batch,
        "msgs_per_cpu_s": len(texts) / cpu,
        "p50_ms": float(np.percentile(lat, 50) * 1e3),
        "p99_ms": float(np.percentile(lat, 99) * 1e3),
    }


def run_compare(python: str, texts: list[str]) -> dict | None:
    if not python or not Path(python).exists():
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(texts, fh)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([python, "-c", COMPARE_SCRIPT, fh.name], capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--stages", default="auto", choices=("auto", "fast", "deep"),
                    help="fast: the first stage alone (the 5,000 messages/s target); auto: as analyze_text runs")
    ap.add_argument("--compare", default="/tmp/benchvenv/bin/python", help="python of a venv with alt-profanity-check")
    args = ap.parse_args()
    texts, origin = messages(args.n)
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "messages": len(texts),
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 1),
        "origin": origin,
        "stages": args.stages,
        "tutela_with_explanations": run_tutela(texts, stages=args.stages),
        "tutela_scores_and_flags_only": run_tutela(texts, explain=False, stages=args.stages),
        "alt_profanity_check": run_compare(args.compare, texts),
    }
    ap_ = result["alt_profanity_check"]
    if ap_:
        result["ratio_batch_tutela_over_apc"] = round(result["tutela_with_explanations"]["msgs_per_s"] / ap_["msgs_per_s"], 3)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
