"""Every grooming stage is recognised in every language, on lines we wrote."""

from __future__ import annotations

import pytest

from tutela.conversations.corpus import LANGS, load_corpus
from tutela.conversations.detector import StageDetector, default_detector
from tutela.domain.conversation import STAGES

MIN = 0.6


def _lines(lang: str, stage: str, split: str | None = None) -> list[str]:
    out = []
    for conv in load_corpus(lang, split):
        for m in conv["messages"]:
            if stage in m["stages"] and m["text"] not in out:
                out.append(m["text"])
    return out


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("stage", [s.value for s in STAGES])
def test_stage_detected_in_each_language(lang: str, stage: str) -> None:
    """The lines the model learnt from are recognised, and the stage does not fire on children's replies."""
    det = default_detector()
    k = [s.value for s in STAGES].index(stage)
    lines = _lines(lang, stage, "train")
    assert lines, f"the corpus has no {stage} line in {lang}"
    hits = [t for t in lines if det.score(t)[k] >= MIN]
    assert len(hits) / len(lines) >= 0.9, f"{lang}/{stage}: missed {sorted(set(lines) - set(hits))}"
    replies = {m["text"] for c in load_corpus(lang) for m in c["messages"] if m["sender"] == "child"}
    false = [t for t in replies if det.score(t)[k] >= MIN]
    assert len(false) <= 1, false


@pytest.mark.parametrize("lang", LANGS)
def test_unseen_stage_lines_in_each_language(lang: str) -> None:
    """Held-out lines (never trained on): a floor that records today's generalisation (see the model card)."""
    det = default_detector()
    total = hit = 0
    for k, stage in enumerate(STAGES):
        for t in _lines(lang, stage.value, "heldout"):
            total += 1
            hit += det.score(t)[k] >= MIN
    assert total and hit / total >= 0.6


@pytest.mark.parametrize("lang", LANGS)
def test_cue_phrases_alone_generalise_to_heldout_lines(lang: str) -> None:
    """Without the trained model, phrases still catch most held-out stage lines (no memorising)."""
    det = StageDetector(model_path=None)
    total = hit = 0
    for k, stage in enumerate(STAGES):
        for t in _lines(lang, stage.value, "heldout"):
            total += 1
            hit += det.score(t)[k] >= 0.5
    assert total and hit / total >= 0.35


def test_ordinary_messages_mostly_carry_no_strong_stage() -> None:
    det = default_detector()
    texts = {m["text"] for c in load_corpus() if c["kind"] == "ordinary" for m in c["messages"]}
    strong = [t for t in texts if max(det.score(t)) >= 0.85]
    assert len(strong) / len(texts) < 0.1, strong


def test_detector_explains_phrases() -> None:
    det = default_detector()
    assert det.explain("pls don't tell your parents about us")["secrecy"]
    assert det.explain("Ailene söyleme tamam mı")["secrecy"]
    assert det.explain("ты сейчас одна дома?")["personal"]


@pytest.mark.parametrize(("text", "stage"), [
    # a meeting the child is to come to alone, with a cover story for the parents (Cyrillic and translit)
    ("приходи в субботу в тц у метро, подарю наушники. приходи один и никому не говори", "meeting"),
    ("prihodi odna v subbotu", "meeting"),
    ("скажешь что к другу, это на час", "secrecy"),
    ("skazhesh chto k drugu", "secrecy"),
    ("udalyaj perepisku posle razgovora", "secrecy"),
    ("ты выглядишь старше своих лет", "rapport"),
])
def test_russian_cues_added_for_the_written_chats(text: str, stage: str) -> None:
    k = [s.value for s in STAGES].index(stage)
    assert default_detector().score(text)[k] >= MIN


@pytest.mark.parametrize(("text", "stage"), [
    ("скажешь что я передавал привет", "secrecy"),
])
def test_russian_everyday_lines_stay_below_the_stage(text: str, stage: str) -> None:
    k = [s.value for s in STAGES].index(stage)
    assert default_detector().score(text)[k] < MIN


def test_a_coachs_saturday_practice_does_not_alert_a_chat() -> None:
    """Since the fourteenth session's quiet meeting lines ("Приходи пораньше на репетицию, пока никого нет") the
    stage model reads a coach's "приходи в субботу на тренировку" as a meeting (0.70; it was under 0.6); one stage
    from a coach, with the team and the parents in it, must still not alert the chat."""
    from tutela.conversations import score_conversation

    lines = [("c", "приходи в субботу на тренировку, форму не забудь"), ("k", "ок, а во сколько?"),
             ("c", "в 10, вся команда собирается у раздевалки, родителям я написал в общий чат"), ("k", "понял")]
    msgs = [{"sender": s, "text": t, "ts": 1_767_225_600 + 60 * i, **({"sender_age": 12} if s == "k" else {})}
            for i, (s, t) in enumerate(lines)]
    assert score_conversation(msgs).first_alert_at is None
