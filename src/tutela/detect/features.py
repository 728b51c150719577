"""The first stage's features: hashed character and word n-grams of the normalised text.

Hashing (no vocabulary) keeps the artefact to the model's coefficients only,
makes training and inference share one stateless function, and copes with any
script. Character n-grams inside words, padded with a space at each end (2-5,
like scikit-learn's `char_wb`), survive misspellings, agglutinative suffixes
(Turkish, Azerbaijani) and unseen word forms (Russian, Persian); word uni- and
bigrams add phrases. Both halves are log-scaled, L2-normalised and added.

Why not scikit-learn's `HashingVectorizer`: it builds every n-gram as a Python
string (~110 us a chat message here), half the time budget of the whole
analysis. This implementation hashes the whole batch at once with numpy
polynomial rolling hashes over code points (~10 us a message), which is what
makes 5,000 messages/s on one core reachable. The hash is fixed here; the
trained artefacts depend on it, so changing anything in this module means
retraining (`tutela train text`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

N_CHAR = 2**20
N_WORD = 2**19
N_FEATURES = N_CHAR + N_WORD  # char n-grams in [0, N_CHAR), word n-grams after
CHAR_NGRAMS = (2, 5)
WORD_WEIGHT = 0.5
FEATURE_VERSION = "rollhash-v1"

_P = np.uint64(1_000_003)
_MIX1 = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
_SALT = {n: np.uint64(0x1000193 * (n + 1)) for n in range(1, 8)}
CHUNK = 4096
_SPACE = 32
_SEP = 1


def _mix(h: np.ndarray, salt: np.uint64, size: int) -> np.ndarray:
    """Spread a polynomial hash over the feature space (splitmix-style finaliser)."""
    x = (h ^ salt) * _MIX1  # wraps around mod 2^64 on purpose (`featurize` silences the overflow warning)
    x ^= x >> np.uint64(29)
    x *= _MIX2
    x ^= x >> np.uint64(32)
    return (x % np.uint64(size)).astype(np.int64)


def _codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Code points of ' doc ' joined by a separator, and the document of each position."""
    padded = [" " + t + " " for t in texts]
    joined = "\x01".join(padded)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(p) + 1 for p in padded), dtype=np.int64, count=len(padded))
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)[: len(codes)]
    return codes, doc


_ALNUM_TABLE: np.ndarray | None = None


def _is_alnum(codes: np.ndarray) -> np.ndarray:
    """`str.isalnum` per code point, via a table of the Basic Multilingual Plane built once."""
    global _ALNUM_TABLE
    if _ALNUM_TABLE is None:
        _ALNUM_TABLE = np.fromiter((chr(i).isalnum() for i in range(65536)), dtype=bool, count=65536)
    out = _ALNUM_TABLE[np.minimum(codes, 65535).astype(np.int64)]
    high = np.nonzero(codes > 65535)[0]
    for k in high.tolist():
        out[k] = chr(int(codes[k])).isalnum()
    return out


def _char_ngrams(codes: np.ndarray, doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    is_space = (codes == _SPACE) | (codes == _SEP)
    is_sep = codes == _SEP
    n_total = len(codes)
    space_cum = np.concatenate([[0], np.cumsum(is_space)])
    rows, cols = [], []
    h = codes.copy()
    lo, hi = CHAR_NGRAMS
    # the hashes wrap around mod 2^64 on purpose (`featurize` silences the overflow warning)
    for n in range(2, hi + 1):
        m = n_total - n + 1
        if m <= 0:
            break
        h = h[:m] * _P + codes[n - 1 : n - 1 + m]
        if n < lo:
            continue
        first, last = is_space[:m], is_space[n - 1 : n - 1 + m]
        interior = space_cum[n - 1 : n - 1 + m] - space_cum[1 : 1 + m]
        ok = (interior == 0) & ~is_sep[:m] & ~is_sep[n - 1 : n - 1 + m]
        ok &= ~(first & is_space[1 : 1 + m]) & ~(last & is_space[n - 2 : n - 2 + m])
        idx = np.nonzero(ok)[0]
        rows.append(doc[idx])
        cols.append(_mix(h[idx], _SALT[n], N_CHAR))
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def _word_ngrams(codes: np.ndarray, doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    alnum = _is_alnum(codes)
    edges = np.diff(np.concatenate([[0], alnum.astype(np.int8), [0]]))
    starts = np.nonzero(edges == 1)[0]
    ends = np.nonzero(edges == -1)[0]
    if len(starts) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # wrapping around mod 2^64 on purpose (`featurize` silences the overflow warning)
    powers = np.cumprod(np.full(len(codes), _P, dtype=np.uint64))  # P^1..P^L
    powers = np.concatenate([[np.uint64(1)], powers])
    # prefix sums of c_j * P^j; token hash = (G[e] - G[s]) / P^s, with the inverse of odd P mod 2^64
    g = np.concatenate([[np.uint64(0)], np.cumsum(codes * powers[:-1], dtype=np.uint64)])
    inv_p = np.uint64(pow(int(_P), -1, 2**64))
    inv_powers = np.concatenate([[np.uint64(1)], np.cumprod(np.full(len(codes), inv_p, dtype=np.uint64))])
    th = (g[ends] - g[starts]) * inv_powers[starts]
    tdoc = doc[starts]
    same = tdoc[1:] == tdoc[:-1]
    bh = th[:-1][same] * _MIX2 + th[1:][same]
    rows = np.concatenate([tdoc, tdoc[:-1][same]])
    cols = N_CHAR + np.concatenate([_mix(th, _SALT[1], N_WORD), _mix(bh, _SALT[2] ^ _MIX1, N_WORD)])
    return rows, cols


def featurize(normalized: Sequence[str]) -> sp.csr_matrix:
    """Rows of hashed features for already-normalised texts (see `normalize_text`).

    Duplicate (doc, feature) pairs are summed with one numpy sort over
    `doc * N + feature` keys rather than scipy's sparse arithmetic, whose
    per-call cost grows with the number of columns.
    """
    n = len(normalized)
    if n == 0:
        return sp.csr_matrix((0, N_FEATURES), dtype=np.float32)
    if n > CHUNK:  # bound the temporary arrays (several per character) on big inputs
        return sp.vstack([featurize(normalized[i : i + CHUNK]) for i in range(0, n, CHUNK)], format="csr")
    codes, doc = _codes(normalized)
    with np.errstate(over="ignore"):  # once a call, not once a hashing step (~1 us each, 8 of them)
        rc, cc = _char_ngrams(codes, doc)
        rw, cw = _word_ngrams(codes, doc)
    rows = np.concatenate([rc, rw])
    keys, counts = np.unique(rows * N_FEATURES + np.concatenate([cc, cw]), return_counts=True)
    docs = keys // N_FEATURES
    cols = keys - docs * N_FEATURES
    vals = np.log1p(counts.astype(np.float32))
    is_word = cols >= N_CHAR
    group = docs * 2 + is_word
    norms = np.sqrt(np.bincount(group, weights=vals * vals, minlength=2 * n))
    norms[norms == 0] = 1.0
    scale = np.where(is_word, WORD_WEIGHT, 1.0) / norms[group]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(docs, minlength=n))])
    return sp.csr_matrix(
        ((vals * scale).astype(np.float32), cols.astype(np.int32), indptr.astype(np.int32)),
        shape=(n, N_FEATURES),
    )
