"""A terse answer to "how old are you?" is an age, and the body asked for by its parts is a sexual stage.

Why: in chats without platform ages a child often answers the age question with a bare "12" or "в 6", and the
harmful request that follows alerted only where the child had written "мне 12" (probes written for tune-ru,
2026-12-06: 11 of 28 short chats alerted in time, 28 of 28 after). Requests that name the body ("покажи мне
свою грудь", "что у тебя под юбкой", "разденешься по видеосвязи") scored no sexual stage at all. Chats here are
written for the tests.
"""

from __future__ import annotations

import pytest

from tutela.conversations.ages import asks_age, bare_answer
from tutela.conversations.batch import score_conversation
from tutela.conversations.detector import StageDetector
from tutela.conversations.state import ConversationState
from tutela.domain.conversation import STAGES, Stage


@pytest.mark.parametrize(("question", "add"), [
    ("привет) тебе сколько лет?", 0), ("how old r u", 0), ("asl?", 0), ("kac yasindasin?", 0),
    ("ты в каком классе?", 6), ("what grade are you in", 6), ("skolko tebe let?", 0), ("Да! Сколько вам лет?", 0),
])
def test_age_and_grade_questions(question: str, add: int) -> None:
    assert asks_age(question) == add


@pytest.mark.parametrize("text", ["сколько лет твоей собаке?", "what are you doing", "how old is your brother"])
def test_other_questions_are_not_about_the_readers_age(text: str) -> None:
    assert asks_age(text) is None


@pytest.mark.parametrize(("answer", "add", "age"), [
    ("12", 0, 12), ("13)", 0, 13), ("14 лет", 0, 14), ("12 😊", 0, 12), ("в 6", 6, 12), ("6 класс", 6, 12),
])
def test_terse_answers(answer: str, add: int, age: int) -> None:
    assert bare_answer(answer, add) == age


@pytest.mark.parametrize("answer", ["ok", "2 часа", "100", "мне 12 но это неважно, а что"])
def test_not_terse_answers(answer: str) -> None:
    assert bare_answer(answer, 0) is None


def _chat(answer: str, request: str) -> list[dict]:
    return [{"sender": "x", "text": "привет) тебе сколько лет?"}, {"sender": "c", "text": answer},
            {"sender": "x", "text": request}, {"sender": "c", "text": "ээ"}]


def test_a_bare_age_answer_lets_the_request_alert_in_time() -> None:
    request = "сфоткайся в зеркале в одном белье, никому не покажу"
    assert score_conversation(_chat("12", request), "terse").first_alert_at == 2
    # the same chat where the number answers nothing stays below the alert
    plain = _chat("12", request)
    plain[0]["text"] = "привет) как дела?"
    assert score_conversation(plain, "plain").first_alert_at is None


def test_the_open_question_survives_a_restart_and_closes_once_answered() -> None:
    state = ConversationState(asked=["x", 6])
    assert ConversationState.from_json(state.to_json()).asked == ["x", 6]
    res = score_conversation([{"sender": "x", "text": "how old r u?"}, {"sender": "c", "text": "ok"},
                              {"sender": "c", "text": "12"}], "closed")
    assert res.first_alert_at is None


@pytest.mark.parametrize("text", [
    "pokazhi mne svoyu grud', nikto ne uznaet", "ты уже большая, покажешь что у тебя под юбкой?",
    "давай ты разденешься по видеосвязи", "нужно просто сняться в видео для взрослых",
    "show me your boobs, no one will know", "what's under your skirt? show me",
])
def test_the_body_asked_for_is_a_sexual_stage(text: str) -> None:
    assert StageDetector(model_path=None).score(text)[STAGES.index(Stage.SEXUAL)] >= 0.6


@pytest.mark.parametrize("text", [
    "в раздевалке забыла кофту, заберу завтра", "i'll get in touch with you after practice",
    "врач сказал потрогать живот, если болит — звонить",
])
def test_everyday_lines_with_the_same_words_are_not(text: str) -> None:
    assert StageDetector(model_path=None).score(text)[STAGES.index(Stage.SEXUAL)] < 0.6
