"""The fast stage's shortcuts give the answers of the straightforward code they replace, bit for bit.

Each shortcut (docs/benchmarks.md, "Fast stage and cascade, seventh session") saves a fixed cost a batch
or a few microseconds a text; what matters is that no score moves, not even in its last bit, because the
flags compare rounded scores with thresholds.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from tutela.detect.features import featurize
from tutela.detect.langid import _ascii_letters
from tutela.detect.model import _Compact, csr_product, load_default
from tutela.detect.normalize import normalize_text
from tutela.detect.training.experts import N_SHAPE, shape_features, shape_scores
from tutela.domain.analysis import Explanation, TextAnalysis, trusted_analysis
from tutela.domain.taxonomy import CATEGORIES, Category

TEXTS = ["you are such a loser, nobody likes you", "yarın okulda görüşürüz 😀", "send me a pic of u ;)",
         "RT @USER: free robux at http://r0blox-gift.xyz/login !!!", "мне 12 лет, а тебе?", "سلام، خوبی؟",
         "salam, necəsən? mən evdəyəm", "", "ok", "Q: hi there A: go away\nbye..."]


def _random_csr(rng: np.random.Generator, rows: int, cols: int, density: float) -> sp.csr_matrix:
    m = sp.random(rows, cols, density=density, format="csr", dtype=np.float32, random_state=rng)
    m.indices, m.indptr = m.indices.astype(np.int32), m.indptr.astype(np.int32)
    return m


def test_one_product_for_several_matrices_gives_each_ones_columns_bit_for_bit() -> None:
    rng = np.random.default_rng(0)
    ws = [_random_csr(rng, 5000, k, 0.02) for k in (3, 7, 4)]
    for w in ws:  # a few features only one of them uses, and one no matrix uses
        w.data[:5] = 0
    x = featurize([normalize_text(t) for t in TEXTS])
    x = sp.csr_matrix((x.data, x.indices % 5000, x.indptr), shape=(x.shape[0], 5000))
    joint = _Compact.of(*ws).product(x)
    assert joint.dtype == np.float32 and joint.shape == (len(TEXTS), 14)
    start = 0
    for w in ws:
        alone = _Compact.of(w).product(x)
        assert np.array_equal(joint[:, start:start + w.shape[1]], alone)
        assert np.allclose(alone, (x @ w).toarray(), atol=1e-6)
        start += w.shape[1]


def test_the_kernel_on_the_arrays_is_the_sparse_products_own() -> None:
    rng = np.random.default_rng(1)
    x, dense = _random_csr(rng, 40, 300, 0.1), rng.standard_normal((300, 9)).astype(np.float32)
    built = {"calls": 0}

    def matrix() -> sp.csr_matrix:
        built["calls"] += 1
        return x

    fast = csr_product(x.indptr, x.indices, x.data, dense, matrix)
    assert built["calls"] == 0 and np.array_equal(fast, np.asarray(x @ dense))
    # arrays the kernel does not take (float64 values, int64 indices) go through the matrix, same result
    as64 = csr_product(x.indptr.astype(np.int64), x.indices, x.data, dense, matrix)
    assert built["calls"] == 1 and np.array_equal(as64, fast)
    wide = dense.astype(np.float64)
    assert np.array_equal(csr_product(x.indptr, x.indices, x.data, wide, matrix), np.asarray(x @ wide))


def test_the_models_probabilities_are_the_same_alone_and_in_a_batch() -> None:
    model = load_default()
    if model is None:
        return
    norm = [normalize_text(t) for t in TEXTS]
    langs = ["en", "tr", "en", "en", "ru", "fa", "az", "en", "en", "en"]
    batch, veto, public, chat = model.predict_in_domain(norm, langs, TEXTS)
    for i in range(len(TEXTS)):
        p, v, pub, c = model.predict_in_domain([norm[i]], [langs[i]], [TEXTS[i]])
        assert np.array_equal(p[0], batch[i]) and np.array_equal(v[0], veto[i])
        assert pub[0] == public[i] and c[0] == chat[i]


def test_the_written_form_scores_are_the_sparse_products() -> None:
    rng = np.random.default_rng(2)
    coef = rng.standard_normal((N_SHAPE, 5)).astype(np.float32)
    assert np.array_equal(shape_scores(TEXTS, coef), np.asarray(shape_features(TEXTS) @ coef))
    assert shape_scores([], coef).shape == (0, 5)
    assert np.array_equal(shape_features(TEXTS).toarray(), np.vstack([shape_features([t]).toarray() for t in TEXTS]))


def test_letters_of_an_ascii_text_are_counted_as_isalpha_counts_them() -> None:
    for text in ["", "hello world", "l33t sp34k!!", "ALL CAPS 123", "\t\n_-@#", "a" * 500, "".join(map(chr, range(128)))]:
        assert _ascii_letters(text) == sum(map(str.isalpha, text))


def test_a_trusted_analysis_is_the_instance_model_construct_builds() -> None:
    values = {
        "id": "m1", "lang": "en", "lang_confidence": 0.93,
        "scores": dict.fromkeys(CATEGORIES, 0.1), "flags": [Category.PROFANITY],
        "explanations": [Explanation(category=Category.PROFANITY, detector="lexicon", reason="swear word: 'x'",
                                     score=0.6, start=0, end=1, text="x")],
        "truncated": False, "error": None, "stages": ["fast"], "signals": {},
    }
    fast, slow = trusted_analysis(**values), TextAnalysis.model_construct(**values)
    assert type(fast) is TextAnalysis
    assert fast.__dict__ == slow.__dict__ and list(fast.__dict__) == list(slow.__dict__)
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.__pydantic_extra__ == slow.__pydantic_extra__ and fast.__pydantic_private__ == slow.__pydantic_private__
    assert fast == slow and fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_dump() == slow.model_dump()


def test_the_emoji_gate_lets_every_emoji_through() -> None:
    from tutela.detect.detectors.emoji import _CONCEPT, _EMOJI, EmojiDetector

    assert min(_CONCEPT) >= "\u2000"  # the gate reads the UTF-8 lead bytes of U+2000 and above
    detector = EmojiDetector()
    for ch in _CONCEPT:
        for text in (f"{ch}{ch} okula", f"мой {ch} школа", f"فردا {ch}\ufe0f مدرسه"):
            assert _EMOJI.search(text) is not None
        assert detector.find(f"🔪 {ch} 🏫 school", "🔪 school", "en")
    assert detector.find("привет, как дела", "привет, как дела", "ru") == []
