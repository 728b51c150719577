"""One regex for a set of literal strings, written as a trie.

Python's `re` tries the branches of an alternation one after the other at every position, so a flat
`word1|word2|...` over a few dozen words costs a comparison per word at each character of the text. Written
as a trie (`s(?:ok(?:ak|ağ)|t(?:\\.|reet))`), each position follows one branch per next character. Used for
the privacy detector's word gates and the lexicon's word starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def trie_pattern(words: Iterable[str]) -> str:
    """Regex source that matches any of `words` (non-empty literal strings) where one begins; the match may
    stop at a shorter word that another extends, which is all a search for "any of them here" needs."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here
    return _branch(trie)


def _branch(node: dict[str, dict]) -> str:
    alts = [re.escape(ch) + _branch(child) for ch, child in sorted(node.items()) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if "" in node else body  # a shorter word already ended: the rest is optional
