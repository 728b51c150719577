"""CPU of the semantic stage's glue on the server's semantic thread: everything but the encoder's forward pass.

    OMP_NUM_THREADS=1 python bench/semantic_glue.py [--messages 6000]

The texts are the ones `/v1/moderate`'s cascade holds for the semantic thread in `bench/moderate_load.py`'s
realistic traffic (1 in 32 harmful): the fast stage runs on them with `held=[]` as the server's loop does,
then `finish_texts` finishes them in batches of 1 and 8 (the thread's batches under wrk's two workers and
under the in-process closed loop) with the encoder's cache already holding every text, so what is
timed is the glue: the example bank (similarities, kNN margins, calibration), neighbours, the merge
and the results. Also the bank's kNN margins alone per call. CPU per text (`time.process_time`), best
of three rounds. Not a test; figures go to docs/benchmarks.md with the date and the load average.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from moderate_load import MIXES, message, word_lists  # noqa: E402

from tutela.detect import analyze_texts, finish_texts  # noqa: E402
from tutela.detect.semantic import stage  # noqa: E402
from tutela.detect.semantic.cascade import Audience  # noqa: E402
from tutela.detect.semantic.encoder import get_encoder  # noqa: E402


def _audience(context: dict) -> Audience:
    s, r = context.get("sender", {}).get("age"), context.get("recipient", {}).get("age")
    return Audience(None if s is None else s < 18, None if r is None else r < 18)


def _best(fn, rounds: int = 3) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(rounds):
        c = time.process_time()
        fn()
        best = min(best, time.process_time() - c)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=6000)
    args = ap.parse_args()
    rnd = random.Random(7)
    msgs = [message(rnd, i, MIXES["realistic"], 32, word_lists(False)) for i in range(1, args.messages + 1)]
    texts, audiences = [m[0] for m in msgs], [_audience(m[1]) for m in msgs]
    held: list = []
    for s in range(0, len(texts), 16):
        analyze_texts(texts[s:s + 16], audiences=audiences[s:s + 16], stages="fast", held=held)
    finish_texts(held)  # every text into the encoder's cache
    out: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_average": os.getloadavg()[0],
                 "held_texts": len(held), "encoded_in_timed_rounds": 0}
    enc = get_encoder()
    before = enc.encoded
    for batch in (1, 8):
        cpu = _best(lambda b=batch: [finish_texts(held[s:s + b]) for s in range(0, len(held), b)])
        out[f"finish_texts_batch_{batch}_ms_per_text"] = round(cpu * 1000 / len(held), 3)
    out["encoded_in_timed_rounds"] = enc.encoded - before  # 0: the encoder's forward pass is not in the figures
    index = stage.builtin_index()
    if index is not None:
        emb = enc.encode([h.normalized for h in held[:32]])
        for n in (1, 8, 32):
            cpu = _best(lambda n=n: [index.score_embeddings(emb[:n]) for _ in range(30)])
            out[f"bank_scoring_{n}_texts_ms_per_call"] = round(cpu * 1000 / 30, 3)
        out["bank_lines"] = len(index.examples)
    out["load_average_end"] = os.getloadavg()[0]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
