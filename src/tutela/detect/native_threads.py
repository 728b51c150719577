"""One BLAS thread in processes that run the text engine (`tutela serve`, `tutela worker`, `tutela scan`).

Why: the semantic stage's NumPy products (a batch of embeddings against the example banks, the
verifier's layers) are small, and OpenBLAS, left to itself, starts a thread per core and keeps those
threads spinning after every product. On a 2-core server running two worker processes the spinning
threads cost more CPU than the products themselves: `POST /v1/moderate` with the cascade on used
2.5 ms of CPU a request instead of 0.7 (`bench/moderate_profile.py`, 2026-12-07, docs/benchmarks.md
"blas-threads"), and they competed with the event loops for the cores. A server's parallelism comes
from its requests and worker processes, never from one product; ONNX Runtime's own threads are set
apart (`semantic/e5_ort.py`). `tutela scan` on 1,500 bank lines: the same answers, 8.5 -> 7.6 CPU-s, no
slower (7.9 s wall against 8.1).

`OPENBLAS_NUM_THREADS` / `OMP_NUM_THREADS`, when an operator set them, are left to win."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

#: Environment variables through which an operator already chose the BLAS thread count.
OPERATOR_CHOICE = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> bool:
    """Limit every BLAS library loaded in this process (NumPy's, SciPy's) to one thread, unless the
    operator chose a count. Answers whether a limit was applied. Safe to call more than once."""
    if any(os.environ.get(name) for name in OPERATOR_CHOICE):
        return False
    import numpy  # noqa: F401  (loads NumPy's OpenBLAS, so that the limit reaches it)
    import scipy.linalg  # noqa: F401  (SciPy ships a BLAS of its own)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    return True
