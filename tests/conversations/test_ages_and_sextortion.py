"""Ages claimed in a chat never lower risk; a sextortion threat alerts at once.

Why: in sextortion chats the offender's own "im 15 too" used to make the two look like peers and
lowered the risk, and a one-message threat ("send more or your school sees the ones you sent") with no
earlier stages never alerted. Conversations here are written for the tests.
"""

from __future__ import annotations

import pytest

from tutela.conversations.batch import score_conversation
from tutela.conversations.risk import AgeView, RiskParams, age_factor
from tutela.conversations.state import Party

SEXTORTION = {
    "en": ("hi", "who is this", "send me more pics or i post the ones you already sent me to your school and your family"),
    "tr": ("selam", "kimsin", "daha fazla foto at yoksa attıklarını okuluna ve ailene yollarım"),
    "az": ("salam", "kimsen", "yene sekil gonder yoxsa gonderdiyin sekilleri mektebine ve ailene gonderecem"),
    "fa": ("سلام", "شما؟", "بازم عکس بفرست وگرنه عکسایی که فرستادی رو برای مدرسه و خانوادت میفرستم"),
    "ru": ("привет", "кто это", "скинь еще фотки или я разошлю те что ты уже прислала твоей школе и родителям"),
}


def _chat(lines: list[tuple[str, str]], ages: dict[str, int] | None = None) -> list[dict]:
    out = []
    for sender, text in lines:
        msg = {"sender": sender, "text": text}
        if ages and sender in ages:
            msg["sender_age"] = ages[sender]
        out.append(msg)
    return out


@pytest.mark.parametrize("lang", sorted(SEXTORTION))
def test_one_message_sextortion_threat_alerts_at_the_threat(lang: str) -> None:
    hello, who, threat = SEXTORTION[lang]
    res = score_conversation(_chat([("a", hello), ("b", who), ("a", threat)]), f"sx-{lang}")
    assert res.alert
    assert res.first_alert_at == 2
    assert "sextortion" in res.flags


GROOMING = [
    ("a", "hey saw ur profile ur cute"),
    ("b", "thx"),
    ("a", "what school do u go to"),
    ("b", "im 14"),
    ("a", "u can trust me, dont tell ur parents we talk"),
    ("a", "send me a pic of u"),
]


def test_a_suspects_claim_to_be_a_peer_never_lowers_risk() -> None:
    plain = score_conversation(_chat(GROOMING), "plain")
    claimed = GROOMING[:3] + [("a", "im 15 too lol")] + GROOMING[3:]
    with_claim = score_conversation(_chat(claimed), "claimed")
    assert with_claim.risk >= plain.risk
    assert with_claim.alert or not plain.alert


def test_platform_supplied_peer_ages_still_lower_risk() -> None:
    peers = score_conversation(_chat(GROOMING, {"a": 15, "b": 14}), "peers")
    unknown = score_conversation(_chat(GROOMING), "unknown")
    assert peers.risk < unknown.risk


def test_a_claim_that_contradicts_the_platform_age_is_evidence() -> None:
    lines = [("a", "hey"), ("b", "hi"), ("a", "wanna be friends? you seem really nice")]
    honest = score_conversation(_chat(lines, {"a": 34, "b": 13}), "honest")
    lying = score_conversation(_chat(lines[:2] + [("a", "im 14 btw")] + lines[2:], {"a": 34, "b": 13}), "lying")
    assert lying.risk > honest.risk


def test_age_factor_rules() -> None:
    params = RiskParams()
    child = [AgeView(declared_min=13, declared_max=13)]
    claimed_peer, _ = age_factor(AgeView(declared_min=15, declared_max=15), child, None, params)
    unknown, _ = age_factor(AgeView(), child, None, params)
    assert claimed_peer == unknown  # a claim is not a reason for comfort
    known_peers, _ = age_factor(AgeView(known=15), [AgeView(known=14)], None, params)
    assert known_peers == pytest.approx(params.peers)
    lie, flags = age_factor(AgeView(known=34, declared_min=14, declared_max=14), child, None, params)
    assert "age_misrepresentation" in flags and "adult_to_minor" in flags
    assert lie == pytest.approx(params.adult_minor * params.age_contradiction)
    flip, flags = age_factor(AgeView(declared_min=15, declared_max=19), child, None, params)
    assert "age_misrepresentation" in flags and flip > unknown


def test_a_known_minor_who_is_no_peer_weighs_neither_way() -> None:
    """A 16-year-old sister and her 11-year-old brother: the platform knows both are minors, five years apart.
    Neither is someone of unknown age writing to a minor (x1.3), nor an adult (dev chat tr-d20-11 alerted)."""
    params = RiskParams.load()  # the shipped, tuned weights
    older, _ = age_factor(AgeView(known=16), [AgeView(known=11)], None, params)
    younger, _ = age_factor(AgeView(known=11), [AgeView(known=16)], None, params)
    unknown, _ = age_factor(AgeView(), [AgeView(known=11)], None, params)
    assert older == younger == pytest.approx(1.0)
    assert unknown == pytest.approx(params.unknown_minor) and unknown > 1.0


def test_a_parent_asking_for_a_photo_of_a_certificate_does_not_alert() -> None:
    lines = [
        ("m", "hi sweetie, can you send me a photo of your swimming certificate? grandma wants to see it"),
        ("k", "ok mom"),
        ("k", "here"),
        ("m", "so proud of you! dont tell dad yet, we'll surprise him at dinner"),
    ]
    res = score_conversation(_chat(lines, {"m": 41, "k": 11}), "family")
    assert not res.alert and res.first_alert_at is None


def test_states_saved_before_claims_were_kept_still_load() -> None:
    old = [14, False, None, 3, None, [0.0] * 9, [None] * 9, False, None]  # nine fields, a declared age
    party = Party.from_obj(old)
    assert party.claimed == [14, 14] and party.age_view().known is None
    assert Party.from_obj(party.to_obj()) == party
