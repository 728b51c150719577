"""The text analysis engine: one path from raw text to a `TextAnalysis`.

    raw text -> guard (type, size, empty) -> normalise -> language
             -> first-stage model (calibrated probabilities per category)
             -> rule detectors (patterns, privacy, links)  -> max per category
             -> thresholds -> fast flags
             -> the cascade picks texts for the semantic stage (`detect/semantic/`): flags where
                its calibrated score passes its own threshold are added (fast OR semantic), and the
                `disclosure` signal is raised -> flags + explanations + `stages`

Everything is batched: `analyze_texts` featurises and scores a whole batch in
one sparse matrix product, which is where the throughput comes from. Models
load lazily once per process.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from tutela.config import Settings
from tutela.detect.detectors.base import Detector, Hit, detector_classes
from tutela.detect.detectors.privacy import mask
from tutela.detect.langid import UNDETERMINED, identify_many
from tutela.detect.model import LinearModel, explainable_words, load_default
from tutela.detect.normalize import Normalized, normalize, normalize_text
from tutela.detect.semantic import stage as semantic_stage
from tutela.detect.semantic.bank import DISCLOSURE
from tutela.detect.semantic.cascade import Audience, check_mode, select
from tutela.detect.semantic.index import SemanticResult
from tutela.detect.semantic.scorer import TARGETS
from tutela.detect.semantic.stage import OrgBank
from tutela.detect.training.experts import governed_by
from tutela.detect.translit import to_native
from tutela.domain.analysis import Explanation, TextAnalysis
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
MAX_EXPLANATIONS_PER_CATEGORY = 3
# Characters analysed together in one pass. The featuriser builds several 8-byte arrays per
# character (n-gram hashes, rows, columns, sort keys), ~150 bytes a character at its peak: a
# whole 10 MB request at once took 1.4 GB. Sub-batches of this many characters keep the peak
# to tens of MB and cost nothing in throughput (the batch is still vectorised within them).
CHAR_BUDGET = 256_000

_DETECTORS: list[Detector] | None = None


def _detectors() -> list[Detector]:
    global _DETECTORS
    if _DETECTORS is None:
        _DETECTORS = [cls() for _, cls in sorted(detector_classes().items())]
    return _DETECTORS


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
    for c in CATEGORIES:
        t = DEFAULT_THRESHOLD
        if model is not None:
            t = model.thresholds.get(c.value, t)
            t = model.lang_thresholds.get(lang, {}).get(c.value, t)
        out[c] = float(overrides.get(c.value, t))
    return out


def _rule_scores(hits: list[Hit], col: dict[Category, int]) -> np.ndarray:
    """Noisy-or over *distinct* kinds of evidence per category.

    The same cue repeated ("how old are you" five times in a long chat) is one
    piece of evidence, not five: each reason counts once, at its strongest.
    """
    best: dict[tuple[Category, str], float] = {}
    for h in hits:
        key = (h.category, h.reason.split(":", 1)[0])
        if h.score > best.get(key, 0.0):
            best[key] = h.score
    rule = np.zeros(len(col))
    for (cat, _), score in best.items():
        j = col[cat]
        rule[j] = 1.0 - (1.0 - rule[j]) * (1.0 - score)
    return rule


def _flag_matrix(
    probs: np.ndarray,
    rules: np.ndarray,
    langs: list[str],
    coerced: list[tuple[str, bool, str | None]],
    model: LinearModel | None,
    settings: Settings | None,
) -> np.ndarray:
    """Which (text, category) pairs are flagged, for the whole batch at once.

    Model probabilities meet the model's calibrated threshold; rule scores meet 0.5.

    The two are calibrated differently: a rule's single weak cue is scored below
    0.5 on purpose, and must not flag just because the model's best-F1 threshold
    for that category is lower. An operator's threshold (settings) applies to the
    combined score. On long texts (whole chat segments) weak grooming cues pile up
    by chance in adult chats, and the grooming head was trained on such segments,
    so there a rule alone must be strong (`LONG_TEXT_RULE_THRESHOLD`: a sextortion
    threat, say) to flag by itself.
    """
    n = len(langs)
    thr = np.empty((n, len(CATEGORIES)))
    cache: dict[str, np.ndarray] = {}
    for i, lang in enumerate(langs):
        row = cache.get(lang)
        if row is None:
            t = thresholds_for(model, settings, lang)
            row = cache[lang] = np.array([t[c] for c in CATEGORIES])
        thr[i] = row
    rule_thr = np.full(probs.shape, RULE_THRESHOLD)
    long_rows = np.array([len(c[0]) > LONG_TEXT_CHARS for c in coerced], dtype=bool)
    for c in SEGMENT_TRAINED:
        rule_thr[long_rows, CATEGORIES.index(c)] = LONG_TEXT_RULE_THRESHOLD
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
) -> list[TextAnalysis]:
    """Analyse a batch. Bad items (empty, not text, invalid UTF-8) get `error` set; none is dropped.

    `explain=False` skips building explanations (spans mapped back to the original
    text, the model's cue words): bulk scans that only need scores and flags run
    about twice as fast on flag-heavy input. `stages`, `audiences` (one per text,
    None where unknown) and `org` are as for `analyze_text`.
    """
    check_mode(stages)
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
        ))
    return out


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
) -> list[TextAnalysis]:
    """One sub-batch of `analyze_texts`, vectorised as a whole."""
    n = len(texts)
    coerced = [_coerce(t, max_chars) for t in texts]
    originals = [c[0] for c in coerced]
    normalized = [normalize_text(t) for t in originals]

    given = [(langs[i] if langs is not None and i < len(langs) else None) for i in range(n)]
    unknown = [i for i in range(n) if not given[i]]
    detected = dict(zip(unknown, identify_many([originals[i] for i in unknown])))
    lang_list: list[tuple[str, float]] = [
        (str(given[i]).lower(), 1.0) if given[i] else detected[i] for i in range(n)
    ]
    for i, (lang, _) in enumerate(lang_list):
        # Persian or Russian typed in Latin letters: models and phrase lists read the native script
        native = to_native(originals[i], lang) if lang in ("fa", "ru") and normalized[i] else None
        if native is not None:
            normalized[i] = normalize_text(native)

    model = load_default(settings.text_model if settings is not None else None)
    probs = np.zeros((n, len(CATEGORIES)))
    col = {c: j for j, c in enumerate(CATEGORIES)}
    live = [i for i in range(n) if normalized[i] and not (coerced[i][2] and not originals[i].strip())]
    vetoed = np.zeros((n, len(CATEGORIES)), dtype=bool)
    public_domain = np.full(n, "", dtype=object)  # the public source a text reads like, "" for none
    if model is not None and live:
        p, veto, public = model.predict_in_domain([normalized[i] for i in live], [lang_list[i][0] for i in live])
        public_domain[live] = public
        for h, cat in enumerate(model.heads):
            probs[live, col[cat]] = p[:, h]
            vetoed[live, col[cat]] = veto[:, h]

    detectors = _detectors()
    n_cat = len(CATEGORIES)
    rules = np.zeros((n, n_cat))
    all_hits: list[list[Hit]] = []
    for i in range(n):
        hits: list[Hit] = []
        if normalized[i]:
            text, lang = coerced[i][0], lang_list[i][0]
            for d in detectors:
                hits.extend(d.find(text, normalized[i], lang))
            if hits:
                rules[i] = _rule_scores(hits, col)
        all_hits.append(hits)
    # where a public source's own expert judged a text of its domain harmless for the categories that
    # source labels, a phrase rule does not flag it alone for the noisy ones, swearing, insults and
    # sexual words (see training/experts.py); hate, threats and every other rule always stand
    vetoed[:, [col[c] for c in CATEGORIES if c not in VETOABLE_RULES]] = False
    rules[vetoed] = np.minimum(rules[vetoed], RULE_THRESHOLD * 0.98)
    final_all = np.maximum(probs, rules)
    lang_codes = [lang for lang, _ in lang_list]
    flag_matrix = _flag_matrix(probs, rules, lang_codes, coerced, model, settings)

    semantic = _semantic(stages, probs, rules, lang_codes, model, settings, audiences, live, normalized, org)
    if semantic:
        sem = np.zeros((n, n_cat))
        for i, r in semantic.items():
            # in a public source's domain the categories it labels stay with the fast stage and its
            # expert: the semantic banks are written for chats (see training/experts.py)
            governed = governed_by(public_domain[i]) if public_domain[i] else frozenset()
            sem[i] = r.scores[:n_cat]
            for name in governed:
                sem[i, col[Category(name)]] = 0.0
            for name in r.flagged:
                if name in _CATEGORY_IDS and name not in governed:
                    flag_matrix[i, col[Category(name)]] = True
        final_all = np.maximum(final_all, sem)
        _apply_overrides(flag_matrix, final_all, settings, lang_codes, model)
    staged = [([CATEGORIES[j] for j in np.flatnonzero(flag_matrix[i])], all_hits[i]) for i in range(n)]

    # words behind the model's flags, scored for the whole batch in one product
    word_scores: dict[str, np.ndarray] = {}
    if model is not None and explain:
        words = [w for i in range(n) if staged[i][0] for w in explainable_words(normalized[i])]
        word_scores = model.word_scores(words)

    rounded_scores = np.round(final_all, 4).tolist()  # one vectorised call for the whole batch
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
        sem_result = semantic.get(i) if semantic else None
        signals: dict[str, float] = {}
        if sem_result is not None:
            if DISCLOSURE in sem_result.flagged:
                signals[DISCLOSURE] = round(float(sem_result.scores[TARGETS.index(DISCLOSURE)]), 4)
            if explain:
                explanations.extend(_semantic_explanations(sem_result, flags))
        rid = ids[i] if ids is not None and i < len(ids) else None
        # built from values the engine guarantees (all categories, scores in [0, 1]):
        # model_construct skips re-validating them, a sizeable share of the per-message cost
        results.append(
            TextAnalysis.model_construct(
                id=None if rid is None else str(rid),
                lang=lang if text.strip() else UNDETERMINED,
                lang_confidence=round(float(conf), 4),
                scores=dict(zip(CATEGORIES, rounded_scores[i])),
                flags=flags,
                explanations=explanations,
                truncated=truncated,
                error=error,
                stages=["fast", "semantic"] if semantic is not None and i in semantic else ["fast"],
                signals=signals,
            )
        )
    return results


_CATEGORY_IDS = frozenset(c.value for c in CATEGORIES)


def _semantic(
    mode: str,
    probs: np.ndarray,
    rules: np.ndarray,
    langs: list[str],
    model: LinearModel | None,
    settings: Settings | None,
    audiences: Sequence[Audience | None] | None,
    live: list[int],
    normalized: list[str],
    org: OrgBank | None,
) -> dict[int, SemanticResult] | None:
    """Semantic results for the rows the cascade picks, or None when the stage did not run at all."""
    setting = settings.semantic_stage if settings is not None else "auto"
    if setting == "off" or mode == "fast" or not live:
        return None
    per_lang = {lang: [thresholds_for(model, settings, lang)[c] for c in CATEGORIES] for lang in set(langs)}
    thr = np.array([per_lang[lang] for lang in langs])
    chosen = select(mode, probs, rules, thr, audiences, required=setting == "always")
    rows = [i for i in live if chosen[i]]
    if not rows:
        return None
    try:
        results = semantic_stage.score([normalized[i] for i in rows], org)
    except Exception:  # the fast stage's answer stands; a broken encoder must not lose an analysis
        log.exception("semantic stage failed; results carry the fast stage only")
        return None
    if results is None:
        return None
    return dict(zip(rows, results))


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
