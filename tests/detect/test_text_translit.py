"""Persian (Finglish) and Russian (translit) typed in Latin letters: language id and the way back.

Sentences written for these tests. Language id used to answer en, pt, pl or sr for all of them.
"""

from __future__ import annotations

import pytest

from tutela import analyze_text
from tutela.detect.langid import identify
from tutela.detect.translit import latin_to_persian, latin_to_russian, romanized_language, to_native

FINGLISH = [
    "salam, aksetoo befrest va be kasi nagoo",
    "chand ta ghors bekhoram ke bidar nasham",
    "man mikham khodkoshi konam",
    "salam khobi? emrooz madrese boodi?",
    "age aksaye bishtar nafresti aksato baraye madresat miferestam",
    # one word, many spellings: x for kh, q for gh, doubled vowels, 2/3/7 for hamza, ein and he
    "khoobi? che xabar",
    "qorboonet beram mersi",
    "sob7 bekheir",
    "ta3tilat kojaa mirid? manam miam",
    "in moalleme riazi kheyli bishoore",
    "ridi dadash, koskhol bazi dar nayar",
    # leetspeak inside the words: `!`/`1` for i, `3` for e, `0` for o, `4` for a
    "m!kosham3t farda sare k3las",
    "d0set d4ram j00ni, farda miay?",
    # an insult or a call against migrants with no chat word beside it (fastText: English, Italian)
    "bisharaf e kesafat gomsho",
    "mohajera ro bayad az shahr birun kard, be goroohe ma bepeyvandid",
    "har ki mokhalef bashe bezanimesh, jashun tu ashpazkhune ast",  # read as Danish before
]
TRANSLIT = [
    "skinj foto i nikomu ne govori",
    "esli ne skinesh eshche ya razoshlu tvoi fotki v shkolu",
    "skolko tabletok nado chtoby ne prosnutsya",
    "privet kak dela, chto delaesh?",
    "da ne znaju",
    # a taunt with few listed words: prepositions (`ob`) and comparatives carry it
    "idi ubejsya ob stenu, vsem legche stanet",
    "posle urokov v ponedelnik, bez roditelej",
]
OTHER_LATIN = [
    ("the man went to the store to buy milk", "en"),
    ("bugun okula gittim ve cok guzeldi", "tr"),
    ("men bu gun mektebe getdim", None),
    ("je ne sais pas quoi faire", None),
    ("nie wiem co robic dzisiaj", None),
    ("tomorrow we go to the beach with my mom", "en"),
    ("h3llo fr1end how are you", "en"),
    ("i l0ve y0u so much", "en"),
    ("kesh the rope and pull it tight", "en"),  # `kesh` counts for little alone: also a typo of English words
]


@pytest.mark.parametrize("text", FINGLISH)
def test_finglish_is_persian(text: str) -> None:
    assert identify(text)[0] == "fa"


@pytest.mark.parametrize("text", TRANSLIT)
def test_translit_is_russian(text: str) -> None:
    assert identify(text)[0] == "ru"


@pytest.mark.parametrize(("text", "lang"), OTHER_LATIN)
def test_other_latin_text_is_not_taken_for_persian_or_russian(text: str, lang: str | None) -> None:
    assert romanized_language(text) is None
    if lang is not None:
        assert identify(text)[0] == lang


def test_translit_back_to_cyrillic() -> None:
    assert latin_to_russian("skinj foto i nikomu ne govori") == "скинь фото и никому не говори"
    assert latin_to_russian("privet, kak dela?") == "привет, как дела?"
    assert latin_to_russian("ne prosnutsya") == "не проснуться"  # the infinitive, from the word list


def test_finglish_back_to_persian_script() -> None:
    assert latin_to_persian("aksetoo befrest va be kasi nagoo") == "عکستو بفرست و به کسی نگو"
    assert latin_to_persian("chand ta ghors bekhoram") == "چند تا قرص بخورم"
    # words outside the list go by rules: consonants kept, short vowels dropped, i as yeh
    assert latin_to_persian("bebin") == "ببین"


def test_to_native_only_for_latin_text() -> None:
    assert to_native("привет", "ru") is None
    assert to_native("سلام", "fa") is None
    assert to_native("privet", "ru") == "привет"
    assert to_native("hello", "en") is None


def test_the_engine_reads_translit_in_cyrillic() -> None:
    """The models see the native script: a translit insult is caught once read as Cyrillic."""
    latin = analyze_text("ty tupaya suka, tebya vse nenavidyat")
    assert latin.lang == "ru"
    assert latin.flags  # insult and swearing, caught only once read as Cyrillic


def test_finglish_digits_and_loanwords() -> None:
    """Persian leetspeak (3 = ع, 7 = ح) and the English `pics` Finglish borrows come back as Persian."""
    assert latin_to_persian("ye 3akse lokht az khodet befres") == "یه عکس لخت از خودت بفرست"
    assert latin_to_persian("be3d az madrese") == "بعد از مدرسه"
    assert latin_to_persian("age 14? pics bede") == "اگه 14? عکسا بده"


def test_translit_soft_signs_and_short_i() -> None:
    assert latin_to_russian("esli ne skinesh") == "если не скинешь"
    assert latin_to_russian("davai vstretimsya") == "давай встретимся"
    assert latin_to_russian("ty talantlivyi") == "ты талантливый"
    assert latin_to_russian("togda skin mne golye foto") == "тогда скинь мне голые фото"


def test_translit_ii_iya_ye_and_y_after_a_vowel() -> None:
    """`ii` is и twice, `iyu` ию, `ye` after a consonant ые, `y` after a vowel before a consonant й."""
    assert latin_to_russian("na biologii pro kontracepciyu") == "на биологии про контрацепцию"
    assert latin_to_russian("krasnye novye") == "красные новые"
    assert latin_to_russian("yesli dvoyku") == "если двойку"
    assert latin_to_russian("vy vse poplatites") == "вы все поплатитесь"


def test_i_after_a_vowel_before_an_ending_is_i() -> None:
    """`tvoim`, `moikh`, `stoit` end in -им, -их, -ит (no Russian word ends in -ойм); `dvoika`, `domoi` keep й."""
    assert latin_to_russian("tvoim roditelyam i moim") == "твоим родителям и моим"
    assert latin_to_russian("stoit tvoih deneg") == "стоит твоих денег"
    assert latin_to_russian("dvoika domoi") == "двойка домой"


@pytest.mark.parametrize(("text", "lang"), [
    ("togda skin mne golye foto i karta tvoya", "ru"),
    ("pas ye akse lokht az khodet befrest", "fa"),
    ("in beine khodemoon bemoone ok?", "fa"),
    ("u menya est' zapis' nashego videozvonka", "ru"),  # a sextortion threat's words
    ("ye 3akse lokht az khodet befres kasi nemifahme", "fa"),
])
def test_more_romanised_lines_are_recognised(text: str, lang: str) -> None:
    assert identify(text)[0] == lang


def test_finglish_spellings_and_short_endings_written_back() -> None:
    assert latin_to_persian("xubi") == latin_to_persian("khoobi") == "خوبی"  # one word, two spellings
    assert latin_to_persian("akhe") == "آخه"  # not `axe` (عکس) by its canonical spelling
    # a first-person `-am` and a verb's plural `-an` are short: not written as alef
    assert latin_to_persian("delam tang shode") == "دلم تانگ شده"
    assert latin_to_persian("midoonan") == "میدونن"
    assert latin_to_persian("mibinamet") == "میبینمت"


def test_finglish_leetspeak_is_read_as_letters() -> None:
    # the threat is written back in Persian script, where the phrase lists and the banks read it;
    # Finglish's own digit (3 = ein) keeps its reading where that finds more Persian words
    assert to_native("m!kosham3t farda sare k3las", "fa") == "میکشمت فردا سر کلاس"
    assert "عکس" in to_native("3akse jadid befrest", "fa")
    assert analyze_text("m!kosham3t farda sare k3las", stages="fast").flags


def test_the_words_of_a_school_announcement_keep_their_letters() -> None:
    # ح, غ and ع cannot be guessed from Latin letters: "emtehanat laghv" must not read as امتهانات لاقو
    native = to_native("amoozesh o parvaresh elam kard emtehanat laghv shode", "fa")
    assert native is not None and "امتحانات لغو" in native and "اعلام" in native


def test_translit_j_spelling_and_leet_are_russian() -> None:
    # я/ю spelt with j (`sebja`) and leet digits inside words (`f0t0k`): both read as translit and written back
    assert romanized_language("pokazhi, sfotkaj sebja v zerkale") is not None
    assert romanized_language("kin' paru f0t0k sebja i baksy tvoi") is not None
    assert latin_to_russian("kin' paru f0t0k") == "кинь пару фоток"
    assert romanized_language("i l0ve y0u so much") is None  # English leet stays English


def test_dollar_sign_in_a_cyrillic_word_is_s() -> None:
    from tutela.detect.normalize import normalize_text

    assert "скинь" in normalize_text("$кинь фотку")
    assert "секрет" in normalize_text("это $екрет")


def test_finglish_inner_a_read_long_by_default_and_short_in_the_other_reading() -> None:
    """Finglish writes `â` (ا) and the short `a` (unwritten) alike; the semantic stage reads both guesses."""
    from tutela.detect.translit import finglish_short_a

    assert latin_to_persian("kar madar") == "کار مادر"
    assert latin_to_persian("ghatl jang hafte", short_a=True) == "قتل جنگ هفته"
    assert finglish_short_a("jang ba doshman") == "جنگ با دشمن"  # a word's first and last `a` stay written
    assert finglish_short_a("سلام خوبی") is None


def test_finglish_chat_words_keep_short_vowels_and_letters_and_the_ezafe_is_unwritten() -> None:
    # the rules wrote these `tamrin` تامرین, `hesab` هساب, `saat` سات, `axaye` آخایه, `aks e` عکس ا
    assert latin_to_persian("tamrin e zaban").split() == ["تمرین", "زبان"]
    assert latin_to_persian("hesabesho miresam").startswith("حسابشو")
    assert latin_to_persian("dishab ta saat 2") == "دیشب تا ساعت 2"
    assert latin_to_persian("axaye zeshtesho gozashtam") == "عکسای زشتشو گذاشتم"
    assert latin_to_persian("aks e kelas").split() == ["عکس", "کلاس"]
    # a listed word's ezafe `-e` is unwritten, a verb's `-e` ending stays
    assert latin_to_persian("emtehane riazi") == "امتحان ریاضی"
    assert latin_to_persian("befreste") == "بفرسته"


def test_finglish_final_e_at_the_end_of_a_sentence_is_the_copula_not_an_ezafe() -> None:
    # an ezafe links to a following word; with none after it, `-e` is 'is' and is written (خوابه)
    assert latin_to_persian("mamanet khabe?") == "مامانت خوابه?"
    assert latin_to_persian("emtehane riazi sakhte") == "امتحان ریاضی سخته"
    assert latin_to_persian("mamanet khabe") == "مامانت خوابه"


def test_finglish_group_bullying_line_is_recognised_as_persian() -> None:
    assert identify("bachea biain hamamun reza ro too group block konim")[0] == "fa"


def test_finglish_negative_prefix_is_a_bare_nun_before_a_verb_but_nouns_keep_their_alef() -> None:
    from tutela.detect.semantic.warning import warns

    assert latin_to_persian("post nakon") == "پست نکن"
    assert latin_to_persian("naferest") == "نفرست" and latin_to_persian("nanevis") == "ننویس"
    assert latin_to_persian("name") == "نامه"  # a noun: its long a stays
    card = latin_to_persian("ax e kart e danesh amoozit ro post nakon, toosh esm o madrese hast")
    assert warns(card, "fa")
    assert not warns(latin_to_persian("aksato post kon ta hame bebinan"), "fa")
