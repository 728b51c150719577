"""The text analysis engine: one path from raw text to a `TextAnalysis`.

    raw text -> guard (type, size, empty) -> normalise -> language
             -> the fast components, on every text (`detect/components/`, in registration order):
                first-stage model (calibrated probabilities per category), rule detectors
                (patterns, privacy, links), then any plug-in -> thresholds -> fast flags
             -> the cascade picks texts for the semantic components (`detect/semantic/`): flags
                where a calibrated score passes its own threshold are added (fast OR semantic),
                and the `disclosure` signal is raised -> flags + explanations + `stages`

The engine knows components only through their contract (`detect/components/base.py`); the model
and the rules fold their arrays into the batch themselves because the flag rule weighs one
against the other (`_flag_matrix`).

Everything is batched: `analyze_texts` featurises and scores a whole batch in
one sparse matrix product, which is where the throughput comes from. Models
load lazily once per process.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import numpy as np

from tutela.config import Settings
from tutela.detect.components import components
from tutela.detect.components.base import Evidence
from tutela.detect.components.state import BatchState, fold
from tutela.detect.components.state import category as category_of
from tutela.detect.detectors.base import Hit
from tutela.detect.detectors.lexicon import compiled, in_context
from tutela.detect.detectors.privacy import mask, publishes_a_number
from tutela.detect.held import Held, hold, restore
from tutela.detect.langid import UNDETERMINED, identify_many
from tutela.detect.model import LinearModel, explainable_words
from tutela.detect.normalize import Normalized, normalize, normalize_text
from tutela.detect.semantic.bank import DISCLOSURE
from tutela.detect.semantic.cascade import RULE_UNCERTAIN, Audience, check_mode, select
from tutela.detect.semantic.index import SemanticResult
from tutela.detect.semantic.scorer import TARGETS
from tutela.detect.semantic.stage import OrgBank
from tutela.detect.semantic.warning import unseen
from tutela.detect.training.experts import governed_by
from tutela.detect.translit import to_native
from tutela.domain.analysis import Explanation, TextAnalysis, trusted_analysis
from tutela.domain.languages import LANGUAGES
from tutela.domain.taxonomy import CATEGORIES, Category

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.5
RULE_THRESHOLD = 0.5
LONG_TEXT_CHARS = 400
LONG_TEXT_RULE_THRESHOLD = 0.95
# rule categories an in-domain expert's "not harmful" may overrule: words that are harmless in many
# contexts (swearing among friends, banter, anatomy), unlike hate, threats, grooming or self-harm cues
VETOABLE_RULES = frozenset({Category.PROFANITY, Category.CYBERBULLYING, Category.SEXUAL_CONTENT})
SEGMENT_TRAINED = frozenset({Category.SEXUAL_EXPLOITATION})  # heads trained on whole chat segments
# In a chat (a text whose likeliest route is the router's `chat` class), the learned heads for these noisy
# categories were fitted on public sets whose priors (tweets where 30-60% are offensive) are far from
# children's chat: alone, on everyday words ("my puppy chewed my shoes", "şahmat oynamaq", "götür"),
# they fire. There a model-only flag of these categories below `CHAT_MODEL_ALONE` needs a second piece
# of evidence: a phrase rule of any category at least `RULE_UNCERTAIN` (a swear word, a threat cue), or
# a flag from another source (the semantic stage, another head's category). Cyberbullying needs a
# target and an insult, not only a tone; swearing is what the profanity lexicon sees.
# Disinformation too: its head, fitted on health-rumour posts, reads any news a child retells ("news says a
# bus crashed but the kids are ok") as a rumour; a real one also matches the semantic bank or a rule.
CHAT_SECOND_OPINION = frozenset({Category.CYBERBULLYING, Category.PROFANITY, Category.SEXUAL_CONTENT, Category.DISINFORMATION})
CHAT_MODEL_ALONE = 0.9
ANY_PROBABILITY = 1.01  # a cap no model probability reaches: the flag never stands alone, however sure
# Disinformation's head learned rumours from COVID posts only, and it reads a child's retelling of any news
# as one at 0.9 and above ("the news said a man was stabbed outside a nightclub, police are appealing for
# witnesses": 0.91; flood and storm reports 0.93, 2026-12-06): in a chat its flag never stands alone, however
# sure. A real hoax also matches the semantic bank or the hoax patterns; COVID posts the router takes for the
# public set keep their expert.
CHAT_MODEL_ALONE_BY_CATEGORY = {Category.DISINFORMATION: ANY_PROBABILITY}
# Whatever the route, a lone learned-model flag of these categories below `CHAT_MODEL_ALONE` is dropped
# where the semantic stage read the text and found it clearly nearer the written benign lines than that
# category's harmful ones (kNN margin below `NEARER_BENIGN`; paraphrases sit ~0.03-0.05 apart from mere
# topic neighbours). The router takes about one chat message in eight for a tweet ("my new puppy chewed
# my shoes lol" reads like the Davidson tweets at 0.90), so the chat rule above misses it; on the public
# sets' training rows the model's lone flags of these categories almost never sit this far on the benign
# side (1 of ~600, docs/models.md), where their harm is written the way the sets were collected.
NEARER_BENIGN = -0.03
# Turkish and Azerbaijani chat is read as an OffensEval tweet far more often (the router sends most of it
# there at 0.8-0.95, "terörist gibi oynuyo" in game talk, a class bake sale), so there the line sits nearer:
# on the dev lines it released 2 more benign Turkish flags and no harmful one; on the frozen auto slice of
# 100 OffensEval-TR rows it moved macro-F1 0.787 -> 0.800 and the Turkish hate set not at all (2026-12-06)
NEARER_BENIGN_BY_LANG = {"tr": -0.02, "az": -0.02}
NEARER_BENIGN_CATEGORIES = CHAT_SECOND_OPINION | {Category.VIOLENT_CONTENT, Category.HATE_RADICALISATION}
# Fraud too (2026-12-06): the scam head, fitted on SMS spam, read bank warnings ("your bank never asks for your SMS
# code") and a school's consent-form notice as spam at 0.46-0.96 while the semantic stage put them 0.04-0.07 nearer
# the written warnings than any scam; on 400 Turkish and 400 English spam SMS (public training rows) releasing fraud
# this way released 1 English one. Where a warning marks the text (`unseen` names fraud), the release holds however
# sure the model is (`MARKED_SURE`): a scam that poses as a warning reads as a scam to the semantic stage.
NEAR_BENIGN_FRAUD = frozenset({Category.FRAUD})
# Cyberbullying too (2026-12-07): its head, fitted on tweets, reads an insult word alone at 0.97 ("lmao shut up you
# idiot, you know I love you"); a text marked as game talk, a joke or love declared to the one insulted, with no
# insult pattern at full weight (the rule below its threshold) and nearer the benign lines, is banter. On the dev
# lines 34 of the 35 texts with a cyberbullying marker were benign (the other, a scam, marked by its ".gg" link).
MARKED_SURE = frozenset({Category.FRAUD, Category.DISINFORMATION, Category.CYBERBULLYING})
# Where a text carries a marker the semantic head cannot see (`semantic/warning.py`: a warning not to send or
# pay, a scam named as one, recovery told as past), the categories that marker names are released the same way
# too: a scam warning shares the scam's words ("never give your pin to someone who says they are the bank"),
# recovery talk the words of self-harm ("i had an eating disorder in year 8, i'm better now": self_harm 0.71
# from the head, 2026-12-06); the harmful messages these categories are kept for carry no such marker. With the
# marker, nearer the benign lines than the harmful ones at all is enough ("tell your grandparents never to pay
# 'redelivery fees' by link": fraud 0.49 from the model, its nearest lines the banks' own scam warnings).
# A category's own context in the phrase lexicons (`detectors/lexicon.in_context`: a game or a match for
# threats, a lesson for sexual words, recovery or a helpline for self-harm, a warning for scams), which already
# halves the rules' topic words, marks the text the same way for the model's flag of that category ("in the
# game you have to kill the zombies before the sun comes up": violent_content 0.38 from the model alone).
MARKED_BENIGN = 0.0
# A notice that publishes a number to be called (a chess club's registration line, a lost cat's poster: the privacy
# rule's `publishes_a_number`) marks fraud the same way in chat: the scam head, fitted on SMS spam, reads "call 0555 ...
# weekdays 10-18" as spam at 1.0 (dev round 25d, 2026-12-07, "Satranç kulübü ... kayıtları için 0555 ... arayabilirsiniz",
# semantic margin -0.034, verifier 0.002). Only outside a public source's domain: a spam SMS the router takes for the
# SMS set ("you've won a reward, call 0906...") keeps its expert's answer; and only nearer the benign lines.
NOTICE_MARKS = frozenset({Category.FRAUD.value})
# A hoax debunked (`semantic/debunk.py`) sits in its hoax's neighbourhood (kNN margins up to +0.021 on the dev
# debunks, where written hoaxes have a median of +0.020): there the margin cannot tell them apart and the marker
# alone releases the model's flag, however sure (the disinformation head read an English debunk at 0.96)
MARKED_BENIGN_BY_CATEGORY = {Category.DISINFORMATION.value: float("inf")}
# ...except in the COVID set's own domain (a text the router takes for it): that set labels fact-check posts fake
# ("antibiotics will not cure #COVID19 ... #FakeNews, WhatsApp us"; 25 of the 28 of its posts the debunk marker
# finds), and its expert speaks for its labels there (a frozen slice of 200 lost 0.015 macro-F1 without this)
SOURCE_KEEPS = frozenset({Category.DISINFORMATION.value})
# The harm verifier (`semantic/verifier.py`: is the text harmful at all, one small network over the embedding,
# trained on every written line) drops a text's flags where it reads the text as benign (`verifier.BENIGN_BELOW`),
# but never a flag the fast stage or the semantic stage is this sure of: the verifier reads meaning, not the
# digits of a phone number or the words of a scam template it has no line for ("hediye kazandınız! kart
# bilgilerini gönder", fraud 0.9998; a job abroad "without parents' consent", trafficking 0.91). On 17d a line
# of 0.9-0.95 was the only difference from keeping none (Russian benign 3.3% -> 4.2%).
VETO_SURE = 0.9
# ...nor a semantic flag on a text at least this much nearer (kNN margin, cosine) a written harmful line of its
# category than any benign line: the verifier read "need a youngen to run some packages to Norwich this weekend,
# easy £300" (margin 0.028) and "I sent you a 6 digit code by mistake, can you read it back" (0.024) as benign
# (0.08, 0.06). On dev round 18d (written 2026-12-07, unseen by the verifier) this kept 2 of the 5 harmful lines
# the veto dropped, for 2 more benign lines of 799 flagged (3.75% -> 4.01%); on 17d it changed nothing.
VETO_NEAR_WRITTEN = 0.02
# Nor the flags of rules that read what the sentence encoder does not: personal details found as entities (a phone
# number, a street, a school next to an age: "I'm 12 and I go to Riverside Primary School", privacy 0.70, read as
# benign by the verifier) and emoji read in their context ("не приходите в среду на третий урок 🔫🎯 я предупредил
# один раз" is a school shooting threat only through its emoji), and hate codes in punctuation the normaliser erases
# ("(((they)))", `detectors/codes.py`). A flag one of these detectors has evidence for stands (a school's name 0.45
# and a child's age 0.45 make a privacy flag of 0.70 together).
VERIFIER_BLIND = frozenset({"privacy", "emoji", "codes"})
# Nor a child's own words of wanting to die, where a self-harm phrase of intent says so outright (a lexicon line that
# is not a `topic` line, at this score: "i want to die", "yaşamak istemiyorum", "хочу умереть"): on dev round 22d
# the verifier read "i want to die. i've been planning it for weeks and i think tonight is the night" at 0.02 and the
# flag was dropped. A missed crisis costs a child more than a false flag costs a moderator. Topic words ("self harm"
# in a lesson, "özünə zərər vermək" in a warning) stay open to the veto: sparing them too flagged 2 such lines.
# The same for a hoax stated in the words of the disinformation phrase list ("peyvəndlərin içində çip var",
# "واکسن باعث اوتیسم"): the verifier, fitted on many benign lines about vaccines and cures (dev rounds 36d-37d), read
# them as benign (0.09-0.12); a debunk or a question is released before the verifier by the debunk marker and negation.
# On dev round 37d's odd ids (unseen by the verifier that was tried) no benign line more was flagged (2026-12-07).
VETO_SPARES_INTENT = {Category.SELF_HARM.value: 0.8, Category.DISINFORMATION.value: 0.75,
                      Category.VIOLENT_CONTENT.value: 0.7}
# ...and a threat to a person at the full score of its phrase, topic line or not (`VETO_SPARES_TOPIC`): "im gonna
# kill u", "я тебя убью после уроков", "ur dead tmrw on the bus". The verifier read these short threats as benign
# (trash talk looks the same to it); dev round 42d (2026-12-08) lost 3 of its plain threats so. A threat in its
# look-alike's context (a game, a recipe, "if you eat my chips") is halved by the lexicon's context first and stays
# open to the veto.
VETO_SPARES_TOPIC = frozenset({Category.VIOLENT_CONTENT.value})
# ...but in the Russian detox set's domain a verifier this sure the text is benign drops its expert's flags too: the
# router sends much everyday Russian there, and the expert read "Купи хлеба и молока по дороге." as cyberbullying
# (0.77; verifier 0.014). On dev rounds 34d and 36d's odd ids, read by a verifier fitted without them, Russian benign
# lines flagged went 9 -> 6 of 120 at the same recall; on the public sets' calibration rows russe_detox stayed 0.923
# and russian_distorted went 0.749 -> 0.745. Every source's domain at 0.05 cost 0.003-0.042 on 11 sets (2026-12-07).
VETO_IN_DOMAIN_BELOW: dict[str, float] = {"russe_detox_2022": 0.05}
# A flag the public-data heads raise alone (no phrase rule at its threshold, no semantic flag) on a text outside every
# public source's domain stands only where the verifier reads the text as at least this likely harmful. The heads
# learnt tweets and comments, and outside that register (a text the router is unsure of) they read venting and
# everyday words as harm. On dev rounds 39d-44d, which the verifier has not learnt (2,280 lines, 2026-12-08), lone
# head flags on a text it read under 0.3 were 5 benign lines ("لعنت به این ترافیک", a war poem learnt for a lesson,
# a wrestling coach's "don't diet dangerously") and no harmful one (0.5: 6 and none, but the public sets' held-out
# rows the router is unsure of lost more: pars_offensive 0.855 -> 0.849 against 0.855 at 0.3). In a public domain the
# source's expert speaks.
MODEL_ALONE_NEEDS_HARM = 0.3
# a digit inside a Latin word, or three letters each followed by one dot, dash, asterisk or blank. The letters are
# what `[a-z]` with IGNORECASE matches (ı, İ, ſ and the Kelvin sign too), spelt out: case-sensitive, the scan is faster
_LATIN = "[a-zA-Zıİſ\u212a]"
_LEET_OR_SPACED = re.compile(rf"{_LATIN}[0-9]|[0-9]{_LATIN}|(?:{_LATIN}[.\-*_ ]){{2}}{_LATIN}(?!{_LATIN})")
COLUMN_OF = {c.value: j for j, c in enumerate(CATEGORIES)}
# columns looked up once, not on every batch (an enum's `.value` is a Python property: ~0.3 us a read)
_NOT_VETOABLE = [j for j, c in enumerate(CATEGORIES) if c not in VETOABLE_RULES]
_SEGMENT_TRAINED_COLUMNS = [CATEGORIES.index(c) for c in SEGMENT_TRAINED]
_SECOND_OPINION = [(j, c.value) for j, c in enumerate(CATEGORIES) if c in CHAT_SECOND_OPINION]
_CATEGORY_VALUES = [(c, c.value) for c in CATEGORIES]
_TARGET_OF = {name: t for t, name in enumerate(TARGETS)}
MAX_EXPLANATIONS_PER_CATEGORY = 3
#: Languages often typed in Latin letters: their text is also read back in its own script.
_ROMANISED = frozenset(code for code, lang in LANGUAGES.items() if lang.romanised)
# Characters analysed together in one pass. The featuriser builds several 8-byte arrays per
# character (n-gram hashes, rows, columns, sort keys), ~150 bytes a character at its peak: a
# whole 10 MB request at once took 1.4 GB. Sub-batches of this many characters keep the peak
# to tens of MB and cost nothing in throughput (the batch is still vectorised within them).
CHAR_BUDGET = 256_000


def _unleeted(original: str, normalized: str) -> str:
    """The text to write back in its own script: the original, unless normalising undid leetspeak or spaced
    letters in it (a digit or a dotted run of letters), then the normalised text (lower case, which Finglish and
    translit do not use to tell letters apart)."""
    if _LEET_OR_SPACED.search(original) is None or normalized == " ".join(original.lower().split()):
        return original
    return normalized


# a 3 or 7 starting a Finglish word or after its vowel is a letter, ع or ح (`3alaf` علف, `7aghet` حقت, `ba3d` بعد), not
# leetspeak's e and t: "3alaf mikhay? bia to ham pakhsh kon too madrese, 7aghet ro naghd midam" (dev round 42d,
# 2026-12-08) was written back from "ealaf ... taghet" and no phrase rule knew it
_FINGLISH_DIGIT_LETTER = re.compile(r"(?:(?<![^\W_])|(?<=[aeiou]))[37](?=[a-z])", re.IGNORECASE)


def _finglish_source(original: str, unleeted: str, lang: str) -> str:
    """The text to write back in Persian script: the original where its only digits inside words are Finglish's
    letters (`_FINGLISH_DIGIT_LETTER`), else the text with leetspeak undone (`_unleeted`)."""
    if (lang == "fa" and unleeted is not original
            and _LEET_OR_SPACED.search(_FINGLISH_DIGIT_LETTER.sub("a", original)) is None):
        return original
    return unleeted


def _coerce(text: object, max_chars: int) -> tuple[str, bool, str | None]:
    """(text to analyse, truncated?, error) — never raises on bad input."""
    if text is None:
        return "", False, "no text given"
    if isinstance(text, bytes | bytearray):
        raw = bytes(text)
        text = raw.decode("utf-8", errors="replace")
        if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
            bad = text.count("\ufffd")
            error = f"invalid UTF-8 ({bad} undecodable byte sequence(s) replaced)"
            return _cut(text, max_chars) + (error,)
    if not isinstance(text, str):
        return "", False, f"text must be a string, got {type(text).__name__}"
    if not text.strip():
        return text, False, "empty text"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (e.g. from broken JSON escapes) cannot be analysed
        text = text.encode("utf-8", errors="replace").decode("utf-8")
        return _cut(text, max_chars) + ("text contained unpaired surrogate code points (replaced with '?')",)
    return _cut(text, max_chars) + (None,)


def _cut(text: str, max_chars: int) -> tuple[str, bool]:
    if max_chars and len(text) > max_chars:
        return text[:max_chars], True
    return text, False


def thresholds_for(model: LinearModel | None, settings: Settings | None, lang: str) -> dict[Category, float]:
    """Per-category thresholds: settings override > model's per-language > model's global > 0.5."""
    out: dict[Category, float] = {}
    overrides = settings.thresholds if settings is not None else {}
    own = model.lang_thresholds.get(lang, {}) if model is not None else {}
    for c, name in _CATEGORY_VALUES:
        t = DEFAULT_THRESHOLD
        if model is not None:
            t = model.thresholds.get(name, t)
            t = own.get(name, t)
        out[c] = float(overrides.get(name, t))
    return out


def _threshold_rows(model: LinearModel | None, settings: Settings | None, langs: Sequence[str]) -> np.ndarray:
    """(n, categories): each text's thresholds (`thresholds_for`, ~9 us a call, looked up once a language)."""
    per_lang: dict[str, list[float]] = {}
    for lang in langs:
        if lang not in per_lang:
            t = thresholds_for(model, settings, lang)
            per_lang[lang] = [t[c] for c in CATEGORIES]
    return np.array([per_lang[lang] for lang in langs], dtype=float).reshape(len(langs), len(CATEGORIES))


def _flag_matrix(
    probs: np.ndarray,
    rules: np.ndarray,
    langs: list[str],
    coerced: list[tuple[str, bool, str | None]],
    model: LinearModel | None,
    settings: Settings | None,
    thr: np.ndarray | None = None,
) -> np.ndarray:
    """Which (text, category) pairs are flagged, for the whole batch at once (`thr`: the texts'
    `_threshold_rows`, when the caller has them).

    Model probabilities meet the model's calibrated threshold; rule scores meet 0.5.

    The two are calibrated differently: a rule's single weak cue is scored below
    0.5 on purpose, and must not flag just because the model's best-F1 threshold
    for that category is lower. An operator's threshold (settings) applies to the
    combined score. On long texts (whole chat segments) weak grooming cues pile up
    by chance in adult chats, and the grooming head was trained on such segments,
    so there a rule alone must be strong (`LONG_TEXT_RULE_THRESHOLD`: a sextortion
    threat, say) to flag by itself.
    """
    thr = _threshold_rows(model, settings, langs) if thr is None else thr
    rule_thr = np.full(probs.shape, RULE_THRESHOLD)
    long_rows = np.array([len(c[0]) > LONG_TEXT_CHARS for c in coerced], dtype=bool)
    for j in _SEGMENT_TRAINED_COLUMNS:
        rule_thr[long_rows, j] = LONG_TEXT_RULE_THRESHOLD
    flags = ((probs > 0) & (np.round(probs, 4) >= thr)) | (rules >= rule_thr)
    overrides = settings.thresholds if settings is not None else {}
    for name in overrides:
        try:
            j = CATEGORIES.index(Category(name))
        except ValueError:
            continue  # not a taxonomy id: nothing to override
        combined = np.round(np.maximum(probs[:, j], rules[:, j]), 4)
        flags[:, j] = (combined > 0) & (combined >= thr[:, j])  # a zero score never flags
    return flags


def analyze_text(
    text: str,
    *,
    lang: str | None = None,
    settings: Settings | None = None,
    stages: str = "auto",
    audience: Audience | None = None,
    org: OrgBank | None = None,
) -> TextAnalysis:
    """Analyse one text: language, a calibrated score for every category, flags and reasons.

    `stages`: "auto" (the cascade decides; see `detect/semantic/cascade.py`), "fast" or "deep".
    `audience`: who writes to whom, when the platform knows it (None: unknown ages).
    `org`: the calling organisation's own examples (`tutela.detect.semantic.orgbank`).
    """
    return analyze_texts(
        [text],
        settings=settings,
        langs=[lang] if lang else None,
        stages=stages,
        audiences=None if audience is None else [audience],
        org=org,
    )[0]


def warm_up(settings: Settings | None = None) -> None:
    """Load the text models and compile every bucket of the phrase scan (`lexicon._Compiled.build_all`, ~0.8 s): what
    a long-running process (`tutela serve`, a stream worker) does before its first text, so that none pays a first
    use; a short-lived one (a CLI scan, a test) leaves the buckets to be compiled as its texts meet them."""
    analyze_texts(["warm-up"], settings=settings)
    compiled().build_all()


def analyze_texts(
    texts: Sequence[str],
    *,
    settings: Settings | None = None,
    langs: Sequence[str | None] | None = None,
    ids: Sequence[str | None] | None = None,
    explain: bool = True,
    stages: str = "auto",
    audiences: Sequence[Audience | None] | None = None,
    org: OrgBank | None = None,
    deferred: list[int] | None = None,
    held: list[Held] | None = None,
) -> list[TextAnalysis]:
    """Analyse a batch. Bad items (empty, not text, invalid UTF-8) get `error` set; none is dropped.

    `explain=False` skips building explanations (spans mapped back to the original
    text, the model's cue words): bulk scans that only need scores and flags run
    about twice as fast on flag-heavy input. `stages`, `audiences` (one per text,
    None where unknown) and `org` are as for `analyze_text`.

    `deferred` (with `stages="fast"`): a list the positions of the texts the `auto` cascade would have
    sent on to the semantic stage are appended to, so a caller can answer the others at once and
    analyse only those again with `stages="auto"` (elsewhere: the server's semantic thread,
    `policy/batching.py`). Exactly the texts `auto` picks, from the same scores; none when the setting
    turns the stage off. `held` (with `deferred`): a list the fast-stage state of those texts is
    appended to (`detect/held.py`), for `finish_texts` to run only the semantic stage on them.
    """
    check_mode(stages)
    if held is not None and deferred is None:
        deferred = []
    n = len(texts)
    if n == 0:
        return []
    max_chars = settings.max_text_chars if settings is not None else 20_000
    out: list[TextAnalysis] = []
    for lo, hi in _sub_batches(texts, max_chars):
        out.extend(_analyze_batch(
            texts[lo:hi], settings=settings, max_chars=max_chars, explain=explain, stages=stages, org=org,
            langs=langs[lo:hi] if langs is not None else None, ids=ids[lo:hi] if ids is not None else None,
            audiences=audiences[lo:hi] if audiences is not None else None,
            deferred=None if deferred is None else _Offset(deferred, lo, held),
        ))
    return out


class _Offset:
    """`deferred` (and `held`) for one sub-batch: appends its positions shifted to the whole batch's."""

    def __init__(self, out: list[int], lo: int, held: list[Held] | None = None) -> None:
        self.out, self.lo, self.held = out, lo, held

    def extend(self, rows: list[int]) -> None:
        self.out.extend(self.lo + i for i in rows)


def _sub_batches(texts: Sequence[object], max_chars: int) -> list[tuple[int, int]]:
    """(start, end) ranges of consecutive texts holding about `CHAR_BUDGET` characters each."""
    parts: list[tuple[int, int]] = []
    start, size = 0, 0
    for i, t in enumerate(texts):
        length = len(t) if isinstance(t, str | bytes | bytearray) else 0
        length = min(length, max_chars) if max_chars else length
        if size and size + length > CHAR_BUDGET:
            parts.append((start, i))
            start, size = i, 0
        size += length
    parts.append((start, len(texts)))
    return parts


def _analyze_batch(
    texts: Sequence[str],
    *,
    settings: Settings | None,
    max_chars: int,
    langs: Sequence[str | None] | None,
    ids: Sequence[str | None] | None,
    explain: bool,
    stages: str,
    audiences: Sequence[Audience | None] | None,
    org: OrgBank | None,
    deferred: _Offset | None = None,
) -> list[TextAnalysis]:
    """One sub-batch of `analyze_texts`, vectorised as a whole: every registered component runs on it
    (`detect/components/`), the fast ones on every text, the semantic ones where the cascade says."""
    n = len(texts)
    coerced = [_coerce(t, max_chars) for t in texts]
    originals = [c[0] for c in coerced]
    normalized = [normalize_text(t) for t in originals]

    given = [(langs[i] if langs is not None and i < len(langs) else None) for i in range(n)]
    unknown = [i for i in range(n) if not given[i]]
    # language read with leetspeak and spaced letters undone (`_unleeted`): "p3d4rs4g1" read as written looks Finnish
    unleeted = [_unleeted(originals[i], normalized[i]) for i in range(n)]
    detected = dict(zip(unknown, identify_many([unleeted[i] for i in unknown]), strict=True))
    lang_list: list[tuple[str, float]] = [
        (str(given[i]).lower(), 1.0) if given[i] else detected[i] for i in range(n)
    ]
    natives: dict[int, str] = {}
    for i, (lang, _) in enumerate(lang_list):
        # Persian or Russian typed in Latin letters: models and phrase lists read the native script, written back
        # from the text with its leetspeak and spaced letters undone where it had any ("p3dars4g, k.o.s.k.h.o.l",
        # dev round 31d: read as written, the digits and dots hid both words)
        native = to_native(_finglish_source(originals[i], unleeted[i], lang), lang) if (
            lang in _ROMANISED and normalized[i]) else None
        if native is not None:
            normalized[i] = normalize_text(native)
            natives[i] = native
    lang_codes = [lang for lang, _ in lang_list]
    live = [i for i in range(n) if normalized[i] and not (coerced[i][2] and not originals[i].strip())]
    state = BatchState(settings, originals, normalized, lang_codes, live, natives=natives, org=org)
    if audiences is not None:
        state.adult_to_minor[:] = [a is not None and a.adult_to_minor for a in audiences]

    for comp in components("fast"):
        if hasattr(comp, "contribute"):
            comp.contribute(state)
        else:
            fold(comp, state, live)
    model = state.model
    probs, rules, vetoed = state.probs, state.rules, state.vetoed
    # where a public source's own expert judged a text of its domain harmless for the categories that
    # source labels, a phrase rule does not flag it alone for the noisy ones, swearing, insults and
    # sexual words (see training/experts.py); hate, threats and every other rule always stand
    vetoed[:, _NOT_VETOABLE] = False
    rules[vetoed] = np.minimum(rules[vetoed], RULE_THRESHOLD * 0.98)
    thr = _threshold_rows(model, settings, lang_codes)  # the flags and the cascade's doubts read the same
    flag_matrix = _flag_matrix(probs, rules, lang_codes, coerced, model, settings, thr)

    rows = _semantic_rows(stages, probs, rules, thr, settings, audiences, live, normalized)
    if deferred is not None and stages == "fast":
        picked = _semantic_rows("auto", probs, rules, thr, settings, audiences, live, normalized)
        deferred.extend(picked)
        if deferred.held is not None:
            deferred.held.extend(hold(state, picked, flag_matrix, coerced, lang_list, ids, deferred.lo))
    return _finish(state, flag_matrix, rows, coerced, lang_list, ids, settings, explain)


def finish_texts(held: Sequence[Held], *, settings: Settings | None = None, explain: bool = True) -> list[TextAnalysis]:
    """Finish texts the fast stage held (`analyze_texts(stages="fast", held=[...])`): the semantic
    components and the merge only, from the fast stage's own scores, flags and reasons. The answers are
    the ones a one-pass `auto` analysis gives; `settings` must be the ones the fast stage ran with.
    Texts of different organisations (or models) may come together: they are finished apart."""
    groups: dict[tuple[int, int], list[int]] = {}
    for k, h in enumerate(held):
        groups.setdefault((id(h.org), id(h.model)), []).append(k)
    out: list[TextAnalysis | None] = [None] * len(held)
    for ks in groups.values():
        part = [held[k] for k in ks]
        state, flag_matrix = restore(part, settings)
        ids = [h.rid for h in part]
        results = _finish(state, flag_matrix, list(range(len(part))), [h.coerced for h in part],
                          [h.lang for h in part], ids, settings, explain)
        for k, r in zip(ks, results, strict=True):
            out[k] = r
    return [r for r in out if r is not None]


def _finish(
    state: BatchState,
    flag_matrix: np.ndarray,
    rows: list[int],
    coerced: list[tuple[str, bool, str | None]],
    lang_list: list[tuple[str, float]],
    ids: Sequence[str | None] | None,
    settings: Settings | None,
    explain: bool,
) -> list[TextAnalysis]:
    """The semantic components on `rows` (picked by the cascade), the merge with the fast stage's flags,
    and the results with their reasons. Everything here works row by row, so a batch rebuilt from held
    texts (`finish_texts`) gives each text the answer its own batch would have."""
    n = len(coerced)
    model, probs, rules, normalized, lang_codes = state.model, state.probs, state.rules, state.normalized, state.langs
    live = state.live
    for comp in components("semantic") if rows else []:
        try:
            if hasattr(comp, "contribute"):
                comp.contribute(state, rows)
            else:
                fold(comp, state, rows)
        except Exception:  # the fast stage's answer stands; a broken encoder must not lose an analysis
            log.exception("semantic component %s failed; results carry the stages before it", comp.name)
    final_all = np.maximum(np.maximum(probs, rules), state.extra_scores)
    if state.extra_flags.any() or state.extra_scores.any():
        flag_matrix |= state.extra_flags
        _apply_overrides(flag_matrix, final_all, settings, lang_codes, model)
    overridden = set(settings.thresholds) if settings is not None else set()
    _chat_second_opinion(flag_matrix, probs, rules, state.extra_flags, state.chat_domain, live, overridden)
    _nearer_benign(flag_matrix, probs, rules, state.extra_flags, state.semantic, overridden, lang_codes, normalized,
                   state.public_domain)
    _verified(flag_matrix, final_all, state.semantic, overridden, state.public_domain, state.hits,
              state.adult_to_minor)
    _model_alone_verified(flag_matrix, rules, state.extra_flags, state.semantic, overridden, state.public_domain,
                          state.adult_to_minor)
    _embedding_experts(flag_matrix, final_all, state, overridden)
    flagged: list[list[Category]] = [[] for _ in range(n)]
    flag_rows, flag_cols = np.nonzero(flag_matrix)  # one call for the batch, not one a text
    for i, j in zip(flag_rows.tolist(), flag_cols.tolist(), strict=True):
        flagged[i].append(CATEGORIES[j])
    staged = [(flagged[i], state.hits[i]) for i in range(n)]

    # words behind the model's flags, scored for the whole batch in one product
    word_scores: dict[str, np.ndarray] = {}
    if model is not None and explain:
        words = [w for i in range(n) if staged[i][0] for w in explainable_words(normalized[i])]
        word_scores = model.word_scores(words)

    rounded_scores = np.round(final_all, 4).tolist()  # one vectorised call for the whole batch
    col = {c: j for j, c in enumerate(CATEGORIES)}
    results: list[TextAnalysis] = []
    for i in range(n):
        text, truncated, error = coerced[i]
        lang, conf = lang_list[i]
        flags, hits = staged[i]
        explanations = (
            _explain(text, normalized[i], flags, hits, probs[i], model, col, word_scores)
            if flags and explain
            else []
        )
        if explain:
            sem_result = state.semantic.get(i)
            if sem_result is not None:
                explanations.extend(_semantic_explanations(sem_result, flags))
            explanations.extend(_component_explanations(text, state.evidence[i], flags))
        rid = ids[i] if ids is not None and i < len(ids) else None
        # built from values the engine guarantees (all categories, scores in [0, 1]): not re-validated,
        # a sizeable share of the per-message cost
        results.append(
            trusted_analysis(
                id=None if rid is None else str(rid),
                lang=lang if text.strip() else UNDETERMINED,
                lang_confidence=round(float(conf), 4),
                scores=dict(zip(CATEGORIES, rounded_scores[i], strict=True)),
                flags=flags,
                explanations=explanations,
                truncated=truncated,
                error=error,
                stages=state.stages[i],
                signals=state.signals[i],
            )
        )
    return results


def _chat_second_opinion(
    flags: np.ndarray, probs: np.ndarray, rules: np.ndarray, extra: np.ndarray, chat: np.ndarray, live: list[int],
    overridden: set[str],
) -> None:
    """Drop, in place, chat texts' lone model flags of the noisy categories (see `CHAT_SECOND_OPINION`);
    a category whose threshold the operator set is left to that threshold."""
    chosen = [j for j, name in _SECOND_OPINION if name not in overridden]
    if not live or not chosen:
        return
    cols = np.array(chosen)
    rows = np.array([i for i in live if chat[i]], dtype=np.int64)
    if not len(rows):
        return
    f = flags[rows]
    model_only = f[:, cols] & (rules[rows][:, cols] < RULE_THRESHOLD) & ~extra[rows][:, cols]
    alone = np.array([CHAT_MODEL_ALONE_BY_CATEGORY.get(CATEGORIES[j], CHAT_MODEL_ALONE) for j in chosen])
    weak = model_only & (probs[rows][:, cols] < alone)
    if not weak.any():
        return
    others = np.ones(len(CATEGORIES), dtype=bool)
    others[cols] = False
    support: np.ndarray = np.asarray(
        (rules[rows] >= RULE_UNCERTAIN).any(axis=1)
        | extra[rows].any(axis=1)
        | (f[:, others]).any(axis=1)
    )
    drop = weak & ~support.reshape(-1, 1)
    sub = flags[rows]
    sub[:, cols] &= ~drop
    flags[rows] = sub


def _nearer_benign(
    flags: np.ndarray, probs: np.ndarray, rules: np.ndarray, extra: np.ndarray, semantic: dict[int, SemanticResult],
    overridden: set[str], langs: Sequence[str] | None = None, texts: Sequence[str] | None = None,
    domains: Sequence[str] | np.ndarray | None = None,
) -> None:
    """Drop, in place, lone weak model flags the semantic stage reads as benign (see `NEARER_BENIGN` and
    `NEARER_BENIGN_BY_LANG`), and those of the categories a marker in the (normalised) text names (`unseen`;
    not those of `SOURCE_KEEPS` its public source, `domains`, labels); a category whose threshold the operator
    set is left to that threshold."""
    released = {c.value for c in NEARER_BENIGN_CATEGORIES | NEAR_BENIGN_FRAUD} - overridden
    for i, result in semantic.items():
        if result.margins is None or not flags[i].any():
            continue
        line = NEARER_BENIGN_BY_LANG.get(langs[i], NEARER_BENIGN) if langs is not None else NEARER_BENIGN
        marked = set(unseen(texts[i], langs[i])) if texts is not None and langs is not None else set()
        if texts is not None:
            marked |= {c.value for c in in_context(texts[i])}
        if domains is not None and domains[i]:
            marked -= SOURCE_KEEPS & governed_by(str(domains[i]))
        elif texts is not None and publishes_a_number(texts[i]):
            marked |= NOTICE_MARKS
        for name in released | (marked - overridden):  # each category once, marked or not
            j, t = COLUMN_OF[name], _TARGET_OF[name]
            # with a marker, nearer the benign lines at all, and a rule below its threshold, is enough
            at, rule_below = ((MARKED_BENIGN_BY_CATEGORY.get(name, MARKED_BENIGN), RULE_THRESHOLD) if name in marked
                              else (line, RULE_UNCERTAIN))
            cap = ANY_PROBABILITY if name in marked and CATEGORIES[j] in MARKED_SURE else CHAT_MODEL_ALONE
            if (flags[i, j] and not extra[i, j] and rules[i, j] < rule_below and probs[i, j] < cap
                    and result.margins[t] < at):
                flags[i, j] = False


def _verified(flags: np.ndarray, scores: np.ndarray, semantic: dict[int, SemanticResult], overridden: set[str],
              domains: Sequence[str] | np.ndarray, hits: Sequence[Sequence[Hit]],
              adult_to_minor: np.ndarray | None = None) -> None:
    """Drop, in place, the flags of texts the harm verifier reads as benign (`SemanticResult.reads_benign`), except flags at
    `VETO_SURE`, those an entity or emoji rule has evidence for (`VERIFIER_BLIND`), semantic flags near a written
    harmful line (`VETO_NEAR_WRITTEN`), the categories an organisation's
    own examples raised (`SemanticResult.own`), those whose threshold the operator set, and in a public source's
    domain (the router's reading) the categories its expert speaks for; and nothing where the platform says an
    adult writes to a minor (`adult_to_minor`). The verifier learnt our written chat
    lines, and vetoing those on the public sets' held-out rows cost COVID 0.948 -> 0.707 and the cyberbullying
    tweets 0.897 -> 0.735 (2026-12-07)."""
    for i, result in semantic.items():
        if not result.reads_benign or not flags[i].any():
            continue
        if adult_to_minor is not None and adult_to_minor[i]:
            # the verifier reads words alone; from an adult to a minor (the platform's ages) the same words are
            # another message: "بعد از مدرسه بیا همو ببینیم" ("let's meet after school") reads as benign (0.09),
            # from a stranger of 34 to a child of 12 it is a grooming meeting request. Texts without ages
            # (`tutela scan`) are not affected
            continue
        spared = set(result.own) | overridden
        if domains[i] and not (result.harm is not None and result.harm < VETO_IN_DOMAIN_BELOW.get(str(domains[i]), 0.0)):
            spared |= governed_by(str(domains[i]))
        spared.update(hit.category.value for hit in hits[i] if hit.detector in VERIFIER_BLIND
                      or ((not hit.topic or hit.category.value in VETO_SPARES_TOPIC)
                          and hit.score >= VETO_SPARES_INTENT.get(hit.category.value, 2.0)))
        if result.margins is not None:  # a near-paraphrase of a written harmful line stands (`VETO_NEAR_WRITTEN`)
            spared.update(name for name in result.flagged if result.margins[_TARGET_OF[name]] >= VETO_NEAR_WRITTEN)
        stands = scores[i] >= VETO_SURE
        stands[[COLUMN_OF[name] for name in spared if name in COLUMN_OF]] = True
        flags[i] &= stands


def _model_alone_verified(flags: np.ndarray, rules: np.ndarray, extra: np.ndarray, semantic: dict[int, SemanticResult],
                          overridden: set[str], domains: Sequence[str] | np.ndarray,
                          adult_to_minor: np.ndarray | None = None) -> None:
    """Drop, in place, the flags the learned heads raise alone on a text outside every public domain that the harm
    verifier reads below `MODEL_ALONE_NEEDS_HARM`; not where an adult writes to a minor (`_verified`), nor for a
    category whose threshold the operator set."""
    kept = [COLUMN_OF[name] for name in overridden if name in COLUMN_OF]
    for i, result in semantic.items():
        if result.harm is None or result.harm >= MODEL_ALONE_NEEDS_HARM or domains[i] or not flags[i].any():
            continue
        if adult_to_minor is not None and adult_to_minor[i]:
            continue
        alone = flags[i] & (rules[i] < RULE_THRESHOLD) & ~extra[i]
        alone[kept] = False
        flags[i] &= ~alone


def _embedding_experts(flags: np.ndarray, scores: np.ndarray, state: BatchState, overridden: set[str]) -> None:
    """In the domain of a public source with an embedding expert (`semantic/embedding_experts.py`), the expert
    decides, in place, the categories the source's labels speak for: its category flagged where its probability on
    the text's vector reaches its threshold, the others of them not. Only texts the semantic stage read (the
    vector is its own); a category whose threshold the operator set is left to that threshold."""
    from tutela.detect.semantic.embedding_experts import load_default

    experts = load_default()
    if not experts:
        return
    for i, result in state.semantic.items():
        expert = experts.get(str(state.public_domain[i]))
        if expert is None or result.vector is None:
            continue
        p = expert.prob(result.vector)
        for name in governed_by(expert.route) - overridden:
            flags[i, COLUMN_OF[name]] = False
        if p >= expert.threshold and expert.category not in overridden:
            j = COLUMN_OF[expert.category]
            flags[i, j] = True
            scores[i, j] = max(scores[i, j], p)
            state.evidence[i].append(("embedding_expert", Evidence(
                expert.category, round(p, 4), f"{expert.route} expert on the sentence embedding: {p:.2f} "
                f"(flags from {expert.threshold:.2f})")))


def _semantic_rows(
    mode: str,
    probs: np.ndarray,
    rules: np.ndarray,
    thr: np.ndarray,
    settings: Settings | None,
    audiences: Sequence[Audience | None] | None,
    live: list[int],
    texts: list[str],
) -> list[int]:
    """The rows the cascade sends on to the semantic components (none when the setting is off); `thr`:
    the texts' thresholds (`_threshold_rows`)."""
    setting = settings.semantic_stage if settings is not None else "auto"
    if setting == "off" or mode == "fast" or not live:
        return []
    chosen = select(mode, probs, rules, thr, audiences, required=setting == "always", texts=texts)
    return [i for i in live if chosen[i]]


def _component_explanations(
    text: str, evidence: list[tuple[str, Evidence]], flags: list[Category]
) -> list[Explanation]:
    """A plug-in component's evidence for the categories that ended up flagged (its spans index the
    original text, which is what plug-ins are given)."""
    out = []
    for name, e in evidence:
        cat = category_of(e.label)
        if cat is None or cat not in flags:
            continue
        out.append(Explanation(
            category=cat, detector=name, reason=e.reason, score=round(min(max(e.score, 0.0), 1.0), 4),
            start=e.start, end=e.end, examples=list(e.examples) or None,
            text=text[e.start:e.end] if e.start is not None and e.end is not None else None,
        ))
    return out


def _apply_overrides(
    flags: np.ndarray, combined: np.ndarray, settings: Settings | None, langs: list[str], model: LinearModel | None
) -> None:
    """An operator's threshold (settings) applies to the combined score, semantic stage included."""
    overrides = settings.thresholds if settings is not None else {}
    for name in overrides:
        try:
            j = CATEGORIES.index(Category(name))
        except ValueError:
            continue
        thr = np.array([thresholds_for(model, settings, lang)[CATEGORIES[j]] for lang in langs])
        score = np.round(combined[:, j], 4)
        flags[:, j] = (score > 0) & (score >= thr)


def _semantic_explanations(result: SemanticResult, flags: list[Category]) -> list[Explanation]:
    """One explanation per semantic flag (and the disclosure signal): the nearest written examples."""
    out: list[Explanation] = []
    for name, neighbours in result.neighbours.items():
        if not neighbours:
            continue
        score = round(float(result.scores[TARGETS.index(name)]), 4)
        best = neighbours[0]
        what = "a child describing harm to themselves" if name == DISCLOSURE else name
        reason = f"semantic: close to written examples of {what} (nearest, {best.lang}: {best.text[:80]!r}"
        reason += f", similarity {best.similarity:.2f})"
        category = Category(best.category) if name == DISCLOSURE else Category(name)
        if name != DISCLOSURE and category not in flags:
            continue
        out.append(
            Explanation(
                category=category,
                detector="semantic" if name != DISCLOSURE else "semantic:disclosure",
                reason=reason,
                score=score,
                examples=[nb.as_dict() for nb in neighbours],
            )
        )
    return out


def _explain(
    text: str,
    normalized: str,
    flags: list[Category],
    hits: list[Hit],
    probs: np.ndarray,
    model: LinearModel | None,
    col: dict[Category, int],
    word_scores: dict[str, np.ndarray],
) -> list[Explanation]:
    """Spans and patterns behind each flag, with spans mapped back to the original text."""
    mapped = None
    out: list[Explanation] = []
    for cat in flags:
        cat_hits = sorted((h for h in hits if h.category is cat), key=lambda h: -h.score)
        for h in cat_hits[:MAX_EXPLANATIONS_PER_CATEGORY]:
            start, end = h.start, h.end
            if start is not None and end is not None and h.on_normalized:
                if mapped is None:
                    mapped = normalize(text)
                start, end = mapped.span(start, end) if mapped.text == normalized else (None, None)
            out.append(
                Explanation(
                    category=cat,
                    detector=_detector_of(h),
                    reason=h.reason,
                    score=round(min(max(h.score, 0.0), 1.0), 4),
                    start=start,
                    end=end,
                    text=text[start:end] if start is not None and end is not None else None,
                )
            )
        strongest_rule = max((h.score for h in cat_hits), default=0.0)
        if model is not None and cat in model.heads and probs[col[cat]] >= 0.5 * strongest_rule:
            head = model.heads.index(cat)
            ranked = sorted(
                ((w, float(word_scores[w][head])) for w in explainable_words(normalized) if w in word_scores),
                key=lambda t: -t[1],
            )
            words = [(w, v) for w, v in ranked[:3] if v > 0]
            # the cue words of the privacy head are the personal data itself (digits of a phone,
            # a name): shown masked, like the privacy detector's own evidence
            shown = [mask("cue", w) if cat is Category.PRIVACY else w for w, _ in words]
            cue = ", ".join(shown) or "overall wording"
            if words and mapped is None:
                mapped = normalize(text)
            span = _find_word(mapped, words[0][0]) if words and mapped is not None else (None, None)
            out.append(
                Explanation(
                    category=cat,
                    detector="model",
                    reason=f"learned model; strongest cues: {cue}",
                    score=round(float(probs[col[cat]]), 4),
                    start=span[0],
                    end=span[1],
                    text=text[span[0]:span[1]] if span[0] is not None else None,
                )
            )
    return out


def _detector_of(hit: Hit) -> str:
    return hit.detector or "rules"


def _find_word(mapped: Normalized, word: str) -> tuple[int | None, int | None]:
    k = mapped.text.find(word)
    if k < 0:
        return (None, None)
    return mapped.span(k, k + len(word))
