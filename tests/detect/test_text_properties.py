"""Properties over arbitrary input: never crash, always the full contract."""

from __future__ import annotations

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tutela.config import Settings
from tutela.detect import analyze_texts
from tutela.detect.model import default_model_path, load_default
from tutela.detect.normalize import normalize, normalize_text
from tutela.domain.taxonomy import CATEGORIES

FAST = hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(st.text(max_size=300))
def test_normalize_total_and_consistent(text: str) -> None:
    out = normalize_text(text)
    n = normalize(text)
    assert n.text == out
    assert len(n.offsets) == len(out)
    assert all(0 <= o < len(text) for o in n.offsets)


@FAST
@given(st.lists(st.text(max_size=200), min_size=1, max_size=8))
def test_analyze_any_text(texts: list[str]) -> None:
    results = analyze_texts(texts, settings=Settings(max_text_chars=150))
    assert len(results) == len(texts)
    for r in results:
        assert set(r.scores) == set(CATEGORIES)
        assert all(0.0 <= v <= 1.0 for v in r.scores.values())
        assert set(r.flags) <= set(CATEGORIES)


def test_shipped_artefact_is_small_and_loads() -> None:
    path = default_model_path()
    assert path.is_file(), "the trained model must ship in the package"
    assert path.stat().st_size < 6_000_000  # committed: a few MB (5.5 MB with every domain expert refitted, 2026-12-06)
    model = load_default()
    assert model is not None and len(model.heads) >= 8
    assert all(0.0 < t < 1.0 for t in model.thresholds.values())
