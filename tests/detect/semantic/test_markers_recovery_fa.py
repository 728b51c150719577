"""Persian recovery talk marks self_harm, a relapse does not; an institution's practice told without "never" warns
in Turkish (`semantic/warning.py`). Lines written for this test, 2026-12-06, falseflags2."""

from __future__ import annotations

import pytest

from tutela.detect.normalize import normalize_text
from tutela.detect.semantic.warning import unseen
from tutela.detect.translit import to_native


@pytest.mark.parametrize("text", [
    "یک ساله پیش روانشناس میرم و دیگه به خودم آسیب نمیزنم",
    "قبلا حالم بد بود ولی الان خیلی بهترم",
])
def test_persian_recovery_marks_self_harm(text: str) -> None:
    assert "self_harm" in unseen(normalize_text(text), "fa")


def test_finglish_recovery_is_read_back_in_persian() -> None:
    text = "chand mahe pishe moshaver miram, dige be khodam asib nemizanam"
    assert "self_harm" in unseen(normalize_text(to_native(text, "fa") or text), "fa")


@pytest.mark.parametrize("text", [
    "دوباره شروع کردم، دیشب باز بریدم، حالم بهتر نمیشه",
    "دیگه نمیخوام زنده باشم",
])
def test_relapse_or_despair_is_no_recovery(text: str) -> None:
    assert "self_harm" not in unseen(normalize_text(text), "fa")


def test_turkish_institution_practice_warns_but_a_threat_does_not() -> None:
    assert "fraud" in unseen(normalize_text("Kargo şirketleri SMS ile ödeme linki göndermez, dikkat"), "tr")
    assert "fraud" not in unseen(normalize_text("kargo kodunu bana göndermezsen hesabın kapanır"), "tr")
