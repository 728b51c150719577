"""Flags the public-data heads raise alone, read through the whole engine (`engine._model_alone_verified`), and the
phrase rule that took over the one harmful dev line they had caught alone ("dead meat after last period")."""

from __future__ import annotations

import pytest

from tutela.detect import analyze_text


@pytest.mark.parametrize("text", [
    "блин, я чуть не сдох на физре, 3 км бежали 🥵",  # venting: read by the verifier as benign
    "لعنت به این ترافیک، دو ساعته تو اتوبان وایسادم، دارم دیوونه میشم، کاش هلیکوپتر داشتم 🤯",
    "«Я убит подо Ржевом, в безыменном болоте…» Учим Твардовского к 9 Мая, дочка каждый раз плачет",
    "u r dead meat in fifa 2nite m8, 5-0 incoming 😂⚽",  # a game: no time the threat would happen
])
def test_venting_and_everyday_words_the_heads_alone_flagged_stand_unflagged(text: str, settings) -> None:
    assert analyze_text(text, settings=settings).flags == [], text


@pytest.mark.parametrize(("text", "category"), [
    ("dead meat after last period", "violent_content"),
    ("ur dead meat tmrw, watch urself", "violent_content"),
    ("ты тупая жопа, тебя весь класс ненавидит, лучше не приходи", "cyberbullying"),
])
def test_harm_keeps_its_flag(text: str, category: str, settings) -> None:
    assert category in [f.value for f in analyze_text(text, settings=settings).flags], text
