"""Exposure threats read by their parts, undressing asked for, the chat hidden from the parents, a parent
as the go-between, and bare age questions: own sentences in en, tr, az, fa, ru (and Finglish, translit)."""

from __future__ import annotations

import pytest

from tutela.conversations import ConversationTracker
from tutela.conversations.detector import default_detector
from tutela.conversations.patterns import STRONG, WEAK, canon, match_stages, speaks_openly
from tutela.domain.conversation import STAGES, Stage

THREATS, IMAGES, SEXUAL, SECRECY = (STAGES.index(s) for s in (Stage.THREATS, Stage.IMAGES, Stage.SEXUAL,
                                                               Stage.SECRECY))


def _pat(text: str) -> list[float]:
    return match_stages(canon(text))


@pytest.mark.parametrize("text", [
    "pay 50 by friday or the video goes to your class group",
    "two more pics by tonight or i send them to your school chat",
    "ödemezsen kaydı okulunun grubuna yollarım",
    "yoksa fotoğrafların sınıfındaki herkese gider",
    "pulu göndərməsən videonu sinif qrupuna atacam",
    "yoxsa şəkillərin hamıya gedəcək",
    "اگه پول ندی فیلمت میره برای گروه کلاست",
    "وگرنه عکسات میره برای مامانت",
    "скинь ещё или запись уйдет твоей маме",
    "до вечера переведи деньги, иначе фотки увидит весь класс",
])
def test_exposure_threat_with_its_picture_is_threat_and_leverage(text: str) -> None:
    s = _pat(text)
    assert s[THREATS] >= STRONG
    assert s[IMAGES] >= WEAK  # the picture held over the child: the leverage of the sextortion rule


@pytest.mark.parametrize("text", [
    "or else your whole class will see them, think about it",
    "videoyu çek yoksa takım grubuna atamam, herkes görecek",  # the video is not what is held over the child
    "yoksa annen de hepsini görür, düşün",
    "или твои друзья всё увидят",
    "وگرنه همشو میفرستم برای خانوادت",
])
def test_exposure_threat_without_a_picture_is_a_threat_only(text: str) -> None:
    s = _pat(text)
    assert s[THREATS] >= STRONG
    assert s[IMAGES] < WEAK


@pytest.mark.parametrize("text", [
    "I'll send the photos to your mom or dad tonight",  # the "or" after the audience and the verb
    "babana 200 TL gönderdim, hediye için sana verecek",  # past tense: an errand
    "отправлю фото с праздника твоей маме или бабушке",
    "مامانت تا امشب میره خرید",  # "goes" without the audience after it
    "after school i go to the library or the park",
    "toplantıya gelmezsen sorun yok, notları sana gönderirim",
    "if you dont bring it by friday ill send a note to your parents",  # a teacher: nothing held over the child
    "если не сдашь до пятницы, я напишу твоей маме",
])
def test_everyday_sentences_are_not_composed_threats(text: str) -> None:
    assert _pat(text)[THREATS] < STRONG


@pytest.mark.parametrize("text", [
    "now take your clothes off for me", "bu gece hepsini çıkar ama", "benim için soyunur musun",
    "paltarını çıxar, heç kim görməz", "لباساتو در بیار ببینمت", "lebasato dar biar", "сними футболку и покажись",
    "snimi futbolku",
])
def test_undressing_asked_for_is_sexual(text: str) -> None:
    assert default_detector().score(text)[SEXUAL] >= STRONG


@pytest.mark.parametrize("text", [
    "on the video call take your clothes off", "kamerayı aç, üstünü çıkar", "kameranı aç və paltarını çıxar",
    "دوربینو روشن کن لباستو در بیار", "включи камеру и сними футболку",
])
def test_undressing_on_camera_is_an_image_request_too(text: str) -> None:
    s = _pat(text)
    assert s[SEXUAL] >= STRONG and s[IMAGES] >= STRONG


@pytest.mark.parametrize("text", [
    "soyunma odasında bekle, antrenman 5te", "сними на видео, как ты играешь на пианино",
])
def test_changing_rooms_and_filming_are_not_undressing(text: str) -> None:
    assert _pat(text)[SEXUAL] < STRONG


@pytest.mark.parametrize("text", [
    "don't show your mom our messages, she wouldn't get it", "your parents wouldn't understand us",
    "bu yazışmaları annene gösterme", "anana göstərmə bunları", "اینارو به مامانت نشون نده",
    "be mamanet neshun nade", "переписку не показывай никому", "маме не показывай, она не поймет",
])
def test_chat_kept_from_the_parents_is_secrecy(text: str) -> None:
    assert _pat(text)[SECRECY] >= STRONG


@pytest.mark.parametrize("text", [
    "your dad wants to see your drawing too", "baban görmek istiyor, karneni at", "yengen de gelecek pazar",
    "atan görmək istəyir", "بابات سر کاره، میخواد ببینه", "мама хочет посмотреть твой рисунок",
    "папа тебе отдаст подарок", "mamanet behet mide pulo",
])
def test_parent_as_go_between_or_viewer_is_openness(text: str) -> None:
    assert speaks_openly(text)


@pytest.mark.parametrize("text", [
    "ты в каком классе?", "сколько тебе лет?", "what grade are you in?", "kaç yaşındasın?", "چند سالته؟",
])
def test_bare_age_question_reads_no_late_stage(text: str) -> None:
    s = default_detector().score(text)
    assert max(s[SEXUAL], s[IMAGES], s[THREATS]) <= 0.2


def test_age_question_keeps_a_request_in_the_same_message() -> None:
    assert default_detector().score("how old are you? send a pic of you")[IMAGES] >= STRONG


def _first_alert(chat: list[tuple[str, str, int | None]]) -> int | None:
    tracker = ConversationTracker(semantic_windows=False)
    first = None
    for k, (sender, text, age) in enumerate(chat):
        msg = {"sender": sender, "text": text} | ({"sender_age": age} if age is not None else {})
        r = tracker.feed("c", msg)
        if r.alert and first is None:
            first = k
    return first


SEXTORTION_RU = [
    ("x", "помнишь, что ты мне вчера скидывала?", None), ("kid", "да, удали пожалуйста", 14),
    ("x", "не удалю. ещё две до ночи или весь твой класс это увидит", None), ("kid", "пожалуйста", 14),
]
SEXTORTION_FA = [
    ("x", "سلام، دیشب خوش گذشت؟", None), ("kid", "آره", 15),
    ("x", "اگه تا فردا پول نریزی فیلمت میره برای خانوادت", None), ("kid", "تو رو خدا", 15),
]
UNDRESS_TR = [
    ("x", "dünkü görüntülü konuşmamız çok tatlıydı", None), ("kid", "evet :)", 14),
    ("x", "bu akşam yine arayayım, kapını kilitle ve üstünü çıkar", None), ("kid", "bilmem", 14),
]
UNCLE_TR = [
    ("amca", "Elif, babaannenin doğum günü cumartesi, sürpriz hazırlayalım mı?", None), ("kid", "olur!", 10),
    ("amca", "sen babaannene sakın söyleme 🤫", None), ("kid", "söylemem", 10),
    ("amca", "annen sana verecek hediye parasını", None), ("kid", "tamam", 10),
    ("amca", "yengen de gelecek, öptüm seni", None),
]
MOTHER_FA = [
    ("maman", "کارنامه‌ات رو دادن؟", None), ("kid", "آره همه بیست", 11),
    ("maman", "آفرین! یه عکس ازش بفرست، بابات سر کاره میخواد ببینه", None), ("kid", "باشه", 11),
    ("maman", "عشق منی، شب میریم پارک", None),
]


@pytest.mark.parametrize("chat,harm", [(SEXTORTION_RU, 2), (SEXTORTION_FA, 2), (UNDRESS_TR, 2)],
                         ids=["ru-class-sees", "fa-family", "tr-undress-call"])
def test_harmful_chats_alert_at_the_request(chat, harm: int) -> None:
    first = _first_alert(chat)
    assert first is not None and first <= harm


@pytest.mark.parametrize("chat", [UNCLE_TR, MOTHER_FA], ids=["tr-uncle", "fa-mother"])
def test_family_chats_do_not_alert(chat) -> None:
    assert _first_alert(chat) is None


# --- round two: what the 15d/16d dev chats showed, on own sentences


@pytest.mark.parametrize("text", [
    "S yoxsa M lazımdır?", "futbol yoxsa basketbol, hansını seçirsən?", "çay mı yoksa kahve mi?",
    "UC mi istersin yoksa elmas mı?",
])
def test_or_in_a_question_is_no_threat(text: str) -> None:
    assert default_detector().score(text)[THREATS] < 0.3


def test_or_else_stays_a_threat_cue() -> None:
    assert _pat("gönder yoksa herkes görecek")[THREATS] >= STRONG


@pytest.mark.parametrize("text", [
    "pay now and then i'll delete it", "parayı at, sonra silerim", "pulu göndər, onda silərəm",
    "پول بریز تا پاکش کنم", "переведи деньги, тогда удалю",
])
def test_deletion_for_payment_is_image_leverage(text: str) -> None:
    assert _pat(text)[IMAGES] >= WEAK


@pytest.mark.parametrize("text", [
    "I made a parents group for the trip, photos go there", "veli grubuna fotoğrafları atarım",
    "valideynlər üçün qrup açmışam", "عکسا رو تو گروه والدین میذارم", "фото будут в родительском чате",
    "come straight to me or dad if that happens", "мы с папой завтра всё решим", "من و بابات فردا میایم",
    "teyzemle ben konuşurum, merak etme", "xalamla özüm danışaram", "با خاله صحبت میکنم",
])
def test_parents_group_and_family_speech_are_openness(text: str) -> None:
    assert speaks_openly(text)


@pytest.mark.parametrize("text", [
    "send a pic as a thank you for the skin", "kostüm için teşekkür olarak bir foto at",
    "skin üçün təşəkkür olaraq bir şəkil at", "به عنوان تشکر یه عکس بفرست", "в благодарность скинь фотку",
])
def test_a_picture_asked_in_return_is_a_strong_request(text: str) -> None:
    assert default_detector().score(text)[IMAGES] >= STRONG


@pytest.mark.parametrize("text", [
    "annene falan söyleme, sorun olur", "anana filan demə", "به مامانت چیزی نگو", "маме ничего не говори",
])
def test_dont_tell_with_a_filler_word_is_secrecy(text: str) -> None:
    assert _pat(text)[SECRECY] >= STRONG


SEXTORTION_FA_UNCLE = [
    ("x", "اینو یادته؟ 📎", None), ("kid", "از کجا آوردی", 16),
    ("x", "پول بریز تا پاکش کنم. وگرنه برای داییت و گروه کلاست میفرستم", None), ("kid", "نه", 16),
]
SCOUT_AZ = [
    ("lead", "Salam, düşərgə üçün icazə vərəqəsinin şəklini at", None), ("kid", "atdım", 13),
    ("lead", "Köynək ölçün S yoxsa M?", None), ("kid", "M", 13),
    ("lead", "Valideynlər üçün qrup açmışam, şəkilləri hər gün ora atacam", None), ("kid", "oldu", 13),
]


def test_family_named_in_a_threat_is_not_openness_and_the_threat_alerts() -> None:
    first = _first_alert(SEXTORTION_FA_UNCLE)
    assert first is not None and first <= 2


def test_scout_leader_with_a_parents_group_does_not_alert() -> None:
    assert _first_alert(SCOUT_AZ) is None


# --- the child's own family: addressed as such, or the grandchild named by the grandparent

from tutela.conversations.patterns import addresses_family  # noqa: E402


@pytest.mark.parametrize("text", [
    "ok dad", "thanks grandma ❤️", "mom, can i go to Ella's?", "tamam anne", "olur baba!!", "sağ ol nənə",
    "oldu ata", "are maman, fardā miam", "مرسی مامان", "ок мам", "спасибо, бабуль", "пап, забери меня",
    # a particle after the address, and the forms that open a message without a comma
    "tamam anne ya 🙄", "ok mom pls", "anne emirlerdeyim ödev yapıyoz", "ata parkdayam", "мам ну можно я погуляю",
])
def test_a_parent_or_grandparent_addressed_is_family(text: str) -> None:
    assert addresses_family(text)


@pytest.mark.parametrize("text", [
    "im going to tell my dad", "or i tell your mom", "мама дома", "yes daddy", "ok uncle", "sağ ol dayı",
    "baba yaa bu oyun çok iyi", "مامانم خونه ست", "ana səhifədə yazıb", "annem evde değil ya", "мама дома же",
])
def test_family_named_or_other_grown_ups_are_not_an_address(text: str) -> None:
    assert not addresses_family(text)


@pytest.mark.parametrize("text", ["привет, внучка!", "torunum nasılsın", "نوه جان خوبی؟", "hi my granddaughter"])
def test_a_grandchild_named_is_openness(text: str) -> None:
    assert speaks_openly(text)


@pytest.mark.parametrize("text", [
    "doğum günün için robux kartı aldım, teyzeme verdim", "əmimə demişəm, icazə verdi", "I told my aunt already",
    "با خالم هماهنگ کردم", "я уже сказал моей тёте",
])
def test_a_cousin_who_told_the_childs_parent_is_openness(text: str) -> None:
    """The sender's own aunt or uncle, told or given to: a cousin whose gift goes through the child's parent."""
    assert speaks_openly(text)


@pytest.mark.parametrize("text", ["come with me to my uncle's house", "teyzem gibi konuşma", "my aunt is away"])
def test_an_aunt_or_uncle_only_named_is_not_openness(text: str) -> None:
    assert not speaks_openly(text)


GRANDMA_RU = [
    ("g", "я тебе куплю новый телефон на день рождения", None), ("kid", "ура!! спасибо, бабуль", 12),
    ("g", "маме пока не говори, это сюрприз", None), ("kid", "хорошо", 12),
    ("g", "в благодарность скинь фотку с тортом 😄", None),
]
DAD_TR = [
    ("d", "okul çıkışı seni alayım mı?", None), ("kid", "olur baba", 11),
    ("d", "kırtasiyeden defter lazımsa ben alırım", None), ("kid", "2 tane lazım", 11),
    ("d", "annene söyleme, doğum günü için sürpriz yapacağız", None), ("kid", "tamam", 11),
    ("d", "akşam görüşürüz, ödevinin bi fotosunu at", None),
]


@pytest.mark.parametrize("chat", [GRANDMA_RU, DAD_TR], ids=["ru-grandma", "tr-dad"])
def test_a_parent_or_grandparent_with_gifts_and_a_surprise_does_not_alert(chat) -> None:
    assert _first_alert(chat) is None


def test_a_groomer_called_by_no_family_name_still_alerts() -> None:
    chat = [("x", "sen klanın en iyisisin", None), ("kid", "sağ ol", 12),
            ("x", "sana brawl pass alırım, kodu atayım mı?", None), ("kid", "olur", 12),
            ("x", "annene falan söyleme, sorun olur", None), ("kid", "tamam", 12),
            ("x", "teşekkür olarak bi foto at, ne giydin göreyim", None)]
    first = _first_alert(chat)
    assert first is not None and first <= 6


# --- a player's in-game name asked, to add them in the game (`patterns.GAME_NAME_CAP`)

from tutela.conversations.patterns import frame_caps  # noqa: E402


@pytest.mark.parametrize("text", ["whats ur epic name again, ill add u", "oyundaki adın ne, ekliyim",
                                  "какой у тебя ник в игре? добавлю", "آیدی بازیت چیه؟ اد میکنم"])
def test_an_in_game_name_asked_caps_the_personal_stage(text: str) -> None:
    caps = frame_caps(canon(text))
    assert caps is not None and caps[1][0] <= 0.3  # STAGES[1] is `personal`


@pytest.mark.parametrize("text", ["what's your snap? add me there", "what school do you go to", "ты одна дома?"])
def test_other_personal_questions_are_not_capped_by_it(text: str) -> None:
    caps = frame_caps(canon(text))
    assert caps is None or caps[1][0] > 0.3


COUSIN_GIFT_EN = [
    ("kid", "can u help me beat the wither, i keep dying", 12), ("c", "lol ok hop on after dinner", None),
    ("kid", "im on", 12), ("c", "got u the battle pass for ur birthday btw, check ur account", None),
    ("kid", "NO WAY thank u", 12), ("c", "whats ur epic name again i'll add u", None), ("kid", "noah_0815", 12),
    ("c", "added. duos on saturday?", None), ("kid", "yesss", 12),
]


def test_a_cousin_adding_the_child_in_the_game_after_a_gift_does_not_alert() -> None:
    assert _first_alert(COUSIN_GIFT_EN) is None
