"""Rules that dev rounds 34d and 35d (2026-12-07) showed missing, each beside a look-alike. Lines written for this test."""

from __future__ import annotations

import pytest

from tutela.conversations.detector import StageDetector
from tutela.detect import analyze_text
from tutela.detect.detectors.emoji import EmojiDetector
from tutela.detect.langid import identify
from tutela.domain.conversation import STAGES, Stage
from tutela.domain.taxonomy import Category

from .conftest import RULE
from .conftest import detector_score as _score


@pytest.mark.parametrize(("text", "lang", "recruiting"), [
    ("🍃❄️ dagitmak icin genc lazim, okul cikisi, gunluk 500 tl", "tr", True),
    ("qaqa ❄️ 🍃 paylamaq ucun kuryer lazimdi, gunluk 40 manat", "az", True),
    ("❄️ нужен курьер после уроков, 3к в день", "ru", True),
    ("🍃 kolay para, kucuk paket tasinacak, genc lazim", "tr", True),
    ("kar ❄️ yüzünden kurye geç kaldı, paket yarın gelir", "tr", False),  # a courier late in the snow
    ("❄️ the courier is late because of the snow", "en", False),
])
def test_a_courier_job_next_to_drug_emoji_is_recruitment(text: str, lang: str, recruiting: bool) -> None:
    assert (_score(EmojiDetector(), text, lang, Category.RECRUITMENT) >= RULE) is recruiting


@pytest.mark.parametrize(("text", "secret"), [
    ("Давай так: наши разговоры останутся между нами, родителям скажем потом", True),
    ("это останется между нами, хорошо? ты же взрослая", True),
    ("یه شرط داره: هیچکس نباید بدونه، حتی مامانت", True),
    ("faghat ye shart dare, hichkas nabayad bedoone", True),
    ("мама сказала, что в субботу едем к бабушке", False),
    ("فردا تولد باباست، کیک رو من میارم", False),
])
def test_it_stays_between_us_and_nobody_may_know_are_secrecy(stages: StageDetector, text: str, secret: bool) -> None:
    assert (stages.score(text)[STAGES.index(Stage.SECRECY)] >= 0.6) is secret


@pytest.mark.parametrize(("text", "lang"), [
    # Russian translit that fastText takes for Polish or Slovenian reads as Russian once written in Cyrillic
    ("mama, kupi moloko po doroge pozhalujsta", "ru"),
    ("ishu podrabotku na leto, mogu gulyat s sobakami", "ru"),
    ("segodnja tak xolodno, ne xo4u vyhodit'", "ru"),
    # Finglish with a few everyday words, where fastText is unsure
    ("sare rah ye noon sangak ham begir lotfan", "fa"),
    # neither moves English, Turkish typed without its letters or a Polish line
    ("the bus is late again, be there in ten", "en"),
    ("yarin okul kacta basliyor, servis gelmedi", "tr"),
])
def test_latin_lines_of_russian_and_persian_are_identified(text: str, lang: str) -> None:
    assert identify(text)[0] == lang


def test_everyday_russian_the_router_takes_for_the_detox_set_is_not_flagged_when_the_verifier_reads_it_benign() -> None:
    # the detox set's expert read a shopping errand as cyberbullying (0.77): its domain no longer spares it the veto
    assert not analyze_text("Купи хлеба и молока по дороге.").flags
    assert Category.CYBERBULLYING in analyze_text("ты тупая уродина, сдохни уже").flags


@pytest.mark.parametrize(("text", "flagged"), [
    ("Bu tarif aramızda sır, babaannemin kurabiyesi, kimseye verme 😄", False),
    ("Nənəmin dolma resepti bizim sirrimizdir, heç kimə demə ha 😄", False),
    ("bu aramızda sır olsun, annene söyleme, sana hediye alacağım", True),
    ("our secret ingredient is honey, just between us", False),
    ("it's our little secret, send me a pic", True),
])
def test_a_family_recipe_kept_secret_is_no_grooming_secret(text: str, flagged: bool) -> None:
    assert (Category.SEXUAL_EXPLOITATION in analyze_text(text, stages="fast").flags) is flagged


@pytest.mark.parametrize("text", [
    # a parcel left with the neighbours read as grooming, trafficking and recruitment at once in English and
    # Azerbaijani until the banks had everyday errands among their ordinary lines (fifteenth session)
    "neighbours, your parcel was left with us, come and pick it up",
    "Qonşular, bağlamanız bizdə qalıb, gəlib götürə bilərsiniz",
    "Соседи, вашу посылку оставили у нас, заходите заберите",
])
def test_everyday_errands_are_not_flagged(text: str) -> None:
    assert not analyze_text(text).flags


def test_a_stranger_inviting_a_child_to_his_car_is_still_flagged() -> None:
    assert Category.SEXUAL_EXPLOITATION in analyze_text("come to my car after school, dont tell your mum").flags


@pytest.mark.parametrize(("text", "public"), [
    ("Under-9s football trials on Saturday 10am at the park pitches, 12 Example Lane. Parents welcome!", True),
    ("Klubumuzun məşqləri çərşənbə saat 17:00-da, ünvan: Nümunə küçəsi 0", True),
    ("экскурсия в четверг, сбор у школы в 9:00, адрес музея: ул. Примерная, д. 0", True),
    ("i live at 12 Example Lane, come over after school when my mum is at work", False),
])
def test_a_clubs_training_or_a_trips_meeting_point_publishes_its_address(text: str, public: bool) -> None:
    assert (Category.PRIVACY not in analyze_text(text, stages="fast").flags) is public


@pytest.mark.parametrize(("text", "flagged"), [
    # a debunk without an official source but saying there is no scientific basis, or asking not to spread it
    ("'5G çocuklarda kansere yol açıyor' mesajı yalan, hiçbir bilimsel dayanağı yok. Lütfen yaymayın", False),
    ("that message about 5g giving kids cancer is fake, no scientific evidence at all, please don't share it", False),
    # the hoax itself, asking to be shared
    ("5g towers are giving our kids cancer, the government is hiding it, share before it's deleted", True),
])
def test_a_debunk_that_asks_not_to_spread_the_hoax_is_not_disinformation(text: str, flagged: bool) -> None:
    assert (Category.DISINFORMATION in analyze_text(text).flags) is flagged


def test_no_experience_needed_alone_is_a_job_advert() -> None:
    assert not analyze_text("Saturday job at the bakery for 16+, £8 an hour, no experience needed!", stages="fast").flags
    assert Category.TRAFFICKING in analyze_text(
        "modelling work abroad for girls 15-17, flights paid, no experience needed, no parents needed", stages="fast").flags
