"""Patient grooming that asks softly (issue 12d): a picture of a new outfit "just for me", an
invitation after school that the parents "need not know about yet", a move to another app, and
sextortion that only implies the exposure ("it would be a shame if your class saw"). Each is a cue in
every language (`patterns.LEXICON`), and a request kept from the family in the same message counts as
a strong request (`patterns.concealed_request`). The benign look-alikes (a coach's certificate photo
the mother asked for, a tutor's camera, teenagers of an age, a relative's surprise, a secret taken back
as a joke) stay quiet. All chats here are written for these tests."""

from __future__ import annotations

import pytest

from tutela.conversations import ConversationTracker
from tutela.conversations.detector import StageDetector
from tutela.conversations.patterns import STRONG, WEAK, concealed_request
from tutela.domain.conversation import STAGES, Stage


def _score(detector: StageDetector, text: str, stage: Stage) -> float:
    return detector.score(text)[STAGES.index(stage)]


SOFT_IMAGES = [
    "put on the swimsuit you bought and show me how it looks on you",
    "bayramlık elbiseni giyip göster bana, bir tane çek",
    "yeni formanı geyinib göstər mənə",
    "manto jadidet ro bepooshi neshoonam bedi?",  # Finglish
    "مانتو جدیدتو بپوش ببینم چطوره",
    "платье новое надень и покажи, как на тебе сидит",
]


@pytest.mark.parametrize("text", SOFT_IMAGES)
def test_a_soft_request_for_a_picture_is_an_image_request(detector: StageDetector, text: str) -> None:
    assert _score(detector, text, Stage.IMAGES) >= 0.6


PARENTS_NEED_NOT_KNOW = [
    "your mum doesnt need to know about the lessons yet, i'll sort it with her later",
    "no need to tell your dad, it's just a chat about your future",
    "annene şimdilik söylemene gerek yok, sonra ben anlatırım",
    "ananın bilməsinə ehtiyac yoxdur, sonra özüm danışaram",
    "Ананын билмәсинә еһтијаҹ јохдур",  # Cyrillic Azerbaijani
    "lazem nist be mamanet begi, khodam behesh migam",  # Finglish
    "маме пока не говори, я сам ей потом объясню",
    "mame ne obyazatelno znat, potom rasskazhu",  # Russian translit
]


@pytest.mark.parametrize("text", PARENTS_NEED_NOT_KNOW)
def test_the_parents_need_not_know_is_secrecy(detector: StageDetector, text: str) -> None:
    assert _score(detector, text, Stage.SECRECY) >= 0.6


IMPLIED_EXPOSURE = [
    "it would be a shame if your friends saw the video you sent me",
    "sınıftakiler görse yazık olur, değil mi",
    "məktəbdəkilər görsə heyf olar o şəkilləri",
    "heyf mishe age doostat bebinan chi vasam ferestadi",  # Finglish
    "حیف میشه بابات ببینه",
    "жаль будет, если твои одноклассники увидят",
    "zhalko budet esli papa uvidit chto ty mne prisylala",  # Russian translit
]


@pytest.mark.parametrize("text", IMPLIED_EXPOSURE)
def test_an_implied_exposure_is_a_threat(detector: StageDetector, text: str) -> None:
    assert _score(detector, text, Stage.THREATS) >= 0.6


def test_a_request_kept_from_the_family_counts_as_strong() -> None:
    def ev(**stages: float) -> list[float]:
        return [stages.get(s.value, 0.0) for s in STAGES]

    meeting, images = STAGES.index(Stage.MEETING), STAGES.index(Stage.IMAGES)
    lifted = concealed_request(ev(meeting=WEAK, images=0.55, secrecy=STRONG))
    assert lifted[meeting] == STRONG and lifted[images] == STRONG
    assert concealed_request(ev(meeting=WEAK, secrecy=0.45))[meeting] == WEAK  # a surprise: capped secrecy
    assert concealed_request(ev(meeting=0.2, secrecy=STRONG))[meeting] == 0.2  # no request in the message
    both = "come to the studio after school, no need to tell your mum"
    alone = "come to the studio after school, the whole group will be there"
    det = StageDetector()
    assert _score(det, both, Stage.MEETING) >= STRONG > _score(det, alone, Stage.MEETING)


@pytest.mark.parametrize("text", [
    "don't tell your mom i got you the game, jk she knows",
    "Не говори маме про подарок, шучу, она в курсе",
    "annene söyleme, şaka şaka, o zaten biliyor",
])
def test_a_secret_taken_back_as_a_joke_is_not_secrecy(detector: StageDetector, text: str) -> None:
    assert _score(detector, text, Stage.SECRECY) < 0.6


@pytest.mark.parametrize("text", [
    "come to the gym after school tomorrow, and keep it between us until the team announcement on friday",
    "kadro açıklanana kadar aramızda kalsın, yarın okuldan sonra salona gel",
    "heyət elan olunana qədər aramızda qalsın, sabah dərsdən sonra zala gəl",
    "ta elame list beyne khodemoon bemoone, farda bad az madrese bia salon",  # Finglish
    "пусть это будет между нами до объявления состава, завтра после уроков приходи в зал",
])
def test_a_coach_secret_until_the_announcement_does_not_conceal_a_practice(
    detector: StageDetector, text: str
) -> None:
    scores = detector.score(text)
    assert scores[STAGES.index(Stage.SECRECY)] < 0.6 and scores[STAGES.index(Stage.MEETING)] < STRONG


# ---------------------------------------------------------------------------------------- whole chats
# (sender, text); "c" is the child, whose age the platform supplies; `harm` is the index of the request

HARMFUL = {
    "en_meeting_kept_from_parents": (8, [
        ("a", "hi! your solo at the recital was lovely, you have real stage presence"),
        ("c", "thank you!! who is this"),
        ("a", "i run a small theatre workshop in town, always looking for talent like yours"),
        ("c", "oh cool"),
        ("a", "how old are you, if you don't mind me asking?"),
        ("c", "13"),
        ("a", "you've got a real gift. i bet your parents don't see how talented you are"),
        ("c", "lol my dad says acting is a waste of time"),
        ("a", "come by the workshop after school on friday, we'll run some lines. no need to tell your dad "
              "yet, i'll explain it to him once you've got a part"),
    ]),
    "tr_outfit_just_for_me": (6, [
        ("a", "selam, turnuvadaki maçını izledim, çok iyi oynadın"),
        ("c", "teşekkürler :)"),
        ("a", "hangi takımda oynuyorsun?"),
        ("c", "okul takımında"),
        ("a", "seninle konuşmak çok güzel"),
        ("c", "sağol"),
        ("a", "yeni formanı aldın mı? giyip göster bana, sadece bana, annen evde yokken çek"),
    ]),
    "tr_implied_exposure": (4, [
        ("a", "naber"),
        ("c", "iyi sen"),
        ("a", "dünkü fotoğrafın hâlâ bende 😏"),
        ("c", "sil onu lütfen"),
        ("a", "silerim. ama sınıftakiler görse yazık olur, değil mi?"),
    ]),
    "az_cyrillic_meeting_kept_from_mother": (4, [
        ("a", "Салам, бу ҝүн јарышда јахшы чыхыш етдин"),
        ("c", "сағ олун"),
        ("a", "Сәндә истедад вар, сәнинлә ајрыҹа ишләмәк истәјирәм"),
        ("c", "һә?"),
        ("a", "Шәнбә мәшгдән сонра гал, ананын билмәсинә еһтијаҹ јохдур"),
    ]),
    "fa_finglish_new_app_and_outfit": (6, [
        ("a", "salam, naghashiato didam, kheili ghashang bud"),
        ("c", "merci"),
        ("a", "to ham naghashi mikoni ya faghat tamasha?"),
        ("c", "naghashi mikonam"),
        ("a", "bia tele, inja payamam nemirese"),
        ("c", "bashe"),
        ("a", "manto jadidet ro bepooshi neshoonam bedi? faghat vase man"),
    ]),
    "ru_outfit_just_for_me": (4, [
        ("a", "привет, видел твой рисунок в группе, очень круто"),
        ("c", "спасибо"),
        ("a", "ты давно рисуешь?"),
        ("c", "два года"),
        ("a", "купила новое платье на выпускной? надень и покажи, как на тебе сидит, только для меня"),
    ]),
}

BENIGN = {
    "en_coach_certificate_mother_asked": [
        ("a", "great work at the tournament on saturday!"),
        ("c", "thanks coach"),
        ("a", "your mom said you got the fair play award, can you send a photo of the certificate for the club "
              "newsletter?"),
        ("c", "sure, here"),
        ("a", "and come to the gym after school on monday, we're planning next season with the whole team"),
    ],
    "ru_tutor_camera": [
        ("a", "Добрый день! Урок переносим на четверг, мама в курсе."),
        ("c", "хорошо"),
        ("a", "На уроке включи камеру, будем тренировать произношение."),
        ("c", "ок"),
        ("a", "И сфотографируй страницу тетради с домашкой, пожалуйста."),
    ],
    "fa_aunt_surprise": [
        ("a", "سلام عزیزم، برای تولد بابات یه سورپرایز داریم، به بابات نگو"),
        ("c", "باشه خاله"),
        ("a", "از مامانت بپرس کی خونه این"),
        ("c", "جمعه"),
        ("a", "یه عکس از کارنامه ات بفرست که قاب کنیم"),
    ],
    "en_cousin_joke": [
        ("a", "happy birthday kiddo!! sent you the skins you wanted"),
        ("c", "omg thank youuu"),
        ("a", "don't tell your mom, she'll say i spoil you. jk she asked me to"),
        ("c", "lol"),
    ],
}


def _first_alert(chat: list[tuple[str, str]], sender_age: int | None = None) -> int | None:
    tracker = ConversationTracker(semantic_windows=False)
    for k, (who, text) in enumerate(chat):
        msg: dict = {"sender": who, "text": text, "ts": 1_790_000_000 + 240 * k}
        if who == "c":
            msg["sender_age"] = 12
        elif sender_age is not None:
            msg["sender_age"] = sender_age
        if tracker.feed("chat", msg).alert:
            return k
    return None


@pytest.mark.parametrize("name", sorted(HARMFUL))
def test_soft_grooming_alerts_by_the_request(name: str) -> None:
    harm, chat = HARMFUL[name]
    at = _first_alert(chat)
    assert at is not None and at <= harm, (name, at)


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_benign_look_alikes_stay_quiet(name: str) -> None:
    assert _first_alert(BENIGN[name]) is None, name


def test_teenagers_of_an_age_flirting_stay_quiet() -> None:
    chat = [
        ("a", "bugün derste çok güzeldin bu arada"),
        ("c", "ya sus 🙈"),
        ("a", "sadece bana söyle, hangi filmi izlemek istersin"),
        ("c", "bilmem, komedi olsun"),
        ("a", "cumartesi arkadaşlarla sinemaya gidelim mi, sen de gel"),
    ]
    assert _first_alert(chat, sender_age=13) is None
