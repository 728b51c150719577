"""The semantic stage's nearest lines as evidence both ways, whatever the router says.

- a lone weak model flag is dropped where the text is clearly nearer the written benign lines
  (engine.NEARER_BENIGN): the router takes some chat for tweets, where the chat rule does not apply;
- threats and hate near a written harmful line keep their semantic flag in a public source's domain
  (components.builtin.NEAR_WRITTEN_HARM).
"""

from __future__ import annotations

import numpy as np

from tutela.detect.components.builtin import NEAR_WRITTEN_HARM, _near_written_harm
from tutela.detect.engine import CHAT_MODEL_ALONE, NEARER_BENIGN, NEARER_BENIGN_BY_LANG, _nearer_benign
from tutela.detect.normalize import normalize_text
from tutela.detect.semantic.index import SemanticResult
from tutela.detect.semantic.scorer import TARGETS
from tutela.domain.taxonomy import CATEGORIES, Category

CB = CATEGORIES.index(Category.CYBERBULLYING)
SELF_HARM = CATEGORIES.index(Category.SELF_HARM)
K = len(CATEGORIES)


def _margins(value: float, name: str = "cyberbullying") -> np.ndarray:
    m = np.zeros(len(TARGETS))
    m[TARGETS.index(name)] = value
    return m


def _run(prob: float, margin: float | None, *, col: int = CB, rule: float = 0.0, extra: bool = False,
         overridden: set[str] | None = None, lang: str = "en", text: str | None = None) -> bool:
    flags = np.zeros((1, K), dtype=bool)
    flags[0, col] = True
    probs = np.zeros((1, K))
    probs[0, col] = prob
    rules = np.zeros((1, K))
    rules[0, col] = rule
    extras = np.zeros((1, K), dtype=bool)
    extras[0, col] = extra
    semantic = {} if margin is None else {
        0: SemanticResult(np.zeros(len(TARGETS)), [], {}, _margins(margin, CATEGORIES[col].value))}
    _nearer_benign(flags, probs, rules, extras, semantic, overridden or set(), [lang],
                   None if text is None else [normalize_text(text)])
    return bool(flags[0, col])


def test_a_lone_weak_model_flag_nearer_the_benign_lines_is_dropped() -> None:
    assert not _run(0.55, NEARER_BENIGN - 0.01)


def test_it_stands_near_the_line_strong_with_a_rule_cue_or_a_semantic_flag() -> None:
    assert _run(0.55, NEARER_BENIGN + 0.01)
    assert _run(CHAT_MODEL_ALONE, NEARER_BENIGN - 0.05)
    assert _run(0.55, NEARER_BENIGN - 0.05, rule=0.3)
    assert _run(0.55, NEARER_BENIGN - 0.05, extra=True)


def test_without_a_semantic_reading_self_harm_or_an_operator_threshold_nothing_changes() -> None:
    assert _run(0.55, None)
    assert _run(0.6, NEARER_BENIGN - 0.05, col=SELF_HARM)
    assert _run(0.55, NEARER_BENIGN - 0.05, overridden={"cyberbullying"})


def test_threats_and_hate_near_a_written_line_keep_their_semantic_flag_in_a_public_domain() -> None:
    need = NEAR_WRITTEN_HARM["violent_content"]
    assert _near_written_harm("violent_content", _margins(need, "violent_content"))
    assert not _near_written_harm("violent_content", _margins(need - 0.01, "violent_content"))
    assert not _near_written_harm("hate_radicalisation", _margins(NEAR_WRITTEN_HARM["hate_radicalisation"] - 0.01,
                                                                   "hate_radicalisation"))
    # insults near a written bullying line keep theirs too; swearing stays with the expert however near
    assert _near_written_harm("cyberbullying", _margins(NEAR_WRITTEN_HARM["cyberbullying"]))
    assert not _near_written_harm("cyberbullying", _margins(NEAR_WRITTEN_HARM["cyberbullying"] - 0.01))
    assert not _near_written_harm("profanity", _margins(0.2, "profanity"))


def test_turkish_and_azerbaijani_chat_read_as_tweets_need_less_margin() -> None:
    between = (NEARER_BENIGN + NEARER_BENIGN_BY_LANG["tr"]) / 2
    assert _run(0.55, between, lang="en")
    assert not _run(0.55, between, lang="tr")
    assert not _run(0.55, between, lang="az")
    assert _run(0.55, NEARER_BENIGN_BY_LANG["tr"] + 0.005, lang="tr")


FRAUD = CATEGORIES.index(Category.FRAUD)


def test_a_marker_the_head_cannot_see_releases_the_categories_it_names() -> None:
    warning = "heads up: scammers pretend to be the bank, never give them your pin"
    assert not _run(0.6, NEARER_BENIGN - 0.01, col=FRAUD, text=warning)
    assert not _run(0.6, -0.005, col=FRAUD, text=warning)  # with the marker, nearer the benign lines at all
    # without a marker fraud is released like the other noisy categories, only clearly nearer the benign lines
    assert _run(0.6, NEARER_BENIGN + 0.01, col=FRAUD, text="give me your pin and the card number now")
    assert not _run(0.6, NEARER_BENIGN - 0.01, col=FRAUD, text="give me your pin and the card number now")
    assert _run(0.6, 0.005, col=FRAUD, text=warning)  # nearer a written scam: it stands
    recovery = "i had an eating disorder in year 8, i'm better now"
    assert not _run(0.6, NEARER_BENIGN - 0.01, col=SELF_HARM, text=recovery)
    assert _run(0.6, NEARER_BENIGN - 0.01, col=SELF_HARM, text="i had an eating disorder and it's back, i skip every meal")


VIOLENT = CATEGORIES.index(Category.VIOLENT_CONTENT)


def test_a_categorys_own_lexicon_context_marks_the_text_too() -> None:
    game = "in the game you have to kill the zombies before the sun comes up"
    assert not _run(0.4, -0.005, col=VIOLENT, text=game)  # a game: nearer the benign lines at all is enough
    assert _run(0.4, -0.005, col=VIOLENT, text="i will kill the new kid before the sun comes up")
    assert _run(0.4, 0.005, col=VIOLENT, text=game)  # nearer a written threat: it stands


def test_a_warning_releases_a_sure_scam_flag_that_is_nearer_the_written_warnings() -> None:
    # the scam head, fitted on SMS spam, is sure of bank warnings ("your bank never asks for your SMS code")
    bank = "Bankanız sizden asla şifre veya SMS kodu istemez. Kimseyle şifrenizi paylaşmayın."
    assert not _run(0.96, -0.01, col=FRAUD, text=bank, lang="tr")
    assert not _run(0.96, -0.01, col=FRAUD, text="Bank əməkdaşları heç vaxt sizdən SMS kodu istəmir.", lang="az")
    assert _run(0.96, 0.005, col=FRAUD, text=bank, lang="tr")  # nearer a written scam: it stands
    # sure, and no warning: it stands however near the benign lines; "your mum will never ask" is no warning
    assert _run(0.96, NEARER_BENIGN - 0.05, col=FRAUD, text="kart numaranı ve sms kodunu hemen yaz", lang="tr")
    assert _run(0.96, -0.01, col=FRAUD, text="annen asla sormaz, kart şifresini yaz", lang="tr")


def test_a_notice_that_publishes_a_number_releases_a_sure_scam_flag_nearer_the_benign_lines() -> None:
    # the scam head reads any "call 0555 ..." as spam; a club's registration line or a lost cat's poster is a notice
    club = "Satranç kulübü yeni dönem kayıtları için 0555 000 11 22'yi arayabilirsiniz, hafta içi 10.00-18.00."
    cat = "Pişiyimiz qaçıb, ağ-boz rəngdədir. Görsəniz 055 555 00 00-a yazın, mükafat var"
    assert not _run(1.0, -0.03, col=FRAUD, text=club, lang="tr")
    assert not _run(1.0, -0.03, col=FRAUD, text=cat, lang="az")
    assert _run(1.0, 0.005, col=FRAUD, text=club, lang="tr")  # nearer a written scam: it stands
    # someone's own number is no notice; nor is a number without a notice's words
    assert _run(1.0, -0.03, col=FRAUD, text="kayıt için beni ara 0555 000 11 22, numaram bu", lang="tr")
    assert _run(1.0, -0.03, col=FRAUD, text="0555 000 11 22 hemen ara kazandın", lang="tr")


def test_in_a_public_sources_domain_a_published_number_marks_nothing() -> None:
    flags = np.zeros((1, K), dtype=bool)
    flags[0, FRAUD] = True
    probs = np.zeros((1, K))
    probs[0, FRAUD] = 1.0
    semantic = {0: SemanticResult(np.zeros(len(TARGETS)), [], {}, _margins(-0.03, "fraud"))}
    text = normalize_text("Congratulations, you won a reward! For info call 0800 000 0000 now")
    _nearer_benign(flags, probs, np.zeros((1, K)), np.zeros((1, K), dtype=bool), semantic, set(), ["en"], [text],
                   ["sms_spam_collection"])
    assert flags[0, FRAUD]
