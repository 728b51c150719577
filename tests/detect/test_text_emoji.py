"""Emoji that stand for words reach the flags through the whole fast stage; one emoji alone does not."""

from __future__ import annotations

import pytest

from tutela.detect import analyze_text
from tutela.domain.taxonomy import Category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("tomorrow 🔫🔫 at school, stay home", Category.VIOLENT_CONTENT),
        ("yarın 🔪 sınıfa getiriyorum", Category.VIOLENT_CONTENT),
        ("❄️🍃 доставка по городу", Category.RECRUITMENT),
        ("🍃 satılır, çatdırılma var", Category.RECRUITMENT),
        ("عکس 🍑💦 بفرست", Category.SEXUAL_EXPLOITATION),
        # the break between lessons is a school word too, in Finglish read back in Persian script (زنگ تفریح)
        ("🔫 pas farda zang tafrih hame bebinan", Category.VIOLENT_CONTENT),
        ("🔪🔪 sabah tenefusde gozle", Category.VIOLENT_CONTENT),
        # the lesson it will happen in
        ("в пятницу на втором уроке 🔫 не приходи", Category.VIOLENT_CONTENT),
        ("second lesson monday 💣 dont be there", Category.VIOLENT_CONTENT),
    ],
)
def test_emoji_combinations_flag(text: str, category: Category) -> None:
    result = analyze_text(text, stages="fast")
    assert category in result.flags
    assert any(e.detector == "emoji" for e in result.explanations)


@pytest.mark.parametrize("text", ["🔪", "🍑", "❄️", "💊", "💸💸", "🍆"])
def test_one_emoji_alone_never_flags(text: str) -> None:
    assert not analyze_text(text, stages="fast").flags
