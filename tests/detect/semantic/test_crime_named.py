"""A crime named as one is awareness talk (`semantic/named.py`); denied ("this is not trafficking") it is not.

Lines written for this test (not bank lines, not challenge lines), 2026-12-06, falseflags2.
"""

from __future__ import annotations

import pytest

from tutela.detect.normalize import normalize_text
from tutela.detect.semantic.named import crime_named
from tutela.detect.semantic.warning import unseen
from tutela.detect.translit import to_native


@pytest.mark.parametrize(("text", "lang", "targets"), [
    ("careers lesson: an agency that keeps your passport is a sign of human trafficking", "en", {"trafficking"}),
    ("Pasaportunuzu isteyen iş ilanları insan ticaretinin bir işareti olabilir", "tr", {"trafficking", "recruitment"}),
    ("xaricdə iş vəd edib sənədləri götürmək insan alverinin əlamətidir", "az", {"trafficking"}),
    ("агентство забирает паспорт — это признак торговли людьми", "ru", {"trafficking"}),
    ("آگهی کار در خارج که پاسپورت را نگه میدارد نشانه قاچاق انسان است", "fa", {"trafficking"}),
    ("школа предупреждает: злоумышленники в играх дарят подарки детям", "ru", {"sexual_exploitation"}),
    ("veli semineri: istismarcılar oyunlarda çocuklara hediye gönderiyor", "tr", {"sexual_exploitation"}),
    ("groomers often promise gifts and ask kids to keep secrets", "en", {"sexual_exploitation"}),
    ("این پیامک کلاهبرداریه، روی لینک کلیک نکنید", "fa", {"fraud"}),
])
def test_a_named_crime_marks_its_categories(text: str, lang: str, targets: set[str]) -> None:
    named = set(crime_named(normalize_text(text)))
    assert targets <= named
    assert targets <= set(unseen(normalize_text(text), lang))


def test_finglish_is_read_back_in_its_own_script() -> None:
    text = "age agency pasporteto negah dare neshoone-ye ghachagh-e ensane"
    assert "trafficking" in crime_named(normalize_text(to_native(text, "fa") or text))


@pytest.mark.parametrize("text", [
    "bu insan ticareti değil, gerçek bir iş, pasaportun bizde kalsın",
    "это не торговля людьми, нормальная работа, паспорт оставишь у нас",
    "i'm not a pedophile lol just send one pic",
    "این کلاهبرداری نیست، واقعا جایزه بردی، کد رو بفرست",
    "the dog groomer said max was a good boy",
    "send me the code you just got or your account is gone",
])
def test_a_denied_or_unnamed_crime_marks_nothing(text: str) -> None:
    assert crime_named(normalize_text(text)) == ()
