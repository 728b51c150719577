"""Embedding experts (`detect/semantic/embedding_experts.py`): the artefact, the fit's threshold on calibration
rows, and the engine's use of an expert in its source's domain only. Hand-made vectors and experts, so the rules are
tested, not the fitted numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tutela.detect import engine
from tutela.detect.components.state import BatchState
from tutela.detect.semantic import embedding_experts as ee
from tutela.detect.semantic.index import SemanticResult
from tutela.detect.semantic.scorer import TARGETS
from tutela.detect.training import embedding_experts as fit
from tutela.domain.taxonomy import CATEGORIES

DIM = 4
HATE, CYBER, VIOLENT = ([c.value for c in CATEGORIES].index(name)
                        for name in ("hate_radicalisation", "cyberbullying", "violent_content"))


def _expert(threshold: float = 0.5) -> ee.EmbeddingExpert:
    return ee.EmbeddingExpert("stormfront_hate_en", "hate_radicalisation", np.array([4.0, 0, 0, 0], np.float32),
                              0.0, threshold)


def test_prob_is_a_sigmoid_of_the_dot_product_and_the_artefact_round_trips(tmp_path: Path) -> None:
    e = _expert(0.62)
    assert e.prob(np.array([0.5, 9, 9, 9])) == pytest.approx(1 / (1 + np.exp(-2.0)))
    ee.save([e], tmp_path / "a.npz")
    back = ee.load(tmp_path / "a.npz")["stormfront_hate_en"]
    assert back.category == "hate_radicalisation" and back.threshold == 0.62 and np.allclose(back.coef, e.coef)
    ee.save(list(ee.load(tmp_path / "a.npz").values()), tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def _state(domain: str, vector: np.ndarray) -> BatchState:
    state = BatchState.__new__(BatchState)
    state.semantic = {0: SemanticResult(np.zeros(len(TARGETS)), [], {}, vector=vector)}
    state.public_domain = np.array([domain], dtype=object)
    state.evidence = [[]]
    return state


@pytest.fixture()
def one_expert(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ee, "load_default", lambda: {"stormfront_hate_en": _expert()})


def _run(domain: str, vector: list[float], overridden: set[str] | None = None) -> np.ndarray:
    flags = np.zeros((1, len(CATEGORIES)), dtype=bool)
    flags[0, [CYBER, VIOLENT]] = True  # what the fast stage flagged
    scores = np.zeros((1, len(CATEGORIES)))
    engine._embedding_experts(flags, scores, _state(domain, np.array(vector, float)), overridden or set())
    return flags[0]


def test_in_its_domain_the_expert_decides_the_sources_categories(one_expert: None) -> None:
    yes = _run("stormfront_hate_en", [1, 0, 0, 0])
    assert yes[HATE] and not yes[CYBER] and yes[VIOLENT]  # violence is not what the source's labels speak for
    no = _run("stormfront_hate_en", [-1, 0, 0, 0])
    assert not no[HATE] and not no[CYBER] and no[VIOLENT]


def test_outside_its_domain_or_under_an_operators_threshold_nothing_changes(one_expert: None) -> None:
    assert list(np.flatnonzero(_run("", [1, 0, 0, 0]))) == sorted([CYBER, VIOLENT])
    assert list(np.flatnonzero(_run("davidson_hate_offensive", [1, 0, 0, 0]))) == sorted([CYBER, VIOLENT])
    kept = _run("stormfront_hate_en", [-1, 0, 0, 0], overridden={"cyberbullying"})
    assert kept[CYBER] and not kept[HATE]


def test_the_fit_picks_the_threshold_with_the_best_calibration_macro_f1(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)

    def rows(split: str, n: int) -> list[dict]:
        return [{"text": f"{split}-{k}", "harm": "hate" if k % 3 == 0 else "none", "split": split} for k in range(n)]

    data = rows("train", 90) + rows("calib", 60)
    by_text = {r["text"]: np.r_[(1.0 if r["harm"] != "none" else -1.0) + rng.normal(0, 0.3), rng.normal(0, 1, DIM - 1)]
               for r in data}
    monkeypatch.setattr(fit, "vectors", lambda texts, lang: np.stack([by_text[t] for t in texts]))
    expert, meta = fit.fit_source(data, "hate_radicalisation", "en", "stormfront_hate_en")
    assert meta["calib_macro_f1"] == 1.0 and 0.05 <= expert.threshold <= 0.95
    with pytest.raises(ValueError, match="harmful and harmless"):
        fit.fit_source([r | {"harm": "none"} for r in data], "hate_radicalisation", "en", "stormfront_hate_en")
