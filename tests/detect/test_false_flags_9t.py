"""False-flag families of the outside set's benign kinds, each with its harmful sibling (2026-12-06, falseflags).

Checked on lines written for this test (not bank lines, not challenge lines):
- a lexicon match that an English negative contraction cuts off is no match ("you won't" is not "you won");
- "it's fake" names a scam, so the lure words of a scam warning weigh half;
- safety advice ("if someone asks you for photos, block / tell an adult") marks en, ru and fa texts, not a
  groomer's cover story ("if anyone asks, tell them ...") nor "don't tell your mum";
- death said of homework, laughter or a parent's anger is a figure of speech in all five languages, a threat
  or a wish to die is not;
- recovery talk is not read as self-harm; a relapse is;
- a helpline's or a school office's number is not a child's; a platform's "staff" and a word that runs on in
  letters a handle cannot have are no account name.
"""

from __future__ import annotations

import pytest

from tutela.config import Settings
from tutela.detect import analyze_texts
from tutela.detect.detectors.lexicon import LexiconDetector
from tutela.detect.detectors.privacy import PrivacyDetector
from tutela.detect.normalize import normalize_text
from tutela.detect.semantic.warning import FIGURATIVE, TARGETS_WARNED, unseen
from tutela.domain.taxonomy import Category

RULE = 0.5


def _score(text: str, lang: str, category: Category) -> float:
    hits = LexiconDetector().find(text, normalize_text(text), lang)
    return max((h.score for h in hits if h.category is category), default=0.0)


@pytest.mark.parametrize(("text", "harmful"), [
    ("talk to the head of year, you won't get in trouble for reporting it", False),
    ("you can't win every match, it's fine", False),
    ("congrats you won a gift card, enter your card details to claim", True),
])
def test_a_negative_contraction_ends_the_match(text: str, harmful: bool) -> None:
    assert (_score(text, "en", Category.FRAUD) >= RULE) is harmful, text


@pytest.mark.parametrize(("text", "lang", "harmful"), [
    ("someone in the fortnite chat is giving away free v-bucks for your login, it's fake lol", "en", False),
    ("free v-bucks for everyone who sends their login today", "en", True),
    ("в тиктоке бесплатные робуксы за пароль, это фейк, не ведитесь", "ru", False),
    ("бесплатные робуксы, напиши свой пароль и получи", "ru", True),
])
def test_a_scam_called_fake_weighs_half(text: str, lang: str, harmful: bool) -> None:
    assert (_score(text, lang, Category.FRAUD) >= RULE) is harmful, text


@pytest.mark.parametrize(("text", "lang", "advice"), [
    ("reminder from year 7 form tutors: if a stranger messages you asking for selfies, screenshot it and tell a trusted adult", "en", True),
    ("если кто-нибудь в игре просит твои фото, заблокируй его и расскажи родителям", "ru", True),
    ("اگه کسی تو بازی ازت عکس خواست بلاکش کن و به والدینت بگو", "fa", True),
    ("if anyone asks where you got the phone, tell them your cousin gave it to you", "en", False),
    ("if your mum asks for the pics, don't tell your mum it was me", "en", False),
    ("если кто-то спросит про фото, не говори родителям", "ru", False),
])
def test_safety_advice_is_a_warning(text: str, lang: str, advice: bool) -> None:
    marked = set(unseen(normalize_text(text), lang))
    assert set(TARGETS_WARNED) <= marked if advice else not marked & set(TARGETS_WARNED), text


@pytest.mark.parametrize(("text", "lang", "figurative"), [
    ("this geography coursework is literally killing me", "en", True),
    ("my dad is gonna kill me when he sees the scratch on the car lol", "en", True),
    ("matematik ödevi beni öldürüyor ya", "tr", True),
    ("annem karneyi görünce beni öldürür", "tr", True),
    ("anam nömrələri görəndə məni öldürəcək", "az", True),
    ("алгебра меня убивает, три часа сижу", "ru", True),
    ("از خنده مردم با این ویدیو", "fa", True),
    ("i'm going to kill you when i see you", "en", False),
    ("i want to die, nothing helps anymore", "en", False),
    ("seni okul çıkışı öldüreceğim", "tr", False),
    ("я тебя убью после уроков", "ru", False),
])
def test_death_as_a_figure_of_speech(text: str, lang: str, figurative: bool) -> None:
    marked = set(unseen(normalize_text(text), lang))
    assert (set(FIGURATIVE) <= marked) is figurative, text


@pytest.mark.parametrize(("text", "category", "flagged"), [
    ("this revision is killing me, i'm going to die if i see one more past paper", Category.SELF_HARM, False),
    ("i want to die, i've been thinking about how to do it tonight", Category.SELF_HARM, True),
    ("i still hate how i look some days but my counsellor is helping me with it", Category.SELF_HARM, False),
    ("relapsed again, cut again last night and hid the blood from my mum", Category.SELF_HARM, True),
    ("not a game anymore, i found where u live and im coming to stab u", Category.VIOLENT_CONTENT, True),
])
def test_engine_end_to_end(text: str, category: Category, flagged: bool) -> None:
    out = analyze_texts([text], settings=Settings(), stages="auto")[0]
    assert (category in out.flags) is flagged, (text, out.flags)


def _privacy(text: str, lang: str) -> float:
    return max((h.score for h in PrivacyDetector().find(text, normalize_text(text), lang)), default=0.0)


@pytest.mark.parametrize(("text", "lang", "personal"), [
    ("Feeling low? You are not alone. Samaritans-style free line: 0800 000 1111, any time", "en", False),
    ("Yardıma ihtiyacın varsa destek hattı: 0212 555 00 00", "tr", False),
    ("Телефон доверия для детей: 8-800-200-12-12, звонок бесплатный", "ru", False),
    ("Yarmarka haqqında məlumat üçün məktəbin katibliyi: (012) 555-12-34", "az", False),
    ("call me on 0532 123 45 67 tonight, don't tell your mum", "en", True),
    ("мой номер 8-912-345-67-89, напиши мне", "ru", True),
])
def test_a_service_or_organisations_number_is_not_a_childs(text: str, lang: str, personal: bool) -> None:
    assert (_privacy(text, lang) >= RULE) is personal, text


@pytest.mark.parametrize(("text", "handle"), [
    ("people pretending to be 'Discord Staff' ask for your login, staff never dm you", False),
    ("gang-ha too tiktok bache-ha ro jazb mikonan", False),
    ("add me on snap sunnygirl lol", True),
    ("insta: ayse_2012", True),
])
def test_a_platforms_staff_or_a_running_word_is_no_handle(text: str, handle: bool) -> None:
    assert (_privacy(text, "en") >= RULE) is handle, text
