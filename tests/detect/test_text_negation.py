"""Warnings are not requests: negation and word boundaries in the five languages (issue 12, item 5).

Each warning repeats the words of the request it warns about; the request itself must still flag.
Run through the lexicon detector alone so the learned model's changes do not move these tests.
"""

from __future__ import annotations

import pytest

from tutela.detect.detectors.lexicon import LexiconDetector, compiled, unmask
from tutela.detect.normalize import normalize_text
from tutela.domain.taxonomy import Category


def _flags(text: str, lang: str) -> set[Category]:
    combined: dict[Category, float] = {}
    for h in LexiconDetector().find(text, normalize_text(text), lang):
        combined[h.category] = 1 - (1 - combined.get(h.category, 0.0)) * (1 - h.score)
    return {c for c, s in combined.items() if s >= 0.5}


PAIRS = [  # (request that flags, warning that must not), category
    ("en", "send me your password", "never send your password to anyone", Category.FRAUD),
    ("en", "enter your password here", "we will never ask you to enter your password", Category.FRAUD),
    ("en", "drink bleach, it cures the flu", "do not drink bleach", Category.DISINFORMATION),
    ("tr", "şifreni paylaş hemen", "şifreni asla kimseyle paylaşma", Category.FRAUD),
    ("tr", "kodu gönder", "sakın kodu gönderme", Category.FRAUD),
    ("tr", "doğrulama kodunu yaz", "doğrulama kodunu kimseye yazmayın", Category.FRAUD),
    ("tr", "sms kodunu ver", "sms kodunu vermeyiniz", Category.FRAUD),
    ("az", "şifrəni ver", "heç vaxt şifrəni heç kimə vermə", Category.FRAUD),
    ("az", "kodu göndər", "kodu heç kimə göndərməyin", Category.FRAUD),
    ("az", "kart nömrəni yaz", "kart nömrəni yazma, fırıldaqdır", Category.FRAUD),
    ("fa", "رمزت رو بفرست", "هرگز رمزت رو به کسی نده", Category.FRAUD),
    ("fa", "کد تایید رو بفرست", "نباید کد تایید رو بفرستی", Category.FRAUD),
    ("ru", "сообщи код из смс", "никогда не сообщай код", Category.FRAUD),
    ("ru", "назови пароль", "никому не называй пароль, это мошенники", Category.FRAUD),
    ("ru", "скажи код", "нельзя говорить код из смс", Category.FRAUD),
]


@pytest.mark.parametrize(("lang", "ask", "warning", "category"), PAIRS, ids=[p[2] for p in PAIRS])
def test_warning_is_not_a_request(lang: str, ask: str, warning: str, category: Category) -> None:
    assert category in _flags(ask, lang), ask
    assert category not in _flags(warning, lang), warning


@pytest.mark.parametrize(
    ("text", "lang", "category"),
    [
        # the Turkic infinitive (-mak/-mek) and necessity (-malı) are requests, not negations
        ("kodu paylaşmalısın", "tr", Category.FRAUD),
        ("şifrəni göndərməlisən", "az", Category.FRAUD),
        # "if you don't send" is a threat, not a negation
        ("şifreni göndermezsen hesabın kapanır", "tr", Category.FRAUD),
        ("kodu paylaşmadıkça hediyeni alamazsın", "tr", Category.FRAUD),
        # a prohibition that is itself the harm keeps its weight after a negating adverb
        ("asla annene söyleme", "tr", Category.SEXUAL_EXPLOITATION),
        ("heç vaxt anana demə", "az", Category.SEXUAL_EXPLOITATION),
        ("never tell your parents about us", "en", Category.SEXUAL_EXPLOITATION),
        ("никогда не говори маме", "ru", Category.SEXUAL_EXPLOITATION),
        # a comma ends the negation's reach
        ("don't worry, send me your password", "en", Category.FRAUD),
        # scammers say it is not a scam
        ("this is not a scam, you have won, claim your prize now", "en", Category.FRAUD),
        # first-person intent is never softened by recovery words
        ("i want to kill myself, i used to get help but not now", "en", Category.SELF_HARM),
    ],
)
def test_still_flags(text: str, lang: str, category: Category) -> None:
    assert category in _flags(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("as soon as possible, as you like", "en"),
        ("sen malzemeleri aldın mı?", "tr"),
        ("çantanı götür, sonra şikayet etme", "tr"),
        ("bu kitabı götürün", "tr"),
        ("kitabı götürmək istəyirəm, şikayət yazdım", "az"),
        ("sən kökəni aldın?", "az"),
        ("ananı gördüm, selam söyledi", "tr"),
        ("ananın adı nədir?", "az"),
        ("soyunma odası nerede?", "tr"),
        ("otaqlar satılır, zəng edin", "az"),
        ("اخبار اشغال شهر رو پخش کرد", "fa"),
        ("کوسه ها در اقیانوس زندگی میکنند", "fa"),
        ("урожай в этом году уродился", "ru"),
        ("I used to cut myself, 1 year clean now", "en"),
        ("suicide prevention week: the helpline is open all night", "en"),
        ("okulda intihar önleme semineri var", "tr"),
        ("в школе неделя профилактики суицида, телефон доверия работает", "ru"),
        ("scam alert: if a message says you have won a prize, it is phishing", "en"),
        ("осторожно, мошенники пишут: вы выиграли приз", "ru"),
    ],
)
def test_benign_look_alikes(text: str, lang: str) -> None:
    assert not _flags(text, lang), text


@pytest.mark.parametrize(
    ("text", "lang", "category"),
    [
        ("f*ck you", "en", Category.PROFANITY),
        ("you stupid b*tch", "en", Category.PROFANITY),
        ("you are so st*pid", "en", Category.CYBERBULLYING),
        ("т*пая с*ка", "ru", Category.CYBERBULLYING),
        ("ну ты и с*ка", "ru", Category.PROFANITY),
        ("ты д*бил", "ru", Category.CYBERBULLYING),
        ("s*ktir git", "tr", Category.PROFANITY),
        ("you little b!tch", "en", Category.PROFANITY),
    ],
)
def test_masked_letters(text: str, lang: str, category: Category) -> None:
    assert category in _flags(text, lang)


def test_unmask_keeps_length_and_unknown_words() -> None:
    masked = compiled().masked
    assert unmask("f*ck that", masked) == "fuck that"
    assert unmask("p*ssword and ***", masked) == "p*ssword and ***"  # unknown word, a bare mask
    for text in ("т*пая с*ка", "sh*t happens"):
        assert len(unmask(text, masked)) == len(text)
