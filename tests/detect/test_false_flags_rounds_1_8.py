"""False-flag families of the dev rounds 1-8 (the held-out rounds retired to dev), each in all five languages with
its harmful sibling.

Checked on lines written for this test (not bank lines, not challenge lines):
- a referral to help (the reader sent to an adult they trust, a school counsellor or psychologist, a helpline) takes
  the warned targets' head vote; a groomer's "i'm an adult you can trust" and a disclosure that names a counsellor
  in the past ("i went to the counsellor but...") do not;
- a lesson "teach them not to send" is a warning, in every language's own form of it (Persian's third person
  نفرستن, Turkish and Azerbaijani -mAmAyI); "don't forget to send" is not;
- a parent asking how to talk to their child about porn is the sexual lexicon's context (the word weighs half);
  porn offered keeps it whole;
- a criminal group "exposed" (ifşa) in the news is not a leak; an "ifşa videosu" offered is;
- a Turkish or Azerbaijani verb after a platform's name ("Instagram istiyor.") is the sentence, not a handle;
- "want to die" with a laugh right after it is a figure of speech in Turkish, Azerbaijani and Russian, as it was in
  English; hanging oneself is self-harm in all five languages;
- a scam told as thwarted ("i didn't send it, blocked him") is the fraud lexicon's context in all five languages;
- words that only look sexual (трахея, "cum laude") and a Russian job ad with "18+" are not sexual content;
- a game's currency offered free for a password is fraud in all five languages, Persian's Finglish and Russian
  translit included (the translit's lure words make it read as Russian, not Italian);
- a friend warned away from school before an attack ("if ur my friend don't come to school", 🏫💥 "don't be there")
  is a threat in all five languages; a sick friend told to stay home or a snow day is not;
- a starving pact (an "ana buddy", under a few hundred calories a day) is self-harm in all five languages; an adult's
  diet in four figures, and a warning that tells the reader to talk to an adult, are not.
"""

from __future__ import annotations

import pytest

from tutela.detect.detectors.lexicon import in_context
from tutela.detect.detectors.privacy import PrivacyDetector
from tutela.detect.semantic.warning import TARGETS_WARNED, unseen
from tutela.domain.taxonomy import Category

from .conftest import RULE
from .conftest import folded as _folded
from .conftest import lexicon_score as _score


def _warned(text: str, lang: str) -> bool:
    return set(TARGETS_WARNED) <= set(unseen(_folded(text, lang), lang))


@pytest.mark.parametrize(("text", "lang", "referral"), [
    ("if anyone online makes you feel uneasy, tell an adult you trust and keep the messages", "en", True),
    ("feeling low after the exams? please talk to the school counsellor, the door is open", "en", True),
    ("Sana rahatsız edici mesaj gelirse güvendiğin bir yetişkine hemen anlat", "tr", True),
    ("Kendini kötü hissediyorsan rehber öğretmenine git, yalnız değilsin", "tr", True),
    ("Belə mesajlar gəlsə, güvəndiyin bir böyüyə dərhal danış", "az", True),
    ("Çətin gündəsənsə məktəb psixoloqu ilə danış, kömək edəcək", "az", True),
    ("اگه کسی تو اینترنت اذیتت کرد به یه بزرگتر که بهش اعتماد داری بگو", "fa", True),
    ("اگه حالت خوب نیست با مشاور مدرسه صحبت کن، تنها نیستی", "fa", True),
    ("Если тебе пишут странные вещи, расскажи взрослому, которому доверяешь", "ru", True),
    ("Тяжело на душе? Обратись к школьному психологу, это нормально", "ru", True),
    ("i'm an adult you can trust, so send me that pic and keep it quiet", "en", False),
    ("i tried to talk to the school counsellor but he still comes to my room", "en", False),
    ("rehber öğretmene gittim ama bana inanmadı, hâlâ mesaj atıyor", "tr", False),
    ("psixoloqa getdim amma faydası olmadı, yenə yazır", "az", False),
    ("با مشاور مدرسه حرف زدم ولی فایده نداشت، هنوز پیام میده", "fa", False),
    ("я взрослый, которому ты можешь доверять, скинь фото и никому не говори", "ru", False),
])
def test_referral_to_help_is_a_warning(text: str, lang: str, referral: bool) -> None:
    assert _warned(text, lang) is referral


@pytest.mark.parametrize(("text", "lang", "warning"), [
    ("parents, teach your children never to send selfies to people they met in games", "en", True),
    ("Çocuklarımıza oyunda tanıştıkları kişilere fotoğraf göndermemeyi öğretelim", "tr", True),
    ("Uşaqlara oyunda tanış olduqları adamlara şəkil göndərməməyi öyrədək", "az", True),
    ("باید به بچه‌ها یاد بدیم به آدمای توی بازی عکس نفرستن", "fa", True),
    ("Объясните детям никогда не отправлять фото людям из игр", "ru", True),
    ("fotoğrafını göndermeyi unutma, bekliyorum", "tr", False),
    ("şəklini göndərməyi unutma, gözləyirəm", "az", False),
])
def test_lesson_not_to_send_is_a_warning(text: str, lang: str, warning: bool) -> None:
    assert _warned(text, lang) is warning


@pytest.mark.parametrize(("text", "lang", "harmful"), [
    ("how should i talk to my daughter about porn? she is 11 and a friend showed her a video", "en", False),
    ("kızımla porno konusunu nasıl konuşmalıyım, 12 yaşında ve arkadaşı göstermiş", "tr", False),
    ("qızımla porno barədə necə danışım? 12 yaşı var, dostu göstərib", "az", False),
    ("چطور با دخترم درباره پورن صحبت کنم؟ ۱۲ سالشه و دوستش بهش نشون داده", "fa", False),
    ("как поговорить с дочерью о порно? ей 12, подруга показала видео", "ru", False),
    ("free porn videos every night, link in my bio", "en", True),
    ("bedava porno videolar her gece, link bioda", "tr", True),
    ("pulsuz porno videolar hər gecə, link bioda", "az", True),
    ("فیلم پورن رایگان هر شب، لینک تو بیو", "fa", True),
    ("бесплатное порно каждый вечер, ссылка в профиле", "ru", True),
])
def test_parent_asking_how_to_talk_about_porn(text: str, lang: str, harmful: bool) -> None:
    assert (_score(text, lang, Category.SEXUAL_CONTENT) >= RULE) is harmful


@pytest.mark.parametrize(("text", "lang", "harmful"), [
    ("haber: gençleri sahte çekilişlerle kandıran dolandırıcı grup ifşa edildi, 4 kişi tutuklandı", "tr", False),
    ("xəbər: uşaqları saxta lotereya ilə aldadan fırıldaqçı qrup ifşa olundu, 4 nəfər tutuldu", "az", False),
    ("sınıftaki kızın ifşa videosu elimde, isteyen yazsın", "tr", True),
    ("o qızın ifşa videosu məndədir, istəyən yazsın", "az", True),
])
def test_a_criminal_group_exposed_is_not_a_leak(text: str, lang: str, harmful: bool) -> None:
    assert (_score(text, lang, Category.SEXUAL_CONTENT) >= RULE) is harmful


@pytest.mark.parametrize(("text", "lang", "handle"), [
    ("Oğlum 9 yaşında, Instagram istiyor. Sizce erken mi?", "tr", False),
    ("oğlum yarın discord açacak, ne yapayım", "tr", False),
    ("Qızım hər gün TikTok istəyir, nə edim", "az", False),
    ("insta: deniz_2011 ekle beni", "tr", True),
    ("snap kaan.07 yaz bana", "tr", True),
])
def test_a_turkic_verb_after_a_platform_is_not_a_handle(text: str, lang: str, handle: bool) -> None:
    hits = PrivacyDetector().find(text, _folded(text, lang), lang)
    assert any("social account" in h.reason for h in hits) is handle


@pytest.mark.parametrize(("text", "lang", "harmful"), [
    ("lost the derby 5-0, ölmek istiyorum 😂", "tr", False),
    ("maçı uduzduq, ölmək istəyirəm 😂", "az", False),
    ("опять двойка по физике, хочу умереть ахаха", "ru", False),
    ("ölmek istiyorum, kimse beni anlamıyor", "tr", True),
    ("ölmək istəyirəm, heç kim məni başa düşmür", "az", True),
    ("хочу умереть, никто меня не понимает", "ru", True),
])
def test_want_to_die_with_a_laugh_is_a_figure_of_speech(text: str, lang: str, harmful: bool) -> None:
    assert (_score(text, lang, Category.SELF_HARM) >= RULE) is harmful


@pytest.mark.parametrize(("text", "lang"), [
    ("nobody would notice if i hang myself tonight", "en"),
    ("karnem gelince kendimi asarım, yeter artık", "tr"),
    ("atam bilsə özümü asacam, daha dözə bilmirəm", "az"),
    ("اگه بابام بفهمه خودمو حلق آویز میکنم، دیگه نمیکشم", "fa"),
    ("agar babam befahme khodamo halgh aviz mikonam", "fa"),
    ("если узнают, повешусь, сил больше нет", "ru"),
])
def test_hanging_oneself_is_self_harm(text: str, lang: str) -> None:
    assert _score(text, lang, Category.SELF_HARM) >= RULE


@pytest.mark.parametrize(("text", "lang", "thwarted"), [
    ("someone dmed me to send my card number for a prize, i didn't send anything and blocked him", "en", True),
    ("biri kart numaramı istedi, vermedim, engelledim", "tr", True),
    ("biri kart nömrəmi istədi, vermədim, blokladım", "az", True),
    ("یکی شماره کارتمو خواست، ندادم و بلاکش کردم", "fa", True),
    ("мне написали прислать номер карты, я ничего не отправила и заблокировала", "ru", True),
    ("send your card number now to get the prize", "en", False),
    ("kart numaranı hemen gönder, ödülünü al", "tr", False),
    ("شماره کارتتو بفرست تا جایزه بگیری", "fa", False),
    ("пришли номер карты, чтобы получить приз", "ru", False),
])
def test_a_scam_told_as_thwarted_is_fraud_context(text: str, lang: str, thwarted: bool) -> None:
    assert (Category.FRAUD in in_context(_folded(text, lang))) is thwarted


@pytest.mark.parametrize(("text", "lang", "harmful"), [
    ("у дедушки трахеит, весь день кашляет", "ru", False),
    ("брат закончил университет cum laude", "en", False),
    ("в кафе нужна официантка, строго 18+, официальное оформление", "ru", False),
    ("хочешь трахаться? пиши в личку", "ru", True),
])
def test_words_that_only_look_sexual(text: str, lang: str, harmful: bool) -> None:
    assert (_score(text, lang, Category.SEXUAL_CONTENT) >= RULE) is harmful


def test_persian_safety_advice_in_the_third_person() -> None:
    """"tell the children: if anyone asks for a photo, they should tell the grown-ups" (بگن) is advice too."""
    assert _warned("به دانش‌آموزا بگید اگه کسی تو بازی عکس خواست به بزرگترا بگن", "fa")
    assert not _warned("اگه کسی عکس خواست به من بگو، فقط به من", "fa")


@pytest.mark.parametrize(("text", "lang", "harmful"), [
    ("free uc for everyone, just send your pubg login and password", "en", True),
    ("bedava UC dağıtıyoruz, şifreni gönder yeter", "tr", True),
    ("pulsuz UC paylayırıq, şifrəni göndər kifayətdir", "az", True),
    ("یوسی مجانی داریم، رمز پابجیتو بفرست", "fa", True),
    ("yoosi majani darim, ramz e pubg to befrest", "fa", True),
    ("бесплатные юси всем, введи пароль от аккаунта", "ru", True),
    ("besplatnye almazy vsem, zahodi po ssylke i vvedi parol", "ru", True),
    ("رمز موفقیتت رو بگو، چطوری انقدر خوب درس میخونی", "fa", False),
    ("the event gives free gems to everyone who logs in this week", "en", False),
])
def test_free_game_currency_for_a_password(text: str, lang: str, harmful: bool) -> None:
    assert (_score(text, lang, Category.FRAUD) >= RULE) is harmful


@pytest.mark.parametrize(("text", "lang", "harmful"), [
    ("if ur my friend dont come to school on friday, trust me", "en", True),
    ("friday is the day 💣🏫 dont be there", "en", True),
    ("dostumsan cuma günü okula gelme, sonra anlarsın", "tr", True),
    ("cümə o gündür 💣🏫 orda olma", "az", True),
    ("اگه رفیقمی فردا مدرسه نیا، بعدا میفهمی", "fa", True),
    ("в пятницу будет взрыв 💥 кто хочет жить — сидите дома", "ru", True),
    ("если ты мне друг, не приходи завтра в школу", "ru", True),
    ("if ur my friend dont come in my room without knocking lol", "en", False),
    ("school is closed tomorrow because of the snow, stay home and stay warm", "en", False),
    ("hastaysan yarın okula gelme, geçmiş olsun", "tr", False),
    ("кто умный — сидите дома, грипп гуляет", "ru", False),
])
def test_a_friend_warned_away_from_school(text: str, lang: str, harmful: bool) -> None:
    assert (_score(text, lang, Category.VIOLENT_CONTENT) >= RULE) is harmful


@pytest.mark.parametrize(("text", "lang", "harmful"), [
    ("looking for an ana buddy, we text each other every meal", "en", True),
    # hyphenated, in translit and in Cyrillic (dev round 27d, 2026-12-07)
    ("ishchu ana-buddy 13-15 let, pishi v lichku", "ru", True),
    ("ищу ана-бадди до лета, родителям ни слова", "ru", True),
    ("we stay under 400 calories a day together, no telling parents", "en", True),
    ("günde 300 kaloriden az yiyeceğiz, birbirimizi kontrol ederiz", "tr", True),
    ("gündə 400 kaloridən az yeyəcəyik, bir-birimizə yazarıq", "az", True),
    ("روزی کمتر از ۳۰۰ کالری میخوریم و به هم گزارش میدیم", "fa", True),
    ("договорились есть меньше 400 ккал в день и отчитываться друг другу", "ru", True),
    ("my dad's diet is under 1800 calories a day, doctor's orders", "en", False),
    ("if a friend eats under 500 calories a day, talk to a trusted adult", "en", False),
])
def test_a_starving_pact(text: str, lang: str, harmful: bool) -> None:
    assert (_score(text, lang, Category.SELF_HARM) >= RULE) is harmful
