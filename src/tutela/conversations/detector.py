"""Per-message grooming-stage scores: cue phrases plus a trained linear model.

The phrases (`patterns.py`) are precise and explainable; the linear model over
hashed n-grams (`features.py`, coefficients in `models/stages.npz`) generalises
to phrasings the lists miss. A stage's score is the larger of the two. When no
model file is present (a fresh checkout before `tutela train conversations`)
the detector runs on phrases alone and says so in `model_loaded`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from tutela.conversations.ages import asks_age
from tutela.conversations.features import N_FEATURES, feature_ids, message_norm, text_windows
from tutela.conversations.patterns import (
    STRONG,
    canon,
    concealed_request,
    explain,
    frame_caps,
    match_stages,
    reports_speech,
    traded_request,
)
from tutela.conversations.segments import NO_TERMS, SEGMENT_MODEL_PATH, SegTerms, load_segment_model
from tutela.detect.langid import identify
from tutela.detect.translit import romanized_language, to_native
from tutela.domain.conversation import STAGES, Stage

MODEL_PATH = Path(__file__).resolve().parent / "models" / "stages.npz"


@dataclass(frozen=True)
class StageModel:
    """One-vs-rest logistic regression per stage over `feature_ids`."""

    weights: np.ndarray  # (n_features, n_stages) float32
    bias: np.ndarray  # (n_stages,)
    data: str  # what it was trained on, for the model card

    @classmethod
    def load(cls, path: Path) -> StageModel:
        with np.load(path, allow_pickle=False) as z:
            stages = [str(s) for s in z["stages"]]
            if stages != [s.value for s in STAGES]:
                raise ValueError(f"{path} was trained for stages {stages}, expected {[s.value for s in STAGES]}")
            n = int(z["n_features"])
            if n != N_FEATURES:
                raise ValueError(f"{path} has {n} features, the featuriser makes {N_FEATURES}")
            weights = np.zeros((n, len(stages)), dtype=np.float32)
            weights[z["rows"]] = z["values"].astype(np.float32)
            return cls(weights, z["bias"].astype(np.float32), str(z["data"]))

    def scores(self, ids: list[int]) -> list[float]:
        if not ids:
            return [1.0 / (1.0 + math.exp(-float(b))) for b in self.bias]
        z = self.weights[ids].sum(axis=0) * message_norm(len(ids)) + self.bias
        return [1.0 / (1.0 + math.exp(-float(v))) for v in np.clip(z, -30, 30)]


@lru_cache(maxsize=4)
def _load_model(path: str) -> StageModel | None:
    p = Path(path)
    return StageModel.load(p) if p.is_file() else None


class StageDetector:
    """Scores one message for every stage (values in `STAGES` order, 0..1)."""

    def __init__(
        self,
        model_path: Path | str | None = MODEL_PATH,
        max_chars: int = 20_000,
        segment_model_path: Path | str | None = SEGMENT_MODEL_PATH,
    ) -> None:
        self.model = _load_model(str(model_path)) if model_path else None
        self.segment_model = load_segment_model(str(segment_model_path)) if segment_model_path else None
        self.max_chars = max_chars

    @property
    def model_loaded(self) -> bool:
        return self.model is not None

    def score(self, text: str) -> list[float]:
        return self.analyse(text)[0]

    def analyse(self, text: str) -> tuple[list[float], SegTerms]:
        """Stage scores plus the message's terms for the whole-conversation model
        (`segments.py`): normalising and featurising once serves both. A long text
        is read in windows: each stage takes its strongest window, the bag takes all.

        Persian or Russian typed in Latin letters is read twice, as typed and in its own script
        (`native_text`): the phrase lists and the stage model know Persian and Cyrillic, and a
        grooming line in Finglish must score as it does in Persian. Each stage keeps the stronger; the
        whole-conversation bag takes the native reading's terms, since that model (PAN 2012: English,
        German, Dutch) would otherwise read Finglish as English it knows and damp a chat it cannot read."""
        text = text[: self.max_chars]
        native = native_text(text)
        if native is not None:
            a, _ = self._analyse_text(text)
            b, terms = self._analyse_text(native)
            return [max(x, y) for x, y in zip(a, b, strict=True)], terms
        return self._analyse_text(text)

    def _analyse_text(self, text: str) -> tuple[list[float], SegTerms]:
        c = canon(text)
        pieces = text_windows(c)
        if len(pieces) == 1:
            return self._analyse_piece(c)
        best = [0.0] * len(STAGES)
        s = q = 0.0
        n = 0
        for piece in pieces:
            scores, (ds, dq, dn) = self._analyse_piece(piece)
            best = [max(a, b) for a, b in zip(best, scores, strict=True)]
            s, q, n = s + ds, q + dq, n + dn
        return best, (s, q, n)

    def _analyse_piece(self, c: str) -> tuple[list[float], SegTerms]:
        """Stage scores of one canonical piece, with a request kept secret in it raised (`concealed_request`)."""
        scores, terms = self._piece_scores(c)
        return concealed_request(traded_request(c, scores)), terms

    def _piece_scores(self, c: str) -> tuple[list[float], SegTerms]:
        """The larger of the phrases' and the model's score per stage for one canonical piece, capped by a
        benign frame."""
        pat = match_stages(c)
        caps = frame_caps(c)
        if caps is not None:  # a benign frame: weak phrases capped, strong ones stand
            pat = [p if p >= STRONG and not strong_too else min(p, cap)
                   for p, (cap, strong_too) in zip(pat, caps, strict=True)]
        seg = self.segment_model
        if self.model is None and seg is None:
            return pat, NO_TERMS
        ids = feature_ids(c)
        terms = seg.ids_terms(ids) if seg is not None and not _retold(c) else NO_TERMS
        if self.model is None:
            return pat, terms
        mod = _age_question_caps(c, self.model.scores(ids))
        if caps is not None:
            mod = [min(m, cap) for m, (cap, _) in zip(mod, caps, strict=True)]
        return [max(p, m) for p, m in zip(pat, mod, strict=True)], terms

    def explain(self, text: str) -> dict[str, str]:
        """The cue phrase per stage, where a phrase (not only the model) fired."""
        return explain(canon(text[: self.max_chars]))


# A bare question about age or school grade ("сколько тебе лет?", "what grade are you in?") is the personal
# stage and nothing else; the stage model, reading so few words, gave it gifts 0.69 and flattery 0.65
# ("сколько тебе лет?") or sexual 0.39 ("ты в каком классе?"), and classmates who asked it alerted.
AGE_QUESTION_WORDS = 8
AGE_QUESTION_CAP = 0.2
_LATE = tuple(STAGES.index(s) for s in (Stage.SEXUAL, Stage.IMAGES, Stage.THREATS))


def _age_question_caps(c: str, mod: list[float]) -> list[float]:
    """The model's scores for a short message that asks the reader's age or grade, every stage but `personal`
    capped at `AGE_QUESTION_CAP` (cue phrases in the same message still count: "how old are you? send a
    pic" keeps its image request)."""
    if len(c.split()) > AGE_QUESTION_WORDS or asks_age(c) is None:
        return mod
    return [min(m, AGE_QUESTION_CAP) if i in _LATE else m for i, m in enumerate(mod)]


# The longest chat message the whole-conversation bag may skip as retold (`_retold`).
RETOLD_MAX_CHARS = 300


def _retold(c: str) -> bool:
    """A short message that retells a third person's words (`patterns.reports_speech`): a parent quoting a
    stranger, a child telling what he asked. It brings the offender's words into the bag without an
    offender, so the whole-conversation model skips it. Only a chat message: a long text (PAN's English
    segments are whole chats on one line) has "he said" somewhere in most windows, and skipping those
    windows dropped PAN's held-out English recall from 0.977 to 0.795."""
    return len(c) <= RETOLD_MAX_CHARS and reports_speech(c)


def native_text(text: str) -> str | None:
    """`text` in Persian script or Cyrillic when it is Finglish or Russian translit, else None.

    Why the cheap word test first: it rejects ordinary English, Turkish and Azerbaijani at the cost of a
    regex, and language id (a fastText call) runs only on the few messages it lets through, to confirm."""
    if romanized_language(text) is None:
        return None
    lang, _ = identify(text)
    return to_native(text, lang) if lang in ("fa", "ru") else None


@lru_cache(maxsize=4)
def default_detector(models_dir: str | None = None) -> StageDetector:
    """The shipped models, or those in `models_dir` (the `conversation_models` setting)."""
    if models_dir is None:
        return StageDetector()
    from tutela.conversations.segments import SEGMENT_MODEL_PATH

    folder = Path(models_dir)
    if not (folder / MODEL_PATH.name).is_file():
        raise FileNotFoundError(f"no {MODEL_PATH.name} in {folder} (build it with `tutela train conversations --out`)")
    return StageDetector(folder / MODEL_PATH.name, segment_model_path=folder / SEGMENT_MODEL_PATH.name)


def models_dir(settings: object) -> str | None:
    """The configured conversation models folder (None: the shipped ones)."""
    folder = getattr(settings, "conversation_models", None)
    return str(folder) if folder else None
