"""CPU per `analyze_texts(stages="fast")` call at the small batches a busy server's event loop makes.

Under `auto` the loop analyses one or two texts a call (answers from the semantic thread break the
clients' step, docs/benchmarks.md "h15mod"), so the fast stage's fixed cost a call is much of a
request's CPU there. Texts between children, so the cascade's selection (the fast stage's doubts) runs.

    OMP_NUM_THREADS=1 python bench/fast_call.py --rounds 3

Not a test; figures go to docs/benchmarks.md with the machine, the date and the load average.
"""

from __future__ import annotations

import argparse
import os
import time

LINES = ["did you finish the maths homework?", "yarın maçta görüşürüz", "увидимся после школы",
         "sabah məktəbdə görüşərik", "بعد از مدرسه بیا همو ببینیم", "see you at practice", "my mom is annoying",
         "what game are you playing"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--batches", default="1,2,8")
    args = ap.parse_args()
    from tutela.detect.engine import analyze_texts
    from tutela.detect.semantic.cascade import Audience

    kids = Audience(sender_minor=True, recipient_minor=True)
    texts = [f"{line} {i}" for i in range(100) for line in LINES]  # numbered: no cache hit between calls
    analyze_texts(texts[:2], stages="fast", audiences=[kids] * 2, deferred=[])  # load the models
    for r in range(args.rounds):
        out = []
        for bs in (int(b) for b in args.batches.split(",")):
            t = time.process_time()
            for i in range(0, len(texts), bs):
                analyze_texts(texts[i:i + bs], stages="fast", audiences=[kids] * len(texts[i:i + bs]), deferred=[])
            out.append(f"batch {bs}: {(time.process_time() - t) * 1000 / -(-len(texts) // bs):.3f} ms")
        print(f"round {r + 1}: " + "; ".join(out) + f" (load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
