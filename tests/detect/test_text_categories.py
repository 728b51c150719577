"""Each harm category in each of the five languages, end to end through `analyze_text`.

The texts were written for these tests (no real people); they differ from the seed
training examples, so they check that the shipped engine generalises a little.
"""

from __future__ import annotations

import pytest

from tutela import analyze_text
from tutela.domain.taxonomy import CATEGORIES, Category

C = Category
EXAMPLES: dict[Category, dict[str, str]] = {
    C.SEXUAL_EXPLOITATION: {
        "en": "you are very mature for your age. don't tell your dad we talk, and delete the chat",
        "tr": "yaşına göre çok olgunsun, ailene söyleme, mesajları sil",
        "az": "yaşına görə çox yetkinsən, valideynlərinə demə, yazışmanı sil",
        "fa": "از سنت پخته تری، به مامانت نگو، پیام ها رو پاک کن",
        "ru": "ты очень взрослая для своего возраста, не говори родителям и удали переписку",
    },
    C.SEXUAL_CONTENT: {
        "en": "click for free porn and nsfw videos",
        "tr": "bedava porno videoları burada",
        "az": "pulsuz porno videolara bax",
        "fa": "فیلم سکسی جدید اینجاست",
        "ru": "новое порно видео бесплатно",
    },
    C.VIOLENT_CONTENT: {
        "en": "i'm going to shoot you tomorrow",
        "tr": "seni yarın okulda öldüreceğim",
        "az": "səni sabah öldürəcəm",
        "fa": "فردا میکشمت",
        "ru": "я тебя завтра зарежу",
    },
    C.CYBERBULLYING: {
        "en": "you are so ugly and pathetic, nobody likes you",
        "tr": "sen tam bir gerizekalısın, herkes sana gülüyor",
        "az": "sən axmaqsan, hamı sənə gülür",
        "fa": "تو خیلی بیشعوری، همه بهت میخندن",
        "ru": "ты тупая дура, все над тобой смеются",
    },
    C.SELF_HARM: {
        "en": "i want to kill myself tonight",
        "tr": "intihar etmek istiyorum",
        "az": "özümü öldürmək istəyirəm",
        "fa": "میخوام خودمو بکشم",
        "ru": "хочу покончить с собой",
    },
    C.HATE_RADICALISATION: {
        "en": "all refugees are parasites and should be exterminated",
        "tr": "tüm suriyeliler parazit, yok edilmeli",
        "az": "bütün qaçqınlar parazitdir, məhv edilməlidir",
        "fa": "همه افغانی ها انگل هستند",
        "ru": "все мигранты паразиты, должны быть уничтожены",
    },
    C.DISINFORMATION: {
        "en": "gargle bleach, it kills the virus",
        "tr": "aşılar otizm yapar, çocuğunuza yaptırmayın",
        "az": "peyvəndlərin içində çip var, vurdurmayın",
        "fa": "واکسن باعث اوتیسم میشه",
        "ru": "прививки вызывают аутизм",
    },
    C.TRAFFICKING: {
        "en": "hostess job in dubai for girls 16-17, we pay the flight, no parents needed",
        "tr": "dubai'de iş imkanı, 16-17 yaş arası kızlar, bileti biz karşılarız, aile izni gerek yok",
        "az": "xaricdə ofisiant işi, 16-17 yaşlı qızlar, bileti biz ödəyirik, valideyn icazəsi lazım deyil",
        "fa": "استخدام دختران برای دبی، بلیط رو ما میدیم، اجازه والدین لازم نیست",
        "ru": "работа официанткой в турции, билет оплатим, согласие родителей не нужно",
    },
    C.RECRUITMENT: {
        "en": "quick money: deliver this bag for us, no questions asked, cash today",
        "tr": "bu çantayı teslim et, hiç soru sorma, nakit para",
        "az": "bu qutunu çatdır, heç sual vermə, nağd pul",
        "fa": "این جعبه رو برسون، سوال نپرس، پول خوبی میدیم",
        "ru": "передай эту сумку, без лишних вопросов, деньги сразу",
    },
    C.PRIVACY: {
        "en": "her number is +44 7700 900123, she is 13 and goes to Hillside High School",
        "tr": "telefonum 0533 765 43 21, evim Gül sokak no 5",
        "az": "nömrəm 055 765 43 21, Nizami küçəsi 15",
        "fa": "شماره من ۰۹۱۲۳۴۵۶۷۸۹ هست",
        "ru": "мой телефон +7 916 765-43-21, улица Ленина, дом 5",
    },
    C.FRAUD: {
        "en": "congratulations you have won! verify your account at http://paypa1-secure.xyz/login",
        "tr": "hediye kazandınız! kart bilgilerini gönder",
        "az": "hədiyyə qazandınız! kart nömrəni göndər",
        "fa": "شما برنده شدید! کد تایید رو بفرست",
        "ru": "вы выиграли приз! введи код из смс",
    },
    C.PROFANITY: {
        "en": "what the f*** is this shit",
        "tr": "siktir git lan",
        "az": "sikdir get, qəhbə",
        "fa": "کسکش برو گمشو",
        "ru": "блять, опять сломалось",
    },
}

CASES = [
    pytest.param(cat, lang, text, id=f"{cat.value}-{lang}")
    for cat, by_lang in EXAMPLES.items()
    for lang, text in by_lang.items()
]


def test_every_category_and_language_is_covered() -> None:
    assert set(EXAMPLES) == set(CATEGORIES)
    for by_lang in EXAMPLES.values():
        assert set(by_lang) == {"en", "tr", "az", "fa", "ru"}


@pytest.mark.parametrize(("category", "lang", "text"), CASES)
def test_flags_category(category: Category, lang: str, text: str, settings) -> None:
    result = analyze_text(text, settings=settings)
    assert category in result.flags, f"{text!r}: scores {result.scores}"
    assert result.scores[category] >= 0.5 or result.scores[category] >= 0.05
    reasons = [e for e in result.explanations if e.category is category]
    assert reasons, "every flag carries at least one explanation"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "can you send me the homework for tomorrow? thanks!"),
        ("tr", "yarın sinemaya gidelim mi? saat beşte buluşuruz"),
        ("az", "sabah kinoya gedək? saat beşdə görüşərik"),
        ("fa", "فردا بریم سینما؟ ساعت پنج همو ببینیم"),
        ("ru", "пойдём завтра в кино? встретимся в пять"),
    ],
)
def test_harmless_chat_is_not_flagged(lang: str, text: str, settings) -> None:
    result = analyze_text(text, settings=settings)
    assert result.flags == [], f"{text!r}: {result.flags} {result.explanations}"
    assert result.lang == lang


def test_scores_hold_every_category_in_unit_interval(settings) -> None:
    result = analyze_text("hello there", settings=settings)
    assert set(result.scores) == set(CATEGORIES)
    assert all(0.0 <= v <= 1.0 for v in result.scores.values())


def test_explanation_spans_point_into_the_original(settings) -> None:
    text = "ok so... don't tell your mom, send me a pic in your underwear"
    result = analyze_text(text, settings=settings)
    spans = [e for e in result.explanations if e.start is not None and e.detector != "model"]
    assert spans
    for e in spans:
        assert text[e.start : e.end] == e.text


def test_threshold_override_from_settings(settings) -> None:
    text = "you are so ugly and pathetic, nobody likes you"
    assert Category.CYBERBULLYING in analyze_text(text, settings=settings).flags
    strict = settings.model_copy(update={"thresholds": {"cyberbullying": 1.01}})
    assert Category.CYBERBULLYING not in analyze_text(text, settings=strict).flags
