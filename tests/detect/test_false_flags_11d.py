"""False-flag families of independent dev rounds 10d and 11d, each in all five languages with its harmful sibling.

Checked on lines written for this test (not bank lines, not challenge lines):
- an insult traded between friends with love declared to the same person weighs half, and cyberbullying loses the
  semantic head's vote; "nobody loves you", a negated love and incitement ("kys") stay whole;
- a hoax debunked (denied, and an official source pointed to) releases disinformation; a hoax that says the
  ministry hides or lies does not;
- a suicide-prevention message (a helpline, "talk to someone", "tell a trusted adult") halves self-harm's topic
  words; a first-person intent line never is;
- recruitment retold as a lesson or a warning ("they recruit couriers on telegram, tell a teacher") halves the lure's
  words and takes the head's vote; the lure itself keeps both;
- a sibling "killed" over food or a thing taken is a figure of speech; a sibling threatened without it is not;
- Russian translit of a gamer's complaint reads as Russian, and the Turkish swear word "pust" is not read in it;
- a debunk releases the model's disinformation flag however sure, except in the COVID set's own domain.
"""

from __future__ import annotations

import numpy as np
import pytest

from tutela.config import Settings
from tutela.detect import analyze_texts
from tutela.detect.affection import affectionate
from tutela.detect.engine import _nearer_benign
from tutela.detect.langid import identify
from tutela.detect.normalize import normalize_text
from tutela.detect.semantic.debunk import debunked
from tutela.detect.semantic.index import SemanticResult
from tutela.detect.semantic.scorer import TARGETS
from tutela.detect.semantic.warning import AWARE, FIGURATIVE, LOVED, unseen
from tutela.domain.taxonomy import CATEGORIES, Category

from .conftest import RULE
from .conftest import folded as _folded
from .conftest import lexicon_score as _score


@pytest.mark.parametrize(("text", "lang", "banter"), [
    ("you're so dumb omg 😂 love you tho, call me after practice", "en", True),
    ("ur such a loser lmao, i still love u, bring my hoodie back", "en", True),
    ("çok salaksın ya 😂 seni çok seviyorum, yarın otobüste yer ayır", "tr", True),
    ("sən necə axmaqsan 😂 səni çox sevirəm, sabah parta yanında yer saxla", "az", True),
    ("тупой ты конечно 😂 люблю тебя, займи мне место в столовой", "ru", True),
    ("to kheili khari 😂 vali dooset daram, farda baram ja negah dar", "fa", True),
    ("you're so stupid, nobody loves you and nobody ever will", "en", False),
    ("i don't love you anymore, you're pathetic", "en", False),
    ("salaksın, seni kimse sevmiyor", "tr", False),
    ("axmaqsan, səni heç kim sevmir", "az", False),
    ("ты тупой, я тебя не люблю и никто не любит", "ru", False),
])
def test_love_declared_softens_an_insult(text: str, lang: str, banter: bool) -> None:
    folded = _folded(text, lang)
    assert affectionate(folded) is banter, text
    assert (set(LOVED) <= set(unseen(folded, lang))) is banter, text
    assert (_score(text, lang, Category.CYBERBULLYING) >= RULE) is not banter, text


@pytest.mark.parametrize(("text", "lang"), [
    ("ur such an idiot lol love u, now go kill yourself", "en"),
    ("i love you but everyone hates you, freak", "en"),
    ("seni seviyorum ama git kendini öldür", "tr"),
    ("люблю тебя, но иди убей себя", "ru"),
])
def test_love_does_not_soften_incitement_or_a_class_turned_against_someone(text: str, lang: str) -> None:
    assert _score(text, lang, Category.CYBERBULLYING) >= RULE, text


@pytest.mark.parametrize(("text", "lang", "debunk"), [
    ("nope, garlic does not cure the flu, that facebook post is a hoax. the NHS page explains it", "en", True),
    ("Hayır, sarımsak gribi iyileştirmiyor, o mesaj asılsız. Sağlık Bakanlığı açıklaması burada", "tr", True),
    ("Xeyr, sarımsaq qripi müalicə etmir, o mesaj yalandır. Səhiyyə Nazirliyinin açıqlaması buradadır", "az", True),
    ("نه، سیر آنفولانزا رو درمان نمی‌کنه، اون پیام شایعه‌ست. اینم سایت رسمی وزارت بهداشت", "fa", True),
    ("Нет, чеснок не лечит грипп, это фейк. Вот официальный сайт минздрава", "ru", True),
    ("garlic cures the flu better than any vaccine, share before they delete it", "en", False),
    ("no, the vaccine does not protect anyone, the ministry is hiding the deaths", "en", False),
    ("Hayır aşı korumuyor, Sağlık Bakanlığı biliyor ama susuyor", "tr", False),
    ("Нет, прививка не защищает, минздрав врёт и скрывает правду", "ru", False),
    ("نه، واکسن محافظت نمی‌کنه، وزارت بهداشت داره حقیقت رو پنهان میکنه", "fa", False),
])
def test_a_hoax_debunked_with_its_source(text: str, lang: str, debunk: bool) -> None:
    assert debunked(_folded(text, lang)) is debunk, text


@pytest.mark.parametrize(("text", "lang", "prevention"), [
    ("if suicide is on your mind, please talk to someone today. tell a trusted adult or call a crisis line", "en", True),
    ("İntihar düşünüyorsan lütfen bugün birine anlat, güvendiğin bir yetişkine ya da kriz hattına ulaş", "tr", True),
    ("İntihar barədə düşünürsənsə, etibar etdiyin bir böyüyə danış və ya etibar xəttinə zəng et", "az", True),
    ("اگه به خودکشی فکر میکنی، همین امروز با یه بزرگتر صحبت کن یا به خط مشاوره زنگ بزن", "fa", True),
    ("Если думаешь о суициде, поговори с кем-нибудь сегодня или позвони на линию помощи", "ru", True),
    ("i'm going to kill myself tonight, i can't do this anymore", "en", False),
    ("bu gece kendimi öldürmek istiyorum", "tr", False),
    ("bu gecə özümü öldürmək istəyirəm", "az", False),
    ("میخوام امشب خودکشی کنم", "fa", False),
    ("хочу покончить с собой сегодня ночью, суицид", "ru", False),
])
def test_a_prevention_message_halves_self_harm_words(text: str, lang: str, prevention: bool) -> None:
    assert (_score(text, lang, Category.SELF_HARM) >= RULE) is not prevention, text


@pytest.mark.parametrize(("text", "lang", "awareness"), [
    ("at assembly we were told dealers recruit kids as runners for 'easy money'. if anyone offers, tell a teacher",
     "en", True),
    ("derste anlattılar, çeteler çocukları 'kolay para' diye kandırıyor, biri teklif ederse öğretmenine söyleyin",
     "tr", True),
    ("sinif saatında dedilər ki, uşaqları 'asan pul' ilə tovlayırlar, kimsə yazsa müəllimlərə deyin", "az", True),
    ("на уроке предупреждали, что закладчиков вербуют в соцсетях, если пишут — сразу к взрослым", "ru", True),
    ("سر کلاس گفتن باندها بچه‌ها رو با «پول راحت» گول می‌زنن، اگه کسی پیام داد به معلم بگید", "fa", True),
    ("easy money bro, just sell weed for us after school, cash every friday", "en", False),
    ("работа закладчиком, легкие деньги, пиши в лс", "ru", False),
    ("okulda esrar sat, kolay para, kimseye söyleme", "tr", False),
])
def test_recruitment_told_as_a_warning(text: str, lang: str, awareness: bool) -> None:
    folded = _folded(text, lang)
    assert (set(AWARE) <= set(unseen(folded, lang))) is awareness, text
    if not awareness:
        assert _score(text, lang, Category.RECRUITMENT) >= RULE, text
    else:
        assert _score(text, lang, Category.RECRUITMENT) < RULE, text


@pytest.mark.parametrize(("text", "lang", "figurative"), [
    ("i'm going to kill my little sister, she ate the last cookie", "en", True),
    ("ablamı öldüreceğim, şarj aletimi yine almış", "tr", True),
    ("bacımı öldürəcəm, şokoladımı yeyib", "az", True),
    ("abjimo mikosham, shokolatamo khorde", "fa", True),
    ("сестру прибью, опять сожрала мой торт", "ru", True),
    ("i'm going to kill my sister tonight, i've hidden a knife", "en", False),
    ("ablamı bu gece öldüreceğim", "tr", False),
    ("сестру прибью ночью, нож уже спрятал", "ru", False),
])
def test_a_sibling_killed_over_food_is_a_figure_of_speech(text: str, lang: str, figurative: bool) -> None:
    assert (set(FIGURATIVE) <= set(unseen(_folded(text, lang), lang))) is figurative, text


def test_a_gamers_russian_translit_is_russian_and_no_turkish_swear_word() -> None:
    text = "bratan, etot pulemet slomannyi, pust' ego nerfyat uzhe"
    assert identify(text)[0] == "ru"
    assert _score(text, "sl", Category.PROFANITY) < RULE
    assert _score("puşt herif", "tr", Category.PROFANITY) >= RULE


@pytest.mark.parametrize(("text", "category", "flagged"), [
    ("ur such a dummy lol i love u, text me when ur home", Category.CYBERBULLYING, False),
    ("omg shut up you moron 😂 you know i love you, see you at practice", Category.CYBERBULLYING, False),
    ("ur such a dummy, nobody will ever love u, kys", Category.CYBERBULLYING, True),
    ("Нет, чеснок не лечит грипп, это фейк. Вот официальный сайт минздрава", Category.DISINFORMATION, False),
])
def test_engine_end_to_end(text: str, category: Category, flagged: bool) -> None:
    out = analyze_texts([text], settings=Settings(), stages="auto")[0]
    assert (category in out.flags) is flagged, (text, out.flags)


@pytest.mark.parametrize(("domain", "released"), [("", True), ("ethos_binary", True),
                                                   ("constraint_covid_fake_en", False)])
def test_a_debunk_releases_the_models_flag_except_in_the_covid_sets_own_domain(domain: str, released: bool) -> None:
    text = "nope, garlic does not cure the flu, that facebook post is a hoax. the NHS page explains it"
    j, t = CATEGORIES.index(Category.DISINFORMATION), TARGETS.index("disinformation")
    flags = np.zeros((1, len(CATEGORIES)), dtype=bool)
    flags[0, j] = True
    probs = np.zeros((1, len(CATEGORIES)))
    probs[0, j] = 0.97  # as sure as the head was on a debunk
    margins = np.zeros(len(TARGETS))
    margins[t] = 0.02  # in the hoax's own neighbourhood
    semantic = {0: SemanticResult(np.zeros(len(TARGETS)), [], {}, margins)}
    _nearer_benign(flags, probs, np.zeros_like(probs), np.zeros_like(flags), semantic, set(), ["en"],
                   [normalize_text(text)], [domain])
    assert bool(flags[0, j]) is not released
