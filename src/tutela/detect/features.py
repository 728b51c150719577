"""The first stage's features: hashed character and word n-grams of the normalised text.

Hashing (no vocabulary) keeps the artefact to the model's coefficients only,
makes training and inference share one stateless function, and copes with any
script. Character n-grams within word boundaries (2-5) survive misspellings,
agglutinative suffixes (Turkish, Azerbaijani) and unseen word forms (Russian,
Persian); word uni- and bigrams add phrases. Both halves are L2-normalised and
added into one space so that neither dominates.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize as l2_normalize

N_FEATURES = 2**20
CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)


@lru_cache(maxsize=1)
def _vectorizers() -> tuple[HashingVectorizer, HashingVectorizer]:
    common = dict(n_features=N_FEATURES, alternate_sign=False, norm=None, lowercase=False, dtype=np.float32)
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, **common)
    words = HashingVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, token_pattern=r"(?u)\b\w+\b", **common)
    return chars, words


def featurize(normalized: Sequence[str]) -> sp.csr_matrix:
    """Rows of hashed features for already-normalised texts (see `normalize_text`)."""
    chars, words = _vectorizers()
    xc = chars.transform(normalized)
    xw = words.transform(normalized)
    xc.data = np.log1p(xc.data)
    xw.data = np.log1p(xw.data)
    x = l2_normalize(xc) + 0.5 * l2_normalize(xw)
    return sp.csr_matrix(x, dtype=np.float32)


def token_features(token: str) -> sp.csr_matrix:
    """Features of one word alone: used to say which words drove a model's score."""
    return featurize([token])
