"""Rules that dev round 29d (2026-12-07) showed missing, each beside the look-alike it must leave alone.

Lines written for this test (not challenge or bank lines). Rules are read one detector at a time (no semantic
stage), so each test says which rule holds.
"""

from __future__ import annotations

import pytest

from tutela.conversations.patterns import speaks_openly
from tutela.detect.detectors.emoji import EmojiDetector
from tutela.detect.detectors.lexicon import LexiconDetector
from tutela.detect.detectors.privacy import PrivacyDetector
from tutela.detect.normalize import normalize_text
from tutela.domain.taxonomy import Category

from .conftest import RULE
from .conftest import detector_score as _score


def test_persian_letters_split_by_stretching_marks_or_digits_are_joined() -> None:
    assert normalize_text("ب ـ ی ـ ش ـ ع ـ و ـ ر") == "بیشعور"
    assert normalize_text("ل۰ا۰ش۰ی") == "لاشی"
    # a digit beside a Persian word (a class, a time) is not a separator
    assert normalize_text("کلاس ۳ب ساعت ۵") == "کلاس 3ب ساعت 5"


@pytest.mark.parametrize("text", ["ах ты х*йло", "ещё раз — п*зды получишь"])
def test_russian_swearing_with_a_masked_letter_is_profanity(text: str) -> None:
    assert _score(LexiconDetector(), text, "ru", Category.PROFANITY) >= RULE


@pytest.mark.parametrize(("text", "lang"), [
    ("to confirm your donation type the card number, expiry date and CVV on our page", "en"),
    ("podtverdite platezh: nomer karty, srok deystviya i cvv", "tr"),  # translit Russian read as another language
    ("bağışı tamamlamak için kart numarası ve cvv kodunu yazın", "tr"),
])
def test_a_cards_number_and_security_code_asked_together_is_fraud(text: str, lang: str) -> None:
    assert _score(LexiconDetector(), text, lang, Category.FRAUD) >= 0.7


def test_a_warning_about_the_security_code_is_weaker() -> None:
    warning = "beware of fake charity pages: never type your card number and cvv on them, it's a scam"
    assert _score(LexiconDetector(), warning, "en", Category.FRAUD) < RULE


def test_an_icloud_password_asked_for_in_azerbaijani_is_fraud() -> None:
    assert _score(LexiconDetector(), "pulu köçürdün? indi icloud şifrəni de, bloku açım", "az", Category.FRAUD) >= RULE


@pytest.mark.parametrize(("text", "category", "harmful"), [
    ("madem bilmiyosun git bileklerini kes", Category.SELF_HARM, True),
    # "kes" after the wrists in another sense: the cutting of a bracelet is not in the phrase
    ("bilekliğini kes, çok uzun olmuş", Category.SELF_HARM, False),
    ("ilaç dolabındaki hangi haptan kaç tane alsam geri dönüşü olmaz", Category.SELF_HARM, True),
    ("bu ilaçtan kaç tane alsam ağrım geçer", Category.SELF_HARM, False),
])
def test_turkish_urging_and_doses(text: str, category: Category, harmful: bool) -> None:
    assert (_score(LexiconDetector(), text, "tr", category) >= RULE) is harmful


@pytest.mark.parametrize(("text", "lang"), [
    ("Camp info: collection from the car park at Oak Lodge, 12 Forest Road, 4pm. Bring photo ID", "en"),
    ("Xeyriyyə aksiyası: şənbə günü Bakı, Nümunə küçəsi 3 ünvanında paltar qəbul edirik", "az"),
    ("جلسه‌ی هفتگی کانون نوجوانان پنجشنبه ساعت ۶، نشانی: خیابان نمونه، پلاک ۴", "fa"),
    # a neighbourhood association's food drive (dev round 33d)
    ("Bayram kolisi için derneğimize kuru gıda getirebilirsiniz, adres Gül Sokak No: 3", "tr"),
])
def test_a_notices_address_is_not_personal(text: str, lang: str) -> None:
    assert _score(PrivacyDetector(), text, lang, Category.PRIVACY) < RULE


def test_a_childs_address_stays_personal() -> None:
    assert _score(PrivacyDetector(), "she lives at 12 Forest Road, blue door, home alone after 4", "en",
                  Category.PRIVACY) >= RULE


@pytest.mark.parametrize(("text", "handle"), [
    ("my son got offered a job on instagram paying £200 a day, is that legit?", False),
    ("add me on insta sunny_girl09", True),
])
def test_a_verb_then_a_price_after_a_platform_is_the_sentence(text: str, handle: bool) -> None:
    assert (_score(PrivacyDetector(), text, "en", Category.PRIVACY) >= RULE) is handle


@pytest.mark.parametrize(("text", "lang", "violent"), [
    ("müəllim dedi ki, bu gün pianoda bomba kimi səsləndik 💣", "az", False),
    ("the school concert was the bomb 💣", "en", False),
    ("sabah məktəbi 💣 ilə partladacağam", "az", True),
    ("the concert was the bomb but the teacher gets 🔪 tomorrow at school", "en", True),
])
def test_a_bomb_as_praise_is_not_a_threat(text: str, lang: str, violent: bool) -> None:
    assert (_score(EmojiDetector(), text, lang, Category.VIOLENT_CONTENT) >= RULE) is violent


@pytest.mark.parametrize(("text", "open_"), [
    ("the outfit for your cousin's party was lovely", False),
    ("your cousin is coming to the match too", True),
    ("kimliğinin fotosunu annene at, ben ondan alırım", True),
    ("akşam annen yanındayken atarsınız", True),
    ("annene söyleme, aramızda kalsın", False),
])
def test_the_family_in_the_know_and_a_relatives_event(text: str, open_: bool) -> None:
    assert speaks_openly(text) is open_


@pytest.mark.parametrize(("text", "lang", "urged"), [
    ("noob go jump off a bridge", "en", True),
    ("we jumped off the bridge into the river, so fun", "en", False),
    ("bu kadar aptalsan git köprüden atla", "tr", True),
    ("boro khodeto az pol part kon", "fa", True),  # Finglish, read in Persian script
    ("иди прыгни с крыши", "ru", True),
    ("прыгнули с моста в речку, вода тёплая", "ru", False),
])
def test_self_harm_urged_on_someone(text: str, lang: str, urged: bool) -> None:
    from tutela.detect.translit import to_native

    native = to_native(text, lang) or text if lang == "fa" else text
    assert (_score(LexiconDetector(), native, lang, Category.SELF_HARM) >= 0.8) is urged
