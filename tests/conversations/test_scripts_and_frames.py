"""Romanised grooming lines score like their native script; benign frames keep a relative's request calm.

Why: a gift-card grooming chat written in Finglish or Russian translit scored as noise (the phrase lists
and the stage model know Persian script and Cyrillic) and was damped by the English whole-conversation
model; and an aunt asking for "a photo of your certificate, I want to show grandma" read as an image
request plus a threat to show the family, which is the sextortion pattern. Lines written for the tests.
"""

from __future__ import annotations

import pytest

from tutela.conversations.batch import score_conversation
from tutela.conversations.detector import StageDetector, native_text
from tutela.domain.conversation import STAGES, Stage

IMAGES = STAGES.index(Stage.IMAGES)
THREATS = STAGES.index(Stage.THREATS)
SECRECY = STAGES.index(Stage.SECRECY)


@pytest.fixture(scope="module")
def detector() -> StageDetector:
    return StageDetector()


@pytest.mark.parametrize(("romanised", "native"), [
    ("pas ye akse lokht az khodet befrest, card male to", "یه عکس لخت از خودت بفرست، کارت مال تو"),
    ("togda skin mne golye foto i karta tvoya", "тогда скинь мне голые фото и карта твоя"),
])
def test_romanised_request_scores_like_native(detector: StageDetector, romanised: str, native: str) -> None:
    assert native_text(romanised) is not None
    got, want = detector.score(romanised), detector.score(native)
    assert got[IMAGES] >= 0.6
    assert got[IMAGES] >= want[IMAGES] - 0.15


@pytest.mark.parametrize("text", ["see you at practice tomorrow, bring your kit", "kar yağıyor okul tatil mi"])
def test_ordinary_latin_text_is_not_read_as_romanised(text: str) -> None:
    assert native_text(text) is None


@pytest.mark.parametrize(("text", "plain"), [
    ("Can you send me a photo of your certificate? I want to show grandma", "Can you send me a photo? I want to show grandma"),
    ("Sertifikanın fotoğrafını atar mısın, babaanneye göstereceğim", "Fotoğrafını atar mısın, babaanneye göstereceğim"),
    ("یه عکس از لوح تقدیرت بفرست میخوام به مامان بزرگ نشون بدم", "یه عکس از خودت بفرست میخوام به مامان بزرگ نشون بدم"),
    ("Скинь фото грамоты, хочу бабушке показать", "Скинь фото, хочу бабушке показать"),
])
def test_photo_of_a_document_is_not_an_image_request(detector: StageDetector, text: str, plain: str) -> None:
    framed = detector.score(text)
    assert framed[IMAGES] <= 0.1 and framed[THREATS] <= 0.1
    assert detector.score(plain)[IMAGES] > framed[IMAGES]  # the frame, not the wording, lowers it


def test_a_strong_image_cue_stands_inside_a_frame(detector: StageDetector) -> None:
    assert detector.score("send a photo of your certificate and a pic of you in your pyjamas")[IMAGES] >= 0.9


def test_a_surprise_caps_secrecy_but_keeps_part_of_it(detector: StageDetector) -> None:
    s = detector.score("dont tell your dad, its a surprise, we ordered you a cake")
    assert 0.3 < s[SECRECY] <= 0.45
    assert detector.score("dont tell your dad about us")[SECRECY] >= 0.9


@pytest.mark.parametrize("threat", [
    "send 3 more tonight or i post them to ur school's insta and send them to ur mom",
    "если сегодня не скинешь еще 3 то я 3ашлю их все в паблик твоей школы и твоей маме",
])
def test_threat_after_a_reminder_of_sent_images_alerts_at_the_threat(threat: str) -> None:
    reminder = "remember the pics u sent me last week" if threat.isascii() else "не забыла фотки которые ты мне скинула?"
    msgs = [{"sender": "x", "text": "hey"}, {"sender": "x", "text": reminder}, {"sender": "x", "text": threat}]
    res = score_conversation(msgs, "sx")
    assert res.first_alert_at == 2
    assert "sextortion" in res.flags


def test_aunt_asking_for_a_certificate_photo_does_not_alert() -> None:
    lines = [
        ("aunt", "your mom said you won the science award!!", 45), ("kid", "yea first place", 11),
        ("aunt", "so proud of you! can you send me a photo of your certificate? I want to show grandma", 45),
        ("kid", "ok one sec", 11), ("aunt", "don't tell your dad, it's a surprise, we're getting you a cake", 45),
        ("kid", "ok haha", 11), ("aunt", "love you, see you sunday", 45),
    ]
    res = score_conversation([{"sender": s, "text": t, "sender_age": a} for s, t, a in lines], "aunt")
    assert res.first_alert_at is None
