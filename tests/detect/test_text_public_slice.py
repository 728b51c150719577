"""A frozen slice of our held-out split of every public set, scored as the outside check scores it.

The floors in `data/public_slice_floors.json` are the shipped model's figures on this slice minus
0.03 (`bench/text_public_sets.py --stages fast --slice 150 --floors ...` writes them), so a change
that costs a set more than three points fails here. Fast stage only: the semantic stage is measured
in the bench, not on every CI run.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tutela.config import Settings
from tutela.detect import analyze_texts
from tutela.detect.training.public_sets import frozen_slice, load_sets, score, set_prediction

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "text"
FLOORS = json.loads((Path(__file__).parent / "data" / "public_slice_floors.json").read_text())
SLICE = 150

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def sets() -> dict[str, list[dict]]:
    if not DATA.is_dir():
        pytest.skip(f"the public sets are not here ({DATA}); CI runs beside ../shared")
    return load_sets(DATA)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_each_public_set_holds_its_floor(sets: dict[str, list[dict]], name: str) -> None:
    if name not in sets:
        pytest.skip(f"{name} is not in {DATA}")
    rows = frozen_slice(sets[name], SLICE)
    res = analyze_texts([r["text"] for r in rows], settings=Settings(), explain=False, stages="fast")
    pred = set_prediction(rows, [{c.value for c in a.flags} for a in res])
    _, value = score(pred, np.array([r["harm"] != "none" for r in rows]))
    assert value >= FLOORS[name], f"{name}: {value:.3f} < floor {FLOORS[name]}"
