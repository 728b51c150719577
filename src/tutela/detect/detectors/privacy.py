"""A child's personal data: phone numbers, e-mails, addresses, schools with a name or age,
social handles and locations.

Works on the original text (not the normalised one) because the evidence is
formatting (digits, `@`, punctuation) that normalisation would bend. Phone
numbers are parsed and validated by `phonenumbers` with the numbering plans of
Azerbaijan, Turkey, Iran and Russia (and international `+` numbers), so a
random run of digits is not reported as a phone. Scores combine by noisy-or:
a school name alone is weak evidence, a school plus an age is strong.
"""

from __future__ import annotations

import re

import phonenumbers

from tutela.detect.detectors.base import Detector, Example, Hit, register
from tutela.detect.detectors.lexicon import longest_prefixes
from tutela.detect.normalize import az_latin_same_length
from tutela.detect.wordtrie import trie_pattern
from tutela.domain.languages import LANGUAGES
from tutela.domain.taxonomy import Category

P = Category.PRIVACY


class _WithStarts:
    """`pattern.search`, skipped where none of the strings its matches can start with occurs (the lexicon's
    `longest_prefixes`, which may be wider than the truth, never narrower): one literal scan of ~1-2 us, where the
    pattern's own scan tries each of its branches at every position (`_HOME` ~32 us on a tweet, `_WEEKDAY` ~8)."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self._re = pattern
        starts = longest_prefixes(pattern.pattern)
        self._starts = re.compile(trie_pattern(starts)) if starts and "" not in starts else None

    def search(self, text: str) -> re.Match[str] | None:
        if self._starts is not None and self._starts.search(text) is None:
            return None
        return self._re.search(text)


# Python's re runs a long Unicode alternation with IGNORECASE ~3.5x slower than the same pattern case-sensitive on
# lower-cased text (`_PUBLIC_EVENT` on a tweet: ~120 -> ~35 us). The notice cues below are only asked yes or no, so
# they are compiled case-sensitive and read the lower-cased text. re's IGNORECASE also equates i with the Turkish ı
# and İ (which lowers to two characters), so the pattern and the text both fold those to i first.
_TURKISH_I = str.maketrans({"İ": "i", "ı": "i"})


class _AnyCase:
    """A case-insensitive cue asked only whether it occurs (`found`)."""

    def __init__(self, pattern: str) -> None:
        self._re = re.compile(pattern.translate(_TURKISH_I))

    def found(self, text: str) -> bool:
        return self._re.search(text.translate(_TURKISH_I).lower()) is not None


_REGIONS = ("TR", "AZ", "IR", "RU", "GB", "US")
_DIGIT = re.compile(r"\d")
_DIGIT_RUN = re.compile(r"\+?\d[\d\s\-().]{5,}\d")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}\b")
# An organisation's role mailbox (info@, jobs@, hr@, contact@ ...) is published to be written to: nobody's own
_ROLE_MAILBOX = re.compile(
    r"(info|jobs?|careers?|hr|contact|office|support|hello|admin|press|enquiries|inquiries|reception|school"
    r"|noreply|no-reply|sales|team|kadr|ish|vakansiya|rezyume|resume|cv|ik|kariyer|basvuru|insankaynaklari)@", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_.]{3,30}\b")
_HANDLE_CONTEXT = re.compile(
    r"\b(insta(gram)?|ig|snap(chat)?|tik ?tok|telegram|tg|discord|whats ?app|kik|vk|wa)\b\s*[:=\-]?\s*@?"
    # not the everyday word after the platform's name ("whatsapp grubuna", "insta story", "discord server")
    r"(?!(gro?up|grub|grup|qrup|chat|call|story|stor(y|ie)s|video|voice|message|msg|mesaj|status|durum|hikaye|"
    r"sohbet|arama|zeng|link|account|hesab|server|sunucu|kanal|channel|post|reels?|live|canli|web|app|"
    r"page|sayfa|səhif|sehif|profil|foto|sekil|şəkil|challenge|trend|filtre|filter|takip|izle|paylas|payla[sş]|"
    r"location|settings?|streaks?|maps?|ghost|privacy|parental|staff|support|team|admins?|mods?|moderator)\w*\b)"
    # a handle ends where the word ends: "ТикТок васитәсилә" (read as "TikTok vasitəsilə") and "tiktok bache-ha"
    # are the sentence going on in letters a handle cannot have
    # ... nor before a contraction's apostrophe ("the parents whatsapp isn't new")
    r"([A-Za-z0-9_.]{3,30})(?![^\W_]|-\w|['’]\w)",
    re.IGNORECASE,
)
# After a platform's name, an inflected word that runs on into the sentence is the sentence ("a tiktok
# saying that...", "discord offers free nitro"), not a handle: a handle is marked (`@`, `:`, `=`), looks
# like one (a digit, `_` or `.`), ends the clause, or is not a verb form ("add me on snap sunnygirl lol").
# A preposition, conjunction or bare verb that runs on is the sentence too ("on discord till 2am with adults",
# "giveaways on tiktok ask you to pay"): no one picks "till" or "ask" as a name, unmarked.
_HANDLE_SHAPED = re.compile(r"[0-9_.]")
_VERB_FORM = re.compile(r"[a-z]{2,}(ing|ed|s)$")
_RUNS_ON = frozenset({
    "till", "until", "with", "and", "but", "for", "from", "about", "after", "before", "since", "because", "when",
    "where", "while", "then", "than", "all", "every", "again", "ask", "tell", "say", "make", "let", "get", "got",
    "want", "need", "keep", "try", "can", "will", "would", "should", "could", "might", "must", "did", "does",
    "the", "this", "that", "these", "those", "some", "any", "you", "they", "she", "him", "her", "them", "who", "what",
})
# ... into a word, a number or a price ("offered a 'delivery job' on instagram paying £200 a day", 29d)
_CLAUSE_GOES_ON = re.compile(r"\s+(?:\w|[£$€₺₼₽#])")
# Turkish and Azerbaijani put the verb last, so the platform's name is often followed by the verb that ends the
# sentence ("Kızım TikTok istiyor.", "Instagram yüklemek istemiyorum", "oğlum Discord açacak": privacy 0.7 for the
# "handle" `istiyor` on a parent's question, dev rounds 1-8). A word in the progressive, the infinitive or the
# future is that verb, not a name (names like "Samir" or "Mehdi" end otherwise, so -ir and -di are left out).
_TURKIC_VERB = re.compile(
    r"[^\W\d_]{2,}(?:[iıuü]?yor|mak|mek|makta|mekte|acak|ecek|acağ|eceğ|acaq|əcək|əcəy|[ae]caq|yır|yir|yur|yür|ıyır|iyir"
    r"|uyur|üyür|əyir|ayır)(?:um|üm|im|ım|sun|sün|sin|sın|uz|üz|iz|ız|lar|ler|dı|di|du|dü|mış|miş|muş|müş|am|əm|sən|san"
    r"|ıq|ik|q|k|m|n|tı|ti|tu|tü)?",
    re.IGNORECASE,
)
_TURKIC_LANGS = frozenset({"tr", "az"})


# Finglish has no capitals and no English verb endings to tell a name from the sentence ("khaharam mikhast ba ye
# pesar az insta gharar bezare": privacy 0.7 for the "handle" `gharar`, falseflags2 probe lines, 2026-12-06): there an
# unmarked plain word after the platform that runs on into the clause is the sentence
_PLAIN_WORD_LANGS = frozenset({"fa"})


def _names_a_handle(m: re.Match[str], text: str, lang: str = "") -> bool:
    """Whether a platform name's match is followed by an account name rather than the rest of a sentence."""
    handle = m.group(m.lastindex or 0)
    marked = any(c in text[m.start():m.start(m.lastindex or 0)] for c in ":=@")
    if lang in _TURKIC_LANGS and not marked and _TURKIC_VERB.fullmatch(handle.rstrip(".")):
        return False  # the sentence's last word, a full stop after it ("TikTok istiyor.")
    if marked or _HANDLE_SHAPED.search(handle):
        return True
    if not (_VERB_FORM.fullmatch(handle) or handle.lower() in _RUNS_ON or lang in _PLAIN_WORD_LANGS):
        return True
    return _CLAUSE_GOES_ON.match(text, m.end()) is None


_DECIMAL = re.compile(r"\d\.\d{3}")
_COORDS = re.compile(r"(?<![\d.])-?\d{1,2}\.\d{3,}\s*,\s*-?\d{1,3}\.\d{3,}(?![\d.])")
_MAPS = re.compile(r"(https?://)?(maps\.google\.\w+|goo\.gl/maps|maps\.app\.goo\.gl|yandex\.\w+/maps|waze\.com)\S*", re.I)
_ADDRESS = re.compile(
    r"(\b\d{1,4}[a-z]?\s+[A-Z][\w'-]+(\s[A-Z][\w'-]+)?\s+(street|st|road|rd|avenue|ave|lane|ln|close|drive|dr)\b\.?)"
    r"|(\b[\wçğıöşüÇĞİÖŞÜəƏ'-]+\s+(sokak|sokağı|sok\.|cadde(si)?|cad\.|bulvar[ıi]|mahallesi|mah\.)\s*(no[:.]?\s*)?\d{1,4})"
    r"|(\b[\wçğıöşüÇĞİÖŞÜəƏ'-]+\s+(küçəsi|kucesi|prospekti|məhəlləsi)\s*(ev\s*)?\d{1,4})"
    r"|((خیابان|کوچه|بلوار|پلاک)\s+\S+(\s+\S+)?\s*(پلاک\s*)?[\d۰-۹]{1,4})"
    r"|((улица|ул\.|проспект|пр-т|переулок|дом|д\.)\s*[\w.-]+(\s+[\w.-]+)?,?\s*(д\.|дом)?\s*\d{1,4}(,?\s*(кв\.?|квартира)\s*\d{1,4})?)",
    re.IGNORECASE,
)
_ADDRESS_SAY = re.compile(r"\b(my address is|i live at|adresim|evim .{0,20}(da|de)\b|ünvanım|unvanim|мой адрес|я живу на)|آدرس(م| من)", re.I)
_SCHOOL = re.compile(
    r"([A-Z][\w'-]+(\s[A-Z][\w'-]+){0,3}\s+(?i:primary|middle|high|elementary|secondary|grammar)?\s*(?i:school)\b)"
    r"|([A-ZÇĞİÖŞÜ][\wçğıöşü'-]+(\s[A-ZÇĞİÖŞÜ][\wçğıöşü'-]+){0,3}\s+(?i:ortaokulu|ilkokulu|lisesi|anadolu lisesi|koleji))"
    r"|(\b\d{1,3}\s*(saylı|sayli|nömrəli|nomreli)\s+(orta\s+)?(məktəb|mekteb)\w*)|(\b[\wəöüçşğı-]+\s+(adına|adina)\s+(orta\s+)?(məktəb|mekteb)\w*)"
    r"|((مدرسه|دبیرستان|دبستان|هنرستان)(\u200c?ی)?\s+(شهید|امام|علامه|دکتر|استاد|حضرت|آیت\u200c?الله|نمونه|غیرانتفاعی|غیر انتفاعی"
    r"|دخترانه|پسرانه|تیزهوشان|فرزانگان|شماره\s*[\d۰-۹]+)(\s+\S+)?)"
    r"|((школ[аеуы]|гимнази[яиюей]|лице[йяею])\s*(№|номер|n)?\s*\d{1,4})",
    re.UNICODE,
)
# Persian has no capital letters to mark a name, so "school" and the next word is a school's name only
# with an age or a child's name beside it; alone it is as often "school was closed" or "school, I go"
# (a quarter of ordinary Persian chat read as a school name and was sent on to the semantic stage).
_SCHOOL_UNMARKED = re.compile(r"(مدرسه|دبیرستان|دبستان|هنرستان)(\u200c?ی)?\s+\S+(\s+\S+)?")
_AGE = re.compile(
    r"\b(i'?m|i am|im|she'?s|he'?s|she is|he is)\s+(only\s+)?(1[0-7]|[6-9])\b(?!\s*(am|pm|:|%|\$))|\b(1[0-7]|[6-9])\s*(years? old|yo|y/o)\b"
    r"|\b(1[0-7]|[6-9])\s*(yaşındayım|yasindayim|yaşında|yasinda|yaşım|yasim|yaşındadır|yaşım var|yaşındayam|yasindayam)"
    r"|\b(1[0-7]|[6-9])\s*(-?\s*(ci|cı|cu|cü|ncı|nci|ncu|ncü|\.)\s*)(sınıf|sinif|sinifde|sinifdə|sınıftayım)"
    r"|([۶-۹]|۱[۰-۷]|1[0-7]|[6-9])\s*(سالمه|ساله|سالشه|سال دارم)|کلاس\s*(ششم|هفتم|هشتم|نهم|[۶-۹6-9])"
    r"|(мне|ей|ему)\s+(1[0-7]|[6-9])\s*(лет|год)|\b(1[0-7]|[5-9])\s*(класс|классе)\b|(7th|8th|9th|6th|10th|5th) grade",
    re.IGNORECASE,
)
# A public event's address (a school fair, a concert, an open day) is published on purpose: with
# one of these words and nobody saying it is where they live, an address is weak evidence. So is a notice an
# institution sends to all its parents (a parents' evening, a sports day, "Уважаемые родители!", a club's
# timetable): on dev rounds 17d and 18d such notices were 6 of the 24 benign lines whose flag the harm verifier
# could not drop, in three languages (2026-12-07); 5 of them now read as notices (a Turkish one names a grade
# beside its school, which still counts as a child's details).
_PUBLIC_EVENT = _AnyCase(
    r"\b(fair|festival|open day|open house|concert|ceremony|exhibition|tournament|bazaar|charity|fundraiser"
    r"|everyone( is)? welcome|all welcome|tickets?|invites? (you|all|everyone|parents|families)|venue"
    r"|dear parents|parents'?s?'? evening|sports day|open evening|prize ?giving|assembly hall)\b"
    r"|sayın veliler|sayin veliler|velilere|veliler(imiz)?in dikkatine|spor günü|spor gunu"
    r"|hörmətli valideyn|hormetli valideyn|valideynlərin nəzərinə|valideynlerin nezerine"
    r"|اولیای (محترم|گرامی)|والدین (محترم|گرامی)|اطلاعیه|جلسه اولیا"
    r"|уважаемые родители|родительское собрание|линейк|секци[яиюй]|кружок|кружк[аие]|запись в секци"
    r"|şenli[kğ]|senli[kg]|festival|kermes|açık kapı|tören|etkinli[kğ]|konser|davetlisiniz|herkes davetli|sergi"
    r"|açık gün|acik gun|fuar|gösteri|gosteri|müze|muze|gezi\b|gezisi|davetli|panel|seminer|tiyatro|veli toplant"
    r"|şənli[kyğ]|tədbir|konsert|sərgi|dəvət|hamı dəvətli|yarmarka|tedbir|senlik|muzey|ekskursiya|seminar|tamaşa|tamasa|konfrans|davet|valideyn iclas"
    r"|جشن|جشنواره|نمایشگاه|مراسم|همایش|دعوت|بازارچه|کنسرت"
    r"|ярмарк|праздник|фестивал|концерт|день открытых дверей|приглаша|выставк|мероприяти"
    # a competition open to all, and an employer's address in a job advert (dev round 21d, 2026-12-07)
    r"|turnir|turnuva|турнир|соревновани|yarışma|yarisma|yarış|müsabiqə|musabiqe|olimpiad|олимпиад|مسابقه|تورنمنت|المپیاد"
    # and a graduation's venue, entry by invitation (25d: "Выпускной ... в ДК «Строитель», ул. Центральная, 5")
    r"|graduation|\bprom\b|mezuniyet|buraxılış|buraxilis|выпускн|vypuskn|пригласительн|вход по|جشن فارغ"
    r"|\bhiring\b|job interview|вакансия|собеседовани|vakansiya|tələb olunur|teleb olunur|eleman aran|iş ilanı"
    r"|is ilani|استخدام|estekhdam|مصاحبه کاری"
    # a camp's collection point, a charity drive's drop-off, a youth group's weekly meeting (dev round 29d,
    # 2026-12-07: "Camp info: collection is from the car park at ..., bring photo ID", "Xeyriyyə aksiyası: ...
    # Nümunə küçəsi 7 ünvanında ... qəbul edirik", "جلسه‌ی هفتگی کانون نوجوانان مسجد ... نشانی: ...")
    r"|birthday party for|(all|every) (the )?(kids|children|families|neighbours|neighbors) [^.!?\n]{0,30}welcome"
    r"|camp info|collection point|drop-?off point|pick-?up point|bring (a |your )?photo id|donations? (welcome|accepted)"
    r"|you can drop (them |it )?off|getirebilirsiniz|derneğimize|dernegimize|gətirə bilərsiniz"
    r"|getire bilersiniz|bağış kabul|bagis kabul|toplanma (yeri|noktas)|xeyriyy|aksiyas|qəbul edirik|qebul edirik|ianə|iane toplan"
    r"|کانون|خیریه|kheyriye|جلسه[ ‌]?(ی )?هفتگی|пункт сбора|благотворительн|приём вещей|прием вещей"
    # a club's trials or training times, a school trip's meeting point, an open day (dev round 38d, 2026-12-07:
    # "Under-12s football trials this Saturday 10am at Riverside Park pitches, 12 Example Lane ... Parents welcome",
    # "Futbol klubumuzun məşqləri ... ünvan: Bahar küçəsi 00", "экскурсия в пятницу, сбор у школы ..., адрес музея")
    r"|\btrials\b|parents (are )?welcome|training (sessions? )?(is|are|will be|starts?)|antrenmanlar|seçmeler|secmeler"
    r"|məşqlər|mesqler|klubumuz|تمرینات|экскурси|открытый день|открытые двери|сбор у школы|сбор в \d",
)
# A service's number is published to be called: a toll-free helpline ("free 24/7 line 0800 000 0000", "8-800"),
# a shared-cost or premium line, a company's one number (Turkey's 444 lines): never a child's own. A landline
# given as an institution's contact ("Bilgi için okul müdürlüğü: 0212...", "справки по телефону приёмной", "تلفن
# دفتر مدرسه") or beside a public event is published on purpose too. On the independent dev lines of round 10d
# (2026-12-06) helpline and school-fair numbers were 6 of the 21 false flags on the even ids, in all five
# languages; a mobile number, or any number someone says is theirs or someone's ("numaram", "her number"),
# stays personal data.
_SERVICE_TYPES = frozenset({
    phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.PREMIUM_RATE, phonenumbers.PhoneNumberType.UAN,
})
# A number a notice publishes to be called, landline or mobile: a club, a coach, a small business, a lost cat's
# owner publish their mobile as often as a landline (on dev round 21d, 2026-12-07, published mobiles in chess-club,
# futsal, helpline, science-fair and lost-pet notices were 6 of the 20 benign flags, in four languages)
_PUBLISHED_TYPES = frozenset({
    phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
})
_CONTACT_FRAME = _AnyCase(
    r"\b(helpline|hotline|help ?line|free (24/7 )?(phone )?line|freephone|call the (school )?office|school office|reception"
    r"|enquiries|inquiries|for (more )?info(rmation)?|contact us|box office)\b"
    r"|bilgi için|bilgi icin|iletişim|iletisim|danışma|danisma|müdürlü|mudurlu|sekreterl|yardım hattı|yardim hatti"
    r"|ücretsiz hat|ucretsiz hat|destek hattı|destek hatti|alo \d"
    r"|əlaqə|elaqe|katibli|qaynar xətt|qaynar xett|ödənişsiz|odenissiz|məlumat üçün|melumat ucun|ofis"
    r"|справк|при[её]мн|горяч\w* лини|телефон доверия|бесплатн\w* лини|линия|lini[jy]a|канцеляри|вахт"
    r"|تلفن دفتر|دفتر مدرسه|خط رایگان|خط مشاوره|اطلاعات بیشتر|تماس با|روابط عمومی|khat-?e|raygan"
    # a notice asks everyone to call, write or apply, in the plural or the impersonal ("call us", "arayın",
    # "zəng edin", "zang bezanin", "звоните", "запись по тел."), or is a job advert or a lost pet's poster
    r"|\b(call|text|whatsapp|ring) us\b|\bcall or text\b|\bapply\b|\bsend (us )?your cv\b|\bwe'?re hiring\b"
    r"|arayın|arayiniz|arayınız|ulaşın|ulasin|başvur|basvur|eleman aran|iş ilanı|is ilani|kayıt için|kayit icin"
    r"|zəng edin|zeng edin|müraciət|muraciet|tələb olunur|teleb olunur|vakansiya"
    r"|زنگ بزنید|تماس بگیرید|zang bezanin|tamas begirid|رزومه|استخدام|estekhdam|نیرو می|niroo mi|\binfo\s*:"
    r"|звоните|zvonite|пишите|pishite|обращайтесь|запись по|резюме|rezyume|вакансия|vakansija|vakansiya"
    r"|lost (cat|dog|kitten|puppy)|kayıp (kedi|köpek)|kayip (kedi|kopek)|itib|itdi"
    r"|گم شده|gom shode|потерял(ся|ась)|poteryal(sya|as)|пропал(а|)? (кошка|собака|кот|пес|пёс)"
    # a club's or a library's registration line, a poster's reward for a lost pet, "tel." before a notice's
    # number (dev round 25d, 2026-12-07: a chess club, a free drawing class, a runaway cat, a lost dog and a
    # chess section's "тел. 8 (555) ..., спросить Ирину Петровну" were 5 of the 22 benign flags, in four languages)
    r"|\bregistration\b|\bsign ?ups?\b|\breward\b|kayıtlar[ıi] için|kayitlari icin|arayabilirsiniz|ulaşabilirsiniz"
    r"|ulasabilirsiniz|bilgi hatt|kayıtlar[ıi] başladı|kayitlari basladi|ödül|\bodul|qeydiyyat|mükafat|mukafat|görsəniz|gorseniz|tapsanız|tapsaniz"
    r"|ثبت[ \u200c]?نام|sabt ?e? ?nam|مژدگانی|مژدگونی|mo[jz]h?degani|mozhdegooni"
    r"|\bтел\.|\btel\.|спросить|вознагражд|voznagrazhd|кто видел"
    # a number after a label ("zəng: 0555 ...", "call: ...", "тел: ...", "تماس: ...") and a polite or plural "please
    # call" in Finglish (dev round 39d, 2026-12-07: a blood donor appeal and a neighbours' group asking for a plumber)
    r"|\b(zəng|zeng|call|arama|телефон|telefon)\s*:|(تماس|تلفن)\s*:|zang bezanid|tamas begirin|zang bezanan|tamas begiran|زنگ بزنن|تماس بگیرن",
)
# A number labelled with a role's name, not a person's: the coach's, the teacher's, the camp leader's, the driver's
# ("rəhbərin nömrəsi 0555 ...", "شماره‌ی مربی: ۰۹۳۵ ...", "номер тренера ..."), or a number a notice asks everyone
# to write to ("0555 000 00 00 nömrəsinə yazın"). On dev round 39d (2026-12-07) a camp's, a driving school's and an
# awareness post's numbers were 3 of the 33 benign flags, and on round 41d a lost dog's ("... nömrəsinə zəng etsin",
# let the finder call); "her number" and "onun nömrəsi" stay personal data.
_ROLE_NUMBER = _AnyCase(
    r"\b(coach|teacher|instructor|leader|manager|driver|organi[sz]er|tutor|office|secretary)'?s? (phone |mobile )?"
    r"(number|no\.?|tel)\b"
    r"|\b(hoca|öğretmen|ogretmen|antrenör|antrenor|koç|koc|rehber|müdür|mudur|şoför|sofor|yönetici|yonetici|eğitmen"
    r"|egitmen|müəllim|muellim|məşqçi|mesqci|rəhbər|rehber|sürücü|surucu|direktor|administrator|təşkilatçı|teskilatci"
    r"|inzibatçı)\w* (telefon )?(numaras|nömrəs|nomres)"
    r"|номер\w* (тренера|учителя|педагога|водителя|руководителя|администратора|вожат\w+|организатора|инструктора"
    r"|секретаря|директора)"
    r"|شماره[\u200c ]?(ی|ی )?(تماس )?(مربی|معلم|مدیر|راننده|مسئول|آموزشگاه|دفتر|منشی|مشاور)"
    r"|\d\s*(nömrəsinə|nomresine|numarasına|numarasina)\s+(yazın|yazin|zəng edin|zeng edin|arayın|arayin|ulaşın|ulasin"
    r"|zəng etsin|zeng etsin|yazsın|yazsin|arasın|arasin)",
)
_PHONE_SAY = _AnyCase(
    r"\b(my|her|his|their|your) (phone |mobile |cell )?(number|no\.?|num)\b|\b(call|text|ring|whatsapp) me\b"
    r"|numaram|numarası|numarasi|numaramı|numarami|beni ara|nömrəm|nomrem|nömrəsi|nomresi|məni zəng|meni zeng"
    r"|мой номер|мой телефон|е[её] номер|его номер|номер е[её]|номер его|позвони мне|звони мне|напиши мне"
    r"|شماره ?م|شمارم|شمارش|شماره‌ش|شماره اش|بهم زنگ"
    r"|\b(call|text|ring|message|dm) (her|him|them)\b|\bonu ara|\bona (zəng|zeng|yaz)|звоните (ей|ему)|(ей|ему) звоните"
    r"|позвони(те)? (ей|ему)|напиши(те)? (ей|ему)|بهش زنگ|behesh zang",
)
# Doxxing: an account handle given together with where its owner lives or will be ("her @ is ..., blue house on
# the corner, PE tuesdays 2pm behind the gym"). A bare `@name` is weak (people share their own and their
# clubs'), and so is a house or a weekday; the two together point others at one person. Read on the normalised
# text (lower case, Turkish and Azerbaijani letters folded, Finglish and Latin-typed Russian written back in
# their script), so one cue list serves each language's spellings. A home said with its place or look:
_HOME = _WithStarts(re.compile(
    r"\b(lives?|living|stays?) (at|in|on|near|by|next to|opposite|across from|behind)\b"
    r"|\b(house|home|flat|apartment|building)\b[^.!?\n]{0,25}\b(on|at) the (corner|end)\b"
    r"|\b(her|his|their) (house|home|flat|address|building)\b"
    r"|\b(blue|red|white|green|yellow|gr[ae]y|black|brown|pink) (house|door|gate|building)\b"
    r"|\b(kose|kosedeki|sokagin|caddenin|parkin|okulun|marketin|durak)\w* (\w+ )?(ev|apartman|bina)\w*"
    r"|\b(evi|evleri|evine|evinin)\b|\b(oturuyor|yasiyor)\b"
    r"|\b(tin|kunc)\w* (\w+ )?(ev|bina)\w*|\b(yasayir|qalir)\b"
    r"|\b(mavi|kirmizi|beyaz|yesil|sari|gri|siyah|pembe|goy|qirmizi|ag|yasil|boz|qara) (ev|kapi|qapi|bina|apartman)\b"
    r"|(خون[هشا]|خانه|منزل)\S*[^.!؟?\n]{0,25}((سر|سار)-? کوچه|ته کوچه|نبش|کنار|روبروی|بغل|پشت)"
    r"|(خونه|خانه)\S* (ابی|قرمز|سفید|سبز|زرد|طوسی|مشکی|صورتی)|زندگی میکن(ه|د)"
    r"|\b(живет|живут|живёт)\b|\b(ее|её|его|их) (дом|квартир|подъезд|адрес)\w*"
    r"|\bдом\w* (на углу|в конце|возле|напротив|рядом)|\b(син|красн|бел|зелен|зелён|желт|жёлт|сер|черн|чёрн|розов)\w* (дом|подъезд|ворот|двер)\w*",
))
# ... or a weekday with a clock time (where she will be, and when), said of someone else:
_WEEKDAY = _WithStarts(re.compile(
    r"\b(mon|tues?|wed|thu(rs)?|fri|sat|sun)(day)?s?\b"
    r"|\b(pazartesi|sali|carsamba|persembe|cuma|cumartesi|pazar|bazar ertesi|cersenbe|cume|senbe)\w*"
    r"|(شنبه|یکشنبه|دوشنبه|سه ?شنبه|سشنبه|چهارشنبه|پنجشنبه|جمعه)"
    r"|\b(понедельник|вторник|сред[аыу]|средам|четверг|пятниц|суббот|воскресен)\w*",
))
_CLOCK = re.compile(r"\b\d{1,2}([:.]\d{2})?\s*(am|pm)\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}(te|de|da|ta|ten|den)\b"
                    r"|\bsaat \d|ساعت ?[\d۰-۹]|\bв \d{1,2}\b")
_SOMEONE = re.compile(r"\b(her|his|she'?s|he'?s|she|him|kiz|kizin|oglan|oglanin|onun|qiz|qizin|onu)\b"
                      r"|(دختره|پسره|\bاون\b|\bاو\b|-ش\b|اش\b)|\b(ее|её|его|она|он)\b")


def _published(text: str) -> bool:
    """A number labelled with a role (`_ROLE_NUMBER`), or a notice's words (`_CONTACT_FRAME` or `_PUBLIC_EVENT`)
    and nobody saying whose number it is (`_PHONE_SAY`): a number in the text is published to be called."""
    if _ROLE_NUMBER.found(text):
        return True
    return not _PHONE_SAY.found(text) and (
        _CONTACT_FRAME.found(text) or _PUBLIC_EVENT.found(text))


def publishes_a_number(text: str) -> bool:
    """A notice giving a number to be called: the test `find` reads a number as published by (`_published`),
    without parsing the number."""
    return _DIGIT_RUN.search(text) is not None and _published(text)


def _whereabouts(normalized: str) -> re.Match[str] | None:
    """Where someone lives, or a weekday and time of someone else's (`_HOME`, `_WEEKDAY`), or None."""
    home = _HOME.search(normalized)
    if home is not None:
        return home
    day = _WEEKDAY.search(normalized)
    if day is not None and _CLOCK.search(normalized) and _SOMEONE.search(normalized):
        return day
    return None


_NAME_SAY = re.compile(r"\b(her name is|his name is|my name is|adı|adi|adım|adim|зовут|اسمش|اسمم)\s+\w+", re.IGNORECASE)


# cheap substring triggers on the lower-cased text that gate the costlier regexes: each list is one
# case-sensitive pattern of its literal words (`_any_of`), a single scan where `any(w in lower ...)`
# scanned the text once a word (~20 us a message for the three lists; a case-insensitive alternation ~40 us)
_ADDRESS_WORDS = ("street", "st.", "road", "rd.", "avenue", "ave.", " lane", "drive", "sokak", "sokağ", "sok.",
                  "cadde", "cad.", "bulvar", "mahalle", "mah.", "küçə", "kuce", "prospekt", "məhəllə",
                  "address", "live at", "adres", "evim", "ünvan", "unvan", "улиц", "ул.", "проспект", "пр-т",
                  "переул", "дом ", "д.", "адрес", "живу", "خیابان", "کوچه", "بلوار", "پلاک", "آدرس")
_SCHOOL_WORDS = ("school", "okul", "lise", "kolej", "məktəb", "mekteb", "مدرسه", "دبیرستان", "دبستان",
                 "школ", "гимнази", "лице")
_SOCIAL_WORDS = ("insta", "ig:", "ig ", "snap", "tiktok", "tik tok", "telegram", "tg:", "discord", "whats",
                 "kik", "vk", "maps", "goo.gl", "waze", "yandex")


def _any_of(words: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern that finds any of `words` as a plain substring (what `any(w in text ...)` asks), as a trie
    (`wordtrie`): the address words' ~3 us a message where one alternation of them was ~5 us and a loop of
    `in` tests ~14 us (one trie of all three lists costs what the three do)."""
    return re.compile(trie_pattern(words))


_ADDRESS_GATE, _SCHOOL_GATE, _SOCIAL_GATE = map(_any_of, (_ADDRESS_WORDS, _SCHOOL_WORDS, _SOCIAL_WORDS))


def mask(kind: str, value: str) -> str:
    """A preview of personal data that shows its shape, not its content.

    Explanations travel further than the text they explain: they are stored with
    reports and decisions while the text itself stays encrypted, so a reason must
    never carry the phone number or address it found. Phones keep the country
    code and the last two digits (`+90 *** *** ** 33`), e-mails the first letter
    and the top-level domain (`a***@***.org`), everything else its first
    character, with every other letter and digit starred. The exact span stays
    reachable through the offsets, for those allowed to decrypt the text.
    """
    value = value.strip()
    if kind.startswith("phone"):
        digits = [i for i, c in enumerate(value) if c.isdigit()]
        keep = set(digits[-2:])
        if value.startswith("+"):
            k = 1
            while k < len(value) and value[k].isdigit():
                keep.add(k)
                k += 1
        return "".join(c if i in keep or not c.isdigit() else "*" for i, c in enumerate(value))
    if kind == "e-mail address" and "@" in value:
        local, _, domain = value.partition("@")
        tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
        return f"{local[:1]}***@***.{tld}" if tld else f"{local[:1]}***@***"
    head = 2 if value[:1] in "@#" else 1
    return value[:head] + "".join("*" if c.isalnum() else c for c in value[head:])


def _hit(m: re.Match[str], score: float, reason: str) -> Hit:
    return Hit(P, score, f"{reason}: '{mask(reason, m.group())}'", m.start(), m.end(), False, "privacy")


@register
class PrivacyDetector(Detector):
    """Personal data that could identify or locate a child."""

    name = "privacy"
    categories = (P,)

    def find(self, original: str, normalized: str, lang: str) -> list[Hit]:
        # Azerbaijani in Cyrillic is read in its Latin letters (same length: the spans are the original's),
        # so its addresses, schools and ages match the Latin patterns (`Низами күчәси 14 мәнзил 7`)
        text = az_latin_same_length(original) or original
        hits: list[Hit] = []
        # phones and coordinates need a digit: one scan for any (~1 us) spares the two patterns' scans (~4 us)
        # on the four chat messages in five that have none
        if _DIGIT.search(text) is not None:
            if any(sum(c.isdigit() for c in m.group()) >= 7 for m in _DIGIT_RUN.finditer(text)):
                hits.extend(self._phones(text, lang, published=_published(text)))
            if _DECIMAL.search(text):
                hits.extend(_hit(m, 0.85, "coordinates") for m in _COORDS.finditer(text))
        if "@" in text:
            hits.extend(_hit(m, 0.75, "e-mail address") for m in _EMAIL.finditer(text) if not _ROLE_MAILBOX.match(m.group()))
            emails = [(h.start, h.end) for h in hits]
            handles = [_hit(m, 0.45, "social handle") for m in _HANDLE.finditer(text)
                       if not any(s <= m.start() < e for s, e in emails)]
            hits.extend(handles)
            # where first: `_PUBLIC_EVENT` costs ~170 us on a tweet, and most texts with a handle say no place
            where = _whereabouts(normalized) if handles else None
            if where is not None and not _PUBLIC_EVENT.found(text):
                hits.append(Hit(P, 0.35, f"with where to find its owner: '{mask('place', where.group())}'",
                                where.start(), where.end(), True, "privacy"))
        lower = text.lower()
        if _SOCIAL_GATE.search(lower):
            hits.extend(_hit(m, 0.7, "social account") for m in _HANDLE_CONTEXT.finditer(text)
                        if _names_a_handle(m, text, lang))
            hits.extend(_hit(m, 0.85, "map link") for m in _MAPS.finditer(text))
        if _ADDRESS_GATE.search(lower):
            says = [_hit(m, 0.35, "says where they live") for m in _ADDRESS_SAY.finditer(text)]
            public = not says and _PUBLIC_EVENT.found(text)
            hits.extend(
                _hit(m, 0.3, "address of a public event") if public else _hit(m, 0.75, "street address")
                for m in _ADDRESS.finditer(text)
            )
            hits.extend(says)
        if not _SCHOOL_GATE.search(lower):
            return hits
        schools = [_hit(m, 0.45, "school name") for m in _SCHOOL.finditer(text)]
        ages = [_hit(m, 0.45, "child's age or grade") for m in _AGE.finditer(text)]
        names = [_hit(m, 0.4, "child's name") for m in _NAME_SAY.finditer(text)]
        if not schools and (ages or names):
            schools = [_hit(m, 0.45, "school name") for m in _SCHOOL_UNMARKED.finditer(text)]
        if schools:
            if not ages and not names and _PUBLIC_EVENT.found(text):
                # a school announcing its own event names itself on purpose
                schools = [_hit(m, 0.2, "school hosting a public event") for m in _SCHOOL.finditer(text)]
            hits.extend(schools + ages + names)
        return hits

    @staticmethod
    def _phones(text: str, lang: str, published: bool = False) -> list[Hit]:
        """Phone numbers, but not a service's number (`_SERVICE_TYPES`), nor a landline where `published` (an
        institution's contact or a public event, nobody saying whose number it is)."""
        seen: set[tuple[int, int]] = set()
        hits: list[Hit] = []
        first = LANGUAGES[lang].phone_region if lang in LANGUAGES else None
        regions = ((first,) if first else ()) + tuple(r for r in _REGIONS if r != first)
        for region in regions:
            if seen:
                break  # a valid reading was found (kept or not); other numbering plans would only re-read it
            for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
                span = (m.start, m.end)
                if any(s < span[1] and span[0] < e for s, e in seen):
                    continue
                seen.add(span)
                where = phonenumbers.region_code_for_number(m.number) or region
                kind = phonenumbers.number_type(m.number)
                if kind in _SERVICE_TYPES or (published and kind in _PUBLISHED_TYPES):
                    continue  # published to be called: no evidence at all (a weak one still added up with a
                    # public event's address and its school's name past the rule threshold)
                hits.append(Hit(P, 0.8, f"phone number ({where}): '{mask('phone', m.raw_string)}'", m.start, m.end,
                                False, "privacy"))
        return hits

    @classmethod
    def examples(cls) -> list[Example]:
        return [
            Example("her number is +90 532 123 45 67 and she's at Ataturk Middle School", "en", P),
            Example("my email is little.ayse2013@example.com", "en", P),
            Example("I'm 12 and I go to Riverside Primary School", "en", P),
            Example("add me on insta: sunny_girl_2012", "en", P),
            Example("we are at 40.4093, 49.8671 come now", "en", P),
            Example("numaram 0532 123 45 67, Atatürk Ortaokulu'nda okuyorum", "tr", P),
            Example("12 yaşındayım, Bağcılar Lisesi", "tr", P),
            Example("nömrəm +994 50 123 45 67", "az", P),
            Example("mən 11 yaşındayam, 45 nömrəli məktəbdə oxuyuram", "az", P),
            Example("мән 11 јашындајам, 45 нөмрәли мәктәбдә охујурам", "az", P),
            Example("онун еви Нәсими күчәси 8-дәдир, ахшам ора ҝедәк", "az", P),
            Example("мәктәбин шәнлији шәнбә ҝүнү, үнван: Низами күчәси 5", "az", None),
            Example("شماره من 0912 345 6789 هست", "fa", P),
            Example("۱۲ سالمه و مدرسه شهید بهشتی میرم", "fa", P),
            Example("мой номер 8 (916) 123-45-67", "ru", P),
            Example("мне 12 лет, учусь в школе № 57", "ru", P),
            Example("I live at 221 Baker Street", "en", P),
            Example("come to the party, I live at 12 Oak Street", "en", P),
            Example("school fair Saturday at 12 Oak Street, everyone welcome", "en", None),
            Example("okul şenliği cumartesi, adres: Atatürk Caddesi 12", "tr", None),
            Example("məktəbin şənliyi şənbə günü, ünvan: Nizami küçəsi 5", "az", None),
            Example("okulun açık günü cumartesi 10:00, Okul Sokak no 1, tüm aileler davetli", "tr", None),
            Example("muzey Nümunə prospekti 5-dədir, ekskursiya məktəbdən 9-da çıxır", "az", None),
            Example("sınıfın instagram sayfasına gezi fotoğraflarını yükledim", "tr", None),
            Example("annemle tiktok challenge videosu çektik", "tr", None),
            Example("saw a tiktok saying the school closes tomorrow, is it true?", "en", None),
            Example("add me on snap sunnygirl", "en", P),
            Example("my son is on discord till 2am with people he met online", "en", None),
            Example("those giveaways on tiktok ask you to pay for shipping, ignore them", "en", None),
            Example("add me on snap till_midnight", "en", P),
            Example("dokhtar khale ye pesar az insta peyda karde, mikhad bahash harf bezane", "fa", None),
            Example("insta: sara_2011 addam kon", "fa", P),
            Example("how to turn off snapchat location sharing for your child, a guide for parents", "en", None),
            Example("جشن مدرسه جمعه، خیابان آزادی پلاک 12", "fa", None),
            Example("امروز مدرسه تعطیل بود، فردا مدرسه نمیرم", "fa", None),
            Example("гимназия, ул. Садовая 10, приглашает на ярмарку выпускников в субботу", "ru", None),
            Example("the meeting is at 10:30 in room 12", "en", None),
            Example("if you feel unsafe at home, call the free 24/7 helpline 0800 111 2222", "en", None),
            Example("okul şenliği cumartesi 10.00, bilgi için okul müdürlüğü: 0212 555 12 34", "tr", None),
            Example("справки по телефону приёмной: 8 (495) 123-45-67", "ru", None),
            Example("телефон доверия для подростков 8-800-200-01-22, бесплатно", "ru", None),
            Example("my number is 0212 555 12 34, call me after school", "en", P),
            Example("okul gezisi cumartesi, numaram 0532 123 45 67 yaz bana", "tr", P),
            Example("I scored 12345 points today", "en", None),
            Example("we learned about school history", "en", None),
        ]
