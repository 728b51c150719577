"""A notice an institution sends to all its parents gives its address on purpose; a child's address does not.

Lines written for this test (not bank or challenge lines), in the five languages, each notice beside a
harmful sibling with the same kind of address.
"""

from __future__ import annotations

import pytest

from tutela.detect.detectors.privacy import PrivacyDetector
from tutela.detect.normalize import normalize_text

RULE = 0.5


def _privacy(text: str, lang: str) -> float:
    return max((h.score for h in PrivacyDetector().find(text, normalize_text(text), lang)), default=0.0)


@pytest.mark.parametrize(("text", "lang", "personal"), [
    ("Dear parents, year 7 parents' evening is on Tuesday 6pm, Hillcrest School, 14 Mill Lane", "en", False),
    ("sports day moved to friday! meet at the town stadium, 2 river road, 9am sharp", "en", False),
    ("Уважаемые родители! Родительское собрание в четверг в 18:00, ул. Садовая, 7, кабинет 12", "ru", False),
    ("Кружок робототехники для детей 8-11 лет, по субботам, ул. Мира, 15, второй этаж", "ru", False),
    ("Sayın veliler, spor günü cumartesi 10:00'da Atatürk Cad. No 25 sahasında yapılacaktır", "tr", False),
    ("Hörmətli valideynlər, iclas cümə günü saat 17:00-da, Nizami küçəsi 12, akt zalında", "az", False),
    # a number or a mailbox a notice publishes to be called or written to (dev round 21d, 2026-12-07)
    ("Chess club open tournament on Saturday 12:00, community hall, 5 Park Road. Call us: 0555 000 00 00", "en", False),
    ("Satranç turnuvası perşembe 15.30 spor salonunda, kayıt için Ayşe hoca: 0555 000 00 00", "tr", False),
    ("poteryalsya kot, ryzhij 🐱 esli videli — zvonite 0555 000 00 00", "ru", False),
    ("Kafeyə ofisiant tələb olunur. CV-ni info@example.com ünvanına göndərin", "az", False),
    ("tamrin e futsal shanbe saat 5, soal dashtin zang bezanin 0555 000 00 34 ⚽", "fa", False),
    ("вот её номер 0555 123 45 67, звоните ей все ночью", "ru", True),
    ("her email is sara.k2011@example.com, spam it", "en", True),
    ("she lives at 14 Mill Lane, the blue door, walks home alone after 6", "en", True),
    ("её адрес ул. Садовая, 7, кв. 12, приходи вечером", "ru", True),
    # a registration line, a poster's reward, "tel." before a club's number, a graduation's venue (dev round 25d)
    ("Şəhər kitabxanasında pulsuz rəsm dərsi şənbə saat 10:00-da. Qeydiyyat: 055 555 00 11", "az", False),
    ("Pişiyimiz qaçıb, ağ-boz rəngdədir. Görsəniz 055 555 00 00-a yazın, mükafat var", "az", False),
    ("Секция шахмат: занятия по вторникам, тел. 8 (555) 000-11-22, спросить Ольгу Ивановну", "ru", False),
    ("Выпускной пройдёт 27 июня в 17:00, ул. Садовая, 5. Вход по пригласительным.", "ru", False),
    ("Lost our dog near the park, brown with a white ear, reward if found: 07555 000111", "en", False),
    # an information line, registrations opened, a Turkish HR mailbox (dev round 28d)
    ("Basketbol kulübü seçmeleri için bilgi hattı: 0555 000 11 22, 10-14 yaş kayıtları başladı.", "tr", False),
    ("Kafemize part-time garson aranıyor, 18 yaş üstü. Başvuru: ik@kafe.example", "tr", False),
    ("bu kızın maili ayse.k2012@example.com, herkes yazsın", "tr", True),
    ("qeydiyyat lazım deyil, budur onun nömrəsi 055 555 00 00, yazın ona", "az", True),
])
def test_a_notice_to_all_parents_is_not_a_childs_address(text: str, lang: str, personal: bool) -> None:
    assert (_privacy(text, lang) >= RULE) is personal, text
