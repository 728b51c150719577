"""A parent retelling a stranger's words, the family's own voice, and a chat too short for the bag model.

Why: a mother asking her son what a stranger wrote ("it said ... how old r u") carried the stranger's
flattery and age probe in her own evidence and alerted; the child's retelling brought the offender's
words into the whole-conversation bag; an aunt who told her niece to tell her mother herself was read
as a sextortionist on a joking "I'll show you in ten years"; and a clinic booking a 15-year-old alerted
on the whole-conversation model alone, with no stage near. Lines written for the tests.
"""

from __future__ import annotations

import pytest

from tutela.conversations.detector import StageDetector
from tutela.conversations.patterns import canon, reports_speech, speaks_openly
from tutela.conversations.risk import RiskParams, sextortion_pattern
from tutela.conversations.segments import NO_TERMS
from tutela.conversations.state import ConversationState, Party
from tutela.domain.conversation import STAGES, Stage

RAPPORT = STAGES.index(Stage.RAPPORT)
PERSONAL = STAGES.index(Stage.PERSONAL)
THREATS = STAGES.index(Stage.THREATS)
IMAGES = STAGES.index(Stage.IMAGES)


@pytest.mark.parametrize("text", [
    "this guy in the lobby wrote to you. he asked how old you are and where your school is?",
    "did he ask you to add him anywhere else, like discord?",
    "o cocuk sana ne yazdi? yasini sordu mu?",
    "oyunda biri yazib ki sen cox yetkinsen, nece yasin var deye sorusdu",
    "اون پسره نوشته بود خیلی بزرگتر از سنت نشون میدی، پرسیده بود چند سالته",
    "oon pesare behet goft koja zendegi mikoni?",
    "он написал тебе что ты взрослая не по годам и спросил сколько тебе лет?",
    "on sprosil v kakoy shkole ty uchishsya?",
])
def test_retold_words_are_reported_speech(text: str) -> None:
    assert reports_speech(canon(text))


@pytest.mark.parametrize("text", [
    "you are so mature for your age, how old are you?",
    "kac yasindasin? cok olgun gorunuyorsun",
    "چند سالته؟ خیلی بزرگتر نشون میدی",
    "сколько тебе лет? ты такая взрослая",
])
def test_asking_in_ones_own_voice_is_not_reported(text: str) -> None:
    assert not reports_speech(canon(text))


@pytest.mark.parametrize(("retold", "direct"), [
    ("he wrote 'ur so mature for ur age, how old r u' and then asked where you live",
     "ur so mature for ur age, how old r u? where do you live"),
    ("он написал: ты такая взрослая, сколько тебе лет, где живешь", "ты такая взрослая, сколько тебе лет, где живешь"),
])
def test_a_retold_probe_is_capped_in_the_tellers_message(detector: StageDetector, retold: str, direct: str) -> None:
    got, plain = detector.score(retold), detector.score(direct)
    assert max(got[RAPPORT], got[PERSONAL]) <= 0.45
    assert max(plain[RAPPORT], plain[PERSONAL]) > 0.45


def test_a_retold_message_stays_out_of_the_whole_conversation_bag(detector: StageDetector) -> None:
    if detector.segment_model is None:
        pytest.skip("no whole-conversation model")
    assert detector.analyse("she said she would give you free gems if you added her on snap")[1] == NO_TERMS
    assert detector.analyse("i will give you free gems if you add me on snap")[1] != NO_TERMS


@pytest.mark.parametrize("text", [
    "dad and I will call the game support tomorrow", "babanla ben aksam bakariz", "atanla men bu axsam baxariq",
    "چت رو نگه دار تا بابا هم ببینه", "man o baba emshab mibinim", "мы с папой вечером посмотрим",
    "ok I won't, but tell her yourself tonight", "annene kendin soyle ama", "yaxsi, amma anana ozun de",
    "bashe vali khodet begoo", "хорошо, но скажи ей сама сегодня",
])
def test_the_family_speaking_for_itself_is_openness(text: str) -> None:
    assert speaks_openly(text)


@pytest.mark.parametrize("text", ["tell your mom you are at a friends house", "annene arkadasinda oldugunu soyle"])
def test_a_cover_story_is_still_not_openness(text: str) -> None:
    assert not speaks_openly(text)


def test_an_open_sender_needs_a_clear_threat_for_the_sextortion_floor() -> None:
    params = RiskParams(soft_floor=0.3)
    e = [0.0] * len(STAGES)
    e[IMAGES], e[THREATS] = 0.8, 0.7
    assert sextortion_pattern(e, params)
    assert Party(open=True).needs_clear_threat and Party(rel="family").needs_clear_threat
    assert not Party().needs_clear_threat
    assert not sextortion_pattern(e, params, Party(open=True).needs_clear_threat)
    e[THREATS] = 0.95
    assert sextortion_pattern(e, params, Party(open=True).needs_clear_threat)


def test_a_short_chat_needs_a_stage_before_the_bag_model_alone_counts() -> None:
    params = RiskParams(seg_min_features=400, seg_gate_features=800, threshold=0.875)
    st = ConversationState(parties={"a": Party(), "b": Party(age=15, age_known=True)})
    st.seg_p = 0.7
    st.sg = [1.0, 1.0, 500.0]
    assert st.segment_risk(params) == 0.0  # nobody's stages anywhere near the alert
    st.parties["a"].e[STAGES.index(Stage.SECRECY)] = 0.9
    st.parties["a"].e[PERSONAL] = 0.9
    assert st.segment_risk(params) > 0.0
    st.parties["a"] = Party()
    st.sg = [1.0, 1.0, 900.0]
    assert st.segment_risk(params) > 0.0  # a long chat: the model has its full say
    st.parties["b"] = Party()
    st.sg = [1.0, 1.0, 500.0]
    assert st.segment_risk(params) > 0.0  # no platform ages (PAN's segments): the model keeps its say


def test_a_long_text_with_he_said_stays_in_the_bag(detector: StageDetector) -> None:
    if detector.segment_model is None:
        pytest.skip("no whole-conversation model")
    long_text = "we talked for hours about music and school and the weekend plans. " * 6 + "he said hi"
    assert detector.analyse(long_text)[1] != NO_TERMS


SECRECY = STAGES.index(Stage.SECRECY)


@pytest.mark.parametrize("text", [
    "sent u the gems!! just dont tell your dad how much i paid lol",
    "hediyeni yolladim, annene kac para oldugunu soyleme ama",
    "pulu gonderdim, atana neceye aldigimi deme",
    "کارت هدیه رو فرستادم، فقط به بابات نگو چقدر شد",
    "kart ro ferestadam, be mamanet nagoo cheghadr shod",
    "скинул тебе гемы, только маме не говори сколько стоило",
])
def test_a_secret_about_a_gifts_price_is_only_part_of_a_stage(detector: StageDetector, text: str) -> None:
    assert detector.score(text)[SECRECY] <= 0.45


@pytest.mark.parametrize("text", [
    "we'll come over to yours on sunday, bring your console", "pazar size gelecegiz, konsolunu hazirla",
    "bazar gunu size gelerik", "جمعه با مامانم میایم خونتون", "мы к вам приедем в субботу с мамой",
    "ill ask ur mom if u can stay over",
])
def test_a_family_visit_and_chat_spelling_are_openness(text: str) -> None:
    assert speaks_openly(text)


@pytest.mark.parametrize("text", ["come over to my place when your mom is at work", "i will come to your house alone"])
def test_a_visit_alone_is_not_openness(text: str) -> None:
    assert not speaks_openly(text)


@pytest.mark.parametrize("text", [
    "forma ucun olcun lazimdir, 38 yoxsa 40?", "Ayakkabı numaran 37 mi yoksa 38 mi?", "çay yoxsa kompot istəyirsən?",
])
def test_or_in_a_question_is_no_threat(detector: StageDetector, text: str) -> None:
    assert detector.score(text)[THREATS] < 0.5


@pytest.mark.parametrize("text", ["fotoğrafları at yoksa pişman olursun", "pulu göndər yoxsa hamı biləcək"])
def test_or_else_in_a_demand_is_still_a_threat_cue(detector: StageDetector, text: str) -> None:
    assert detector.score(text)[THREATS] >= 0.5


@pytest.mark.parametrize("text", [
    "send a pic of the signed page tonight and bring the original on monday",
    "imzalı sayfanın fotoğrafını at, aslını da pazartesi getir", "şəklini indi at, əslini sabah gətir",
    "عکسشو الان بفرست، اصلشو شنبه بیار", "скинь фото сейчас, а оригинал принеси в понедельник",
])
def test_a_photo_with_the_original_brought_in_person_is_a_document(detector: StageDetector, text: str) -> None:
    got = detector.score(text)
    assert got[IMAGES] <= 0.1 and got[THREATS] <= 0.1


@pytest.mark.parametrize("text", [
    "if anyone says keep it between us or offers you skins, tell me", "если кто-то предложит тебе подарок за фото, сразу ко мне",
])
def test_a_parents_warning_is_reported_speech(text: str) -> None:
    assert reports_speech(canon(text))


@pytest.mark.parametrize("text", [
    "ill talk to your mom about saturday", "come straight to me or dad if it happens again",
    "teyzemle ben konuşurum, merak etme", "xalamla özüm danışaram", "با خاله صحبت میکنم بعد میام دنبالت",
    "я поговорю с твоей мамой про субботу",
])
def test_the_sender_speaking_to_the_parent_is_openness(text: str) -> None:
    assert speaks_openly(text)


@pytest.mark.parametrize("text", [
    "i sent the money to your dad, he will give it to you on sunday", "babana 300 tl gönderdim, hediyeni o alır",
    "atana 50 manat göndərdim, sənə verəcək", "به بابات ۲۰۰ تومن پول دادم برات کادو بخره",
    "папе твоему деньги перевёл, он тебе отдаст", "your dad wants to see the trophy too",
    "yengen de gelecek pazar",
])
def test_money_through_the_parent_is_openness(text: str) -> None:
    assert speaks_openly(text)


@pytest.mark.parametrize("text", [
    "i already sent it to your dad", "babana gönderdim bile, sırada annen var", "папе твоему уже отправил",
])
def test_a_sextortionists_sent_it_to_your_dad_is_not_openness(text: str) -> None:
    assert not speaks_openly(text)
