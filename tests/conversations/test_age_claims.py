"""An adult posing as a teen to a child, the claims that say so, and pictures talk between teenagers.

Why: on chats written by other hands, two grooming chats in which the platform sent the offender's
adult age while the text claimed 15 alerted only after the image request, and same-age teenagers
talking about each other's photos alerted through the sextortion floor. Conversations here are
written for the tests.
"""

from __future__ import annotations

import math

import pytest

from tutela.conversations.ages import declared_age
from tutela.conversations.batch import score_conversation
from tutela.conversations.patterns import speaks_openly
from tutela.conversations.risk import (
    AgeView,
    RiskParams,
    content_risk,
    misrepresents_to_minor,
    sextortion_pattern,
)
from tutela.domain.conversation import STAGES, Stage

from .test_ages_and_sextortion import SEXTORTION


@pytest.mark.parametrize(("text", "age"), [
    ("15 here too btw", 15), ("im 15 too", 15), ("im fifteen", 15), ("bende 15im bu arada", 15),
    ("ben de 15 yasindayim", 15), ("mənim də 15 yaşım var", 15), ("mən də 15 yaşındayam", 15),
    ("منم ۱۵ سالمه", 15), ("manam 15 salame", 15), ("мне тоже 15 кстати", 15), ("мне уже 15", 15),
    ("mne tozhe 15", 15), ("13 лет", 13), ("ben de on beş yaşındayım", 15), ("mən on altı yaşındayam", 16),
    ("منم پونزده سالمه", 15), ("ben 16, sen?", 16), ("ben de 9. sınıfa gidiyorum", 15), ("mən də 9-cu sinifdəyəm", 15),
    ("я тоже в 9 классе", 15), ("im in 9th grade", 15), ("من کلاس نهمم", 15),
])
def test_claims_in_every_language(text: str, age: int) -> None:
    assert declared_age(text) == age


@pytest.mark.parametrize("text", [
    "not like a 12 year old at all", "when i was 15 years old i swam too", "im 5 min away", "мне было 15 лет",
    "мне 15 минут ехать", "ему 15 лет", "منم ۱۵ سالم بود", "ben de 10 dk sonra gelirim", "she is 12 years old",
    "on beş dakika sonra", "پانزده سالم بود", "ben 20 yıldır antrenörüm", "ben 15 yıl önce yüzerdim",
    "ben 10 dakika sonra çıkarım", "my son is in 9th grade", "ben 3 tane aldım",
])
def test_someone_elses_or_a_past_age_is_not_a_claim(text: str) -> None:
    assert declared_age(text) is None


# A slow, polite approach: no stock grooming phrase before the picture request.
_SUBTLE = [
    ("x", "hey u were on the minecraft server last night right? ur builds r sick"), ("c", "lol thanks"),
    ("x", "15 here too btw, what school u go to"), ("c", "northside"),
    ("x", "nice. u seem really chill"), ("c", "haha u too"),
    ("x", "got snap? this chat is laggy"), ("c", "yeah"),
    ("x", "send a pic so i know what u look like"),
]


def _chat(lines: list[tuple[str, str]], ages: dict[str, int]) -> list[dict]:
    return [{"sender": s, "text": t, "sender_age": ages[s]} if s in ages else {"sender": s, "text": t}
            for s, t in lines]


def test_a_platform_adult_claiming_to_be_a_teen_alerts_before_the_image_request() -> None:
    request = len(_SUBTLE) - 1
    res = score_conversation(_chat(_SUBTLE, {"x": 29, "c": 13}), "lie")
    assert res.first_alert_at is not None and res.first_alert_at < request
    assert "age_misrepresentation" in res.flags


def test_the_misrepresentation_counts_as_a_stage_only_towards_a_minor() -> None:
    params = RiskParams()
    liar = AgeView(known=29, declared_min=15, declared_max=15)
    assert misrepresents_to_minor(liar, [AgeView(known=13)])
    assert not misrepresents_to_minor(liar, [AgeView(known=30)])
    assert not misrepresents_to_minor(AgeView(known=29), [AgeView(known=13)])
    e = [0.0] * len(STAGES)
    e[STAGES.index(Stage.PERSONAL)] = 0.7
    alone = content_risk(e, params)
    lied = content_risk(e, params, params.misrepresentation)
    assert lied > alone
    assert content_risk([0.0] * len(STAGES), params, params.misrepresentation) == pytest.approx(
        1 - math.exp(-params.misrepresentation))


def test_a_platform_minor_needs_a_clear_threat_for_the_sextortion_floor() -> None:
    params = RiskParams(soft_floor=0.3)
    e = [0.0] * len(STAGES)
    e[STAGES.index(Stage.IMAGES)] = 0.4
    e[STAGES.index(Stage.THREATS)] = 0.8  # a model reading of talk about pictures
    assert sextortion_pattern(e, params) and not sextortion_pattern(e, params, minor_sender=True)
    e[STAGES.index(Stage.THREATS)] = 0.9  # a threat phrase
    assert sextortion_pattern(e, params, minor_sender=True)


def test_classmates_talking_about_photos_do_not_alert() -> None:
    gossip = [("a", "did u see the pics jess posted lol"), ("b", "yeah 😂"), ("a", "u looked cute in the group one"),
              ("b", "send me the group pic? i dont have it"), ("a", "sent")]
    assert score_conversation(_chat(gossip, {"a": 14, "b": 14}), "gossip").first_alert_at is None


@pytest.mark.parametrize("lang", sorted(SEXTORTION))
def test_a_classmates_sextortion_threat_still_alerts_at_once(lang: str) -> None:
    hello, reply, threat = SEXTORTION[lang]
    res = score_conversation(_chat([("a", hello), ("b", reply), ("a", threat)], {"a": 14, "b": 14}), lang)
    assert res.first_alert_at == 2 and "sextortion" in res.flags


@pytest.mark.parametrize(("text", "open_"), [
    ("دختر عمو نتیجه امتحانات اومد؟", True), ("با مامانت هماهنگ کردم", True), ("ananla danışmışam", True),
    ("annenle konuştum", True), ("с мамой договорился", True), ("твой дядя звонил", True),
    ("I talked to your mum about saturday", True), ("عمو یه عکس بفرست", False), ("emin ol", False),
    ("tell your mom you're at a friend's", False),
])
def test_the_family_spoken_of_as_people_who_know(text: str, open_: bool) -> None:
    """The openness list names the family in every language alike; a bare "uncle" (what children call
    any grown man) and the start of a cover story ("tell your mom ...") are not openness."""
    assert speaks_openly(text) is open_
