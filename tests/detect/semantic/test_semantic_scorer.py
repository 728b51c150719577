"""The semantic scorer on paraphrases written for these tests, in languages the seed bank barely has.

The seed bank is mostly English with a little Turkish; these messages are not in it. Cross-lingual
transfer through the multilingual encoder is what is under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from tutela.detect.normalize import semantic_text
from tutela.detect.semantic.encoder import Encoder, get_encoder, windows
from tutela.detect.semantic.index import BankIndex
from tutela.detect.semantic.scorer import TARGETS, knn_margins, target_masks

CAUGHT = [
    # sextortion threat in Russian, caught through English/Turkish examples
    ("пришли ещё фото, иначе те, что ты уже отправила, увидят твои родители и вся школа", "sexual_exploitation"),
    # a child's method question in Russian
    ("сколько маминых таблеток надо выпить чтобы не проснуться", "self_harm"),
    # a school gun threat in Persian
    ("من فردا اسلحه پدرم رو میارم مدرسه", "violent_content"),
]

ORDINARY = [
    "ты придёшь завтра на тренировку?",
    "I love pizza and football",
    "sabah məktəbə gedirəm, axşam görüşərik",
    "فردا با دوستام میریم سینما",
    "yarın sınavdan sonra sinemaya gidelim mi?",
]


def _score(index: BankIndex, texts: list[str]):
    return index.score([semantic_text(t) for t in texts], get_encoder())


@pytest.mark.parametrize(("text", "category"), CAUGHT)
def test_paraphrase_in_another_language_is_flagged_with_its_neighbours(seed_index, text, category) -> None:
    (r,) = _score(seed_index, [text])
    assert category in r.flagged, dict(zip(TARGETS, np.round(r.scores, 3), strict=True))
    nearest = r.neighbours[category]
    assert nearest and all(n.category == category and n.label == "harm" for n in nearest)
    assert nearest[0].similarity >= nearest[-1].similarity


def test_ordinary_text_is_not_flagged(seed_index) -> None:
    for text, r in zip(ORDINARY, _score(seed_index, ORDINARY), strict=True):
        assert r.flagged == [], (text, dict(zip(TARGETS, np.round(r.scores, 3), strict=True)))


def test_disclosure_in_turkish_and_not_the_offender(seed_index) -> None:
    child, offender = _score(seed_index, [
        "bir adam benden fotoğraf istiyor ve kimseye söyleme diyor",
        "send me more pictures or I show everyone at your school",
    ])
    assert "disclosure" in child.flagged
    assert "disclosure" not in offender.flagged


def test_knn_margin_arithmetic(seed_examples) -> None:
    """Hand-made vectors: a text identical to a harm example has a positive margin for its category only."""
    harm, neg = target_masks(seed_examples)
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(len(seed_examples), 8))
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    j = next(i for i, e in enumerate(seed_examples) if e.category == "fraud" and e.is_harm)
    margins, nearest = knn_margins(emb[j : j + 1] @ emb.T, harm, neg, k=1)
    t = TARGETS.index("fraud")
    assert nearest[0, t] == j and margins[0, t] == pytest.approx(1.0 - (emb[j] @ emb[neg[t]].T).max())


def test_windows_and_cache() -> None:
    long = "word " * 300
    w = windows(long)
    assert 1 < len(w) <= 8 and all(len(x) <= 256 for x in w)
    assert windows("   ") == []
    enc: Encoder = get_encoder()
    before = enc.encoded
    enc.encode(["a cached sentence for the test", "a cached sentence for the test"])
    enc.encode(["a cached sentence for the test"])
    assert enc.encoded - before <= 1
