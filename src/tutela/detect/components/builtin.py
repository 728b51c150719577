"""The built-in components, in the order the engine runs them.

- `text_model`: the first-stage model (hashed n-grams, calibrated heads, domain experts);
- `rules`: every registered rule detector (`detect/detectors/`): phrases, privacy, links, emoji;
- `semantic`: sentence embeddings against the example banks (`detect/semantic/`);
- `conversation_stages`: per-message grooming-stage scores (`conversations/detector.py`);
- `conversation_segments`: the whole-conversation model, here on one message (`conversations/segments.py`).

Each honours `analyze(texts, langs)`; the first three also fold themselves into the engine's batch
(`contribute`) where their calibration depends on each other. The trained ones write with
`train(data_dir, out_dir)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tutela.detect.components.base import ComponentResult, Evidence, TrainableComponent, register_component
from tutela.detect.components.state import COLUMN, BatchState
from tutela.domain.taxonomy import CATEGORIES, Category


def _normalized(texts: Sequence[str]) -> list[str]:
    from tutela.detect.normalize import normalize_text

    return [normalize_text(t) if isinstance(t, str) else "" for t in texts]


class TextModelComponent(TrainableComponent):
    """The first-stage model. The model file is the `text_model` setting's, else the shipped one."""

    name = "text_model"
    stage = "fast"

    def __init__(self, path: Path | None = None) -> None:
        self.path = path

    def model(self, settings: Any = None) -> Any:
        from tutela.detect.model import load_default

        path = settings.text_model if settings is not None and settings.text_model else self.path
        return load_default(path)

    def analyze(self, texts: Sequence[str], langs: Sequence[str]) -> list[ComponentResult]:
        from tutela.detect.engine import thresholds_for
        from tutela.detect.model import explainable_words

        model = self.model()
        norm = _normalized(texts)
        if model is None:
            return [ComponentResult() for _ in texts]
        originals = [t if isinstance(t, str) else "" for t in texts]
        probs, _, _, _ = model.predict_in_domain(norm, list(langs), originals)
        out = []
        for i, lang in enumerate(langs):
            thr = thresholds_for(model, None, lang)
            scores = {c.value: round(float(probs[i, h]), 4) for h, c in enumerate(model.heads)}
            flagged = [c.value for h, c in enumerate(model.heads) if probs[i, h] > 0 and scores[c.value] >= thr[c]]
            evidence = []
            if flagged:
                ws = model.word_scores(explainable_words(norm[i]))
                for name in flagged:
                    h = model.heads.index(Category(name))
                    cues = sorted(ws, key=lambda w: -float(ws[w][h]))[:3]
                    evidence.append(Evidence(name, scores[name], f"learned model; strongest cues: {', '.join(cues)}"))
            out.append(ComponentResult(scores, flagged, evidence))
        return out

    def contribute(self, state: BatchState) -> None:
        model = state.model = self.model(state.settings)
        live = state.live
        if model is None or not live:
            return
        p, veto, public, chat = model.predict_in_domain(
            [state.normalized[i] for i in live], [state.langs[i] for i in live], [state.originals[i] for i in live]
        )
        state.public_domain[live] = public
        state.chat_domain[live] = chat
        # every head's column at once (one index array a batch, not two a head)
        rows, cols = np.asarray(live)[:, None], [COLUMN[cat.value] for cat in model.heads]
        state.probs[rows, cols] = p
        state.vetoed[rows, cols] = veto

    def train(self, data_dir: Path | None, out_dir: Path, *, log: Any = print, **options: Any) -> dict[str, Any]:
        from tutela.detect.model import reset_cache
        from tutela.detect.training.data import default_data_dir
        from tutela.detect.training.train import train

        report = train(Path(data_dir) if data_dir else default_data_dir(), Path(out_dir), log, **options)
        reset_cache()
        return report


class RulesComponent:
    """Every registered rule detector, noisy-or over distinct kinds of evidence per category."""

    name = "rules"
    stage = "fast"
    trainable = False

    def __init__(self) -> None:
        self._detectors: list[Any] | None = None

    def detectors(self) -> list[Any]:
        if self._detectors is None:
            from tutela.detect.detectors.base import detector_classes

            self._detectors = [cls() for _, cls in sorted(detector_classes().items())]
        return self._detectors

    def find(self, original: str, normalized: str, lang: str) -> list[Any]:
        hits: list[Any] = []
        for d in self.detectors():
            hits.extend(d.find(original, normalized, lang))
        return hits

    def analyze(self, texts: Sequence[str], langs: Sequence[str]) -> list[ComponentResult]:
        out = []
        for text, norm, lang in zip(texts, _normalized(texts), langs, strict=True):
            hits = self.find(text, norm, lang) if norm else []
            row = rule_scores(hits)
            scores = {c.value: round(float(row[j]), 4) for j, c in enumerate(CATEGORIES) if row[j] > 0}
            flagged = [name for name, s in scores.items() if s >= 0.5]
            evidence = [Evidence(h.category.value, h.score, h.reason, h.start, h.end) for h in hits]
            out.append(ComponentResult(scores, flagged, evidence))
        return out

    def contribute(self, state: BatchState) -> None:
        finds = [d.find for d in self.detectors()]  # bound once a batch, not once a text (`find`)
        for i, (original, normalized, lang) in enumerate(zip(state.originals, state.normalized, state.langs,
                                                              strict=True)):
            if normalized:
                hits: list[Any] = []
                for find in finds:
                    hits.extend(find(original, normalized, lang))
                state.hits[i] = hits
                if hits:
                    state.rules[i] = rule_scores(hits)


def rule_scores(hits: list[Any]) -> np.ndarray:
    """Noisy-or over *distinct* kinds of evidence per category.

    The same cue repeated ("how old are you" five times in a long chat) is one
    piece of evidence, not five: each reason counts once, at its strongest.
    """
    best: dict[tuple[Category, str], float] = {}
    for h in hits:
        key = (h.category, h.reason.split(":", 1)[0])
        if h.score > best.get(key, 0.0):
            best[key] = h.score
    rule = np.zeros(len(CATEGORIES))
    for (cat, _), score in best.items():
        j = COLUMN[cat.value]
        rule[j] = 1.0 - (1.0 - rule[j]) * (1.0 - score)
    return rule


# Threats and hate are left to a public source's expert only while the semantic stage's nearest lines do
# not say otherwise: a text at least this much nearer a written threat (or hate line) than any benign one
# is a near-paraphrase of it, and keeps its semantic flag in a tweet-like domain. The router takes most
# Turkish chat for OffensEval tweets (0.8-0.95), which silenced "I'm bringing a shotgun to school". On
# 250 training rows per public set, violent_content released this way flagged 1 harmful and 2 clean rows
# of 3,000; hate needs the wider margin (at 0.015 its released flags were half clean rows).
# Sexual talk to the reader too (2026-12-06): "dün gece seninle yatakta neler yapmak istediğimi yazıyım mı" went to
# OffensEval (harassment governs sexual_content) and lost a semantic flag at margin 0.061; on 300 rows each of nine
# public sets (tweets, Formspring, Persian and Russian offensive sets) no sexual_content margin reached 0.03.
# Insults too (2026-12-06): a written insult with a hashtag or an @name is taken for a tweet or a Russian comment
# and the expert's "not harmful" dropped near-paraphrases of written bullying ("imagine being as ugly and annoying
# as tom from 8b #loser", margin 0.024; "твоей маме наверно стыдно за такого сына", 0.025). At 0.02 it added 2
# flags on 1,000 benign training rows of five harassment sets and no recall there (those rows are caught already).
NEAR_WRITTEN_HARM = {"violent_content": 0.015, "hate_radicalisation": 0.03, "sexual_content": 0.03, "cyberbullying": 0.02}


def _near_written_harm(name: str, margins: Any) -> bool:
    from tutela.detect.semantic.scorer import TARGETS

    need = NEAR_WRITTEN_HARM.get(name)
    return need is not None and bool(margins[TARGETS.index(name)] >= need)


# Swearing is a matter of words, which the profanity lexicon and head see; the sentence encoder reads the event
# the swear word is attached to ("бля, опять автобус ушёл" sits next to "the bus is late again"), so its
# profanity score rose on ordinary chat (dev lines, all five languages, 2026-12-06: 3 benign lines flagged for
# profanity by the semantic stage alone, 1 harmful line caught only that way). The stage keeps its profanity
# target (disclosure and evidence use the banks) but leaves the flag to the fast stage.
LEXICAL_ONLY = frozenset({Category.PROFANITY.value})


# Languages whose Latin-letter form the semantic stage reads as typed as well as written back in its own
# script. Persian only: Finglish leaves out which vowels are short (unwritten in Persian) and which long,
# so the written-back text is a guess; Russian translit maps letter for letter and is read once.
BOTH_FORMS = frozenset({"fa"})


def stronger_reading(a: Any, b: Any) -> Any:
    """Two semantic results for one text merged as the windows of one text are: per target the larger
    score and margin, flagged where either is, evidence from the reading that flagged (the first where
    both did)."""
    from tutela.detect.semantic.index import SemanticResult

    margins = a.margins if b.margins is None else b.margins if a.margins is None else np.fmax(a.margins, b.margins)
    neighbours = {**b.neighbours, **a.neighbours}
    flagged = list(dict.fromkeys([*a.flagged, *b.flagged]))
    harm = a.harm if b.harm is None else b.harm if a.harm is None else max(a.harm, b.harm)
    own = tuple(dict.fromkeys([*a.own, *b.own]))
    return SemanticResult(np.maximum(a.scores, b.scores), flagged, neighbours, margins, harm, own)


def typed_harm(merged: Any, typed: Any) -> Any:
    """`merged` with the harm verifier's reading of the text as typed. Why: Finglish written back in Persian
    script is a guess (`BOTH_FORMS`), and the largest of the verifier's three readings put benign Finglish
    above its benign line. With a verifier fitted without dev rounds 17d-19d (2026-12-07), benign Persian lines
    flagged: 17d+18d 18 -> 15 of 279, 19d 32 -> 28 of 320, harmful lines flagged 93 of 110 both ways. The
    smallest reading dropped more benign flags (11, 22) and a death threat with them ("pedar sag farda ba
    bachaha mikoshimet", read 0.05 written back, 0.34 as typed)."""
    from dataclasses import replace

    return merged if typed.harm is None else replace(merged, harm=typed.harm)


class SemanticComponent(TrainableComponent):
    """Sentence embeddings against the example banks: calibrated kNN margins and a head per target."""

    name = "semantic"
    stage = "semantic"

    def score(self, texts: list[str], langs: list[str], org: Any = None) -> list[Any] | None:
        from tutela.detect.normalize import semantic_text
        from tutela.detect.semantic import stage

        return stage.score([semantic_text(t, lang) for t, lang in zip(texts, langs, strict=True)], org)

    def analyze(self, texts: Sequence[str], langs: Sequence[str]) -> list[ComponentResult]:
        from tutela.detect.semantic.scorer import TARGETS

        results = self.score(list(texts), list(langs))
        if results is None:
            return [ComponentResult() for _ in texts]
        out = []
        for r in results:
            scores = {t: round(float(r.scores[k]), 4) for k, t in enumerate(TARGETS)}
            evidence = [
                Evidence(name, scores[name], "semantic: close to written examples",
                         examples=tuple(nb.as_dict() for nb in nbs))
                for name, nbs in r.neighbours.items()
            ]
            out.append(ComponentResult(scores, list(r.flagged), evidence))
        return out

    def contribute(self, state: BatchState, rows: list[int]) -> None:
        """Semantic scores and flags for `rows`; in a public source's domain the categories it labels
        stay with the fast stage and its expert (the banks are written for chats, see training/experts.py)."""
        from tutela.detect.semantic import stage
        from tutela.detect.semantic.bank import DISCLOSURE
        from tutela.detect.semantic.scorer import TARGETS
        from tutela.detect.semantic.warning import unseen, warned_frame, without_head
        from tutela.detect.training.experts import governed_by

        langs = [state.langs[i] for i in rows]
        # a scam quoted inside a warning: the frame around the quote is read instead (semantic/warning.py)
        texts = [warned_frame(t, lang) or t
                 for t, lang in zip((state.natives.get(i, state.originals[i]) for i in rows), langs, strict=True)]
        results = self.score(texts, langs, state.org)
        if results is None:
            return
        # Finglish written back in Persian script is a guess at its short vowels (`kasif` -> کاسیف): the
        # encoder also reads the Latin letters as typed, and the script with every inner `a` short
        # (`saratan` سرطن, `jang` جنگ, where the first guess wrote ساراتان, جانگ), and each target keeps
        # the stronger reading; the harm verifier, though, reads the letters as typed alone: the largest of
        # three guesses at one text made benign Finglish read as harmful (`typed_harm`)
        twice = [k for k, i in enumerate(rows) if i in state.natives and state.langs[i] in BOTH_FORMS]
        if twice:
            from tutela.detect.translit import finglish_short_a

            originals = [state.originals[rows[k]] for k in twice]
            twice_langs = [langs[k] for k in twice]
            typed = self.score(originals, twice_langs, state.org) or []
            shorts = self.score([finglish_short_a(t) or t for t in originals], twice_langs, state.org) or []
            for k, as_typed, short in zip(twice, typed, shorts, strict=False):
                results[k] = typed_harm(stronger_reading(stronger_reading(results[k], as_typed), short), as_typed)
        # a warning not to send or share, a threat called a joke, recovery told as past (semantic/warning.py):
        # those categories stand on the kNN margin alone; an organisation's own examples keep their own rules
        if state.org is None or not state.org.examples:
            index = stage.builtin_index()
            for k, i in enumerate(rows):
                if index is not None and (targets := unseen(state.normalized[i], state.langs[i])):
                    results[k] = without_head(results[k], index.calibrated, targets)
        n_cat = len(CATEGORIES)
        for i, r in zip(rows, results, strict=True):
            state.semantic[i] = r
            state.stages[i].append("semantic")
            domain = state.public_domain[i]
            governed = governed_by(domain) if domain else frozenset()
            if governed and r.margins is not None:
                governed = frozenset(name for name in governed if not _near_written_harm(name, r.margins))
            governed = governed | LEXICAL_ONLY
            sem = np.array(r.scores[:n_cat], dtype=float)
            for name in governed:
                sem[COLUMN[name]] = 0.0
            state.extra_scores[i] = np.maximum(state.extra_scores[i], sem)
            for name in r.flagged:
                if name in COLUMN and name not in governed:
                    state.extra_flags[i, COLUMN[name]] = True
            if DISCLOSURE in r.flagged:
                state.signals[i][DISCLOSURE] = round(float(r.scores[TARGETS.index(DISCLOSURE)]), 4)

    def train(self, data_dir: Path | None, out_dir: Path, **_: Any) -> dict[str, Any]:
        from tutela.detect.semantic.fit import train

        path, meta = train(data_dir, out_dir)
        return {"artefact": str(path), **meta}


class ConversationStagesComponent(TrainableComponent):
    """Per-message grooming-stage scores (cue phrases plus a linear model); labels are stage names."""

    name = "conversation_stages"
    stage = "conversation"

    def analyze(self, texts: Sequence[str], langs: Sequence[str]) -> list[ComponentResult]:
        from tutela.conversations.detector import default_detector
        from tutela.domain.conversation import STAGES

        det = default_detector()
        out = []
        for text in texts:
            scores = dict(zip((s.value for s in STAGES), (round(float(v), 4) for v in det.score(text)), strict=True))
            cues = det.explain(text)
            flagged = [s for s, v in scores.items() if v >= 0.5]
            evidence = [Evidence(s, scores[s], f"cue phrase: {cues[s]}") for s in flagged if s in cues]
            out.append(ComponentResult(scores, flagged, evidence))
        return out

    def train(self, data_dir: Path | None, out_dir: Path, *, log: Any = print, **_: Any) -> dict[str, Any]:
        from tutela.conversations import train as trainer

        return trainer.train_to(Path(data_dir) if data_dir else trainer.SHARED_TEXT, Path(out_dir), log=log)


class ConversationSegmentsComponent(TrainableComponent):
    """The whole-conversation model, scored on each text as a one-message conversation."""

    name = "conversation_segments"
    stage = "conversation"

    def analyze(self, texts: Sequence[str], langs: Sequence[str]) -> list[ComponentResult]:
        from tutela.conversations.detector import default_detector

        model = default_detector().segment_model
        out = []
        for text in texts:
            if model is None:
                out.append(ComponentResult())
                continue
            score = round(float(model.score_messages([text])), 4)  # its decision value is cut at 0.5
            flagged = ["grooming_segment"] if score >= 0.5 else []
            out.append(ComponentResult({"grooming_segment": score}, flagged,
                                       [Evidence("grooming_segment", score, "whole-conversation model")] if flagged else []))
        return out

    def train(self, data_dir: Path | None, out_dir: Path, *, log: Any = print, **_: Any) -> dict[str, Any]:
        # one fit serves both conversation models (the stage model's risk constants use the segment model)
        return ConversationStagesComponent().train(data_dir, out_dir, log=log)


def register_all() -> None:
    for comp in (TextModelComponent(), RulesComponent(), SemanticComponent(),
                 ConversationStagesComponent(), ConversationSegmentsComponent()):
        register_component(comp)
