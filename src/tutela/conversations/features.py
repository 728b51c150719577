"""Hashed character and word n-grams: the one featuriser for training and scoring.

Why hand-rolled instead of sklearn's `HashingVectorizer`: scoring one message at
a time through sklearn costs a few hundred microseconds of call overhead, and
the streaming scorer must do thousands of messages per second per core. A
stable hash (CRC32, not Python's salted `hash`) means the coefficients trained
once (`models/stages.npz`) index the same features in every process.
"""

from __future__ import annotations

import zlib

N_FEATURES = 1 << 18


def feature_ids(canonical_text: str, n_features: int = N_FEATURES) -> list[int]:
    """Distinct feature ids of a canonical (normalised) text.

    Character 3- and 4-grams inside ` word ` boundaries carry morphology across
    en/tr/az/fa/ru without tokenisers; word unigrams and bigrams carry phrases.
    """
    words = canonical_text.split()
    ids: set[int] = set()
    crc = zlib.crc32
    prev = "<s>"
    for w in words:
        w = w.strip(".,!?;:\"()[]{}…،؟")
        if not w:
            continue
        ids.add(crc(("w:" + w).encode()) % n_features)
        ids.add(crc(("b:" + prev + " " + w).encode()) % n_features)
        prev = w
        padded = f" {w} "
        for n in (3, 4):
            for i in range(len(padded) - n + 1):
                ids.add(crc(padded[i : i + n].encode()) % n_features)
    return sorted(ids)
