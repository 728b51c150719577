"""Families of Turkish, Persian and Azerbaijani messages the shipped banks and the semantic form catch, each
checked on a sentence written for this test (in no bank, in no challenge set): a child's own account of being
bullied, sextortion typed in ASCII Azerbaijani, an offer of girls with the word masked (`q*zlar`), a Finglish
call against migrants; and look-alikes that stay clear: a Persian scam warning, Azerbaijani crime news.
Before these banks (main at 2026-12-06 18:40 UTC) the first three and the scam warning were answered wrongly."""

from __future__ import annotations

import pytest

from tutela.detect import analyze_text
from tutela.detect.normalize import semantic_text
from tutela.domain.taxonomy import Category

HARMFUL = [
    # a child telling of mockery at school and insults at night (tr)
    ("sınıftakiler her gün benimle alay ediyor, gece de telefonuma hakaret mesajları atıyorlar, okula gitmekten "
     "korkuyorum", Category.CYBERBULLYING),
    # pay or the pictures go to the class group (az, no Azerbaijani letters)
    ("sekillerin mendedi, 20 manat atmasan hamisini sinif qrupuna atacam", Category.SEXUAL_EXPLOITATION),
    # girls offered by the hour with the word masked (az)
    ("q*zlar var, 15 yas, saatliq qiymet yazin", Category.TRAFFICKING),
    # migrants out of the city, join our group (Finglish)
    ("mohajera ro bayad az shahr birun kard, be goroohe ma bepeyvandid", Category.HATE_RADICALISATION),
    # a cure for cancer and doctors' medicine called poison (Finglish): caught on the reading with short
    # inner vowels (`saratan` سرطن, not ساراتان), not on the long one alone
    ("ab limoo ba namak saratan ro do hafte xub mikone, shimi darmani samme, be harfe doktora gush nadid",
     Category.DISINFORMATION),
]
BENIGN = [
    "این سایت‌های «اسکین رایگان» کلاهبرداری‌ان، رمزتونو وارد نکنید",  # "free skin" sites are scams, don't type your password
    "xəbərə görə polis uşaq alveri edən 3 nəfəri həbs edib",  # news: police arrested 3 child traffickers
]


@pytest.mark.parametrize(("text", "category"), HARMFUL)
def test_family_is_flagged(builtin_semantic, text: str, category: Category) -> None:
    assert category in analyze_text(text).flags


@pytest.mark.parametrize("text", BENIGN)
def test_look_alike_is_not_flagged(builtin_semantic, text: str) -> None:
    assert analyze_text(text).flags == []


def test_semantic_form_fills_masked_words_from_the_lexicons() -> None:
    assert semantic_text("k*z lazimsa yazin") == "kiz lazimsa yazin"
    assert semantic_text("q*zlar var") == "qizlar var"
    assert semantic_text("т*пая с*ка") == "тупая сука"
    assert semantic_text("p*ssword 1*2") == "p*ssword 1*2"  # no listed word fits: left as typed
