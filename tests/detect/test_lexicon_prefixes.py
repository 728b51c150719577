"""The lexicon skips word starts no pattern can begin with (`_prefixes`, `_word_starts`); it must never
skip a real match.

The start sets may be wider than the truth (that only costs time), never narrower (that would lose hits).
Checked on every pattern against its own category's examples and negatives, at every word start.
"""

from __future__ import annotations

import re

import pytest

from tutela.detect.detectors.lexicon import (
    _WORD_START,
    _load_files,
    _noncapturing,
    _prefixes,
    compiled,
    examples_by_category,
    longest_prefixes,
)
from tutela.detect.normalize import normalize_text


@pytest.mark.parametrize(("pattern", "k", "expected"), [
    ("send (?:me )?nudes", 4, {"send"}),
    ("a(?:b|c)d", 2, {"ab", "ac"}),
    ("ab?", 3, {"a", "ab"}),  # a match may be shorter than k
    ("(?<![a-z])x[yz]{2,}", 3, {"xyy", "xyz", "xzy", "xzz"}),  # a lookbehind is only a condition
    (r"\bfoo", 2, {"fo"}),
    (r"\w+ing", 2, None),  # any letter: unknown
    ("(?i:abc)", 2, None),  # case-insensitive: unknown
    ("[^a]b", 2, None),
])
def test_prefixes_of_small_patterns(pattern: str, k: int, expected: set[str] | None) -> None:
    assert _prefixes(pattern, k) == expected


def _patterns() -> list[str]:
    return [_noncapturing(item if isinstance(item, str) else item["re"])
            for doc in _load_files() for items in (doc.get("patterns") or {}).values() for item in items]


def test_every_lexicon_match_starts_where_the_start_sets_allow() -> None:
    starts = compiled().word_starts
    assert starts.pattern != _WORD_START.pattern  # every shipped pattern's start is known: the skip is on
    texts = [normalize_text(e.text) for e in examples_by_category()]
    checked = 0
    for pattern in _patterns():
        rx = re.compile(pattern)
        for text in texts:
            for w in _WORD_START.finditer(text):
                if rx.match(text, w.start()) is not None:
                    checked += 1
                    assert starts.match(text, w.start()) is not None, (pattern, text)
    assert checked > 300  # the examples exercise the patterns (342 matches, 2026-12-06)


def test_no_pattern_can_begin_with_a_single_known_character() -> None:
    """A pattern whose start is known for one character only (an alternative that begins with an emoji, a digit or a
    lone letter) makes every word start with that character a candidate for every pattern: one such line took the
    phrase scan from ~39 to ~60 us a text (2026-12-08). Each pattern's longest known prefixes must be 2+ characters."""
    short = []
    for pattern in _patterns():
        found = longest_prefixes(pattern)
        if found is None or any(len(p) < 2 for p in found):
            short.append(pattern[:60])
    assert not short


def test_each_word_start_s_bucket_holds_every_pattern_that_matches_there() -> None:
    """`_Compiled.bucket` picks the patterns to try by the next one to three characters; a pattern left out of the
    bucket where it matches would lose its hit. Checked for every shipped pattern on every category's examples."""
    comp = compiled()
    texts = [normalize_text(e.text) for e in examples_by_category()]
    checked = 0
    for i, pattern in enumerate(comp.patterns):
        rx = re.compile(pattern)
        for text in texts:
            for w in _WORD_START.finditer(text):
                if rx.match(text, w.start()) is not None:
                    checked += 1
                    bucket = comp.bucket(text, w.start())
                    assert bucket is not None and bucket.gate.match(text, w.start()) is not None, (pattern, text)
                    assert any(e is comp.entries[i] for _, entries in bucket.by_category for e in entries), (pattern, text)
    assert checked > 300


def test_a_server_s_warm_up_compiles_every_bucket() -> None:
    from tutela.detect import warm_up

    warm_up()
    comp = compiled()
    assert set(comp.keyed) <= set(comp.built)
    assert all(comp.built[key] is not None for key in comp.keyed)


def test_a_pattern_whose_start_is_unknown_is_tried_at_every_word_start() -> None:
    """No shipped pattern is loose (the test above), but an organisation's file or a future one may be: it must sit in
    every bucket, and where no key matches, in a bucket of its own that is compiled once."""
    from tutela.detect.detectors.lexicon import _Compiled, _Entry
    from tutela.domain.taxonomy import Category

    entries = (_Entry(Category.FRAUD, "en", "known start", 0.6, None), _Entry(Category.FRAUD, "en", "loose", 0.6, None))
    comp = _Compiled(entries, ("send code", r"\w+ prize"), {"sen": (0,)}, (3,), (1,), {}, {})
    both = comp.bucket("send code now", 0)
    assert both is not None and [e.reason for _, es in both.by_category for e in es] == ["known start", "loose"]
    alone = comp.bucket("big prize", 0)
    assert alone is not None and alone.gate.match("big prize", 0) is not None
    assert comp.bucket("big prize", 0) is alone  # compiled once
