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
from tutela.conversations.patterns import canon, match_stages, speaks_openly
from tutela.conversations.risk import AgeView, RiskParams, age_factor
from tutela.domain.conversation import STAGES, Stage

IMAGES = STAGES.index(Stage.IMAGES)
THREATS = STAGES.index(Stage.THREATS)
SECRECY = STAGES.index(Stage.SECRECY)


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


@pytest.mark.parametrize("text", [
    "The tournament is Saturday. Your mom asked if I can pick you up with the other girls",
    "Turnuva cumartesi. Annen seni diğer kızlarla ben alabilir miyim diye sordu",
    "Anan səni digər qızlarla mən götürə bilərəmmi deyə soruşdu",
    "مامانت پرسید میتونم تو رو با بقیه دخترا ببرم",
    "Мама спросила, могу ли я забрать тебя вместе с другими девочками",
    "I sent you some money for your games, check your mum's phone",
])
def test_speaking_openly_of_the_family(text: str) -> None:
    assert speaks_openly(text)


@pytest.mark.parametrize("text", [
    "tell your mom you're sleeping at a friend's", "dont tell your parents about us", "annene söyleme",
    "are your parents home?", "мама дома?",
])
def test_cover_stories_and_probes_are_not_openness(text: str) -> None:
    assert not speaks_openly(text)


def test_openness_takes_away_the_adult_to_minor_weight_only() -> None:
    params = RiskParams()
    child = [AgeView(known=13)]
    closed, flags = age_factor(AgeView(known=38), child, None, params)
    opened, open_flags = age_factor(AgeView(known=38), child, None, params, open_family=True)
    assert "adult_to_minor" in flags and "adult_to_minor" not in open_flags
    assert opened == pytest.approx(params.contact) and opened < closed
    lie, lie_flags = age_factor(AgeView(known=38, declared_min=15, declared_max=15), child, None, params,
                                open_family=True)
    assert "age_misrepresentation" in lie_flags and lie > opened


def test_coach_who_brings_the_parents_in_does_not_alert_but_the_same_coach_hiding_does() -> None:
    open_chat = [
        ("coach", "you played so well today, you're really mature for your age", 38), ("kid", "thanks coach", 13),
        ("coach", "your mom asked if I can pick you up with the other girls on saturday", 38), ("kid", "ok", 13),
        ("coach", "I'll pick you up at 7:15 outside your house", 38), ("kid", "ok", 13),
        ("coach", "don't tell the team yet but you're starting as captain", 38),
    ]
    hidden = [(s, t.replace("your mom asked if I can pick you up with the other girls on saturday",
                            "I can pick you up on saturday, just us, dont tell your parents"), a)
              for s, t, a in open_chat]
    def run(lines: list[tuple[str, str, int]]) -> int | None:
        msgs = [{"sender": s, "text": t, "sender_age": a} for s, t, a in lines]
        return score_conversation(msgs, "coach").first_alert_at
    assert run(open_chat) is None
    assert run(hidden) is not None


def test_platform_peers_damp_the_whole_conversation_model() -> None:
    from tutela.conversations.state import ConversationState, Party

    st = ConversationState(parties={"a": Party(age=15, age_known=True), "b": Party(age=14, age_known=True)})
    assert st.platform_peers()
    st.parties["b"] = Party(age=30, age_known=True)
    assert not st.platform_peers()
    st.parties["b"] = Party(age=15, age_known=False)  # a claim, not the platform's word
    assert not st.platform_peers()


def test_emoji_standing_for_an_image_request(detector: StageDetector) -> None:
    sexual = STAGES.index(Stage.SEXUAL)
    asked = detector.score("ok show me 📸🍑 then the card is urs")
    assert asked[IMAGES] >= 0.9 and asked[sexual] >= 0.9
    pie = detector.score("this peach pie 🍑 is so good")
    assert pie[IMAGES] < 0.6 and pie[sexual] <= 0.5  # alone, a weak cue that needs others


SEXUAL = STAGES.index(Stage.SEXUAL)


@pytest.mark.parametrize(("text", "stage"), [
    ("а в чем ты сейчас одета?", SEXUAL),
    ("a bez futbolki?", SEXUAL),
    ("kin' paru f0t0k sebja i v-baksy tvoi", IMAGES),
    ("pokazhi, sfotkaj sebja v zerkale)", IMAGES),
])
def test_russian_clothing_and_self_photo_requests(detector: StageDetector, text: str, stage: int) -> None:
    # what the child wears and a photo *of herself*, in Cyrillic and in translit (j-spelt, leet)
    assert detector.score(text)[stage] >= 0.6


@pytest.mark.parametrize("text", ["пришли фото что ты поела, я проверю", "и скинь фотку дневника, учительница писала"])
def test_a_parents_photo_of_a_thing_is_no_image_request(detector: StageDetector, text: str) -> None:
    assert detector.score(text)[IMAGES] < 0.5


OFF_PLATFORM = STAGES.index(Stage.OFF_PLATFORM)


@pytest.mark.parametrize(("text", "stage"), [
    ("go v tg, tam pogovorim", OFF_PLATFORM),
    ("перейдем в тг, тут палевно", OFF_PLATFORM),
    ("ty celovalas kogda-nibud?", SEXUAL),
])
def test_russian_telegram_moves_and_translit_questions(detector: StageDetector, text: str, stage: int) -> None:
    assert detector.score(text)[stage] >= 0.6


def test_a_dance_video_in_short_shorts_for_the_sender_alone(detector: StageDetector) -> None:
    # a 'blogger casting' request, translit: what the child wears on camera, sent personally
    got = detector.score("snimi tanec v korotkih shortah i v obtjagivajushem, prishli mne lichno")
    assert got[SEXUAL] >= 0.6
    assert got[IMAGES] >= 0.5


@pytest.mark.parametrize("text", ["на тренировку приходите в купальнике и шапочке",
                                  "для конкурса чтецов сними себя на видео как читаешь стих"])
def test_a_coach_or_teachers_swimsuit_and_recital_video_stay_weak(detector: StageDetector, text: str) -> None:
    # cues a swimming coach or a class teacher says too: weak (count only with others), never strong
    got = detector.score(text)
    assert got[SEXUAL] < 0.85
    assert got[IMAGES] < 0.85


@pytest.mark.parametrize(("text", "open_"), [
    ("tell your mum to call me about saturday", True), ("call me tonight", False),
    ("annen akşam beni arasın", True), ("beni ara", False), ("anan mənə zəng etsin", True),
    ("مامانت خونه است؟ بگو بهم زنگ بزنه", True), ("بهم زنگ بزن", False),
    ("mamanet khoonast? begu behem zang bezane", True), ("behem zang bezan", False),
    ("пусть мама мне вечером позвонит", True), ("позвони мне", False),
])
def test_a_parent_asked_to_call_back_is_openness_the_child_asked_to_call_is_not(text: str, open_: bool) -> None:
    """"Tell her to call me" invites the family in; "call me" to the child is ordinary contact (or a
    groomer's), so only the third-person forms count."""
    assert speaks_openly(text) is open_


def test_an_aunt_asking_for_the_mother_to_call_does_not_alert() -> None:
    """A relative's gift card, "is your mom home? tell her to call me" and a family-group photo (written
    for issue 12): the question about the mother alone read as a probe and alerted at once."""
    lines = [
        ("aunt", "سلام عزیزم، تولدت مبارک! بزرگ شدی ماشالا", None), ("kid", "مرسی خاله جون", 12),
        ("aunt", "یه کارت هدیه برات فرستادم، به مامانت بگو", None), ("kid", "مرسی", 12),
        ("aunt", "مامانت خونه است؟ بگو بهم زنگ بزنه", None), ("kid", "باشه", 12),
        ("aunt", "عکسای تولدو تو گروه خانوادگی بفرست همه ببینن", None), ("kid", "حتما", 12),
    ]
    msgs = [{"sender": s, "text": t} | ({"sender_age": a} if a else {}) for s, t, a in lines]
    assert score_conversation(msgs, "aunt-fa").first_alert_at is None
    probe = [m | {"text": "مامانت خونه است؟"} if i == 4 else m for i, m in enumerate(msgs)]
    assert score_conversation(probe, "aunt-fa-probe").first_alert_at is not None


@pytest.mark.parametrize("text", [
    "are your parents asleep?", "alone in your room?", "ailen uyuyo mu", "annen telefonuna bakıyo mu",
    "anan atan yatıb?", "valideynlərin telefonuna baxır?", "مامان بابات خوابن؟", "تنهایی تو اتاقت؟",
    "مامانت گوشیتو چک میکنه؟", "mamanet khabe?", "mamanet gushito check mikone?", "родители спят?",
    "ты одна в комнате?", "roditeli proveryayut tvoj telefon?",
])
def test_probes_for_sleeping_or_watching_parents_are_personal_cues(text: str) -> None:
    """Whether the adults are asleep, look at the phone or the child is alone in a room (issue 12): in
    every language, and Finglish / translit as `native_text` spells them."""
    native = native_text(text)
    assert match_stages(canon(native or text))[STAGES.index(Stage.PERSONAL)] >= 0.9
