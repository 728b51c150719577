"""Server processes run BLAS on one thread (detect/native_threads.py): checked in fresh interpreters,
so that the limit neither leaks into this test process nor depends on what it loaded before."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tutela.detect.native_threads import OPERATOR_CHOICE

_REPORT = ("import json, numpy, scipy.linalg; from threadpoolctl import threadpool_info; "
           "print(json.dumps([(i['internal_api'], i['num_threads']) for i in threadpool_info() "
           "if i['user_api'] == 'blas']))")


def _run(code: str, tmp_path, **extra_env: str) -> list:
    env = {k: v for k, v in os.environ.items() if k not in OPERATOR_CHOICE}
    env.update(extra_env, TUTELA_DATA_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code + "\n" + _REPORT], env=env, capture_output=True, text=True,
                         timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_limit_reaches_numpys_and_scipys_blas(tmp_path):
    libs = _run("from tutela.detect.native_threads import one_blas_thread; assert one_blas_thread()", tmp_path)
    assert len(libs) >= 1 and all(n == 1 for _, n in libs), libs


def test_an_operators_choice_wins(tmp_path):
    libs = _run("from tutela.detect.native_threads import one_blas_thread; assert not one_blas_thread()",
                tmp_path, OPENBLAS_NUM_THREADS="2")
    assert any(n == 2 for _, n in libs), libs


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="a one-core machine runs one BLAS thread anyway")
def test_a_warmed_server_runs_one_blas_thread(tmp_path):
    """What `tutela serve`'s workers run at start-up (api/app.py `_warm_up`), models loaded."""
    libs = _run("from tutela.config import Settings; from tutela.api.app import _warm_up; "
                f"_warm_up(Settings(data_dir={str(tmp_path)!r}))", tmp_path)
    assert libs and all(n == 1 for _, n in libs), libs
