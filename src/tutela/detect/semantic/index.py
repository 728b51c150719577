"""A searchable bank: examples, their embeddings and the masks the scorer needs, ready to score texts.

The built-in index is built once per process. An organisation's own examples make an index of
their own (built-in plus theirs, kNN only: the head stays as fitted), cached by the org's example
version so an added or removed example takes effect on the next call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from tutela.detect.semantic.bank import Example
from tutela.detect.semantic.encoder import Encoder, windows
from tutela.detect.semantic.nearest import GroupedBank
from tutela.detect.semantic.scorer import TARGETS, Calibrated, Columns, K, target_masks
from tutela.detect.semantic.verifier import BENIGN_BELOW, Verifier

NEIGHBOURS = 3
# An organisation's own example is an instruction, not one more vote among the built-in ones: a text
# at least this close to one of its harm examples (and clearly closer than to any benign line) is
# flagged for that category whatever the calibrated score; one this close to its benign example (and
# clearly closer than to any harm line of that category) is not flagged by this stage. Measured with
# e5-small on our lines: cross-language paraphrases of one message sit at 0.87-0.93, texts that only
# share a topic (a bank card, a transfer) at 0.80-0.84.
ORG_MATCH_SIM = 0.86
ORG_MATCH_GAP = 0.03
# The harm verifier's second opinion also works the other way: where it is sure a text is harmful (`CONFIRM_ABOVE`)
# a category the text reads nearer its written harmful lines than its benign ones (kNN margin above 0) passes at
# `CONFIRM_SHARE` of its threshold. Why: most harmful dev lines the engine missed were never flagged at all, yet
# the verifier read them as harmful (a veiled threat, a hoax, a job abroad "with papers arranged", a trade of
# gifts for a photo), their category's score short of its threshold. Chosen on dev rounds 19d and 21d
# (1,278 benign and 275 harmful lines, 2026-12-07) with a verifier fitted without those two rounds, so that its
# readings were as on unseen text: 14 more harmful lines caught and 8 more benign ones flagged; a stricter
# confirmation (0.95) caught 9 for 6, a smaller share of the threshold (0.6-0.8) 12-5 for 7-5.
CONFIRM_ABOVE = 0.9
CONFIRM_SHARE = 0.5
# ...and where it is surer still, at a quarter of the threshold: harmful lines the verifier read at 0.95-1.0 whose
# category scored 0.18-0.22 of a 0.5 threshold ("a few test shots in your underwear ... no need to involve
# parents", "wait in the white car one stop before the school bus, tell your mum you have a study session",
# "tomorrow I'm bringing something to school so none of you dare laugh at me"). Chosen on dev rounds 21d-27d
# (2,541 lines) read by a verifier fitted without them (2026-12-07): 21 more harmful lines of 1,199 caught for 1
# more benign line of 1,342 flagged; at 0.97 it was 16 for 0, at 0.9 with a third of the threshold 22 for 2.
CONFIRM_SURE_ABOVE = 0.95
CONFIRM_SURE_SHARE = 0.25


# Recruitment into an extremist or armed group is radicalisation as well (the taxonomy's hate_radicalisation, which
# is what a hotline files it under): where one of a recruitment flag's nearest written lines is such a line (its
# `sub`), the text carries both flags. Dev rounds 24d-28d (2026-12-07): 4 extremist recruitment lines ("🏴 kanalımıza
# gel kardeşim, 'kutsal yolculuk' için genç arslanlar arıyoruz") were flagged recruitment and not hate.
ALSO_FLAGGED_BY_SUB = {
    "recruitment": ({"extremist_recruitment", "extremist_fighter_recruitment", "armed_group_recruitment"},
                    "hate_radicalisation"),
}


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A written example close to the text: the explanation of a semantic score."""

    text: str
    category: str
    label: str
    sub: str | None
    lang: str
    similarity: float
    source: str

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "category": self.category,
            "label": self.label,
            "sub": self.sub,
            "lang": self.lang,
            "similarity": round(self.similarity, 4),
            "source": self.source,
        }


@dataclass
class SemanticResult:
    """Scores per target (TARGETS order), which targets pass their threshold, and the evidence."""

    scores: np.ndarray  # (targets,) combined calibrated probability
    flagged: list[str]
    neighbours: dict[str, list[Neighbour]]  # per flagged target: nearest harmful examples
    # (targets,) kNN margin (mean similarity to the k nearest harmful lines minus the k nearest benign ones),
    # the largest over the text's windows; NaN where a target has no lines. The engine reads it as the
    # semantic stage's "this reads like the benign lines" (engine.NEARER_BENIGN)
    margins: np.ndarray | None = None
    # the harm verifier's probability that the text is harmful at all (`verifier.py`), the largest over its
    # windows; None where no verifier is installed
    harm: float | None = None
    # targets an organisation's own examples passed (`_org_rules`): the verifier never drops those
    own: tuple[str, ...] = ()
    # the e5 vector of the text's first window, which an embedding expert reads (`embedding_experts.py`)
    vector: np.ndarray | None = None

    @property
    def reads_benign(self) -> bool:
        """The harm verifier reads the text as benign (`verifier.BENIGN_BELOW`); False without a verifier."""
        return self.harm is not None and self.harm < BENIGN_BELOW


class BankIndex:
    def __init__(self, examples: list[Example], embeddings: np.ndarray, calibrated: Calibrated,
                 verifier: Verifier | None = None) -> None:
        if len(examples) != len(embeddings):
            raise ValueError("one embedding per example")
        self.examples = examples
        self.verifier = verifier
        self.harm, self.neg = target_masks(examples)
        self.columns = Columns.of(self.harm, self.neg)
        # the kNN margins from a float32 product with only the candidates re-checked in float64
        # (`nearest.py`): float64 values on purpose, because float32 products give a text slightly
        # different similarities alone and in a batch (BLAS picks other kernels), and the calibration's
        # steep sigmoids turn that into a different fourth decimal; a text's scores must not depend on
        # its batchmates
        self.grouped = GroupedBank(embeddings, self.harm, self.neg, K)
        self._position = np.empty(len(examples), dtype=np.int64)  # bank column -> row of grouped.bank64
        self._position[self.grouped.order] = np.arange(len(examples))
        self.calibrated = calibrated
        self.org = np.array([e.source.startswith("org:") for e in examples], dtype=bool)
        self.benign = np.array([not e.is_harm for e in examples], dtype=bool)
        self.cats = np.array([e.category for e in examples])

    @property
    def embeddings(self) -> np.ndarray:
        """(m, dim) float64, in the examples' order."""
        return self.grouped.bank64[self._position]

    def extended(self, extra: list[Example], extra_emb: np.ndarray) -> BankIndex:
        if not extra:
            return self
        emb = np.concatenate([self.embeddings, extra_emb.astype(np.float64)])
        return BankIndex(self.examples + extra, emb, self.calibrated, self.verifier)

    def similarities(self, emb: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
        """(n, len(columns)) float64 cosine similarities with these bank columns (all by default), row by
        row (a text's values do not depend on its batchmates)."""
        bank = self.grouped.bank64 if columns is None else self.grouped.bank64[self._position[columns]]
        emb = np.asarray(emb, dtype=np.float64)
        out = np.stack([bank @ e for e in emb]) if len(emb) else np.zeros((0, len(bank)))
        return out if columns is not None else out[:, self._position]

    def score_embeddings(self, emb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(combined probabilities (n, targets), kNN margins (n, targets))."""
        margins = self.grouped.margins(emb)
        combined, _, _ = self.calibrated.score(emb.astype(np.float64), margins)
        return combined, margins

    def score(self, texts: list[str], encoder: Encoder, thresholds: np.ndarray | None = None) -> list[SemanticResult]:
        """Score normalised texts; a long text is scored per window and its strongest window counts."""
        spans: list[tuple[int, int]] = []
        flat: list[str] = []
        for t in texts:
            w = windows(t)
            spans.append((len(flat), len(flat) + len(w)))
            flat.extend(w)
        thr = self.calibrated.thresholds if thresholds is None else thresholds
        if not flat:
            return [SemanticResult(np.zeros(len(TARGETS)), [], {}) for _ in texts]
        emb = encoder.encode(flat)
        combined, margins = self.score_embeddings(emb)
        harm = self.verifier.prob(emb) if self.verifier is not None else None
        sims = self.similarities(emb) if self.org.any() else None  # the organisation's own rules read them all
        out: list[SemanticResult] = []
        for a, b in spans:
            if a == b:
                out.append(SemanticResult(np.zeros(len(TARGETS)), [], {}))
                continue
            block = combined[a:b]
            best_row = a + np.argmax(block, axis=0)  # per target, the window that scored highest
            scores = block.max(axis=0)
            passed = np.round(scores, 4) >= thr
            with np.errstate(invalid="ignore"):
                margin = np.nan_to_num(margins[a:b], nan=-np.inf).max(axis=0)
            text_harm = None if harm is None else float(harm[a:b].max())
            if text_harm is not None and text_harm >= CONFIRM_ABOVE:
                share = CONFIRM_SURE_SHARE if text_harm >= CONFIRM_SURE_ABOVE else CONFIRM_SHARE
                confirmed = ~passed & (scores >= share * thr) & (margin > 0)
                confirmed[len(TARGETS) - 1:] = False  # categories only: disclosure is a signal of its own
                passed |= confirmed
                scores = np.where(confirmed, np.maximum(scores, thr), scores)  # a flag reads at its threshold
            own: tuple[str, ...] = ()
            if sims is not None:
                own = self._org_rules(sims[a:b], scores, passed, best_row, a, thr)
            flagged = [TARGETS[t] for t in np.flatnonzero(passed)]
            neighbours: dict[str, list[Neighbour]] = {}
            for name in flagged:
                k = TARGETS.index(name)
                cols = self.columns.harm[k]
                row = self.similarities(emb[best_row[k]:best_row[k] + 1], cols)[0]
                top = np.argsort(-row)[:NEIGHBOURS]
                neighbours[name] = [self._neighbour(int(cols[j]), float(row[j])) for j in top]
            for name, (subs, also) in ALSO_FLAGGED_BY_SUB.items():
                if also not in flagged and any(nb.sub in subs for nb in neighbours.get(name, ())):
                    flagged.append(also)
                    k = TARGETS.index(also)
                    scores[k] = max(scores[k], thr[k])  # a flag reads at its threshold
                    neighbours[also] = neighbours[name]
            out.append(SemanticResult(scores, flagged, neighbours, np.where(np.isinf(margin), np.nan, margin),
                                      text_harm, own, emb[a]))
        return out

    def _org_rules(
        self, sims: np.ndarray, scores: np.ndarray, passed: np.ndarray, best_row: np.ndarray, offset: int,
        thr: np.ndarray,
    ) -> tuple[str, ...]:
        """Apply the organisation's own examples (see ORG_MATCH_SIM) in place; returns the targets one of
        its harmful examples passed."""
        own: list[str] = []
        top_benign = sims[:, self.benign].max(axis=1) if self.benign.any() else np.full(len(sims), -1.0)
        for t in range(len(TARGETS)):
            org_harm = self.org & self.harm[t]
            if org_harm.any():
                best = sims[:, org_harm].max(axis=1)
                hit = (best >= ORG_MATCH_SIM) & (best >= top_benign + ORG_MATCH_GAP)
                if hit.any():
                    own.append(TARGETS[t])
                    passed[t] = True
                    scores[t] = max(scores[t], float(thr[t]))
                    best_row[t] = offset + int(np.argmax(np.where(hit, best, -1.0)))
            if t < len(TARGETS) - 1:  # categories (disclosure has no benign lines of its own)
                org_benign = self.org & self.benign & (self.cats == TARGETS[t])
                if org_benign.any() and passed[t]:
                    near = sims[:, org_benign].max(axis=1)
                    harm_best = sims[:, self.harm[t]].max(axis=1) if self.harm[t].any() else near * 0 - 1
                    if ((near >= ORG_MATCH_SIM) & (near >= harm_best + ORG_MATCH_GAP)).all():
                        passed[t] = False
        return tuple(name for name in own if passed[TARGETS.index(name)])

    def _neighbour(self, j: int, sim: float) -> Neighbour:
        e = self.examples[j]
        return Neighbour(e.text, e.category, e.label, e.sub, e.lang, sim, e.source)


_LOCK = threading.Lock()
_ORG_CACHE: dict[int, tuple[object, BankIndex]] = {}


def org_index(base: BankIndex, org_id: int, version: object, build: callable) -> BankIndex:  # type: ignore[valid-type]
    """The index for one organisation, rebuilt only when its example `version` changed."""
    with _LOCK:
        hit = _ORG_CACHE.get(org_id)
        if hit is not None and hit[0] == version and hit[1].calibrated is base.calibrated:
            return hit[1]
    index = build()
    with _LOCK:
        _ORG_CACHE[org_id] = (version, index)
    return index


_ROWS: dict[int, tuple[object, list[Example]]] = {}


def cached_org_examples(org_id: int, version: object, fetch: callable) -> list[Example]:  # type: ignore[valid-type]
    """An organisation's example rows, re-read only when their version changed."""
    with _LOCK:
        hit = _ROWS.get(org_id)
        if hit is not None and hit[0] == version:
            return hit[1]
    rows = fetch()
    with _LOCK:
        _ROWS[org_id] = (version, rows)
    return rows


def forget_org(org_id: int | None = None) -> None:
    with _LOCK:
        if org_id is None:
            _ORG_CACHE.clear()
            _ROWS.clear()
        else:
            _ORG_CACHE.pop(org_id, None)
            _ROWS.pop(org_id, None)
