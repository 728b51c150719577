"""Sextortion written as a condition: the child's own pictures, "if you don't send (pay) ...", "I'll send them".

Until 2026-12-07 the fast stage caught the threat only with "or else" ("send more or I'll post your pics");
the same threat as a condition ("I have the videos of you. If you don't send new ones by Friday I'll send
them to your principal") flagged nothing in any language, and after a bank refit the semantic stage held such
lines at 0.49 against a threshold of 0.5. The rule asks for pictures that are the child's (yours, of you,
that you sent), so a condition about a homework photo stays out. Sentences written for this test.
"""

from __future__ import annotations

import pytest

from tutela.detect import analyze_texts

THREATS = [
    "still got the two clips of you. if u dont send a new one by sunday im gonna post them in the year 9 group",
    "your pics are on my phone. if you won't pay 40 by tonight I'll send them to your dad",
    "fotoğrafların bende duruyor. pazara kadar yenisini yollamazsan hepsini sınıf grubuna atarım",
    "videoların hâlâ bende, yarına kadar para göndermezsen annene gönderirim",
    "şəkillərin məndədir. bazar gününə qədər yenisini göndərməsən hamısını sinif qrupuna atacam",
    "فیلمات هنوز پیشمه. اگه تا پنجشنبه یکی دیگه نفرستی میفرستم برای بابات",
    "у меня остались твои видео. если до воскресенья не пришлёшь новое, разошлю всему классу",
]
HOMEWORK = [
    "if you don't send the photo of the worksheet by 8 I'll send the teacher my own answers",
    "اگه عکس تکلیفو تا شب نفرستی خودم برای معلم میفرستم",
    "если не скинешь фото расписания, я отправлю старое в чат",
]


@pytest.mark.parametrize("text", THREATS)
def test_a_conditional_threat_with_the_childs_pictures_is_flagged(text: str) -> None:
    [a] = analyze_texts([text], stages="fast")
    assert "sexual_exploitation" in {f.value for f in a.flags}, text


@pytest.mark.parametrize("text", HOMEWORK)
def test_a_condition_about_a_homework_photo_is_not_sextortion(text: str) -> None:
    [a] = analyze_texts([text], stages="fast")
    assert "sexual_exploitation" not in {f.value for f in a.flags}, text
