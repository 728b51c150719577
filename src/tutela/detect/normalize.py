"""Text normalisation that defeats the usual evasion tricks before any matching.

People who want to slip past a filter write `f u c k`, `ſhit`, `h3ll0`,
`ѕех` (Cyrillic letters in a Latin word), `sooooo`, hide zero-width spaces
inside words, or drop Turkish and Persian letter variants. Every detector
matches against one canonical form so that each trick is handled once, here,
instead of in every pattern and model.

The canonical form is lower-case and deliberately lossy: Turkish and
Azerbaijani letters are folded to ASCII (`ş`->`s`, `ı`/`İ`->`i`, `ə`->`e`),
which also makes Azerbaijani look more like Turkish and helps transfer from
Turkish training data; Persian/Arabic letter variants are unified
(`ي`->`ی`, `ك`->`ک`); Azerbaijani written in Cyrillic is transliterated to
Latin. Russian stays Cyrillic (the models are trained on Cyrillic), and
`romanize` gives a Latin form for matching Russian written in Latin letters.

`normalize_text` is the fast path (no offsets). `normalize` also returns, for
every character of the normalised text, the index of the original character
it came from, so explanations can point at the original input.

`semantic_text` is the form the sentence encoder reads: the same evasion undone
(invisible characters, look-alikes, leetspeak, spaced letters, repeats), but the
letters kept. Folding `ş`->`s` and `ı`->`i` helps n-gram features transfer from
Turkish data, yet it turns Azerbaijani and Turkish words into strings the
encoder's tokenizer never saw (`şikayət`, complaint, becomes `sikayet`), and
the embedding then guesses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["Normalized", "normalize", "normalize_text", "romanize", "fold_char", "semantic_text"]

# Characters that render as nothing (or as a blank) and are used to split words
# invisibly. Category Cf (format) is removed wholesale; these are the others.
_INVISIBLE = {
    0x034F,  # combining grapheme joiner
    0x115F, 0x1160, 0x3164, 0xFFA0,  # Hangul fillers
    0x2800,  # braille blank
    0x17B4, 0x17B5,  # Khmer inherent vowels
    0x0640,  # Arabic tatweel (kashida), used to stretch words
}

# Explicit per-character folds applied after NFKC and lower-casing.
_FOLD_EXTRA: dict[str, str] = {
    # Turkish / Azerbaijani
    "ı": "i", "İ": "i", "ə": "e", "Ə": "e",
    # Persian / Arabic letter variants -> Persian forms
    "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ہ": "ه", "ە": "ه",
    "أ": "ا", "إ": "ا", "ٱ": "ا", "آ": "ا", "ؤ": "و",
    # Azerbaijani Cyrillic letters (unambiguous: not used in Russian) -> Latin folded
    "ә": "e", "ҹ": "c", "ҝ": "g", "ғ": "g", "ө": "o", "ү": "u", "һ": "h", "ј": "y",
    # look-alikes commonly used in place of Latin letters
    "ſ": "s", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe",
    "€": "e", "£": "l", "¢": "c", "¥": "y",
}
_FOLD_EXTRA.update({chr(0x06F0 + i): str(i) for i in range(10)})  # Persian digits
_FOLD_EXTRA.update({chr(0x0660 + i): str(i) for i in range(10)})  # Arabic-Indic digits

# Letters whose combining marks must survive (they are distinct letters, not accents).
_KEEP_MARKS = {"й": "й", "Й": "й"}


class _FoldTable(dict):
    """A `str.translate` table that computes each character's fold on first use.

    `str.translate` looks characters up in C; only unseen characters reach
    `__missing__`, so the table costs one Python call per distinct character
    per process, which keeps the fast path fast.
    """

    def __missing__(self, code: int) -> str:
        value = fold_char(chr(code))
        self[code] = value
        return value


def fold_char(ch: str) -> str:
    """Map one character to its canonical (possibly empty or multi-char) form."""
    code = ord(ch)
    if code in _INVISIBLE or (code > 127 and unicodedata.category(ch) == "Cf"):
        return ""
    if ch in _KEEP_MARKS:
        return _KEEP_MARKS[ch]
    if ch in _FOLD_EXTRA:
        return _FOLD_EXTRA[ch]
    if code < 128:
        return ch.lower()
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if c in _FOLD_EXTRA:
            out.append(_FOLD_EXTRA[c])
            continue
        if c in _KEEP_MARKS:
            out.append(_KEEP_MARKS[c])
            continue
        c = c.lower()
        for d in unicodedata.normalize("NFD", c):
            cat = unicodedata.category(d)
            if cat in ("Mn", "Me") or ord(d) in _INVISIBLE or cat == "Cf":
                continue
            out.append(_FOLD_EXTRA.get(d, d))
    text = "".join(out)
    if unicodedata.category(ch) == "Zs" or ch in "\u2028\u2029\x85":
        return " "
    return text


_TABLE = _FoldTable()

# Azerbaijani in Cyrillic (still common among older writers and in Russian-keyboard chats) is
# transliterated to the official Latin alphabet when its own letters show it is Azerbaijani.
_AZ_MARK = re.compile("[әӘҹҸҝҜғҒөӨүҮһҺјЈ]")
_AZ_CYR = dict(zip("абвгғдеәжзиыјкҝлмнoөпрстуүфхһчҹшй", "abvqğdeəjziıykglmnoöprstuüfxhçcşy", strict=True))
_AZ_CYR.update({"о": "o", "ю": "yu", "я": "ya", "ё": "yo", "ц": "ts", "щ": "şç", "ъ": "", "ь": ""})
_AZ_CYR.update({k.upper(): v.upper() for k, v in list(_AZ_CYR.items()) if v and k.upper() != k})
_AZ_TABLE = {ord(k): v for k, v in _AZ_CYR.items()}
# the same reading one character for one (`ю` -> `u`, `ь` -> `'`), for detectors that report spans of the original
_AZ_TABLE_SAME_LENGTH = {k: v[-1] if v else "'" for k, v in _AZ_TABLE.items()}


def az_latin_same_length(text: str) -> str | None:
    """Azerbaijani typed in Cyrillic read in its Latin letters, one character for one so offsets into
    `text` still hold, or None when no Azerbaijani Cyrillic letter shows. For detectors that read the
    original text (`detectors/privacy.py`: `Низами күчәси 14` is `Nizami küçəsi 14`)."""
    return text.translate(_AZ_TABLE_SAME_LENGTH) if _AZ_MARK.search(text) else None

# --- homoglyphs: map the minority script of a mixed-script word to the majority --------------

_CYR_TO_LAT = dict(zip("аеорсухкмнтвіѕԁӏ", "aeopcyxkmhtbisdl", strict=True))
_GRK_TO_LAT = dict(zip("αοριεκνςτυχβ", "aopieknstuxb", strict=True))
_LAT_TO_CYR = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "y": "у", "x": "х", "k": "к",
               "m": "м", "h": "н", "t": "т", "b": "в", "3": "з", "0": "о", "6": "б", "@": "а",
               "1": "и", "4": "ч", "$": "с",  # `$кинь`, `$екрет`: a dollar sign is an s in any script
               # Greek look-alikes (`3ακину` закину: dev round 42d, 2026-12-08, "сk!нь n0жки 👣🔥 и я тебе 3ακину на
               # карту"); not `n` or `u`, which stand for н and у as often as for п and и
               "α": "а", "κ": "к", "ο": "о", "ρ": "р", "ε": "е", "τ": "т", "χ": "х",
               "β": "в", "π": "п", "μ": "м"}

_WORD = re.compile(r"[\w@$!|+]+", re.UNICODE)


def _script(ch: str) -> str:
    if "a" <= ch <= "z":
        return "latin"
    code = ord(ch)
    if 0x0400 <= code <= 0x04FF:
        return "cyrillic"
    if 0x0370 <= code <= 0x03FF:
        return "greek"
    if 0x0600 <= code <= 0x06FF:
        return "arabic"
    return "other"


# cached: every word of a mixed-script text and every word with a digit or symbol comes here, and those
# recur (numbers, `2nd`, `10am`, a look-alike spelling); ~10 us a word the first time
@lru_cache(maxsize=1 << 15)
def _fix_word(word: str, prefer_latin: bool = False) -> str:
    """Homoglyphs and leetspeak inside one token (length-preserving).

    A word wholly made of Cyrillic or Greek look-alikes that are not Russian
    letters (`ѕех`) is read as Latin; a tie between scripts goes to the
    script that dominates the whole text, else to Cyrillic (Latin letters slipped
    into Russian words are the common evasion).
    """
    counts = {"latin": 0, "cyrillic": 0, "greek": 0}
    for ch in word:
        s = _script(ch)
        if s in counts:
            counts[s] += 1
    letters = sum(counts.values())
    if letters == 0:
        return word
    major = max(counts, key=counts.__getitem__)
    if counts["latin"] == counts["cyrillic"] and counts["latin"]:
        major = "latin" if prefer_latin else "cyrillic"
    if major == "cyrillic" and not counts["latin"] and _NON_RUSSIAN_LOOKALIKE.search(word) and all(
        c in _CYR_TO_LAT or not c.isalpha() for c in word
    ):
        major = "latin"
    if major == "greek" and counts["latin"]:
        major = "latin"  # Greek look-alikes inside Latin text
    if major == "latin":
        if counts["cyrillic"] or counts["greek"]:
            word = "".join(_CYR_TO_LAT.get(c) or _GRK_TO_LAT.get(c) or c for c in word)
        return _deleet_latin(word)
    if major == "cyrillic":
        if counts["latin"] or counts["greek"] or any(c in "01346@$!" for c in word):
            if (counts["cyrillic"] >= 2 and (not _NUMERIC_SUFFIX.match(word) or _LEADING_ZERO.match(word))) or (
                counts["cyrillic"] == 1 and len(word) == 2 and any(c in "0@3" for c in word)
            ):
                # two-letter words too (`з@` за, `н3` не, `0н` он): 0, @ and 3 are no digits of a number there
                word = _to_cyrillic(word)
        return word
    return word


_RU_VOWELS = set("аеёиоуыэюяaeoyu")


def _to_cyrillic(word: str) -> str:
    """Latin look-alikes and leet digits in a Russian word -> Cyrillic (length-preserving).

    `3` is `з` by shape but stands for `е` in leetspeak just as often (`б3з` = без, `ч3рной` =
    чёрной). A Russian word almost never has `з` between two consonants, nor `е` at its start
    where `з` is common (`3акладки`), so: between consonants `е`, elsewhere `з`. `4` is `ч` by
    shape (`4то`, `о4ень`) and `а` as Latin leet (`кладм4н` кладман, `р4бот4` работа); `ч` between two
    consonants, or ending a word after one, is as rare, so there it is `а`.
    """
    out = []
    for i, c in enumerate(word):
        if c == "4" and 0 < i and word[i - 1].isalpha() and word[i - 1] not in _RU_VOWELS and (
            i == len(word) - 1 or (word[i + 1].isalpha() and word[i + 1] not in _RU_VOWELS)
        ):
            out.append("а")
            continue
        if c == "3" and 0 < i < len(word) - 1:
            prev, nxt = word[i - 1], word[i + 1]
            if prev.isalpha() and nxt.isalpha() and prev not in _RU_VOWELS and nxt not in _RU_VOWELS:
                out.append("е")
                continue
        if c == "3" and i == len(word) - 1 and i > 0 and word[i - 1].isalpha() and word[i - 1] not in _RU_VOWELS:
            out.append("е")  # a word ends in з after a consonant almost never: `н3` не, `мн3` мне
            continue
        if c == "!" and 0 < i <= 3 and i < len(word) - 1 and word[i + 1].isalpha():
            # `ск!нь`, `п!здец`: a mark after the first few letters of a word is an и; ending a word, or after a
            # whole word (`привет!как`), punctuation
            out.append("и")
            continue
        out.append(_LAT_TO_CYR.get(c, c))
    return "".join(out)


_NON_RUSSIAN_LOOKALIKE = re.compile("[ѕіԁӏ]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[a-z]")

_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
         "@": "a", "$": "s", "!": "i", "|": "l", "+": "t"}
_NUMERIC_SUFFIX = re.compile(r"^[\d.,:]+[^\W\d_]{1,3}$|^[^\W\d_]{1,2}\d+$")
# in a Cyrillic word these are letters, not a number's digits: a number does not start with 0 (`0дну` одну),
# and no Russian abbreviation ends in a lone 0 or 3 (`эт0` это, `мн3` мне)
_LEADING_ZERO = re.compile(r"^0[^\W\d_]|^[^\W\d_]{2}[03]$")


def _deleet_latin(word: str) -> str:
    """`h3ll0` -> `hello`, but leave `10am`, `2nd`, `mp3` and plain numbers alone."""
    n_leet = sum(1 for c in word if c in _LEET)
    if n_leet == 0:
        return word
    n_letters = sum(1 for c in word if "a" <= c <= "z")
    if n_letters < 2 or n_leet > n_letters + 1 or _NUMERIC_SUFFIX.match(word):
        return word
    # trailing '!' is punctuation, not a letter
    core = word.rstrip("!")
    tail = word[len(core):]
    return "".join(_LEET.get(c, c) for c in core) + tail


# --- spacing tricks and repeats ---------------------------------------------------------------

# three or more single characters separated by one space or punctuation mark: "f u c k", "s.e.x",
# "п 1 з д 3 ц" (digits standing for letters), "چ.ن.د ت.ا ق.ر.ص" (dotted words, spaces between them)
_SPACED = re.compile(r"(?<![^\W_])(?:[^\W_][ .\-_*·]){2,}[^\W_](?![^\W_])")
_SPACED_SEP = re.compile(r"[ .\-_*·]")
# blanks left twice where a stretching mark stood between spaced Persian letters ("ک ـ س ـ ک" -> "ک  س  ک"): one
# blank, so `_SPACED` joins the letters as it does "f u c k" (elsewhere two blanks part spaced words: "s i f r e n i
# v e  k o d u")
_TWO_BLANKS = re.compile(r"(?<![^\W_])([\u0600-\u06FF]) {2,}(?=[\u0600-\u06FF](?![^\W_]))")
# Persian letters with a digit between each ("م۰ا۰د۰ر"): in Persian script a digit inside a word is a separator,
# never a letter (leetspeak there is Latin), so the digits go
_PERSIAN_LETTER = "[\u0621-\u063A\u0641-\u064A\u067E\u0686\u0698\u06A9\u06AF\u06CC]"
_DIGIT_SPACED = re.compile(rf"(?<![^\W_])(?:{_PERSIAN_LETTER}\d){{2,}}{_PERSIAN_LETTER}(?![^\W_])")
_REPEAT = re.compile(r"([^\W\d_])\1{2,}|([^\w\s])\2{2,}")
# any character three times running: what every `_REPEAT` match has, found in ~1 us where `_REPEAT` scans a
# message in ~5 us, and absent from most (~85%) messages
_THRICE = re.compile(r"(.)\1\1", re.DOTALL)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalised text and, per character, the index of its source character."""

    text: str
    offsets: tuple[int, ...]
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text to the original text."""
        if not self.offsets or start >= end:
            return (0, 0)
        start = max(0, min(start, len(self.offsets) - 1))
        last = max(start, min(end, len(self.offsets)) - 1)
        return self.offsets[start], self.offsets[last] + 1


def _sub(
    pattern: re.Pattern[str],
    repl: Callable[[re.Match[str]], str],
    text: str,
    offsets: list[int] | None,
) -> tuple[str, list[int] | None]:
    """`re.sub` that also carries the offset map through the replacement."""
    if offsets is None:
        return pattern.sub(repl, text), None
    parts: list[str] = []
    new_offsets: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        parts.append(text[pos:m.start()])
        new_offsets.extend(offsets[pos:m.start()])
        r = repl(m)
        parts.append(r)
        matched = m.group()
        if len(r) == len(matched):
            new_offsets.extend(offsets[m.start():m.end()])
        elif r and len(r) < len(matched) and (aligned := _align(r, matched)) is not None:
            new_offsets.extend(offsets[m.start() + j] for j in aligned)
        else:
            # squeeze or stretch: spread the replacement over the matched source span
            span = offsets[m.start():m.end()] or [offsets[m.start() - 1] if m.start() else 0]
            new_offsets.extend(span[min(i * len(span) // max(len(r), 1), len(span) - 1)] for i in range(len(r)))
        pos = m.end()
    parts.append(text[pos:])
    new_offsets.extend(offsets[pos:])
    return "".join(parts), new_offsets


def _align(short: str, long: str) -> list[int] | None:
    """Positions of `short`'s characters as a subsequence of `long` (greedy), or None."""
    out: list[int] = []
    j = 0
    for ch in short:
        j = long.find(ch, j)
        if j < 0:
            return None
        out.append(j)
        j += 1
    return out


_LEET_CHARS = re.compile(r"[0-9@$!|+]")
# a run of word and leet characters holding a leet one; it can only start where a run starts, and the lookbehind
# says so: without it a long word with no digit was tried from each of its letters (~40% of the scan's time)
_LEET_WORD = re.compile(r"(?<![\w@$!|+])[\w@$!|+]*[0-9@$!|+][\w@$!|+]*")
_GREEK = re.compile("[\u0370-\u03ff]")


def _needs_word_fixes(text: str) -> str:
    """Cheap test: '' (no word can change), 'leet' or 'mixed' (scripts mixed: check every word)."""
    if not text.isascii():
        has_lat = _LATIN.search(text) is not None
        has_cyr = _CYRILLIC.search(text) is not None
        if (
            (has_lat and has_cyr)
            or _GREEK.search(text) is not None
            or (has_cyr and _NON_RUSSIAN_LOOKALIKE.search(text) is not None)
        ):
            return "mixed"
    return "leet" if _LEET_CHARS.search(text) else ""


def _join_spaced(run: str, prefer_latin: bool) -> str:
    """Join a run of single characters: `f u c k` -> `fuck`, `چ.ن.د ت.ا` -> `چند تا`, `п 1 з д 3 ц` -> `пиздец`.

    When letters are separated by dots (or dashes...) and the groups by spaces, the spaces are the
    word boundaries and stay. Digits count as letters only in a run of at least three letters that
    has more letters than digits (so `1 2 3` and `a 1 b` stay as written), and are then de-leeted.
    """
    chars = run[::2]
    letters = sum(c.isalpha() for c in chars)
    if letters < 3 or letters <= len(chars) - letters:
        return run
    seps = set(run[1::2])
    if " " in seps and len(seps) > 1:
        words = [_SPACED_SEP.sub("", w) for w in run.split(" ")]
    else:
        words = [_SPACED_SEP.sub("", run)]
    return " ".join(w if w.isalpha() else _fix_word(w, prefer_latin) for w in words)


def _pipeline(text: str, offsets: list[int] | None) -> tuple[str, list[int] | None]:
    need = _needs_word_fixes(text)
    if need:
        prefer_lat = text.isascii() or len(_LATIN.findall(text)) > len(_CYRILLIC.findall(text))
        # mixed scripts: every word may hide a look-alike; leet only: just the words with a leet character
        words = _WORD if need == "mixed" else _LEET_WORD
        text, offsets = _sub(words, lambda m: _fix_word(m.group(), prefer_lat), text, offsets)
    if not text.isascii():  # two Persian-script steps, skipped by one C scan on most texts
        if "  " in text:
            text, offsets = _sub(_TWO_BLANKS, lambda m: m.group(1) + " ", text, offsets)
        if _DIGIT_SPACED.search(text) is not None:
            text, offsets = _sub(_DIGIT_SPACED, lambda m: m.group()[::2], text, offsets)
    if _SPACED.search(text) is not None:
        prefer_lat = text.isascii() or len(_LATIN.findall(text)) > len(_CYRILLIC.findall(text))
        text, offsets = _sub(_SPACED, lambda m: _join_spaced(m.group(), prefer_lat), text, offsets)
    if _THRICE.search(text) is not None:
        text, offsets = _sub(_REPEAT, lambda m: m.group()[0], text, offsets)
    if offsets is None:
        return " ".join(text.split()), None
    text, offsets = _sub(_SPACES, lambda m: " ", text, offsets)
    lead = len(text) - len(text.lstrip())
    stripped = text.strip()
    return stripped, offsets[lead:lead + len(stripped)]


def normalize_text(text: str) -> str:
    """The canonical lower-cased form of `text` used for every match and model feature."""
    if _AZ_MARK.search(text):
        text = text.translate(_AZ_TABLE)
    folded = text.translate(_TABLE)
    return _pipeline(folded, None)[0]


# Folds that only unify spellings (Persian letter variants, digits, symbol look-alikes): kept in the
# semantic form; the Turkish and Azerbaijani letter folds and the stripping of marks are not.
_LETTER_FOLDS = frozenset("ıİəƏ") | frozenset("әҹҝғөүһј")


def _keep_letter(ch: str) -> str:
    """One character of the semantic form: invisible dropped, variants unified, letters kept."""
    code = ord(ch)
    if code in _INVISIBLE or (code > 127 and unicodedata.category(ch) == "Cf"):
        return ""
    if ch == "İ":
        return "i"
    if ch in _FOLD_EXTRA and ch not in _LETTER_FOLDS:
        return _FOLD_EXTRA[ch]
    if code < 128:
        return ch.lower()
    if unicodedata.category(ch) == "Zs" or ch in "\u2028\u2029\x85":
        return " "
    out = unicodedata.normalize("NFKC", ch).lower()
    return "".join(_FOLD_EXTRA.get(c, c) if c not in _LETTER_FOLDS else c for c in out)


class _KeepTable(dict):
    def __missing__(self, code: int) -> str:
        value = _keep_letter(chr(code))
        self[code] = value
        return value


_KEEP_TABLE = _KeepTable()
_ANY_CYRILLIC = re.compile("[\u0400-\u04ff]")


def semantic_text(text: str, lang: str | None = None) -> str:
    """What the sentence encoder reads: evasion undone, letters kept (see the module docstring).

    Azerbaijani in Cyrillic becomes Latin with its own letters (`шикајәт` -> `şikayət`), when its
    letters show it or when the caller knows the language is Azerbaijani.
    """
    if _AZ_MARK.search(text) or (lang == "az" and _ANY_CYRILLIC.search(text)):
        text = text.translate(_AZ_TABLE)
    folded = unicodedata.normalize("NFC", text.translate(_KEEP_TABLE))
    out = _pipeline(folded, None)[0]
    if "*" in out:
        # a word with `*` for letters (`k*z lazimsa yazin`, `f*ck`) is read with the letters the phrase
        # lexicons' masked words give it, as the lexicon detector reads it: the encoder never saw `k*z`, and
        # a trafficking offer typed that way sat far from the written ones (the lexicons own those lists)
        from tutela.detect.detectors.lexicon import compiled, unmask

        out = unmask(out, compiled().masked)
    return out


_FOLD_LEN: np.ndarray | None = None  # per code point: length of its fold, -1 = not computed yet


def _fold_offsets(text: str) -> tuple[str, list[int]] | None:
    """Fast path of `normalize`'s first step: the fold and its offsets, vectorised.

    Returns None when the fast path does not apply (Azerbaijani Cyrillic, lone
    surrogates), and the caller takes the per-character loop instead.
    """
    global _FOLD_LEN
    if _AZ_MARK.search(text):
        return None
    try:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:
        return None
    if _FOLD_LEN is None:
        _FOLD_LEN = np.full(0x110000, -1, dtype=np.int8)
    lengths = _FOLD_LEN[codes]
    if (lengths < 0).any():
        for code in np.unique(codes[lengths < 0]).tolist():
            _FOLD_LEN[code] = min(len(_TABLE[code]), 127)
        lengths = _FOLD_LEN[codes]
    folded = text.translate(_TABLE)
    offsets = np.repeat(np.arange(len(text)), lengths)
    if len(offsets) != len(folded):  # a fold longer than 127 characters: be safe, take the slow path
        return None
    return folded, offsets.tolist()


def normalize(text: str) -> Normalized:
    """Like `normalize_text`, keeping for each output character its source index."""
    fast = _fold_offsets(text)
    if fast is not None:
        out, offs = _pipeline(*fast)
        return Normalized(out, tuple(offs or ()), text)
    parts: list[str] = []
    offsets: list[int] = []
    az = _AZ_MARK.search(text) is not None
    for i, ch in enumerate(text):
        f = "".join(_TABLE[ord(c)] for c in _AZ_TABLE.get(ord(ch), ch)) if az else _TABLE[ord(ch)]
        if f:
            parts.append(f)
            offsets.extend([i] * len(f))
    out, offs = _pipeline("".join(parts), offsets)
    return Normalized(out, tuple(offs or ()), text)


_ROMAN = dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True))
_ROMAN.update({"ж": "zh", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ь": "",
               "ю": "yu", "я": "ya", "ё": "e"})


def romanize(text: str) -> str:
    """Cyrillic -> Latin (informal Russian 'translit'), for matching Russian typed in Latin letters."""
    return "".join(_ROMAN.get(c, c) for c in text)
