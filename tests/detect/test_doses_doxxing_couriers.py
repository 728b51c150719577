"""Round 11d's misses as families, in every language: a dose asked for to sleep for ever (pills named, drawn as 💊
or left out, "asking for a friend"), a handle shared with where its owner lives or will be, a stash courier typed
in leet; and the benign look-alikes beside each (a dose for a headache or for sleeping through the night, a club's
own account and its training times). Sentences written for these tests, not taken from the challenge sets."""

from __future__ import annotations

import pytest

from tutela.config import Settings
from tutela.detect import analyze_texts
from tutela.detect.normalize import normalize_text
from tutela.domain.taxonomy import Category

SH, P, R = Category.SELF_HARM, Category.PRIVACY, Category.RECRUITMENT


def _fast(text: str, lang: str) -> list[Category]:
    return analyze_texts([text], settings=Settings(), langs=[lang], stages="fast")[0].flags


@pytest.mark.parametrize(("text", "lang"), [
    ("how much of nan's sleeping stuff 💊 do i need so i never wake up, asking for my friend", "en"),
    ("if i take all of these tablets tonight and then i sleep forever, will it hurt?", "en"),
    ("dedemin haplarından kaç tane yutarsam sonsuza dek uyurum, bir kuzenim için soruyorum", "tr"),
    ("nənəmin həblərindən neçəsini udsam həmişəlik yataram, bir qonşu üçün soruşuram", "az"),
    ("нәнәмин һәбләриндән нечәсини удсам һәмишәлик јатарам, бир гоншу үчүн сорушурам", "az"),
    ("چندتا از قرصای مادربزرگم بخورم که دیگه بیدار نشم؟ برای یه همکلاسی میپرسم", "fa"),
    ("сколько бабушкиных таблеток надо выпить, чтобы уснуть навсегда? это для подружки", "ru"),
    ("skolko babushkinyh tabletok vypit', chtoby usnut' navsegda, eto dlya podrugi", "ru"),
    # the pills drawn and no question at all
    ("🌙💊💊💊 and then i sleep 4ever, bye", "en"),
    ("bu gece 💊💊 ve bir daha uyanmam", "tr"),
    ("выпью 💊💊 и больше не проснусь", "ru"),
])
def test_a_dose_to_sleep_for_ever_is_self_harm(text: str, lang: str) -> None:
    assert SH in _fast(text, lang), text


@pytest.mark.parametrize(("text", "lang"), [
    ("how many ibuprofen can i take for period pain, is two ok?", "en"),
    ("how many chamomile teabags until i can sleep, exams tomorrow 😩", "en"),
    ("took a 💊 for my cold and slept forever lol, 11 hours", "en"),
    ("baş ağrım için kaç tane aspirin içebilirim, kutuda ikişer yazıyor", "tr"),
    ("qızdırmam var, neçə dənə parasetamol içim ki düşsün?", "az"),
    ("برای سردرد چندتا ایبوپروفن بخورم تا خوب بشم؟", "fa"),
    ("сколько таблеток но-шпы можно выпить при боли в животе?", "ru"),
    ("выпила 💊 от температуры и уснула до утра", "ru"),
])
def test_a_dose_for_pain_or_a_nights_sleep_is_not(text: str, lang: str) -> None:
    assert SH not in _fast(text, lang), text


@pytest.mark.parametrize(("text", "lang"), [
    ("this kid's snap is @leo.m_2012, lives in the grey house at the end of birch close, everyone pay him a visit", "en"),
    ("oğlanın instası @can_k.11, parkın karşısındaki sarı apartmanda oturuyor, gidip bi selam verin", "tr"),
    ("qızın səhifəsi @nurlan.a_10, bazarın yanındakı ağ binada yaşayır, hamınız gedin", "az"),
    ("پیج این دختره @tara.s_12 ـه، خونشون سر کوچه دوم روبروی نونواییه، برید ببینیدش", "fa"),
    ("ID-sh @tara.s_12, khoonashoon sar-e kooche kenar-e nanvaei, berid bebinidesh", "fa"),
    ("её ник @masha.k_10, живёт в белом доме напротив рынка, сходите к ней", "ru"),
    # a weekday with a time, said of someone else
    ("his tiktok @finn.r09, he's alone at the bus stop every friday 4:15, you know what to do", "en"),
])
def test_a_handle_with_where_its_owner_lives_or_will_be_is_privacy(text: str, lang: str) -> None:
    assert P in _fast(text, lang), text


@pytest.mark.parametrize(("text", "lang"), [
    ("follow the under-12s team @harbour_juniors, training every thursday 5pm at the rec", "en"),
    ("my comics are on @pencil_pip, new page every saturday", "en"),
    ("okulun robotik kulübü @robotik_takim, cuma 15.30'da laboratuvarda buluşuyoruz", "tr"),
    ("müəllimimizin səhifəsi @riyaziyyat_dersi, dərslər çərşənbə 17:00-da", "az"),
    ("клуб юных химиков @himiki_school12, занятия по пятницам в 16:00", "ru"),
])
def test_a_clubs_or_ones_own_account_with_a_timetable_is_not(text: str, lang: str) -> None:
    assert P not in _fast(text, lang), text


def test_leet_four_between_consonants_is_a_vowel_in_russian() -> None:
    assert normalize_text("кладм4н и р4бот4") == "кладман и работа"
    assert normalize_text("о4ень ве4ером") == "очень вечером"


@pytest.mark.parametrize(("text", "lang"), [
    ("нужен кладм3н на район, 1 клад = 800р, с 15 лет, предкам ни слова", "ru"),
    ("ищем кл4дм4нов, за клад 600, телефон выдадим", "ru"),
    ("kladmen lazımdır, 1 klad = 30 manat, 15 yaş olar", "az"),
])
def test_a_stash_courier_typed_in_leet_is_recruitment(text: str, lang: str) -> None:
    assert R in _fast(text, lang), text


@pytest.mark.parametrize(("text", "lang"), [
    # a family looking for a teen sitter and meeting the sitter's parents; a fake account reported; a teacher's
    # joke about homework the class laughed at; a sibling's question about babies
    ("hiring a babysitter for our 7 year old on tuesday evenings, age 16+, we'll have a chat with your parents first", "en"),
    ("Perşembe akşamları 4 ve 7 yaşındaki oğullarımıza bakacak 16 yaş üstü birini arıyoruz, önce velinizle görüşürüz", "tr"),
    ("Ищем няню на вторник вечером для сына 7 лет, от 16 лет, сначала поговорим с вашими родителями", "ru"),
    ("somebody set up a profile with my name and selfies, i've reported it and told my form tutor, what next?", "en"),
    ("biri adımla sahte hesap açmış, şikayet ettim ve öğretmenime söyledim, başka ne yapayım?", "tr"),
    ("my history teacher called my timeline 'a crime scene' and everyone laughed, ngl it was funny 😂", "en"),
    ("младший брат спросил, откуда у соседки в животе малыш, мама попросила меня объяснить, как это сделать?", "ru"),
])
def test_benign_look_alikes_read_by_the_semantic_stage_stay_unflagged(text: str, lang: str) -> None:
    out = analyze_texts([text], settings=Settings(), langs=[lang], stages="auto")[0]
    assert not out.flags, (text, out.flags)
