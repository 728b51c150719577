"""Rules that dev rounds 39d-41d (2026-12-07) showed missing, each beside a look-alike. Lines written for this test."""

from __future__ import annotations

import pytest

from tutela.conversations.detector import StageDetector
from tutela.detect import analyze_text
from tutela.detect.detectors.privacy import PrivacyDetector
from tutela.domain.conversation import STAGES, Stage
from tutela.domain.taxonomy import Category

from .conftest import RULE, lexicon_score
from .conftest import detector_score as _score


@pytest.mark.parametrize(("text", "lang", "personal"), [
    # a number labelled with a role's name, or one a notice asks everyone to write to, is published
    ("Trip tomorrow: bus leaves at 8. Driver's number +994 55 000 00 01 if you are late", "en", False),
    ("Yarışa gedən uşaqların valideynləri: məşqçinin nömrəsi 0555 000 00 02", "az", False),
    ("Sual olsa 0555 000 00 03 nömrəsinə yazın, cavab verəcəyik", "az", False),
    ("Kursa kayıt: eğitmenin numarası 0532 000 00 04", "tr", False),
    ("поездка в лагерь: номер вожатого +7 900 000-00-05", "ru", False),
    ("کلاس شنا فردا ساعت ۵، شماره‌ی مربی: ۰۹۱۲ ۰۰۰ ۰۰۰۶", "fa", False),
    # a number after a label, or a polite "please call" in Finglish
    ("qan lazımdır, B+ qrupu, zəng: 0555 000 00 07", "az", False),
    ("kasi barq-kar mishnase? shomare 0912 000 0008, lotfan zang bezanid", "fa", False),
    # a lost pet's finder asked to call the number, a found child's parents asked to call
    ("Pişiyimiz itib, tapan olsa 0555 000 00 12 nömrəsinə zəng etsin", "az", False),
    ("ye dokhtar bache too park peyda shode, valedeynesh be 0912 000 0013 zang bezanan", "fa", False),
    # someone's own or someone else's number stays personal data
    ("her number is +994 55 000 00 09, text her tonight she's alone", "en", True),
    ("onun nömrəsi 0555 000 00 10, axşam yaz", "az", True),
    ("мой номер +7 900 000-00-11, напиши мне", "ru", True),
])
def test_a_number_labelled_with_a_role_or_a_label_is_published(text: str, lang: str, personal: bool) -> None:
    assert (_score(PrivacyDetector(), text, lang, Category.PRIVACY) >= RULE) is personal


@pytest.mark.parametrize(("text", "threat"), [
    # the child's followers or contacts, taken: the sextortionist's setup before the demand
    ("videoyu kaydettim. takipçi listeni de aldım, annen de orada", True),
    ("i saved the call. i've got your followers list, your mum is on it", True),
    ("я записала звонок. у меня есть список твоих подписчиков", True),
    # a list of followers in everyday talk
    ("how do i hide my followers list on insta?", False),
    ("takipçi sayım bugün 500 oldu 🎉", False),
])
def test_a_taken_list_of_the_childs_followers_is_a_threat(stages: StageDetector, text: str, threat: bool) -> None:
    assert (stages.score(text)[STAGES.index(Stage.THREATS)] >= 0.6) is threat


@pytest.mark.parametrize(("text", "leverage"), [
    # a recording announced as a riddle is leverage (weak: only a threat makes it sextortion)
    ("угадай что я записала во время нашего созвона 🙂", True),
    ("tahmin et dünkü görüntülü konuşmada ne kaydettim", True),
    ("حدس بزن از تماس دیشبمون چی ضبط کردم", True),
    # a recording of something else, said without the riddle
    ("i recorded my first piano piece for the concert", False),
])
def test_a_recording_announced_as_a_riddle_is_leverage(stages: StageDetector, text: str, leverage: bool) -> None:
    assert (stages.score(text)[STAGES.index(Stage.IMAGES)] >= 0.5) is leverage


@pytest.mark.parametrize(("text", "flagged"), [
    # a job advert for adults: 18+ and a contract, insurance or a CV
    ("Nanny wanted for two kids, 18+, contract and holiday pay, send your CV", False),
    ("Требуются официанты в кафе, от 18 лет, официальное трудоустройство, резюме на почту", False),
    ("استخدام گارسون خانم و آقا بالای ۱۸ سال، با بیمه، رزومه بفرستید", False),
    ("marketimize kasiyer aranıyor, 18 yaş üstü, sigortalı, özgeçmişinizi getirin", False),
    # ...but not with a trafficker's words: abroad, visa and passport arranged
    ("girls 18+ wanted for work abroad, visa and passport arranged, contract, send photos", True),
    ("18 yaş üstü kızlara yurt dışında hostes işi, vize ve pasaport bizden, sigortalı, cv gönderin", True),
])
def test_a_job_advert_for_adults_with_a_contract_is_not_trafficking(text: str, flagged: bool) -> None:
    flags = analyze_text(text).flags
    assert (Category.TRAFFICKING in flags or Category.RECRUITMENT in flags) is flagged


@pytest.mark.parametrize(("text", "category", "flagged"), [
    # "whoever asks for the password is not an admin": a warning
    ("turnuva kaydı için sadece kullanıcı adınızı yazın. şifre isteyen kişi admin değildir, hemen bildirin", Category.FRAUD, False),
    # "send your password (and the code)" with the everyday verbs
    ("admin benim, şifreni ve kodu at yoksa hesabın kapanır", Category.FRAUD, True),
    ("ben discord admini, şifreni at yoksa hesabını silerim", Category.FRAUD, True),
    ("şifrəni at, hesabını yoxlayım", Category.FRAUD, True),
    ("şifreni kimseye atma", Category.FRAUD, False),
    # a secret kept for someone else's birthday or present
    ("kardeşime doğum günü için 1000 UC aldım, kodu gizlice vereceğim sürpriz olsun, anneme söylemeyin", Category.SEXUAL_EXPLOITATION, False),
    # a surprise for the reader, coming alone or a photo: a groomer's
    ("i have a surprise for you, don't tell your mum, come to the park alone", Category.SEXUAL_EXPLOITATION, True),
    ("annene söyleme, sana bir sürprizim var, parkta buluşalım", Category.SEXUAL_EXPLOITATION, True),
    ("it's a birthday surprise for your sister, send me a photo of you in your dress, don't tell anyone", Category.SEXUAL_EXPLOITATION, True),
    # pills drawn beside a farewell to everyone
    ("💊💊💊 ready. goodbye everyone", Category.SELF_HARM, True),
    ("emshab 💊💊 amade kardam, khodahafez hame", Category.SELF_HARM, True),
    ("took my 💊 for the headache, bye everyone, going to sleep", Category.SELF_HARM, False),
    # "mummy mustn't know", in Persian script and in Finglish
    ("عمو برات یه چیزی داره، فقط باید تنهایی بیای، مامانی نباید بدونه", Category.SEXUAL_EXPLOITATION, True),
    ("mamanet nabayad bedoone, tanhayi biya", Category.SEXUAL_EXPLOITATION, True),
    ("بابات نباید بدون اجازه بیاد", Category.SEXUAL_EXPLOITATION, False),
    # "we'll burn his car", "he'll eat the knife"
    ("onun maşınını bu gecə yandıracağıq, özü də bıçağı yeyəcək", Category.VIOLENT_CONTENT, True),
    ("çörəyi kəsəndə bıçağı ehtiyatla tut", Category.VIOLENT_CONTENT, False),
    # threats in Turkish speech and plural forms, and Azerbaijani future forms, missed by every stage before
    ("teneffüste seni kescem", Category.VIOLENT_CONTENT, True),
    ("okul çıkışı bekle, seni dövcez", Category.VIOLENT_CONTENT, True),
    ("kafana sıkacam yemin ederim", Category.VIOLENT_CONTENT, True),
    ("yarın teneffüste bıçakla bekleyeceğim onu", Category.VIOLENT_CONTENT, True),
    ("səni sabah öldürəcəyəm", Category.VIOLENT_CONTENT, True),
    ("sinifdəkiləri güllələmək istəyirəm, atamın tüfəngini götürəcəm", Category.VIOLENT_CONTENT, True),
    # their everyday look-alikes
    ("pastayı ben keseceğim, bıçağı getir", Category.VIOLENT_CONTENT, False),
    ("saçını kestirdin mi, çok yakışmış", Category.VIOLENT_CONTENT, False),
    ("atamın ov tüfəngi muzeydə sərgilənir, babam ondan danışırdı", Category.VIOLENT_CONTENT, False),
    # Russian with the verb first or bare, the school blown up, a car burnt; English blades and petrol
    ("зарежу тебя после уроков", Category.VIOLENT_CONTENT, True),
    ("увидишь его — передай: ты труп", Category.VIOLENT_CONTENT, True),
    ("zavtra vzorvem shkolu", Category.VIOLENT_CONTENT, True),
    ("я знаю, где ты живёшь. пожалуешься ещё раз — подожгу вам дверь", Category.VIOLENT_CONTENT, True),
    ("bringing the blade monday, ur first", Category.VIOLENT_CONTENT, True),
    ("i'll pour petrol through your letterbox tonight", Category.VIOLENT_CONTENT, True),
    ("порежу лук и морковь для супа", Category.VIOLENT_CONTENT, False),
    ("мы взорвали этот квиз, первое место!", Category.VIOLENT_CONTENT, False),
    ("bringing a knife for the cake, who has plates?", Category.VIOLENT_CONTENT, False),
    # a farewell note written, pills saved up, a method asked, cutting hidden, "I'll finish myself"
    ("ya reshila uiti, zapisku uzhe napisala", Category.SELF_HARM, True),
    ("маме записку уже написала, что ушла гулять", Category.SELF_HARM, False),
    ("я коплю таблетки уже месяц", Category.SELF_HARM, True),
    ("вскрыть вены больно или нет?", Category.SELF_HARM, True),
    ("i already wrote my goodbye letters, it's tonight", Category.SELF_HARM, True),
    ("rahattarin raah baraye mordan chie?", Category.SELF_HARM, True),
    ("دیگه خسته شدم، این دفعه خودمو تموم میکنم", Category.SELF_HARM, True),
    # their look-alikes
    ("записку учителю уже написала, что болела", Category.SELF_HARM, False),
    ("я коплю на новый телефон", Category.SELF_HARM, False),
    ("nameha ro baraye mamanbozorg neveshtam", Category.SELF_HARM, False),
])
def test_rules_from_dev_rounds_39d_to_41d(text: str, category: Category, flagged: bool) -> None:
    assert (category in analyze_text(text).flags) is flagged


@pytest.mark.parametrize(("text", "lang", "threat"), [
    # the phrase rule alone (the verifier still has its say on the whole text)
    ("вечером подкараулим и отпиздим его всей толпой", "ru", True),
    ("i know where you sleep. sleep with one eye open", "en", True),
    ("they're gonna break both his legs after footy", "en", True),
    ("мы их побили в финале 3:0", "ru", False),
])
def test_group_beatings_and_veiled_threats_are_phrase_rules(text: str, lang: str, threat: bool) -> None:
    assert (lexicon_score(text, lang, Category.VIOLENT_CONTENT) >= RULE) is threat
