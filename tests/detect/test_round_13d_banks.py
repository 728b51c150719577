"""Round-13d families the semantic banks were written for, checked end to end on sentences written for this test.

The banks gained, in all five languages: dangerous dares sold as harmless (salt and ice, a lighter under the
palm, the choke dare), veiled school-shooting warnings carried by gun emoji, blue-whale death-group codes (whales,
the 4:20 wake-up, the silent house, f57/f58) and coded 14/88 recruitment of boys; and benign look-alikes with a
harmful sibling each: an Eid sacrifice and sharing its meat, an adult guard job ad with a weapons permit, a villain's
stage role, a puberty question, a couple who only walk to school, licensed hunting, and an HIV question from class.
None of these sentences is a bank line or a challenge line.
"""

from __future__ import annotations

import pytest

from tutela.config import Settings
from tutela.detect import analyze_texts
from tutela.domain.taxonomy import Category

HARMFUL = [
    ("dare for the group chat: salt on your wrist then an ice cube, hold it till it stings bad, longest time wins, "
     "the scar stories are fake", Category.DISINFORMATION),
    ("не приходите в среду на третий урок 🔫🎯 я предупредил один раз", Category.VIOLENT_CONTENT),
    ("mavi balina 🐋 her gece 4:20'de uyanıyorum, küratör yeni görev verdi #f57", Category.SELF_HARM),
    ("14/88 👌 ищем своих белых пацанов от 13 лет, только закрытая группа, в лс", Category.HATE_RADICALISATION),
]
BENIGN = [
    ("qurban bayramı səhəri qoyunu kəsdik, ətini bölüb yetim uşaqlara da payladıq", Category.VIOLENT_CONTENT),
    ("we are hiring armed guards for a bank branch, adults 30 to 50, firearms licence and clean record required",
     Category.RECRUITMENT),
    ("im 12 and my voice sounds weird and my face is full of pimples, is this just growing up?",
     Category.SEXUAL_EXPLOITATION),
    ("можно ли заразиться ВИЧ если поцеловаться? нам на биологии так и не сказали", Category.DISINFORMATION),
]


@pytest.mark.parametrize(("text", "category"), HARMFUL)
def test_round_13d_harm_is_flagged(text: str, category: Category) -> None:
    out = analyze_texts([text], settings=Settings(), stages="auto")[0]
    assert category in out.flags, (text, out.flags)


@pytest.mark.parametrize(("text", "category"), BENIGN)
def test_round_13d_look_alikes_are_not_flagged(text: str, category: Category) -> None:
    out = analyze_texts([text], settings=Settings(), stages="auto")[0]
    assert category not in out.flags, (text, out.flags)
