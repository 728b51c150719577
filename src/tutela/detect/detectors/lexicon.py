"""Multilingual phrase patterns per category, loaded from `tutela/detect/lexicons/*.yaml`.

Why patterns next to the trained models: several categories (trafficking,
recruitment, disinformation, grooming outside English, everything in
Azerbaijani) have no public training data, and some evidence is so specific
(`send nudes or I'll post your photos`) that a reviewer should see the exact
phrase. Each YAML file is one category: regexes per language over the
normalised text, each with a score and a reason, plus positive and negative
examples that the shared tests run.

Scores within a category combine by noisy-or (1 - prod(1 - s)), so several
weak cues (secrecy, asking for age, asking for photos) add up to a flag while
one weak cue alone does not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from importlib import resources
from typing import Any

import yaml

from tutela.detect.affection import affectionate
from tutela.detect.detectors.base import Detector, Example, Hit, register
from tutela.detect.quoting import frame, inside, quoted_spans
from tutela.detect.wordtrie import trie_pattern
from tutela.domain.taxonomy import Category

_WORD_START = re.compile(r"(?<![^\W_])[^\W_]|[$@!|+*]")
# A negation just before a match ("do not drink bleach", "şifreni asla kimseyle paylaşma") weakens
# it: warnings repeat the very words of the request they warn about. English and Russian put the
# negation right before the verb (one word may sit between); Turkish, Azerbaijani and Persian put
# the adverb before the object, so up to two words may sit between. Punctuation ends the reach:
# "don't worry, send me ..." is not negated. Texts are normalised (ı->i, ə->e, ş->s).
_NEGATION = re.compile(
    r"(?:(?<![^\W_])(?:not|don'?t|dont|never|no|do not|does not|doesn'?t|won'?t|will not|shouldn'?t|should not"
    r"|must not|mustn'?t|cannot|can'?t|avoid|refuse to|не|нельзя|никогда|никому|ни в коем случае)\s+(?:\w+\s+)?"
    r"|(?<![^\W_])(?:never|not|won'?t|will not|doesn'?t|don'?t) (?:ever )?(?:ask|request|need)s? (?:you |for )?(?:to )?"
    r"|(?<![^\W_])(?:asla|sakin|hicbir zaman|hic bir zaman|hic kimse\w*|kimseye|kimseyle|hec vaxt|hec zaman"
    r"|hec kime|hec kimle|hec kimse|hec bir\w*|hicbir\w*|hic bir\w*|katiyyen|qetiyyen"
    r"|هرگز|نباید|هیچ ?وقت|هیچ ?گاه|هیچوقت|هیچکس|به هیچ ?کس|به کسی|مبادا|به هیچ ?عنوان|اصلا)\s+(?:[^\W_]+\s+){0,2})$"
)
# Turkish/Azerbaijani negate the verb with a suffix (-ma/-me, -mə folded to -me): `paylaş` is a
# request, `paylaşma`, `paylaşmayın`, `vermə`, `göndermiyor`, `vermirəm` are not. Read on the rest
# of the word after a match (patterns that end in `\w*` exclude the suffix themselves). Not the
# infinitive (-mak/-mek), necessity (-malı), verbal nouns (-ması, -maya) or the threat forms
# "if you don't" (-mazsan) and "unless" (-madıkça), which are requests.
_TURKIC_NEG = re.compile(
    r"m(?:[ae](?:$|z(?!s[ae])|d(?![iu]k[cç])|y(?:[iu]n|ec|ac|[iu]z)|s[iu]n|m(?:$|[ae]l)|n[iu]z)|[iu]r|[iu]yo|[ae]r[ae]m)"
)
_WORD_REST = re.compile(r"[^\W\d_]*")
# An English negative contraction right after a match: the match stopped inside another word. "you won't be in
# trouble" is not "you won" (a prize lure: fraud 0.6 on a school counsellor's PSA, dev line en-2096), nor "she
# can't" "she can"; a pattern's trailing `\b` sits between "won" and the apostrophe, so each pattern would need
# its own guard.
_CONTRACTED = re.compile(r"['’]t(?![^\W_])")


@dataclass(frozen=True, slots=True)
class _Entry:
    category: Category
    lang: str
    reason: str
    score: float
    gate: frozenset[str] | None
    negatable: bool = True  # False where the pattern itself is a prohibition ("don't tell your mum")
    topic: bool = False  # True where the words name the topic, so recovery/awareness context weakens it
    banter: bool = False  # True for an insult friends trade: love declared to the reader weakens it (`affection.py`)


@dataclass(frozen=True, slots=True)
class _Bucket:
    """The patterns that may match where a word starts with one key (`_Compiled.bucket`)."""

    gate: re.Pattern[str]  # all of them in one alternation: "can anything match here?" in one call
    by_category: tuple[tuple[re.Pattern[str], tuple[_Entry, ...]], ...]  # per category, strongest first


@dataclass(frozen=True, slots=True)
class _Compiled:
    """Every pattern, indexed by the first characters its matches can start with (`bucket`)."""

    entries: tuple[_Entry, ...]
    patterns: tuple[str, ...]
    # the strings of 1 to `_BUCKET_KEY` characters a pattern's matches start with -> the patterns (by index)
    keyed: dict[str, tuple[int, ...]]
    key_lengths: tuple[int, ...]  # the lengths of `keyed`'s strings, longest first
    loose: tuple[int, ...]  # patterns whose start is unknown: in every bucket
    context: dict[Category, re.Pattern[str]]  # per category: recovery/awareness/warning context
    masked: dict[int, tuple[str, ...]]  # words that are often written with masked letters, by length
    # finds the word starts (`_WORD_START`'s) where some pattern's match may begin (`_word_starts`): a word
    # start none of them begins needs no regex at all
    word_starts: re.Pattern[str] = _WORD_START
    built: dict[str, _Bucket | None] = field(default_factory=dict)  # `bucket`'s, compiled on first use

    def bucket(self, text: str, pos: int) -> _Bucket | None:
        """The patterns that may match at `pos`: those whose start is the text's next 1 to `_BUCKET_KEY`
        characters. Why: one alternation of every pattern sharing the word's first letter cost ~9 us a word
        start that passed `word_starts` ("s" and "b" each held ~20,000 characters of patterns); keyed by up to
        three characters a bucket holds two patterns on average. Compiled on first use: of ~2,500 keys, a
        process meets a few hundred often."""
        for n in self.key_lengths:
            key = text[pos:pos + n]
            found = self.built.get(key)
            if found is not None:
                return found
            if len(key) == n and key in self.keyed:
                return self._build(key)
        return (self.built.get("") or self._build("")) if self.loose else None

    def build_all(self) -> None:
        """Every bucket compiled now (~0.8 s), by a long-running process's `engine.warm_up`."""
        for key in self.keyed:
            if key not in self.built:
                self._build(key)

    def _build(self, key: str) -> _Bucket | None:
        idxs = sorted({i for n in range(1, len(key) + 1) for i in self.keyed.get(key[:n], ())} | set(self.loose))
        groups: dict[Category, list[int]] = {}
        for i in idxs:
            groups.setdefault(self.entries[i].category, []).append(i)
        by_category = []
        for members in groups.values():
            # the strongest pattern first: an alternation answers with its first matching branch
            members.sort(key=lambda i: -self.entries[i].score)
            regex = re.compile("|".join(f"({self.patterns[i]})" for i in members))
            by_category.append((regex, tuple(self.entries[i] for i in members)))
        found = _Bucket(re.compile("|".join(self.patterns[i] for i in idxs)), tuple(by_category)) if idxs else None
        self.built[key] = found
        return found


def _load_files() -> list[dict[str, Any]]:
    folder = resources.files("tutela.detect") / "lexicons"
    docs = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            doc = yaml.safe_load(item.read_text(encoding="utf-8"))
            doc["_file"] = item.name
            docs.append(doc)
    return docs


_PREFIX = 4  # the longest start `_prefixes` works out: ~1 word start in 5 passes at 4 characters, 1 in 3 at 3
_PREFIX_LIMIT = 4096  # more strings than this: the start is not worth knowing
_BUCKET_KEY = 3  # the most characters a word start's bucket of patterns is chosen by (`_Compiled.bucket`)


def _prefixes(pattern: str, k: int) -> set[str] | None:
    """The strings, up to `k` characters, every match of `pattern` starts with (or is, if shorter); None
    when that cannot be worked out (classes like `\\w`, `.`, case-insensitive parts, too many strings).

    Why: each word start's gate regex costs ~1.5 us, and four in five word starts of chat begin with
    no pattern's first characters ("the", "you"); a set lookup on the next few characters answers that
    for them. Lookarounds and anchors count as empty, so the sets may only be wider than the truth.
    """
    from re import _constants as sre_c  # noqa: PLC0415 - stdlib, stable since 3.11
    from re import _parser as sre_parse  # noqa: PLC0415

    def extend(cur: set[str], more: Callable[[int], set[str] | None], k: int) -> set[str] | None:
        """`cur`, each followed by each of `more(characters still wanted)` (up to `k` characters in all)."""
        out: set[str] = set()
        for s in cur:
            tail = more(k - len(s)) if len(s) < k else {""}
            if tail is None:
                return None
            out.update(s + t for t in tail)
        return out if len(out) <= _PREFIX_LIMIT else None

    def seq(items: list[Any], k: int) -> set[str] | None:
        out = {""}
        for item in items:
            got = extend(out, partial(one, item), k)
            if got is None:
                return None
            out = got
        return out

    def one(item: Any, k: int) -> set[str] | None:
        op, av = item
        if op is sre_c.LITERAL:
            return {chr(av)}
        if op is sre_c.IN:
            chars: set[str] = set()
            for iop, iav in av:
                if iop is sre_c.LITERAL:
                    chars.add(chr(iav))
                elif iop is sre_c.RANGE and iav[1] - iav[0] <= 200:
                    chars.update(map(chr, range(iav[0], iav[1] + 1)))
                else:  # a negated class, `\\w`, `\\d`: too wide
                    return None
            return chars
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            return {""}
        if op is sre_c.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            return None if add_flags & sre_parse.SRE_FLAG_IGNORECASE else seq(list(sub), k)
        if op is sre_c.BRANCH:
            out: set[str] = set()
            for alt in av[1]:
                got = seq(list(alt), k)
                if got is None:
                    return None
                out |= got
            return out
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            # more than lo + k repetitions add nothing new to k characters
            last = min(hi, lo + k)
            out, cur = set(), {""}
            for r in range(last + 1):
                if r >= lo:
                    out |= cur
                if r < last:
                    got = extend(cur, partial(seq, list(sub)), k)
                    if got is None:
                        return None
                    cur = got
            return out
        return None

    parsed = sre_parse.parse(pattern)
    if parsed.state.flags & sre_parse.SRE_FLAG_IGNORECASE:
        return None
    return seq(list(parsed), k)


def longest_prefixes(pattern: str) -> set[str] | None:
    """The strings a match of `pattern` starts with, at the longest length up to `_PREFIX` they can be worked out;
    None if its start is unknown even at one character."""
    return next((got for k in range(_PREFIX, 0, -1) if (got := _prefixes(pattern, k)) is not None), None)


def _starts(per_pattern: list[set[str] | None]) -> set[str] | None:
    """The strings, of 1 to `_PREFIX` characters, some pattern's match starts with, from each pattern's
    `longest_prefixes`; None if one pattern's start is unknown even at one character."""
    out: set[str] = set()
    for found in per_pattern:
        if found is None or "" in found:
            return None
        out |= found
    return out


@lru_cache(maxsize=1)
def compiled() -> _Compiled:
    """Group every pattern by category and by the characters it can start with.

    Each pattern gets its own capturing group, so `match.lastindex` names the
    entry; patterns use only non-capturing groups internally, which we enforce
    by rewriting `(` to `(?:`.
    """
    entries: list[_Entry] = []
    patterns: list[str] = []
    context: dict[Category, re.Pattern[str]] = {}
    masked: dict[int, set[str]] = {}
    for doc in _load_files():
        category = Category(doc["category"])
        default = float(doc.get("default_score", 0.6))
        default_topic = bool(doc.get("default_topic", False))
        ctx = [_noncapturing(p) for items in (doc.get("context") or {}).values() for p in items]
        if ctx:
            context[category] = re.compile("|".join(ctx))
        for words in (doc.get("masked_words") or {}).values():
            for word in words:
                masked.setdefault(len(word), set()).add(word)
        for lang, items in (doc.get("patterns") or {}).items():
            for item in items:
                if isinstance(item, str):
                    item = {"re": item}
                pattern = _noncapturing(item["re"])
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"lexicon {doc['_file']}: bad pattern {item['re']!r}: {exc}") from None
                gate = item.get("gate")
                entries.append(
                    _Entry(
                        category,
                        lang,
                        item.get("reason") or f"{category.value} phrase ({lang})",
                        float(item.get("score", default)),
                        frozenset(gate) if gate else None,
                        bool(item.get("negatable", True)),
                        bool(item.get("topic", default_topic)),
                        bool(item.get("banter", False)),
                    )
                )
                patterns.append(pattern)
    # each pattern's start, worked out once (~0.15 s): the word-start scan reads it whole, the buckets its first
    # `_BUCKET_KEY` characters (the same sets `_prefixes` gives at that length)
    per_pattern = [longest_prefixes(pattern) for pattern in patterns]
    keyed: dict[str, list[int]] = {}
    loose: list[int] = []
    for i, starts in enumerate(per_pattern):
        if starts is None or "" in starts:
            loose.append(i)
            continue
        for start in {s[:_BUCKET_KEY] for s in starts}:
            keyed.setdefault(start, []).append(i)
    return _Compiled(
        tuple(entries), tuple(patterns), {k: tuple(v) for k, v in keyed.items()},
        tuple(sorted({len(k) for k in keyed}, reverse=True)), tuple(loose), context,
        {n: tuple(sorted(w)) for n, w in masked.items()}, _word_starts(_starts(per_pattern)),
    )


def _word_starts(starts: set[str] | None) -> re.Pattern[str]:
    """A pattern whose (empty) matches are the word starts that begin one of `starts`: one scan in C, where
    testing each word start in Python cost ~7 us a message. Every word start where `starts` is unknown."""
    if starts is None:
        return _WORD_START
    # `_WORD_START`'s two cases (a letter or digit after none, or one of the symbols), both zero-width
    return re.compile(r"(?:(?<![^\W_])(?=[^\W_])|(?=[$@!|+*]))(?=" + trie_pattern(starts) + ")")


_GROUP_OPEN = re.compile(r"(?<!\\)\((?!\?)")


def in_context(normalized: str) -> frozenset[Category]:
    """The categories whose `context` (a game, a lesson, recovery, a warning: see the lexicon files) the
    normalised text is in; the engine reads it for the model's flags as the patterns do for `topic` words."""
    return frozenset(c for c, rx in compiled().context.items() if rx.search(normalized))


def _noncapturing(pattern: str) -> str:
    return _GROUP_OPEN.sub("(?:", pattern)


def examples_by_category() -> list[Example]:
    out: list[Example] = []
    for doc in _load_files():
        category = Category(doc["category"])
        for lang, texts in (doc.get("examples") or {}).items():
            out.extend(Example(t, lang, category) for t in texts)
        for lang, texts in (doc.get("negatives") or {}).items():
            out.extend(Example(t, lang, None) for t in texts)
    return out


def _negated(text: str, m: re.Match[str]) -> bool:
    """A negation before the match, or a Turkic negative suffix on the verb it ends with."""
    start, end = m.start(), m.end()
    if _NEGATION.search(text, max(0, start - 40), start) is not None:
        return True
    # the match stopped inside a word: is the rest of it a negative verb suffix?
    return end < len(text) and text[end] == "m" and _TURKIC_NEG.match(text, end, _WORD_REST.match(text, end).end()) is not None


_MASK_WORD = re.compile(r"(?<![^\W_])[^\W\d_]*(?:\*+[^\W\d_]*)+")


def unmask(text: str, masked: dict[int, tuple[str, ...]]) -> str:
    """`f*ck` -> `fuck`, `т*пая с*ка` -> `тупая сука`: fill each `*` from a list of masked words.

    One `*` stands for one letter (the usual convention), so the text keeps its length and spans
    stay valid. Only a word of the list whose other letters agree is used; an unknown masked word
    (`p*ssword`) stays as it is.
    """

    def fill(m: re.Match[str]) -> str:
        word = m.group()
        if word.count("*") == len(word) or word.count("*") > 3:
            return word
        for cand in masked.get(len(word), ()):
            if all(a == "*" or a == b for a, b in zip(word, cand, strict=True)):
                return cand
        return word

    return _MASK_WORD.sub(fill, text)


@register
class LexiconDetector(Detector):
    """Phrase patterns for every category, in en, tr, az, fa and ru."""

    name = "lexicon"
    categories = tuple(Category)

    def find(self, original: str, normalized: str, lang: str) -> list[Hit]:
        comp = compiled()
        if "*" in normalized:
            normalized = unmask(normalized, comp.masked)
        hits: list[Hit] = []
        reach: dict[Category, tuple[int, float]] = {}  # per category: furthest hit end, its score
        quotes = quoted_spans(normalized)
        framed = frame(normalized, quotes)
        loved: bool | None = None  # `affectionate(normalized)`, read once, where a `banter` pattern matched
        for w in comp.word_starts.finditer(normalized):
            pos = w.start()
            bucket = comp.bucket(normalized, pos)
            if bucket is None or bucket.gate.match(normalized, pos) is None:
                continue
            for regex, entries in bucket.by_category:
                m = regex.match(normalized, pos)
                if m is None or _CONTRACTED.match(normalized, m.end()) is not None:
                    continue
                entry = entries[m.lastindex - 1]
                if entry.gate is not None and lang not in entry.gate:
                    continue
                score = entry.score
                if entry.negatable and entry.category is not Category.PROFANITY and _negated(normalized, m):
                    score *= 0.4
                ctx = comp.context.get(entry.category)
                if entry.topic and ctx is not None and ctx.search(normalized):
                    score *= 0.5
                if entry.banter:
                    loved = affectionate(normalized) if loved is None else loved
                    if loved:
                        score *= 0.5
                # the request quoted inside a warning whose frame names it (`detect/quoting.py`): weak as a negated one
                if (quotes and ctx is not None and entry.category is not Category.PROFANITY
                        and inside(quotes, m.start(), m.end()) and ctx.search(framed)):
                    score *= 0.4
                far, strongest = reach.get(entry.category, (-1, 0.0))
                if m.end() <= far and score <= strongest:
                    continue  # a weaker cue inside a phrase already found ("hediye kazandınız"): one cue
                reach[entry.category] = (max(far, m.end()), score if m.end() > far else max(score, strongest))
                hits.append(
                    Hit(entry.category, score, f"{entry.reason}: '{m.group()}'", m.start(), m.end(), True, "lexicon",
                        entry.topic)
                )
        return hits

    @classmethod
    def examples(cls) -> list[Example]:
        return examples_by_category()
