"""Multilingual cue phrases for each grooming stage (en, tr, az, fa, ru).

Why phrases as well as a trained model: the written corpus is small, and a
reviewer must be able to read *why* a message was marked. Each phrase is
matched on the normalised text (`tutela.detect.normalize`), so Turkish and
Azerbaijani are written here ASCII-folded or not (both work), Persian letter
variants are unified and leetspeak is undone before matching.

Phrase syntax, kept tiny so that linguists can edit the lists:
- words separated by spaces must follow each other (punctuation allowed between);
- `*` allows up to three other words in between;
- a word of four or more letters matches as a prefix (morphology: `soyle`
  matches `soyleme`, `söylemeyin`); shorter words match whole; `~` forces a prefix,
  `=` the whole word (`cousin=` is not `cousins`).

Weights: a strong cue (0.9) is specific to grooming in context ("don't tell
your parents about us"); a weak cue (0.5) also occurs in ordinary chats ("add
me on discord", "you're so pretty") and only counts together with others.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tutela.detect.normalize import normalize_text
from tutela.domain.conversation import STAGES, Stage

STRONG = 0.9
WEAK = 0.5

# Images or videos the child already sent: the leverage of sextortion, and also said innocently ("the
# pics you sent from the beach"). A weak image cue (enough to be leverage for the sextortion rule, see
# `risk.sextortion_pattern`) and a frame that keeps the model's threat score below a stage seen, so that
# only an actual threat ("or I post them") completes the pattern.
LEVERAGE = [
    "pics u sent", "pics you sent", "pic u sent", "pic you sent", "vid u sent", "video u sent",
    "video you sent", "vid you sent", "photos you sent", "photos u sent",
    "attigin foto", "attigin video", "gonderdigin foto", "gonderdigin video",
    "atdigin sekil", "atdigin video", "gonderdiyin video",
    "عکسایی که * فرستادی", "ویدیویی که * فرستادی", "فیلمی که * فرستادی", "عکسایی که برام",
    "фотки которые ты * скинул~", "фото которые ты * скинул~", "видос который ты * скинул~",
    "видео которое ты * скинул~",
    # a recorded video call: the leverage of financial sextortion
    "recorded our video", "recorded our call", "recorded you", "recorded the call", "screen recorded",
    "konusmamizi kaydettim", "goruntulu * kaydettim", "seni kaydettim", "danisigimizi yazdim",
    "goruntulu * yazdim", "seni yazdim", "تماس تصویریمونو ضبط", "ضبطش کردم", "ازت فیلم گرفتم",
    "записал~ наш видео", "записал~ наш звонок", "записал~ тебя", "запись нашего",
    # ...announced as a riddle, the opener of an unknown account ("guess what i recorded", `tahmin et ne kaydettim`,
    # "угадай что я записала во время нашего созвона": dev chats 40d, 2026-12-07); weak, so only a threat completes it
    "what i recorded", "ne kaydettim", "neler kaydettim", "neyi kaydettim", "nəyi yazmışam", "neyi yazmisam",
    "nəyi qeydə almışam", "چی ضبط کردم", "چیا ضبط کردم", "chi zabt kardam", "что я записал~", "chto ya zapisal~",
    # "what you sent me", said of the pictures without naming them
    "what you sent me", "what u sent me", "what youve sent me", "neler attigini", "ne attigini", "ne gonderdigini",
    "neler gonderdigini", "ne gonderdiyini", "neler gonderdiyini", "ne atdigini", "چی برام فرستادی",
    "چی واسم فرستادی", "چیا فرستادی", "chi vasam ferestadi", "chi baram ferestadi", "что ты мне скидывал~",
    "что ты мне присылал~", "что ты мне отправлял~", "что ты мне скинул~", "что ты мне прислал~",
    "что ты мне * скидывал~", "что ты мне * присылал~", "что ты мне * скинул~", "что ты мне * прислал~",
    "фотки которые ты * скидывал~", "фото которые ты * скидывал~", "фотки которые ты * присылал~",
]

# stage -> list of (weight, phrases); every language in one list: the scripts
# and vocabularies hardly collide, and code-switching is common in chats.
LEXICON: dict[Stage, list[tuple[float, list[str]]]] = {
    Stage.RAPPORT: [
        (STRONG, [
            # en
            "mature for your age", "mature for ur age", "so mature", "older than your age",
            # "you carry yourself really maturely" (dev chat en-d26-02, 2026-12-08)
            "carry yourself really maturely", "carry yourself so maturely", "you carry yourself maturely",
            "not like other girls", "not like other kids", "different from other girls",
            "nobody understands you like", "no one understands you like", "i understand you better",
            "only one who understands you", "you can trust me", "u can trust me", "your parents dont understand",
            "ur parents dont understand", "you deserve better than them",
            # tr
            "yasina gore cok olgun", "yasina gore olgun", "yasindan buyuk gibi", "diger kizlardan farkli",
            "seni kimse benim kadar anla", "seni bir tek ben anla", "bana guvenebilirsin", "ailen seni anlamiyor",
            # az
            "yasina gore cox agilli", "yasindan boyuk gorunur", "diger qizlardan ferqli", "seni hec kim menim qeder",
            "menə etibar ede bilersen", "mene guvene bilersen", "valideynlerin seni basa dusmur",
            # fa
            "از سنت بزرگتر", "خیلی بالغ", "با بقیه دخترا فرق", "هیچکس مثل من درکت", "فقط من درکت",
            "میتونی بهم اعتماد", "مامان بابات درکت نمیکنن", "az senet bozorgtar", "hichkas mese man",
            # ru
            "взрослая для своего возраста", "взрослая для своих лет", "взрослый для своего возраста",
            "не такая как все", "не такая как другие", "никто не понимает тебя так",
            "только я тебя понимаю", "мне можно доверять", "можешь мне доверять", "родители тебя не понимают",
            "выглядишь старше своих", "взрослее своих лет", "взрослее своего возраста", "взрослее своих ровесниц",
        ]),
        (WEAK, [
            "youre so pretty", "ur so pretty", "you are so pretty", "youre beautiful", "ur beautiful", "so cute",
            "youre special", "ur special", "you are special", "i like talking to you", "love talking to u",
            "cok guzelsin", "cok tatlisin", "ozelsin", "seninle konusmak cok guzel",
            "cox gozelsen", "cox sirinsen", "xususisen", "seninle danismaq xos",
            "خیلی خوشگلی", "خیلی نازی", "خاصی", "khoshgeli", "kheili nazi",
            "ты такая красивая", "ты очень красивая", "ты особенная", "милая", "с тобой так интересно",
        ]),
    ],
    Stage.PERSONAL: [
        (STRONG, [
            "are you alone", "r u alone", "are u alone", "home alone", "are your parents home", "r ur parents home",
            "when do your parents", "when do ur parents", "do your parents check your phone", "parents check ur phone",
            "do you have your own room", "your own room", "who do you live with",
            "yalniz misin", "evde yalniz", "annen baban evde mi", "ailen evde mi", "ailen telefonunu kontrol",
            "kendi odan var mi", "annen ne zaman gelir",
            "evde teksen", "teksen", "valideynlerin evdedir", "valideynlerin telefonunu yoxlayir", "oz otagin var",
            "خونه تنهایی", "تنهایی الان", "مامان بابات خونه", "مامانت کی میاد", "اتاق خودت رو داری", "گوشیتو چک میکنن",
            "tanhayi", "khoone tanhayi",
            "одна дома", "один дома", "родители дома", "когда родители", "родители проверяют телефон",
            "у тебя своя комната",
            # whether the adults around are asleep or look at the phone, and whether the child is alone in
            # a room (issue 12: slow grooming asks these long before a request). Finglish is read through
            # `detector.native_text`, which spells "khab" خاب and "check" چکک, so those spellings are here too
            "are your parents asleep", "r ur parents asleep", "is your mom asleep", "is your mum asleep",
            "alone in your room", "alone in ur room", "parents look at your phone", "parents check your phone",
            "ailen uyuyo", "annen baban uyuyo", "annen uyuyo", "baban uyuyo", "odanda yalniz", "odanda tek",
            "telefonuna bakiyo", "mesajlarina bakiyo", "telefonunu kontrol ediyo",
            "anan atan yatib", "valideynlerin yatib", "anan yatib", "otaginda teksen", "telefonuna baxir",
            "مامان بابات خوابن", "مامان بابات خوابیدن", "مامانت خوابه", "مامانت خوابیده", "همه خوابن",
            "مامان بابات خابن", "مامان بابات خابان", "مامانت خابه", "همه خابن", "همه خابان",
            "تنهایی تو اتاق", "تو اتاقت تنها", "گوشیتو چک", "گوشیتو چکک", "گوشیت رو چک",
            "родители спят", "твоя мама спит", "мама твоя спит", "твои спят", "одна в комнате", "один в комнате",
            "проверяют твой телефон", "проверяют телефон", "смотрят твой телефон", "смотрит твой телефон",
        ]),
        (WEAK, [
            "how old are you", "how old r u", "asl", "what school", "which school", "where do you live",
            "where do u live", "what grade",
            "kac yasindasin", "hangi okul", "nerede oturuyorsun", "kacinci sinif",
            "nece yasin var", "nece yasindasan", "hansi mekteb", "harada yasayirsan", "nece sinifde",
            "چند سالته", "کدوم مدرسه", "کجا زندگی میکنی", "کلاس چندمی", "chand salete",
            "сколько тебе лет", "в какой школе", "где ты живешь", "в каком классе",
        ]),
        # when the adults are out: the moment a patient groomer waits for ("take it when your mum is out")
        (STRONG, [
            "when your mom is out", "when your mum is out", "when your mom isnt home", "when your mum isnt home",
            "when your parents are out", "when your parents arent home", "when nobody is home", "when no one is home",
            "when noones home", "when ur mom is out", "when ur parents are out",
            "annen evde yokken", "annen yokken", "ailen evde yokken", "evde kimse yokken", "annenler yokken",
            "annen cikinca", "evde kimse olmayinca",
            "anan evde olmayanda", "anan olmayanda", "evde hec kim olmayanda", "valideynlerin olmayanda", "anan cixanda",
            "وقتی مامانت خونه نیست", "وقتی مامان خونه نیست", "وقتی مامانت نیست", "وقتی کسی خونه نیست",
            "وقتی هیچکی خونه نیست", "وقتی مامان بابات نیستن", "مامانت که رفت بیرون",
            "когда мамы нет дома", "когда мамы не будет", "когда родителей нет", "когда родителей не будет",
            "когда никого нет дома", "когда никого не будет дома", "когда мама уйдет",
        ]),
    ],
    Stage.GIFTS: [
        (STRONG, [
            "buy you robux", "buy you a new", "send you money", "send u money", "gift card", "robux", "vbucks", "v bucks",
            "i can pay you", "ill pay you", "new phone for you", "get you a new", "give you skins",
            "sana hediye", "para gonderirim", "para atarim", "hediye kart",
            "elmas yukle", "uc yukle", "sana telefon",
            "sene hediyye", "pul gondererem", "pul ataram", "almaz yukle",
            "برات میخرم", "برات بخرم", "کادو میدم", "پول میریزم", "پول میفرستم", "جم میخرم",
            "گیفت کارت", "baraat mikharam",
            "подарю", "скину денег", "кину на карту", "робукс", "задоначу",
        ]),
        (WEAK, ["skins", "skin alirim", "пополню", "شارژ", "подарок", "донат", "هدیه", "kado"]),
        # a game pass, a code or a skin bought for the child ("I'll buy it for you", `kodu atayım`)
        (STRONG, [
            "ill buy it for you", "ill buy you", "gift code", "google play code", "redeem code", "buy you the pass",
            "ben alirim", "sana alirim", "ben alayim", "sana alayim", "kodu atayim", "kod atayim", "google play kod~",
            "hediye kod~", "men alaram", "sene alaram", "kod ataram", "kodu ataram", "google play kod~",
            "برات میگیرم", "من برات میخرم", "کد گوگل پلی", "کد گیفت", "baraat migiram", "barat mikharam",
            "я куплю тебе", "куплю тебе", "код google play", "скину код", "подарочный код",
        ]),
    ],
    Stage.SECRECY: [
        (STRONG, [
            "dont tell your parents", "dont tell ur parents", "dont tell your mom", "dont tell ur mom",
            "dont tell your mum", "dont tell your dad", "dont tell ur dad", "our secret", "our little secret",
            "just between us", "between you and me", "delete our chat", "delete the chat", "delete our messages",
            "delete the messages", "delete this chat", "nobody needs to know", "no one needs to know",
            "they wouldnt understand", "dont tell anyone about us", "dont tell anyone about me",
            "ailene soyleme", "annene soyleme", "babana soyleme", "aramizda kalsin", "sirrimiz",
            "mesajlari sil", "konusmamizi sil", "kimsenin bilmesine gerek yok", "kimseye bizden bahsetme",
            "ailene deme", "anana deme", "atana deme", "valideynlerine deme", "aramizda qalsin", "sirrimiz",
            "mesajlari sil", "yazismani sil", "hec kimin bilmesine ehtiyac yoxdur",
            "به مامانت نگو", "به بابات نگو", "به خانوادت نگو", "به خونوادت نگو", "بین خودمون بمونه",
            "رازمون", "راز ما", "پیامارو پاک کن", "چتو پاک کن", "چترو پاک کن", "لازم نیست کسی بدونه",
            "be mamanet nagoo", "beyne khodemoon",
            "не говори родителям", "не говори маме", "не говори папе", "родителям не говори",
            "маме не говори", "наш секрет", "наша тайна", "удали переписку", "удали сообщения",
            "удали чат", "никто не должен знать",
            # a delete-the-chat habit and "between us" said of the two of them (not of a bit of gossip)
            "удаляй переписку", "удаляй сообщения", "удаляй чат", "сотри переписку", "стирай переписку",
            "только между нами", "пусть это будет между нами", "не рассказывай что мы общаемся",
            "не говори что мы общаемся", "никто не должен знать что мы",
            # "it stays between us" of their chats or lessons, and the parents told "later" (dev chats 35d)
            "останется между нами", "остается между нами", "останутся между нами", "останется только между нами",
            "родителям скажем потом", "родителям скажем когда~", "маме скажем потом", "маме скажем когда~",
            # nobody may know (of a gift or their chats): "فقط یه شرط داره: هیچکس نباید بدونه، نه بابات"
            "هیچکس نباید بدونه", "هیچکی نباید بدونه", "هیچ کس نباید بدونه", "کسی نباید بفهمه",
            "hichkas nabayad bedoone", "hichki nabayad bedoone", "hichkas nabayad bedune", "kasi nabayad befahme",
            # a cover story for the parents about where the child will be
            "скажешь что к друг~", "скажешь что к подруг~", "скажешь что у друг~", "скажешь что у подруг~",
            "скажи что ты у друг~", "скажи что ты у подруг~", "скажешь маме что ты у~", "скажи маме что ты у~",
        ]),
        (WEAK, [
            "dont tell anyone", "keep it secret", "its a secret", "kimseye soyleme", "kimseye deme",
            "hec kime deme", "به کسی نگو", "be kasi nagoo", "никому не говори", "между нами",
        ]),
        # the parents need not know (yet): the soft form of "don't tell your mum" ("no need to bother your
        # mum yet", `ailene şimdilik söylemene gerek yok`, `маме не обязательно знать`), and a request made
        # "without telling" them
        (STRONG, [
            "no need to tell your", "no need to bother your", "no need to worry your", "no need to tell ur",
            "no need to bother ur", "dont need to tell your", "dont need to bother your", "dont have to tell your",
            "dont need to tell ur", "dont have to tell ur", "your mom doesnt need to know", "your mum doesnt need to know",
            "your dad doesnt need to know", "your parents dont need to know", "ur mom doesnt need to know",
            "ur parents dont need to know", "keep it between us", "keep this between us", "keep it between you and me",
            "without telling your", "without telling ur", "without your parents knowing", "without your mom knowing",
            "without your mum knowing",
            # "this stays between us", "best not tell anyone else", the images sent "only to this number" and
            # deleted after (dev chat en-d26-02, 2026-12-08)
            "stays between us", "lets keep it quiet", "best not tell anyone", "send them only to", "delete them after",
            "tell anyone about us yet",
            "ailene * soylemene gerek yok", "annene * soylemene gerek yok", "babana * soylemene gerek yok",
            "ailene * soylemeyelim", "annene * soylemeyelim", "ailenin bilmesine gerek yok", "annenin bilmesine gerek yok",
            "babanin bilmesine gerek yok", "ailene * haber vermene gerek yok", "ailene haber verme", "ailene bahsetme",
            "annene bahsetme", "babana bahsetme", "aramizda kal~", "ailene soylemeden", "annene soylemeden",
            "babana soylemeden", "ailenin haberi olmadan", "annenin haberi olmadan",
            "anana * demeye ehtiyac", "valideynlerine * demeye ehtiyac", "ananin bilmesine ehtiyac",
            "atanin bilmesine ehtiyac", "valideynlerinin bilmesine ehtiyac", "evdekilere deme", "evdekilere hec ne deme",
            "aramizda qal~", "anana demeden", "atana demeden", "valideynlerine demeden", "ananin xeberi olmadan",
            "evdekilerin xeberi olmadan",
            "لازم نیست به مامانت", "لازم نیست به بابات", "لازم نیست به خانوادت", "لازم نیست مامانت", "لازم نیست بابات",
            "لازم نیست خانوادت", "نیازی نیست به مامانت", "نیازی نیست مامانت", "بدون اینکه مامانت", "بدون اینکه بابات",
            "بدون اینکه خانوادت", "مامانت نفهمه", "بابات نفهمه", "خانوادت نفهمن",
            "lazem nist be mamanet", "lazem nist mamanet", "lazem nist be babat", "bedune inke mamanet", "bedoone inke mamanet",
            "маме * не обязател~", "маме * необязател~", "родителям * не обязател~", "родителям * необязател~",
            "папе * не обязател~", "маме знать не нужно", "маме знать не надо", "родителям знать не нужно",
            "родителям знать не надо", "не обязател~ говорить маме", "необязател~ говорить маме",
            "не обязател~ говорить родителям", "не надо говорить маме", "не нужно говорить маме",
            "не надо говорить родителям", "не нужно говорить родителям", "маме пока не говори", "пока не говори маме",
            "чтобы мама не узнала", "чтоб мама не узнала", "чтобы родители не узнали", "чтоб родители не узнали",
            "без ведома родителей", "без ведома мамы", "мама не узнает", "родители не узнают",
            # "don't tell your mum or anything": the same with a filler word between
            "annene falan soyleme", "annene filan soyleme", "annene bir sey soyleme", "annene hicbir sey soyleme",
            "babana falan soyleme", "ailene falan soyleme", "anana filan deme", "anana zad deme", "anana hec ne deme",
            "atana filan deme", "به مامانت اینا نگو", "به مامانت چیزی نگو", "به مامانت هیچی نگو", "به بابات چیزی نگو",
            "be mamanet chizi nagoo", "be mamanet chizi nagu", "маме ничего не говори", "родителям ничего не говори",
            "маме там не говори",
            # the chat kept from the parents' eyes, and the parents who "would not understand"
            "dont show your mom", "dont show ur mom", "dont show your mum", "dont show your parents",
            "dont show ur parents", "your mom wouldnt understand", "your mom wont understand",
            "your mum wouldnt understand", "your parents wouldnt understand", "your parents wont understand",
            "annene gosterme", "babana gosterme", "ailene gosterme", "annen anlamaz", "ailen anlamaz", "annen anlamayacak",
            "anana gosterme", "atana gosterme", "valideynlerine gosterme", "anan basa dusmez", "valideynlerin basa dusmez",
            "به مامانت نشون نده", "به بابات نشون نده", "به خانوادت نشون نده", "مامانت نمیفهمه", "مامانت درک نمیکنه",
            "خانوادت درک نمیکنن", "be mamanet neshun nade", "be mamanet neshoon nade", "mamanet nemifahme",
            "маме не показывай", "не показывай маме", "родителям не показывай", "не показывай родителям",
            "маме переписку не показ~", "переписку не показ~", "мама не поймет", "родители не поймут",
        ]),
        # "just for me": a request kept from everyone else; also a friend's word, so weak
        (WEAK, [
            "just for me", "only for me", "for my eyes only", "just for my eyes", "sadece bana", "sadece benim icin",
            "bana ozel", "ancaq mene", "yalniz mene", "ancaq menim ucun", "yalniz menim ucun",
            "فقط واسه من", "فقط برای من", "faghat vase man", "faghat baraye man", "только для меня", "только мне",
        ]),
    ],
    Stage.OFF_PLATFORM: [
        (STRONG, [
            "add me on snap", "add me on telegram", "add me on whatsapp", "add me on kik", "text me on",
            "give me your number", "give me ur number", "send me your number", "whats your number",
            "lets talk somewhere else", "somewhere more private", "more private app", "download telegram",
            "download kik", "private chat", "my private account",
            "numarani ver", "numarani at", "telegramdan yaz", "whatsapptan yaz", "snapten ekle", "ozelden yaz",
            "baska yerde konusalim", "telegram indir",
            "nomreni ver", "nomreni yaz", "telegramda yaz", "whatsappda yaz", "sexsiye yaz", "ozele yaz",
            "شمارتو بده", "شمارتو بفرست", "بیا تلگرام", "تو تلگرام", "بیا واتساپ", "بیا پیوی", "بیا پی وی",
            "shomarato bede", "bia telegram",
            "дай номер", "скинь номер", "пиши в телеграм", "перейдем в телеграм", "давай в телеграм",
            "напиши в личку", "в личку", "скачай телеграм", "давай в ватсап",
            # Telegram by its short names (`го в тг`, `пиши в телегу`; translit `go v tg` as typed)
            "го в тг", "пиши в тг", "напиши в тг", "перейдем в тг", "перейди в тг", "давай в тг",
            "пиши в телегу", "напиши в телегу", "перейдем в телегу", "давай в телегу", "го в телегу",
            "go v tg", "pishi v tg", "davaj v tg", "davai v tg",
        ]),
        (WEAK, [
            "snapchat", "telegram", "whatsapp", "kik", "discord", "insta", "dm me",
            "تلگرام", "واتساپ", "اینستا", "телеграм", "тг", "ватсап", "дискорд", "инст",
        ]),
        # moving on, said without naming the app, or named by what it hides (vanishing messages, a secret chat)
        (STRONG, [
            "switch apps", "disappearing messages", "msgs vanish", "messages vanish", "secret chat",
            "uygulamaya gecelim", "gizli sohbet", "kaybolan mesaj", "mesajlar siliniyor",
            "tetbiqe kecek", "gizli cat", "gizli chat", "mesajlar silinir",
            "بیا تله", "biya tele", "bia tele", "چت مخفی", "پیام ناپدید",
            "секретный чат", "секретном чате", "исчезающие сообщения",
        ]),
        # "another app": also said of a game or a school app, so weak
        (WEAK, ["another app", "other app", "baska uygulama", "basqa tetbiq", "یه برنامه دیگه", "برنامه دیگه",
                "другое приложение", "другой мессенджер"]),
    ],
    Stage.MEETING: [
        (STRONG, [
            "meet in person", "just us", "pick you up", "pick u up", "dont bring anyone",
            "come to your city", "come to ur city", "come to your town", "see you in real life", "meet irl",
            "wait for you after school", "come over to my place", "come to my place",
            "sadece ikimiz", "kimseyi getirme", "seni okuldan alirim", "seni almaya gelirim", "sehrine gelirim",
            "yuz yuze gorus", "evime gel", "okul cikisi bekler",
            "ancaq ikimiz", "hec kimi getirme", "seni mektebden goturerem", "seherine gelerem", "uz uze gorus",
            "evime gel", "mektebden sonra gozleyerem",
            "فقط خودمون دوتا", "کسی رو نیار", "بیام دنبالت", "میام شهرتون", "بیا خونم",
            "بیا بیرون ببینمت", "حضوری ببینمت", "hamo bebinim", "gharar bezarim",
            "только мы вдвоем", "никого не бери", "заберу тебя", "приеду к тебе", "приеду в твой город",
            "погуляем вдвоем", "приходи ко мне", "увидимся вживую", "подожду тебя после школы",
            # come alone: the meeting the child is to keep from friends and parents
            "приходи один", "приходи одна", "приходи одной", "приезжай один", "приезжай одна", "выходи один",
            "выходи одна",
        ]),
        (WEAK, ["lets meet", "wanna meet", "want to meet", "meet up", "meet at", "bulusalim", "bulusmak ister",
                "gorusek", "gorusmek isteyir", "همدیگه رو ببینیم", "همو ببینیم", "قرار بذاریم", "давай встретимся",
                "встретимся"]),
        # come alone, bring nobody, be driven home, be seen "for real": a meeting kept to the two of them
        (STRONG, [
            "come alone", "come by yourself", "dont bring a friend", "dont bring your friends", "dont bring ur friends",
            "without your parents", "ill drive you home", "drive you home myself", "give you a ride home",
            "see you for real", "meet you for real", "see u for real",
            "yalniz gel", "tek basina gel", "yanina arkadas alma", "yanina kimseyi alma", "arkadasini getirme",
            "seni eve birakirim", "arabayla birakirim", "gercekte gormek", "gercek hayatta gor~",
            "tek gel", "tekbasina gel", "tekbetek", "yanina hec kimi", "dostunu getirme", "seni eve aparar~",
            "masinla aparar~", "real gormek",
            "تنها بیا", "تنهایی بیا", "کسی رو با خودت نیار", "دوستتو نیار", "با دوستات نیا", "میرسونمت",
            "از نزدیک ببینمت", "واقعی ببینمت", "az nazdik bebinamet",
            "приходи без друз~", "приходи без подруг~", "приходи без родител~", "подвезу тебя", "отвезу тебя домой", "довезу тебя", "увидеть тебя вживую",
            "увидеть тебя по-настоящему", "наедине",
        ]),
        # an invitation to a place after school or practice: a coach or a teacher says it too, so weak (it
        # counts with secrecy, see `concealed_request`)
        (WEAK, [
            "come by * after school", "come to * after school", "after school * come", "come by the studio",
            "come to the studio", "stay after practice", "stay after class", "stay behind after",
            "okul cikisi * gel", "okuldan sonra * gel", "antrenmandan sonra kal", "dersten sonra kal",
            "idmandan sonra kal", "studyoya gel", "salona gel",
            "dersden sonra * gel", "mektebden sonra * gel", "mesqden sonra qal", "mesgeleden sonra qal",
            "dersden sonra qal", "studiyaya gel",
            "بعد مدرسه * بیا", "بعد از مدرسه * بیا", "بعد کلاس بمون", "بعد تمرین بمون", "بیا استودیو",
            "после школы * приходи", "после уроков * приходи", "приходи * после школы", "приходи * после уроков",
            "останься после тренировки", "останься после урока", "заходи в студию", "приходи в студию",
        ]),
    ],
    Stage.SEXUAL: [
        (STRONG, [
            "ever kissed", "have you kissed", "are you a virgin", "r u a virgin", "what are you wearing",
            "what r u wearing", "grown up things", "grownup things", "teach you things", "your body",
            "ur body", "in your pyjamas", "in your pajamas", "in ur pjs", "underwear", "bra", "sexy", "horny",
            "sex", "naked", "touch yourself", "make you feel good", "ever been touched",
            "hic opustun", "opusmeyi", "bakire misin", "ne giyiyorsun", "ne giydin", "ne giydigini", "uzerinde ne var",
            "sana buyuk seyler ogret", "yetiskin seyler", "vucudun", "pijamalarinla", "ic camasir", "seksi",
            "hec opusmusen", "opusmek", "ne geyinmisen", "ustunde ne var", "sene boyuk seyler oyred",
            "boyuk seyler", "bedenin", "pijamada", "alt paltar",
            "تا حالا کسی رو بوسیدی", "بوسیدی", "چی پوشیدی", "چیزای بزرگونه", "بدنت", "لباس خواب", "لباس زیر",
            "سکسی", "ta hala boosidi", "chi pooshidi",
            "целовалась", "целовался", "что на тебе надето", "научу тебя взрослым", "взрослым вещам",
            "твое тело", "в пижаме", "девственница", "нижнем белье", "сексуальная", "секс",
            # what the child wears, or does not (`в чем ты сейчас одета`, `а без футболки?`)
            "в чем ты одета", "в чем ты сейчас одета", "в чём ты одета", "в чём ты сейчас одета", "что на тебе сейчас",
            "без одежды", "без футболки", "без майки", "без трусов", "без лифчика", "в трусах", "в одном белье",
            "в белье", "в коротких шортах", "в короткой юбке", "в обтягивающ~",
            "nude", "nudes", "ciplak", "cilpaq", "لخت", "lokht", "голые", "голая", "голое", "голышом", "разденься",
            # the body asked for by its parts or by undressing, and "adult" videos offered as a job or a game
            # (`покажи мне свою грудь`, `что у тебя под юбкой`, `разденешься по видеосвязи`)
            "boobs", "tits", "your chest", "ur chest", "under your skirt", "under ur skirt", "under your shirt",
            "under your clothes", "take off your shirt", "take off your top", "take your top off", "take ur top off",
            "strip for me", "strip on cam", "video for adults", "videos for adults", "adult video", "feet pics",
            "pics of your feet", "pic of your feet",
            "покажи грудь", "свою грудь", "твою грудь", "твоя грудь", "сиськи", "под юбкой", "под футболкой",
            "под одеждой", "разденешь~", "раздевайся", "раздеться", "покажи попу", "покажи попку", "стриптиз",
            "интимн~", "пошлые фот~", "пошлое фот~", "видео для взрослых", "фото для взрослых", "взрослое видео",
            "скинь ножки", "покажи ножки", "фото ножек", "фотки ножек",
            # undressing asked for in the everyday verbs ("take it all off", `tamamen çıkar`, `لباستو در بیار`,
            # `сними всё`): the request itself, on a call or for a picture
            "take off your clothes", "take your clothes off", "take ur clothes off", "take it all off",
            "get undressed", "undress",
            "soyunsana", "soyunur musun", "soyunabilir misin", "soyunmani ist~", "benim icin soyun~",
            "kiyafetlerini cikar", "ustunu cikar", "tisortunu cikar", "hepsini cikar", "tamamen cikar",
            "her seyini cikar", "ustundekileri cikar", "cirilciplak",
            "soyunarsan", "soyunmagini isteyirem", "menim ucun soyun~", "paltarini cixar", "koyneyini cixar", "hamisini cixar", "tamamile cixar", "her seyini cixar",
            "لباستو در بیار", "لباساتو در بیار", "لباستو دربیار", "لباساتو دربیار", "لباسهاتو در بیار",
            "تیشرتتو در بیار", "همشو در بیار", "لخت شو", "lebasato dar biar", "lebaseto dar biar",
            "lebasato darbiar", "lokht sho",
            "сними одежду", "сними футболку", "сними майку", "снимай одежду", "сними с себя",
        ]),
        # swimwear: a swimming coach says it too, so weak
        (WEAK, ["в купальнике", "в полотенце"]),
        # touching named to a child: a doctor or a coach may say it too, so weak (it counts with secrecy or a meeting)
        (WEAK, ["touch you", "touch u", "тебя потрогать", "потрогать тебя", "трогать тебя"]),
        (WEAK, ["do you have a boyfriend", "got a bf", "sevgilin var", "dost pesar dari", "دوست پسر داری",
                "у тебя есть парень"]),
    ],
    Stage.IMAGES: [
        (STRONG, [
            "pic of you", "photo of you", "picture of you", "pic of urself", "pics of you", "send me a selfie",
            "send a selfie", "turn on your camera", "turn on ur cam", "turn on your cam", "show me yourself",
            "when everyones asleep", "when everyone is asleep",
            "show me ur", "cam with me", "on cam",
            # a "scout's" test shots in the bedroom, fitted, to see the shape (dev chat en-d26-02, missed by every
            # cue until 2026-12-08)
            "need a few test shots", "test shots of you", "test shots just you", "in your bedroom with the door",
            "so they can see your shape", "see your figure",
            "bir fotografini at", "fotonu at", "resmini at", "fotografini istiyorum",
            "kamerayi ac", "goruntulu ara", "video at", "selfie at",
            "bir seklini at", "fotonu gonder", "kamerani ac", "seklini isteyirem", "hami yatanda",
            "عکستو بفرست", "عکس از خودت", "دوربینتو روشن کن", "همه خوابیدن", "aksetoo befrest",
            "твое фото", "твою фотку", "включи камеру", "покажи себя", "когда все уснут",
            # images already sent, or "more": the leverage of sextortion
            "ones you already sent", "ones u already sent", "ones you sent me", "ones u sent me",
            "send more pics", "send me more pics", "more pics", "your nudes", "ur nudes",
            "attiklarini", "gonderdiklerini", "daha fazla foto", "baska foto at",
            "gonderdiyin sekil", "gonderdiyin seki", "yene sekil gonder", "daha cox sekil",
            "عکسایی که فرستادی", "عکس هایی که فرستادی", "بازم عکس", "axaye ke ferestadi", "aksaee ke ferestadi",
            "bazam aks",
            "что ты уже прислал~", "что ты прислал~", "что ты скинул~", "что ты уже скинул~", "твои фотки",
            "еще фот~", "ещё фот~", "больше фот~",
            # naked images asked for outright
            "nudes", "nude pic", "naked pic", "ciplak foto", "cilpaq sekil", "عکس لخت", "akse lokht",
            "голые фото", "голое фото", "голую фот~", "фото без одежды",
            # a picture *of oneself* asked for, in the everyday verbs (`сфоткай себя`, `кинь пару фоток себя`)
            "сфоткай себя", "сфоткайся", "сфотай себя", "сфотайся", "фотку себя", "фотки себя", "фоток себя",
            "фото себя", "фоточку себя", "селфи в зеркал~", "в зеркале сфотк~", "камеру пониже", "камеру ниже",
            "обменяемся фот~", "обменяться фот~", "обменяемся фотк~",
            # "your own" photo: the reflexive Russian and Persian forms (the model reads "скинь своё фото" at 0.96
            # alone, but at 0.37 inside "first send your own photo so I know you are real, then the rest")
            "свое фото", "свою фотку", "свою фоточку", "свою фотографию", "свое селфи",
            "عکس خودتو", "عکس خودت رو", "akse khodeto", "akse khodet",
            # a selfie asked for, as `send me a selfie` above: the stage model reads the short request at
            # 0.9 and the same request with a reason after it ("..., I want to see the singer") at 0.5
            "pics of urself", "pics of yourself", "pic of yourself", "selfie for me",
            "selfie atar", "selfie atsana", "selfie gonder", "selfie ceker", "selfi at", "selfi atarsan", "selfi gonder", "selfi cek",
            "سلفی * بفرست", "سلفی * میفرستی", "سلفی * بگیر", "selfie * befrest", "selfie * mifresti", "selfie begir",
            "скинешь селфи", "скинь селфи", "пришли селфи", "сделай селфи", "селфи скинь", "покажи личико",
        ]),
        (WEAK, LEVERAGE),
        # deletion promised for payment ("pay and then I'll delete it", `تا پاکش کنم`): the picture held
        (WEAK, [
            "then ill delete it", "and ill delete it", "then i delete it", "ill delete them", "ill delete everything",
            "then ill delete them", "o zaman silerim", "sonra silerim", "hepsini silerim", "onda silerem",
            "sonra silerem", "hamisini silerem", "تا پاکش کنم", "پاکش میکنم", "پاکشون میکنم", "تا پاکشون کنم",
            "ta pakesh konam", "pakesh mikonam", "тогда удалю", "потом удалю", "и я удалю", "удалю их", "удалю все",
            "удалю всё",
        ]),
        # "I recorded it all", "your recording is with me": the call kept, without naming it. Weak image
        # evidence like `LEVERAGE`, but no frame: said next to a threat, it is never innocent
        (WEAK, [
            "i recorded everything", "i recorded it all", "i have the recording", "i still have the recording",
            "kaydin bende", "kayit bende", "kaydi bende", "hepsini kaydettim", "videon bende", "videon mendedir",
            "hamisini yazdim", "hamisini qeyde aldim", "همشو ضبط کردم", "همه رو ضبط کردم", "همه چیو ضبط کردم",
            "hamasho zabt kardam", "я все записал~", "я всё записал~", "все записал~", "всё записал~", "запись у меня",
        ]),
        (WEAK, ["send me a pic", "send me a photo", "send a pic", "send pic", "video call", "videocall",
                "facetime", "foto at", "fotografini gonder", "sekil at", "seklini at", "goruntulu zeng",
                "عکس بفرست", "تماس تصویری", "تصویری حرف بزنیم", "تصویری صحبت کنیم", "تصویری بزنیم",
                "tasviri harf", "tasviri sohbat", "tasviri bezanim", "скинь фото", "пришли фото", "скинь фотку", "видеозвонок",
                "по видео созвон~", "созвонимся по видео", "кинь фотк~", "скинь фоточк~", "пришли фотк~",
                # a video filmed and sent 'to me personally': also a teacher's homework or recital, so weak
                "пришли мне лично", "скинь мне лично", "отправь мне лично", "сними себя", "снимись на видео"]),
        # a soft request: "show me how the dress looks on you", put on and shown, a picture in the mirror
        (STRONG, [
            "show me how * looks on you", "show me how * looks on u", "how it looks on you", "how it looks on u",
            "how they look on you", "wear it for me", "put it on and show me", "try it on for me", "try it on and send",
            "mirror pic", "mirror selfie",
            "uzerinde nasil dur~", "ustunde nasil dur~", "giyip goster~", "giy de goster", "giyince goster",
            "giyip at", "aynada * foto", "boydan * foto", "ayna selfie",
            "eynine geyin~", "geyinib goster", "geyinib at", "geyin goster", "guzgude * sekil",
            "بپوش نشونم بده", "بپوشی نشونم بدی", "بپوش ببینم", "بپوشی ببینم", "میپوشی نشونم", "تنت کنی",
            "bepooshi * nesham", "bepushi * nesham", "mipooshi * nesham", "mipushi * nesham", "bepoosh * nesham",
            "bepooshi * neshoonam", "mipooshi * neshoonam",
            "как на тебе сидит", "как оно на тебе", "как сидит на тебе", "наден~ и покажи", "примерь и покажи",
            "наден~ и сфоткай", "примерь для меня", "наден~ для меня",
        ]),
        # in the mirror, head to toe: how a soft request for the body is framed, and also what a teacher
        # says of practising a speech, so weak
        (WEAK, [
            "in front of the mirror", "in the mirror", "head to toe", "ayna karsisinda", "aynada", "tepeden tirnaga",
            "boydan", "guzgu qarsisinda", "guzgude", "basdan ayaga", "جلو آینه", "جلوی آینه", "تو آینه", "جلو اینه",
            "تو اینه", "از سر تا پا", "tu ayene", "jelo ayene", "az sar ta pa", "перед зеркалом", "в зеркале",
            "в полный рост", "с головы до ног",
        ]),
        # one more, a few more: asked of a child who has already sent some
        (WEAK, [
            "send one more", "one more pic", "a few more pics", "bir tane daha at~", "bi tane daha at~",
            "bir dene de at", "bir dene daha gonder", "چندتا دیگه میخوام", "چند تا دیگه میخوام", "chand ta dige",
            "еще одну скинь", "скинь еще одну", "еще парочку",
        ]),
    ],
    Stage.THREATS: [
        # the list of the child's followers or contacts, taken: the sextortionist's first move once a video is saved
        # ("o videoyu kaydettim. takipçi listeni de aldım, annen, okul arkadaşların hepsi burada": dev chat
        # tr-d39-04, 2026-12-07, alerted only at the explicit demand two messages later)
        (STRONG, [
            "your followers list", "ur followers list", "your follower list", "ur follower list", "your friends list",
            "ur friends list", "screenshotted your followers", "screenshotted ur followers", "i have your contacts",
            "i have all your contacts", "i have ur contacts", "got your followers", "got ur followers",
            "takipci listeni", "takipci listen", "takipcilerini kaydettim", "arkadas listeni", "rehberini aldim",
            "izleyici siyahini", "izleyicilerinin siyahisi", "dost siyahini", "dostlarinin siyahisi", "kontaktlarini",
            "لیست فالوئرات", "لیست فالوورات", "لیست دوستات", "مخاطبینتو", "list-e followerat", "liste followerat",
            "список твоих подписчиков", "список подписчиков", "список твоих друзей", "твои контакты",
            "spisok podpischikov", "spisok tvoih",
        ]),
        (STRONG, [
            "send your pics to everyone", "send ur pics to everyone", "everyone will see", "ill post them",
            "ill post your", "ill tell your parents", "ill tell ur parents", "you will regret", "youll regret",
            "u will regret", "or else", "if you dont send", "if u dont send", "if you dont pay", "pay me or",
            "ill ruin your life", "ill share your", "ill show everyone", "ill leak", "or i post", "or i will post",
            "or i send them", "or i share them",
            "herkese gonderirim", "fotograflarini yayarim", "ailene soylerim", "ailene gosteririm",
            "pisman olursun", "gondermezsen", "para gondermezsen", "herkes gorecek",
            "hamiya gonderecem", "hamiya gonderecem", "sekillerini yayacam", "valideynlerine deyecem",
            "pesman olacaqsan", "gondermesen", "hami gorecek",
            "عکساتو پخش میکنم", "برای همه میفرستم", "به مامانت میگم", "به خانوادت نشون میدم", "پشیمون میشی",
            "اگه نفرستی", "اگه پول نفرستی", "pakhsh mikonam",
            "отправлю всем", "разошлю", "покажу всем", "расскажу родителям", "пожалеешь", "если не скинешь",
            "если не заплатишь", "все увидят",
            # sent to the child's school or family
            "to your school and", "send them to your school", "send them to ur school", "to ur school and",
            "okuluna yollarim", "okuluna gonderirim", "ailene yollarim", "ailene gonderirim",
            "mektebine gonderecem", "ailene gonderecem", "mektebine atacam",
            "برای خانوادت میفرستم", "برای مدرسه و خانوادت", "برای مدرسه ات میفرستم", "برای همه میفرستم",
            "baraye madresat miferestam", "baraye khanevadat miferestam",
            "в твою школу", "твоей школе и", "отправлю в школу", "отправлю твоим родителям",
            # "or everyone sees them": the threat of distribution in its everyday wording
            "or i post them", "ill post them", "i post them", "send them to ur mom", "send them to your mom",
            "send them to your parents", "everyone in ur grade", "everyone in your grade", "whole class will see",
            "ur whole school", "your whole school", "all ur followers", "all your followers", "your life is over",
            "ur life is over", "i send the video", "send the video to", "post the video", "or i send it to",
            "takipcilerine", "hayatin biter", "videoyu * gonderirim", "izleyicilerine", "heyatin bitdi",
            "videonu * gonderecem", "فالوئرات", "زندگیت تمومه", "فیلمو * میفرستم", "فیلمتو * میفرستم",
            "подписчикам", "тебе конец", "отправлю видео", "видео всем",
            "sinif gorur", "sinif gorecek", "hepsini * gonderiyorum", "hepsini * yolluyorum", "okulun instagram",
            "sinif gorecek", "hamisini * gonderecem", "mektebin instagram",
            "همه رو میفرستم", "همشو میفرستم", "کل کلاس میبین", "پیج مدرسه",
            "зашлю", "весь класс увидит", "все в классе увидят", "в паблик", "отправлю маме", "скину маме",
        ]),
        (WEAK, ["or else", "yoksa", "yoxsa", "وگرنه", "vagarna", "иначе"]),
        # exposure implied, not said: "it would be a shame if your class saw", `görseler yazık olur`,
        # `heyf mishe bebinan`, `жаль будет, если увидят`, "you wouldn't want your mum to see"
        (STRONG, [
            "shame if * saw", "shame if * see", "shame if * found out", "shame if * got out", "shame if * leaked",
            "pity if * saw", "pity if * see", "hate for * to see", "wouldnt want * to see", "imagine if * saw",
            "gorse~ * yazik olur", "gorur~ * yazik olur", "yazik olur * gorse~", "yazik olur * gorur~",
            "gorse~ * ayip olur", "gormesini istemezsin", "gormelerini istemezsin",
            "gorse~ * heyf olar", "gorse~ * heyif olar", "heyf olar * gorse~", "heyif olar * gorse~",
            "heyf olar * dusse", "heyif olar * dusse", "yaziq olar * gorse~", "gorse~ * yaziq olar",
            "gormesini istemezsen", "gormelerini istemezsen",
            "حیف میشه * ببین~", "هیف میشه * ببین~", "حیف نیست * ببین~", "حیف میشه * بفهم~", "هیف میشه * بفهم~",
            "ببینن * حیف میشه", "ببینه * حیف میشه", "دوست نداری * ببینن", "دلت نمیخواد * ببینن",
            "heyf mishe * bebinan", "heif mishe * bebinan", "heyf mishe * bebine", "heif mishe * bebine",
            "жаль * если * увид~", "жалко * если * увид~", "жал * если * увид~", "жаль * если * узна~",
            "жалко * если * узна~", "обидно будет * если * увид~", "не хочешь чтобы * увид~",
            "не хочешь же чтобы * увид~", "представь если * увид~",
        ]),
    ],
}


def canon(text: str) -> str:
    """The form both the phrases and the messages are matched in."""
    return normalize_text(text).replace("'", "").replace("’", "").replace("`", "")


_WORD = re.compile(r"\w+", re.UNICODE)


def _phrase_regex(phrase: str) -> str:
    parts: list[str] = []
    tokens = phrase.split()
    for i, tok in enumerate(tokens):
        if tok == "*":
            parts.append(r"(?:\W+\w+){0,3}?")
            continue
        prefix = tok.endswith("~")
        exact = tok.endswith("=")  # the word as written, no ending: "cousin=" is not "cousins" ("your cousin's party")
        core = canon(tok.rstrip("~="))
        core_words = _WORD.findall(core)
        if not core_words:
            continue
        body = r"\W*".join(re.escape(w) for w in core_words)
        if exact:
            body += r"\b"
        elif prefix or len(core) >= 4:
            body += r"\w*"
        else:
            body += r"\b"
        sep = r"\W+" if parts and tokens[i - 1] != "*" else (r"\W+" if parts else "")
        parts.append(sep + body)
    return r"(?<!\w)" + "".join(parts)

# Benign frames: a cue phrase that says what an image request or a secret is about, and lowers that
# stage's score for the message to a cap. A relative asking for a photo of a certificate, a teacher
# for a photo of homework, a coach for a medical form, a parent for an address: images and threats
# capped at 0.1 (next to nothing: the request is about a thing), and only the weak phrases
# and the model's score, so that a strong cue in the same message ("photo of you in your pyjamas")
# stands. Images and threats go together, because "I want to show grandma" reads as "I'll show your
# family" to a model that sees no object. A secret that is a surprise for someone else, ends on a
# date or keeps a sibling out of a treat: secrecy capped at 0.45 (part of a stage, for breadth),
# strong phrases too, since "don't tell your dad" is the very phrase the frame explains; a groomer's
# "don't tell your mum, I have a surprise for you" keeps that much.
IMAGE_FRAME_CAP = 0.1
SECRET_FRAME_CAP = 0.45
REPORTED_FRAME_CAP = 0.45  # the early stages in reported speech (see FRAMES)
LEVERAGE_FRAME_CAP = 0.5  # a reminder of images sent: below a threat seen (see LEVERAGE)
GAME_NAME_CAP = 0.3  # a player's in-game name asked: below a stage seen (see FRAMES)
# Reported speech: what a third person wrote or asked, told by a parent asking the child about a
# stranger ("it said 'you seem mature, how old r u'", "did he ask for your school?") or by the child
# telling it ("he said we should move to snap"), and a parent's warning about what strangers say
# ("even if someone says keep it secret, tell me"). The cues are someone else's words, so the early
# stages are capped in the teller's message, strong phrases too; images, sexual talk and threats
# stand (a sextortionist's "my friend says he'll post them" is still a threat).
REPORTED: list[str] = [
    "it said", "he said", "she said", "they said", "he asked", "she asked", "he wrote", "she wrote",
    "it wrote", "did he ask", "did she ask", "did they ask", "did he say", "did he want", "did he offer",
    "he told me", "he told you", "someone wrote", "someone asked", "he was like", "he offered",
    "even if someone says", "when someone says", "if someone asks you", "if a stranger", "if anyone says",
    "if someone says", "if anyone offers", "if someone offers", "kimse * derse", "biri * teklif eder~",
    "dedi ki", "yazdi ki", "yazmis ki", "yazmisti", "bana dedi", "sana dedi", "sordu mu", "istedi mi",
    "dedi mi", "yazdi mi", "ne yazdi", "teklif etti", "biri * derse", "biri senden * isterse",
    "yazib ki", "yazmisdi", "sorusdu", "sorusub", "yazdi mi", "ne yazib", "teklif etdi",
    "kimse senden * istese", "biri * dese",
    "نوشته بود", "گفته بود", "پرسیده بود", "گفت", "پرسید", "بهت گفت", "ازت خواست", "ازت پرسید",
    "چیزی خواست", "پیشنهاد داد", "وقتی کسی میگه", "اگه کسی گفت", "اگه کسی ازت خواست", "اگر کسی",
    "neveshte bood", "gofte bood", "porside bood", "goft", "behet goft", "azat khast", "azat porsid",
    "chizi khast", "vaghti kasi mige", "age kasi goft", "age kasi azat khast",
    "он написал", "она написала", "он сказал", "она сказала", "он спросил", "она спросила",
    "он просил", "она просила", "написал что", "сказал что", "спрашивал", "он предлагал",
    "он предложил", "если кто-то", "если кто то", "даже если кто",
    "on napisal", "ona napisala", "on skazal", "ona skazala", "on sprosil", "napisal chto",
    "skazal chto", "sprashival", "on predlagal", "esli kto-to", "esli kto to",
]

#: (stages capped, cap, whether strong phrases are capped too, phrases)
FRAMES: list[tuple[tuple[Stage, ...], float, bool, list[str]]] = [
    ((Stage.IMAGES, Stage.THREATS), IMAGE_FRAME_CAP, False, [
        # en: a photo *of a thing*
        "photo * certificate", "pic * certificate", "picture * certificate", "photo * award", "pic * award",
        "photo * worksheet", "picture * worksheet", "pic * worksheet", "photo * homework", "pic * homework",
        "picture * homework", "photo * medical form", "photo * form", "photo * report card", "pic * report card",
        "photo * permission slip", "photo * address", "pic * address", "photo * receipt", "photo * diploma",
        "photo * medal", "photo * ticket", "photo * timetable", "photo * schedule",
        # tr: "sertifikanın fotoğrafını", "ödevin fotoğrafı"
        "sertifika * fotograf", "sertifika * foto", "karne * fotograf", "karne * foto", "rapor * fotograf",
        "rapor * foto", "odev * fotograf", "odev * foto", "kagidi * fotograf", "kagit * foto", "adres * fotograf",
        "adres * foto", "belge * fotograf", "diploma * fotograf", "madalya * fotograf", "bilet * fotograf",
        # az: "sertifikatının şəklini"
        "sertifikat * sekl", "arayis * sekl", "vereq * sekl", "unvan * sekl", "sened * sekl", "diplom * sekl",
        "tesdiqname * sekl", "medal * sekl", "bilet * sekl", "tapsiriq * sekl", "ev tapsiri * sekl",
        # fa: "عکس از لوح تقدیرت", "برگه تمرینتو ... عکسشو"
        "عکس * لوح", "عکس * مدرک", "عکس * کارنامه", "عکس * گواهی", "عکس * آدرس", "عکس * برگه", "عکس * تکلیف",
        "عکس * فرم", "عکس * مدال", "عکس * بلیط", "برگه * عکسش", "فرم * عکسش", "لوح * عکسش", "کارنامه * عکسش",
        # ru: "фото грамоты", "фото рабочего листа"
        "фото * грамот", "фотку * грамот", "фото * справк", "фото * адрес", "фото * дневник", "фото * листа",
        "фото * домашк", "фото * сертификат", "фото * диплом", "фото * медал", "фото * билет", "фото * расписан",
        "справк * фото",
        # the same things as `фотка` / `фоточка`, and a parent's check that the child ate
        "фотк~ * грамот", "фотк~ * дневник", "фотк~ * домашк", "фотк~ * тетрад", "фото * тетрад", "фотк~ * задани~",
        "фото * задани~", "фотк~ * справк", "фотк~ * расписан", "фотк~ * листа", "фото * еды", "фотк~ * еды",
        "фото * что ты поел~", "фотк~ * что ты поел~", "фото * обед", "фото * ужин",
        # a photo of the whole team or class (a thing the child took, many people in it)
        "team photo", "team pic", "group photo", "group pic", "class photo", "takim fotograf", "takim foto",
        "grup fotograf", "grup foto", "sinif fotograf", "sinif foto", "komanda sekl", "qrup sekl", "sinif sekl",
        "عکس تیمی", "عکس گروهی", "عکس دسته جمعی", "عکس کلاسی", "عکس تیم", "общее фото", "фото команды",
        "групповое фото", "фото класса", "общую фотк", "общее фотк",
        # the papers a school or a club asks for, in every language alike: identity and student cards,
        # a birth certificate, a consent form, an insurance card
        "photo * id card", "pic * id card", "photo * student card", "photo * student id", "pic * student id",
        "photo * passport", "photo * insurance card", "photo * consent", "photo * birth cert",
        "kimlik * fotograf", "kimlik * foto", "kimlig * foto", "ogrenci karti * foto", "nufus * foto", "pasaport * foto",
        "izin * foto", "veli izin * foto", "sigorta * foto",
        "vesiqe * sekl", "sehadetname * sekl", "pasport * sekl", "icaze * sekl", "sigorta * sekl",
        "عکس * شناسنامه", "عکس * کارت ملی", "عکس * کارت دانش", "عکس * کارت شناسایی", "عکس * کارت بیمه",
        "عکس * رضایت", "عکس * بیمه", "عکس * پاسپورت", "شناسنامه * عکس", "کارت ملی * عکس",
        "کارت دانش * عکس", "رضایت نامه * عکس",
        # a screenshot of a game profile or user name (a gift sent to the right account)
        "screenshot * profile", "profile * screenshot", "screenshot * username", "profil~ * ekran goruntu~",
        "profil~ * skrin~", "skrin~ * profil~", "ss * profil~", "اسکرین * پروفایل", "پروفایل * اسکرین",
        "скрин~ * профил~", "профил~ * скрин~", "скрин~ * ника",
        "фото * свидетельств", "фото * паспорт", "фото * студенческ", "фото * ученическ", "фото * полис",
        "фото * разрешени", "фото * согласи", "свидетельств * фото", "паспорт * фото",
        # a photo now and the original paper in person ("send a pic, bring the original on Friday"): a
        # document, whatever it is called
        "bring the original", "original * bring", "aslini * getir~", "aslini * yanina al", "eslini * getir~",
        "اصلش * بیار", "اصلشو * بیار", "اصل برگه", "اصل مدرک", "aslesh * biar",
        "aslesho * biar", "оригинал * принес~", "принеси * оригинал", "оригинал * с собой", "original * prines~",
        "prinesi * original",
    ]),
    ((Stage.THREATS,), LEVERAGE_FRAME_CAP, False, LEVERAGE),
    # a player's in-game name asked to add them as a friend in the game ("whats ur epic name again i'll add u",
    # "oyundaki adın ne", "какой у тебя ник"): the same platform, not where the child lives or who is home, and
    # "i'll add u" is a friend request, not a move to another app nor a threat (the stage model read the English
    # line at threats 0.51, off-platform 0.42); a strong cue in the message ("add me on snap") stands
    ((Stage.PERSONAL, Stage.OFF_PLATFORM, Stage.THREATS), GAME_NAME_CAP, False, [
        "epic name", "epic id", "gamertag", "gamer tag", "in game name", "ingame name", "ign", "psn name", "psn id",
        "xbox name", "roblox name", "roblox username", "minecraft name", "fortnite name", "friend code", "player id",
        "game id", "oyundaki adin", "oyun adin", "oyundaki ismin", "kullanici adin", "oyun id~", "nickin", "nick~ ne",
        "istifadeci adin", "nikin",
        "ник в игре", "твой ник", "какой ник", "ник какой", "айди в игре", "игровой ник", "nik v igre", "tvoy nik",
        "آیدی بازیت", "ایدی بازیت", "اسمت تو بازی", "اسم بازیت", "آیدیت تو", "esmet to bazi", "id bazit",
    ]),
    # showing something to one's *own* mother is not a threat to show the child's family
    ((Stage.THREATS,), IMAGE_FRAME_CAP, False, [
        "showing my mom", "show my mom", "showing my mum", "show my mum", "to my mom", "to my mum",
        "anneme gosteri~", "anneme goster~", "anama gosteri~", "anama goster~",
        "به مامانم نشون", "به مامانم میگم", "به مادرم نشون",
        "моей маме", "своей маме", "показываю маме", "покажу своей",
    ]),
    ((Stage.SECRECY,), SECRET_FRAME_CAP, True, [
        # a surprise for someone else, a secret with an end date, a sibling kept out of a treat
        "surprise", "secret until", "a secret till", "dont tell * yet", "dont tell your brother",
        "dont tell ur brother", "dont tell your sister", "dont tell ur sister",
        "surpriz", "kadar sir", "qeder sir", "abine soyleme", "kardesine soyleme", "qardasina deme", "bacina deme",
        "سورپرایز", "سوپرایز", "تا جمعه مخفی", "به داداشت نگو", "به خواهرت نگو",
        "сюрприз", "секрет до", "брату не говори", "сестре не говори",
        # a secret until an announcement: a coach's line-up, a teacher's results, not yet official
        "until * announce", "till * announce", "until its official",
        "till its official", "until the list is out",
        "aciklanana kadar", "duyurulana kadar", "duyuruya kadar", "resmilesene kadar",
        "elan olunana qeder", "elan edilene qeder", "elana qeder", "aciqlanana qeder",
        "تا اعلام", "تا وقتی اعلام", "تا رسمی شدن", "ta elam",
        "до объявления", "пока не объявят", "пока не объявим", "до официального",
        # a confidence: the sender's own secret told ("can I tell you something? you won't tell anyone?", a crush
        # confessed), not a secret asked of the child about the two of them
        "can i tell you something", "can i tell u something", "can i tell you a secret", "can i tell u a secret",
        "let me tell you a secret", "ill tell you a secret", "ill tell u a secret",
        "sana bir sey soyleyecegim", "sana bi sey soyleyecegim", "sana bir sey diyecegim", "sana bi sey diyecegim",
        "sana bir sey soyleyeyim", "sana bi sey soyleyeyim", "sana bir sir vereyim", "sana bir sir soyleyeyim",
        "sene bir sey deyim", "sene bir sey deyecem", "sene bir sey desem", "sene bir sirr deyim",
        "یه چیزی بگم", "یه چیز بگم", "یه رازی بگم", "یه راز بگم", "ye chizi begam", "ye chiz begam",
        "скажу тебе кое что", "кое что скажу", "скажу тебе одну вещь", "расскажу тебе секрет", "открою тебе секрет",
        "можно тебе кое что сказать",
        # the secret is the price of a gift the family knows of ("don't tell your mum how much it was,
        # she'll say I spoil you"): the parent knows of the gift, only the sum is kept back
        "dont tell * how much", "dont tell * the price", "dont tell * the amount", "not tell * how much",
        "ne kadar * soyleme", "kac para * soyleme", "fiyatini * soyleme", "fiyatini soyleme", "ne kadar tuttu~ * soyleme",
        "ne qeder * deme", "neceye * deme", "qiymetini * deme", "qiymetini deme",
        "نگو چق~", "نگو چند", "قیمتشو * نگو", "قیمتش رو * نگو", "nagoo chegh~", "nagu chegh~", "nagoo chand",
        "nagu chand",
        "не говори * сколько", "не говори * цену", "не говори * сумму", "ne govori * skolko", "ne govori * tsenu",
        # the secret taken back in the same message ("don't tell mum, she'll say I spoil you, jk, she asked")
        "just kidding", "jk", "im kidding", "saka saka", "saka yapiyorum", "sakaydi", "zarafat edirem", "zarafatdi",
        "شوخی کردم", "شوخی میکنم", "shookhi kardam", "shukhi kardam", "шучу", "шутка",
    ]),
    ((Stage.RAPPORT, Stage.PERSONAL, Stage.GIFTS, Stage.SECRECY, Stage.OFF_PLATFORM, Stage.MEETING),
     REPORTED_FRAME_CAP, True, REPORTED),
]


# Openness: the sender brings the child's parents or family into the chat as people who know
# ("your mom asked if I can pick you up", "your parents are welcome to watch", "check your mum's
# phone", "I want to show grandma"). Grooming isolates a child from the adults around them; a
# coach, a teacher or a relative speaks of them in the open. Not "tell your mom ..." (a groomer's
# cover story starts that way; Turkish and Azerbaijani "ailene de", "valideynlərinə de" are that
# "tell"), only phrases that say the family already knows or is invited.
OPENNESS: list[str] = [
    "your mom asked", "your mum asked", "your mom said", "your mum said", "your dad said", "your dad asked",
    "your parents said", "your parents asked", "ask your mom", "ask your mum", "ask your parents",
    "parents are welcome", "parents can come", "your parents too", "moms phone", "mums phone",
    "with the other girls", "with the other kids", "with the other boys", "show grandma", "tell grandma",
    # the relative named, not their event ("the outfit for your cousin's party": a possessive reads "cousins")
    "your grandma=", "your grandpa=", "your aunt=", "your uncle=", "your cousin=", "your auntie=", "your aunty=",
    "annen sordu", "annen dedi", "annen soyledi", "baban dedi", "annene sor", "ailene sor", "ailen de gel~", "ailen de izle~",
    "annenin telefon", "babaanne", "anneanne", "teyzen", "dayin", "amcan", "halan", "diger kizlarla",
    "diger cocuklarla",
    "anan sorusdu", "anan dedi", "atan dedi", "anandan sorus", "valideynlerinden sorus", "valideynlerin de gel~",
    "valideynlerin de bax~",
    "ananin telefon", "neneye", "nenen", "xalan", "diger qizlarla",
    "مامانت پرسید", "مامانت گفت", "بابات گفت", "از مامانت بپرس", "از بابات بپرس", "مامان بابات هم",
    "گوشی مامانت", "مامان بزرگ", "مامانبزرگ", "بابا بزرگ", "خالت", "عمت", "با بقیه دخترا", "با بقیه بچه",
    "мама спросила", "мама сказала", "мама разрешила", "мама попросила", "мама сама попросила",
    "annen istedi", "anan istedi", "مامانت ازم خواست", "папа сказал", "спроси маму", "спроси у мамы",
    "спроси родителей", "родители тоже", "мамином телефон", "бабушк", "дедушк", "твоя тетя",
    "с другими девочками", "с другими детьми",
    # the sender has already spoken with the parents ("I talked to your mum", "arranged it with your
    # dad"): a pick-up or a photo the family knows of, not a cover story
    "talked to your mom", "talked to your mum", "talked to your dad", "talked to your parents",
    "spoke to your mom", "spoke to your mum", "spoke with your mom", "spoke with your mum",
    "spoke to your dad", "spoke to your parents", "arranged it with your",
    "annenle konus~", "babanla konus~", "annenle anlas~", "babanla anlas~", "ailenle konus~",
    "ananla danis~", "atanla danis~", "ananla razilas~", "valideynlerinle danis~",
    "با مامانت هماهنگ", "با مامانت صحبت", "با بابات هماهنگ", "با بابات صحبت", "با مادرت هماهنگ",
    "با مادرت صحبت", "با خانوادت هماهنگ",
    "с мамой договорил~", "с папой договорил~", "с твоей мамой договорил~", "с твоим папой договорил~",
    "с родителями договорил~", "с мамой твоей договорил~",
    # the rest of the family, as in the English and Turkish lists ("your uncle", "your cousin"; not a
    # bare "عمو" or "дядя", which children call any grown man)
    "عموت", "داییت", "عمه ات", "خاله ات", "دختر عمو", "پسر عمو", "دختر خاله", "پسر خاله", "دختر دایی",
    "پسر دایی", "دختر عمه", "پسر عمه",
    "bibin", "xalaoglu", "emioglu", "dayioglu", "xalaqizi", "emiqizi", "dayiqizi",
    "твой дядя", "твоя тётя", "двоюродн",
    "yengen", "enisten", "emin arvadi", "dayinin arvadi",
    # a grandchild called so by the grandparent ("внучка", "torunum", "nəvəm", "نوه جان"): only family says it
    "grandson", "granddaughter", "my grandchild", "torunum", "torunlarim", "nevem", "neveciyim", "نوه جان",
    "نوه عزیزم", "نوهی عزیزم", "naveh jan", "внучка", "внучек", "внучок", "внученька", "внучата",
    # a group or chat for the parents: a coach or a teacher whose photos and plans the parents see
    "parents group", "parents chat", "group for parents", "group for the parents", "parents whatsapp",
    "veli grub~", "veliler grub~", "veli whatsapp", "velilerin grub~", "valideynler ucun", "valideyn qrup~",
    "valideynler qrup~", "گروه والدین", "گروه اولیا", "برای والدین", "родительск~ чат~", "родительск~ групп~",
    "чат родителей", "для родителей",
    # a parent speaking of the other parent ("come to me or dad", "dad and I will report it"): the sender is
    # family, not someone who keeps the child from it
    "me or dad", "me or mom", "me or mum", "dad and i", "mom and i", "mum and i", "me and dad", "me and your dad",
    "your dad and i", "your mom and i", "your mum and i",
    "ben ve baban", "babanla ben", "annenle ben", "bana ya da babana", "men ve atan", "atanla men", "ananla men",
    "mene ve ya atana",
    # a cousin speaking of the child's parent as their own aunt or uncle ("I'll talk to my aunt myself")
    "teyzemle * konus~", "halamla * konus~", "dayimla * konus~", "amcamla * konus~", "teyzeme * sor~",
    "halama * sor~", "xalamla * danis~", "bibimle * danis~", "dayimla * danis~", "emimle * danis~",
    "xalamdan * sorus~", "bibimden * sorus~",
    "با خاله صحبت", "با خاله هماهنگ", "از خاله میپرسم", "با عمه صحبت", "با عمو صحبت", "با دایی صحبت", "زن عمو",
    "زن دایی", "ba khale sohbat", "ba khale hamahang", "zan amoo", "zan dayi",
    "поговорю с тет~", "спрошу у тет~", "с тетей договор~", "с дядей договор~", "поговорю с дяд~",
    "talk to auntie", "ask auntie", "talk to my aunt", "ask my aunt", "talk to my uncle",
    # ... and has told, given to or asked that aunt or uncle already ("robux kartını teyzeme verdim", "əmimə
    # demişəm, icazə verdi", "I gave it to my aunt"): the gift or the plan goes through the child's parent
    "teyzeme", "teyzemle", "halama", "halamla", "dayima", "dayimla", "amcama", "amcamla", "xalama", "xalamla",
    "bibime", "bibimle", "emime", "emimle",
    "به خالم", "با خالم", "به عمم", "با عمم", "به داییم", "با داییم", "be khalam", "ba khalam", "be daiim",
    "ba daiim",
    "told my aunt", "asked my aunt", "gave it to my aunt", "told my uncle", "asked my uncle",
    "моей тете", "моей тёте", "моему дяде", "с моей тет~", "с моим дяд~",
    "من و بابات", "من و مامانت", "من و بابا", "به من یا بابا", "به من یا بابات",
    "man va babat", "мы с папой", "мы с мамой", "мы с твоим папой", "мы с твоей мамой", "мне или папе",

    # the photo or the document goes through the parent, or is sent while the parent is there ("kimliğinin iki yüzünü
    # de çekip annene at, ben ondan alırım", "akşam annen yanındayken atarsınız", "dedene de göstereyim": an aunt
    # asking for a report card and an ID for a passport appointment, dev chats round 30d)
    "send it to your mum", "send it to your mom", "send them to your mum", "send them to your mom",
    "when your mum is with you", "when your mom is with you", "when your mum is there", "when your mom is there",
    "show it to grandpa", "show grandpa", "show your grandpa",
    "annene at", "annene gonder~", "annene yolla", "annen yanindayken", "annenin yaninda", "baban yanindayken",
    "dedene", "deden de", "anana at", "anana gonder", "anan yaninda olanda", "babana * goster~",
    "به مامانت بفرست", "وقتی مامانت پیشته", "وقتی مامانت هست", "به بابابزرگت", "be mamanet befrest",
    "vaghti mamanet pishete", "отправь маме", "скинь маме", "когда мама будет рядом", "когда мама дома",
    # a parent asked to come along ("Anan və ya atan gələ bilər?": a dental clinic booking a 15-year-old, dev chats
    # round 16d), as a clinic, a club or a school asks: the family invited, the opposite of isolation
    "mum or dad can come", "mom or dad can come", "with a parent or guardian", "parent or guardian",
    "must come with a parent", "annen veya baban", "annen ya da baban", "veliyle gel~", "velisiyle gel~",
    "anan ve ya atan", "anan ya atan", "valideynle gel~", "valideyninle gel~",
    "با پدر یا مادر", "پدر یا مادرت", "با ولی", "ba pedar ya madar", "мама или папа", "с родителями приход~",
    "с кем-то из родителей", "с одним из родителей",
    # ... or asked to be at home for the lesson ("Annen de evde olsun lütfen": a piano teacher's video lesson, 16d)
    "annen de evde olsun", "annen de evde olacak", "annen de yaninda olsun", "anan da evde olsun",
    "anan da evde olacaq", "your mum should be home", "your mom should be home", "your mum will be there",
    "your mom will be there", "make sure your mum is", "make sure your mom is", "مامانت هم خونه باشه",
    "mamanet ham khune bashe", "пусть мама будет дома", "мама будет рядом",
    # a parent as the go-between or the one who wants to see ("your dad will give it to you", "your dad is at
    # work and wants to see it"): the family knows of the gift or the photo
    "your dad will give you", "your mom will give you", "your mum will give you", "your parents will give you",
    "your dad wants to see", "your mom wants to see", "your mum wants to see", "your parents want to see",
    "baban sana verecek", "annen sana verecek", "baban verecek", "annen verecek", "baban gormek ist~",
    "annen gormek ist~", "ailen gormek ist~",
    "atan sene verecek", "anan sene verecek", "atan verecek", "anan verecek", "atan gormek isteyir",
    "anan gormek isteyir", "valideynlerin gormek isteyir",
    "بابات بهت میده", "مامانت بهت میده", "بابات برات میاره", "مامانت برات میاره", "بابات * میخواد ببینه",
    "مامانت * میخواد ببینه", "babat behet mide", "mamanet behet mide", "babat * mikhad bebine",
    "mamanet * mikhad bebine",
    "папа тебе отдаст", "мама тебе отдаст", "папа тебе передаст", "мама тебе передаст", "папа отдаст",
    "мама отдаст", "папа хочет посмотреть", "мама хочет посмотреть", "папа хочет увидеть", "мама хочет увидеть",
    # the sender asks the child's parent to call or write back ("tell your mum to call me", "is your
    # mom home? tell her to call me"): the family is invited in, the opposite of a groomer's isolation;
    # Persian "بزنه" / Turkish "arasın" / Russian "пусть ... позвонит" name a third person calling, not
    # the child ("بهم زنگ بزن", "beni ara", "позвони мне" stay unread here)
    "mom to call me", "mum to call me", "dad to call me", "parents to call me", "have your mom call",
    "have your mum call", "have your dad call", "your mom can call me", "your mum can call me",
    "annen beni ara~", "baban beni ara~", "ailen beni ara~", "annen * beni ara~",
    # "söyle" as written ("söyleme" is "don't tell") and a form of "call" ("aramızda" is "between us")
    "annene soyle= * aras~", "annene soyle= * aray~",
    "anan mene zeng ets~", "atan mene zeng ets~", "anana de * zeng ets~",
    "بگو بهم زنگ بزنه", "بگو زنگ بزنه", "بگو باهام تماس بگیره", "مامانت * زنگ بزنه", "بابات * زنگ بزنه",
    "begu behem zang bezane", "begoo behem zang bezane", "bego behem zang bezane", "begu beham zang bezane",
    "begu zang bezane", "begoo zang bezane", "mamanet * zang bezane", "babat * zang bezane",
    "пусть мама * позвонит", "пусть папа * позвонит", "пусть родители * позвонят", "попроси маму * позвонить",
    "попроси папу * позвонить", "пусть мама * перезвонит", "пусть мама * напишет",
    # a parent speaking of the other parent as a partner in it ("dad and I will report it", "don't
    # delete it, so dad sees it too"): the voice of the family itself
    "dad and i", "mom and i", "mum and i", "me and your dad", "me and your mom", "me and your mum",
    "babanla ben", "annenle ben", "ben ve baban", "ben ve annen", "atanla men", "ananla men", "men ve atan",
    "men ve anan", "من و بابات", "من و مامانت", "من و بابا", "من و مامان", "بابا هم ببینه", "بابات هم ببینه",
    "man o babat", "man o mamanet", "man o baba", "baba ham bebine", "babat ham bebine",
    "мы с папой", "мы с мамой", "мы с твоим папой", "мы с твоей мамой", "папа тоже увидит",
    "my s papoy", "my s mamoy",
    # the sender will speak to the parent (a cousin's "I'll talk to my aunt myself", the child's mother
    # being his aunt) or sends the child to a parent ("come straight to me or dad")
    "ill talk to your mom", "ill talk to your mum", "ill talk to your dad", "ill ask your mom", "ill ask your mum",
    "ill ask your dad", "ill call your mom", "ill call your mum", "me or dad", "me or your dad", "me or mom",
    "me or your mom", "me or your mum", "teyzemle * konus~", "halamla * konus~", "teyzeme * sor~", "halama * sor~",
    "xalamla * danis~", "bibimle * danis~", "xalamdan * sorus~", "bibimden * sorus~", "با خاله صحبت میکنم",
    "با عمه صحبت میکنم", "به خاله میگم", "به عمه میگم", "с тетей поговорю", "с тётей поговорю",
    "я поговорю с твоей мамой", "поговорю с твоей мамой", "ya pogovoryu s tvoey mamoy",
    # money sent through the parent, or a thing the parent wants to see ("I sent 200 to your dad for
    # your present", "your dad is at work and wants to see it"): the family is the channel. Not "sent
    # it to your dad", a sextortionist's line
    "sent the money to your", "gave the money to your", "your dad wants to see", "your mom wants to see",
    "your mum wants to see", "babana * tl gonderdim", "babana * para gonderdim", "annene * tl gonderdim",
    "annene * para gonderdim", "babana * para yolladim", "annene * para yolladim", "baban * gormek istiyor",
    "annen * gormek istiyor", "atana * pul gonderdim", "atana * manat gonderdim", "anana * pul gonderdim",
    "anana * manat gonderdim", "atan * gormek isteyir", "anan * gormek isteyir",
    "به بابات * پول دادم", "به بابات * پول ریختم", "به مامانت * پول دادم", "به مامانت * پول ریختم",
    "برای بابات * پول ریختم", "برای مامانت * پول ریختم", "به بابات * تومن دادم", "به مامانت * تومن دادم",
    "بابات * میخواد ببینه", "مامانت * میخواد ببینه", "babat * mikhad bebine", "mamanet * mikhad bebine",
    "папе * деньги отправил~", "маме * деньги отправил~", "папе * деньги перев~", "маме * деньги перев~",
    "папе * денег перев~", "маме * денег перев~", "твой папа * хочет посмотреть", "твоя мама * хочет посмотреть",
    "yengen", "زن عموت", "زن داییت",
    # the same in the chat spelling of "your" ("ill ask ur mom", "ur dad said")
    "ur mom asked", "ur mum asked", "ur mom said", "ur mum said", "ur dad said", "ask ur mom", "ask ur mum",
    "ask ur parents", "ur parents said",
    # a visit to the child's family home with one's own family ("we'll come over to yours on Friday",
    # "جمعه میایم خونتون"): the plural "we" to the family's house, never "come to mine" or "I'll come"
    "well come over", "we will come over", "were coming over", "we will come to your house",
    "size gelecegiz", "size geliriz", "size gelicez", "size gelecik", "size gelerik",
    "میایم خونتون", "میایم خونه تون", "میایم خونه شما", "میایم پیشتون", "miaym khoonetoon", "miaim khoonetun",
    "miaym khoonatoon", "приедем к вам", "придем к вам", "мы к вам приедем", "мы к вам придем",
    "priedem k vam", "pridem k vam",
    # the sender urges the child to tell the parent themselves ("tell her yourself tonight"): a secret
    # the child asked for, handed back to the family, never a groomer's isolation
    "tell her yourself", "tell him yourself", "tell them yourself", "tell your mom yourself",
    "tell your mum yourself", "tell your dad yourself", "kendin soyle", "kendin anlat", "ozun de", "ozun danis",
    "خودت بگو", "خودت بهش بگو", "خودت بهشون بگو", "khodet begoo", "khodet begu", "khodet behesh begoo",
    "сама скажи", "сам скажи", "скажи ей сам~", "скажи маме сам~", "sama skazhi", "sam skazhi",
]


def _phrase_index(phrases: list[str]) -> dict[str, list[re.Pattern[str]]]:
    """A phrase list indexed like `compiled`: each phrase's pattern under its first key (one alternation of
    every phrase cost ~70 us a message)."""
    index: dict[str, list[re.Pattern[str]]] = {}
    for phrase in phrases:
        key = _first_key(phrase)
        if key is not None:
            index.setdefault(key[0], []).append(re.compile(_phrase_regex(phrase), re.UNICODE))
    return index


def _any_phrase(canonical_text: str, index: dict[str, list[re.Pattern[str]]]) -> bool:
    """Whether one of an indexed phrase list's phrases (`_phrase_index`) occurs in the canonical text."""
    return any(rx.match(canonical_text, pos) for pos, rx in _candidates(canonical_text, index))


@lru_cache(maxsize=1)
def _openness_index() -> dict[str, list[re.Pattern[str]]]:
    return _phrase_index(OPENNESS)


# A parent or grandparent addressed by the child ("olur baba!", "are maman, ...", "ок мам", "thanks grandma"):
# what a child calls its own family, in the vocative only (the last word, or one of the first two before a
# comma or "!"), so that "my dad is home" or "мама дома" are not read as an address. Not "daddy", which a
# groomer asks to be called, nor "uncle", "abi", "dayı", "дядя", "amoo", which children call any grown man.
FAMILY_ADDRESS = frozenset({
    "mom", "mum", "mommy", "mummy", "mama", "dad", "papa", "grandma", "grandpa", "granny", "nana",
    "anne", "annecigim", "babacigim", "babaanne", "anneanne", "dede", "nine",
    "ana", "anacan", "ata", "atacan", "nene", "nenecan",
    "مامان", "مامانی", "بابا", "بابایی", "maman", "mamani", "babai",
    "мам", "мамуль", "мамочка", "пап", "папуль", "бабушка", "бабуль", "бабуля", "дедушка", "деда", "дедуль",
    "mam", "pap", "babul", "babulya",
})
_FA_BABA = frozenset({"baba"})  # Turkish, Persian "dad", Azerbaijani "grandpa": an address in all three
# "I'll tell my dad", "call your mom": the word names the family, it does not address it
_NOT_VOCATIVE = frozenset({"my", "your", "ur", "his", "her", "their", "the", "a", "to", "tell", "call", "ask",
                           "and", "or", "with"})
_TOKENS = re.compile(r"\w+|[,!]", re.UNICODE)
# Particles a child adds after the address ("tamam anne ya", "ок мам ну", "ok mom pls"): the address still
# ends the sentence
_TRAILING = frozenset({"ya", "yaa", "ha", "he", "ki", "jan", "joon", "jun", "can", "ну", "же", "pls", "plz",
                       "please", "lutfen", "xahis"})
# Forms that only ever call the family, so they open a message without a comma ("anne emirlerdeyim", "ata
# parkdayam", "мам ну можно я погуляю"): Turkish and Azerbaijani say "annem", "anam", "atam" for "my mother",
# "my father", and Russian's clipped "мам", "пап" are vocatives. Not "baba", which opens Turkish slang ("baba
# bu oyun efsane"), nor Azerbaijani "ana", also "main" ("ana səhifə").
_OPENING_VOCATIVE = frozenset({"anne", "annecim", "annecigim", "babacim", "babacigim", "ata", "atacan",
                               "anacan", "мам", "пап", "мамуль", "папуль", "бабуль", "дедуль"})


def addresses_family(text: str) -> bool:
    """True when the message calls the reader a parent or grandparent (see `FAMILY_ADDRESS`)."""
    toks = _TOKENS.findall(canon(text[:300]))
    words = [t for t in toks if t not in (",", "!")]
    while len(words) > 1 and words[-1] in _TRAILING:
        words.pop()
    if not words:
        return False
    names = FAMILY_ADDRESS | _FA_BABA
    if words[-1] in names and (len(words) < 2 or words[-2] not in _NOT_VOCATIVE):
        return True
    if len(words) > 1 and words[0] in _OPENING_VOCATIVE:
        return True
    for i, t in enumerate(toks[:4]):
        if t in names and i + 1 < len(toks) and toks[i + 1] in (",", "!"):
            return True
    return False


def speaks_openly(text: str) -> bool:
    """True when the message speaks of the child's family as people who know (see `OPENNESS`)."""
    return _any_phrase(canon(text[:2000]), _openness_index())


@lru_cache(maxsize=1)
def _reported_index() -> dict[str, list[re.Pattern[str]]]:
    return _phrase_index(REPORTED)


def reports_speech(canonical_text: str) -> bool:
    """True when the message retells what a third person wrote or asked (see `REPORTED`)."""
    return _any_phrase(canonical_text, _reported_index())


def _first_key(phrase: str) -> tuple[str, bool] | None:
    for tok in phrase.split():
        if tok == "*":
            continue
        prefix = tok.endswith("~")
        words = _WORD.findall(canon(tok.rstrip("~=")))
        if words:
            w = words[0]
            return (w[:4], True) if (prefix or len(w) >= 4) and len(w) >= 4 else (w, prefix)
    return None


@lru_cache(maxsize=1)
def compiled() -> dict[str, list[tuple[int, float, str, re.Pattern[str]]]]:
    """Phrases indexed by the start of their first word.

    One big alternation regex costs ~1 ms per message in Python's `re`; looking
    up each word of the message in this index and trying only the few phrases
    that start with it is ~20x faster and keeps the scorer at thousands of
    messages per second per core.
    """
    index: dict[str, list[tuple[int, float, str, re.Pattern[str]]]] = {}
    for si, stage in enumerate(STAGES):
        for weight, phrases in LEXICON.get(stage, []):
            for phrase in phrases:
                key = _first_key(phrase)
                if key is None:
                    continue
                rx = re.compile(_phrase_regex(phrase), re.UNICODE)
                index.setdefault(key[0], []).append((si, weight, phrase, rx))
    return index


@lru_cache(maxsize=1)
def compiled_frames() -> dict[str, list[tuple[int, float, bool, re.Pattern[str]]]]:
    """The benign frames, indexed like `compiled` (one entry per capped stage)."""
    index: dict[str, list[tuple[int, float, bool, re.Pattern[str]]]] = {}
    for stages, cap, strong_too, phrases in FRAMES:
        for phrase in phrases:
            key = _first_key(phrase)
            if key is None:
                continue
            rx = re.compile(_phrase_regex(phrase), re.UNICODE)
            for stage in stages:
                index.setdefault(key[0], []).append((STAGES.index(stage), cap, strong_too, rx))
    return index


# "S yoxsa M?", "UC mi yoksa Robux mu?": Turkish and Azerbaijani "or" in a question is the same word as
# "or else" (`yoksa`, `yoxsa`); `_alternative_question` keeps the weak threat phrase out, and this frame caps
# the stage model too, which learnt the word from threats (az-d15-06: "UC yoxsa Robux?" read 0.5)
_CHOICE = re.compile(r"(?<!\w)yo[kx]sa(?:\W+\w+){1,4}?\W*\?", re.UNICODE)


def frame_caps(canonical_text: str) -> list[tuple[float, bool]] | None:
    """Per stage, the most it may score in this message and whether strong phrases are capped too
    (None: the message has no benign frame)."""
    caps: list[tuple[float, bool]] | None = None
    for pos, (si, cap, strong_too, rx) in _candidates(canonical_text, compiled_frames()):
        if (caps is None or cap < caps[si][0]) and rx.match(canonical_text, pos):
            caps = caps or [(1.0, False)] * len(STAGES)
            caps[si] = (cap, strong_too)
    if _CHOICE.search(canonical_text):
        caps = caps or [(1.0, False)] * len(STAGES)
        caps[_THREATS_I] = (min(caps[_THREATS_I][0], IMAGE_FRAME_CAP), caps[_THREATS_I][1])
    return caps


def _candidates(text: str, index: dict[str, list] | None = None):  # noqa: ANN202
    index = compiled() if index is None else index
    seen: set[str] = set()
    for m in _WORD.finditer(text):
        tok = m.group(0)
        keys = {tok[:4]} if len(tok) >= 4 else {tok}
        if len(tok) < 4:
            keys.update(tok[:k] for k in range(1, len(tok)))
        for key in keys:
            for cand in index.get(key, ()):
                yield m.start(), cand
        seen.add(tok)


# Emoji that stand for words in grooming (the normaliser keeps them): a camera with a peach or an
# aubergine is a request for sexual images ("send 📸🍑"); a sexual emoji alone is a weak sexual cue, a
# money emoji a weak gift cue (both also occur between friends).
_SEXUAL_EMOJI = frozenset("🍑🍆💦👅")
_CAMERA_EMOJI = frozenset("📸📷🤳📹🎥")
_MONEY_EMOJI = frozenset("💸💰💵🤑")
_IMAGES_I = STAGES.index(Stage.IMAGES)
_SEXUAL_I = STAGES.index(Stage.SEXUAL)
_GIFTS_I = STAGES.index(Stage.GIFTS)


def _emoji_stages(text: str, scores: list[float]) -> None:
    chars = set(text)
    sexual = bool(chars & _SEXUAL_EMOJI)
    if sexual:
        scores[_SEXUAL_I] = max(scores[_SEXUAL_I], STRONG if chars & _CAMERA_EMOJI else WEAK)
        if chars & _CAMERA_EMOJI:
            scores[_IMAGES_I] = max(scores[_IMAGES_I], STRONG)
    if chars & _MONEY_EMOJI:
        scores[_GIFTS_I] = max(scores[_GIFTS_I], WEAK)


# A request kept from the parents: secrecy at or above this in the same message as a meeting or an image
# request of a weak cue's strength makes that request a strong one (`concealed_request`).
CONCEALED_SECRECY = 0.6
_MEETING_I = STAGES.index(Stage.MEETING)
_SECRECY_I = STAGES.index(Stage.SECRECY)


# A picture asked for in return for a gift ("send a pic as a thank you", `teşekkür olarak bi foto at`): the
# trade of gift grooming; with an image request of a weak cue's strength in the message it is a strong one
_IN_RETURN = [
    "as a thank you", "as thanks", "to thank me", "in return", "in exchange", "tesekkur olarak", "tesekkur icin",
    "karsiliginda", "tesekkur olaraq", "evezinde", "qarsiliginda", "به عنوان تشکر", "برای تشکر", "در عوض", "عوضش",
    "be onvane tashakor", "dar avaz", "avazesh", "в благодарность", "взамен", "в обмен", "в ответ",
]


@lru_cache(maxsize=1)
def _in_return() -> re.Pattern[str]:
    return _alternation(_IN_RETURN)


def traded_request(canonical_text: str, scores: list[float]) -> list[float]:
    """`scores` with a weak image request raised to `STRONG` where the same message asks it in return
    ("... as a thank you"): a coach's or a relative's photo request comes with no price."""
    if not WEAK <= scores[_IMAGES_I] < STRONG or not _in_return().search(canonical_text):
        return scores
    out = list(scores)
    out[_IMAGES_I] = STRONG
    return out


def concealed_request(scores: list[float]) -> list[float]:
    """`scores` with a meeting or image request raised to `STRONG` where the same message keeps it secret.

    Why: patient grooming asks softly ("come by the studio after school", "show me the dress") and hides
    it in the same breath ("no need to bother your mum yet"); either half is what a coach or a relative
    says too, and each counts as weak, but a request to a child that the child is to keep from the
    family is the harm itself. A surprise or a secret with an end date is capped below
    `CONCEALED_SECRECY` by its frame (`FRAMES`), so it lifts nothing."""
    if scores[_SECRECY_I] < CONCEALED_SECRECY:
        return scores
    out = list(scores)
    for i in (_MEETING_I, _IMAGES_I):
        if WEAK <= out[i] < STRONG:
            out[i] = STRONG
    return out


# Exposure threats put together from their parts: the child's circle as the audience ("your class chat",
# `sınıf grubuna`, `گروه کلاست`, `чат твоего класса`), a verb of sending or being seen ("goes to", `yollarım`,
# `میره`, `уходит`, `увидит`) and an ultimatum ("or", "if you don't", a deadline, `-mazsan`, `وگرنه`, `или`).
# The phrase lists held whole sentences ("весь класс увидит") and missed the same threat with a word between
# or another verb ("весь класс его увидит", "видео уходит в чат твоего класса"). Each part alone is everyday
# talk (a teacher sends a note to the parents, a coach posts in the team chat); the three together in one
# message are the sextortionist's demand. Verbs are future or present, never past: "I sent your dad the
# money" is a relative's errand, not a threat.
_AUDIENCE = [
    "your mom", "your mum", "your dad", "your parents", "your family", "your school", "your class", "your teacher~",
    "your friends", "your followers", "ur mom", "ur mum", "ur dad", "ur parents", "ur family", "ur school", "ur class",
    "ur friends", "ur followers", "everyone", "everybody", "the whole class", "the whole school", "class chat",
    "class group", "school chat", "school group", "school page",
    "annene", "babana", "ailene", "annen", "baban", "ailen", "sinif grub~", "sinif grup~", "sinifina", "okuluna", "okul grub~", "ogretmenine",
    "arkadaslarina", "takipcilerine", "herkese", "herkes", "sinifin~", "okulun~", "butun sinif", "tum sinif",
    "butun okul", "tum okul",
    "anana", "atana", "valideynlerine", "anan", "atan", "valideynlerin", "sinif qrup~", "sinifine", "mektebine", "mekteb qrup~",
    "muellimine", "dostlarina", "izleyicilerine", "hamiya", "hami", "sinifin~", "mektebin~", "butun sinif",
    "butun mekteb",
    "بابات", "مامانت", "پدرت", "مادرت", "خانوادت", "خانوادهات", "گروه کلاس", "کلاست", "مدرست", "کانال مدرسه",
    "گروه مدرسه", "پیج مدرسه", "معلمت", "دوستات", "دوستانت", "فالوئرات", "فالوورات", "برای همه", "کل کلاس", "کل مدرسه",
    "babat", "mamanet", "khanevadat", "madresat", "baraye hame",
    "твоей маме", "твоему папе", "твоим родителям", "маме твоей", "папе твоему", "родителям твоим", "класса",
    "классу", "весь класс", "вся школа", "всей школе", "в школу", "твоей школ~", "твоим друзьям", "подписчик~",
    "всем твоим", "твоя мама", "твой папа", "твои родители", "твои друз~", "твоим друз~", "твой класс",
]
_SPREAD = [
    "ill send", "i will send", "i send", "im sending", "ill post", "i post", "ill share", "ill leak", "ill show",
    "ill upload", "ill forward", "will watch", "goes to", "go to", "go out to", "will see", "gets sent", "send it to",
    "send them to", "send this to",
    "gonderirim", "gonderecegim", "gondercem", "gonderiyorum", "yollarim", "yollayacag~", "yolluyorum", "yollicam",
    "atarim", "atacagim", "paylasirim", "paylasacag~", "yayarim", "yayacag~", "yuklerim", "yukleyecegim",
    "gosteririm", "gosterecegim", "gorur", "gorecek", "izler", "izleyecek", "gider", "gidecek", "dusecek",
    "gonderecem", "gondereceyem", "gonderirem", "yollayacam", "atacam", "atiram", "paylasacam", "yayacam",
    "gosterecem", "gedecek", "izleyecek", "baxacaq",
    "میفرستم", "میفرستمش", "میفرستمشون", "میره برای", "میره تو", "میرن برای", "پخش", "میذارم", "میزارم", "نشون میدم", "نشونش میدم",
    "میبینن", "میبینه", "ارسال میکنم", "miferestam", "mire baraye", "pakhsh", "mizaram", "neshun midam", "neshoon midam",
    "mibinan",
    "отправлю", "отправляю", "скину", "скидываю", "разошлю", "перешлю", "выложу", "выкладываю", "покажу",
    "уходит", "уйдет", "полетит", "попадет", "увидит", "увидят", "узнает", "узнают", "зашлю", "солью",
]
_ULTIMATUM = [
    "or i", "or it", "or they", "or everyone", "or your", "or ur", "or the", "or else", "unless", "if you dont", "if u dont",
    "if you wont", "if u wont", "otherwise", "you have * hour~", "you have * minutes", "by tonight",
    "before midnight", "until midnight",
    "yoksa", "ya da", "saatin var", "dakikan var", "aksama kadar", "gece yarisina kadar",
    "yoxsa", "saatin var", "deqiqen var", "axsama qeder", "gece yarisina qeder",
    "وگرنه", "تا امشب", "ساعت وقت داری", "دقیقه وقت داری", "vagarna", "ta emshab",
    "или", "иначе", "если не", "до вечера", "до полуночи", "у тебя * час", "у тебя * минут",
]
# the negative conditional of the second person: `atmazsan`, `göndərməsən`, `اگه نفرستی`, `اگه پول ندی`
_IF_NOT = r"\w+(?:mazsan|mezsen|masan|mesen)(?!\w)|(?<!\w)(?:اگه|اگر)(?:\W+\w+){0,3}?\W+ن\w+ی(?!\w)|(?<!\w)نفرستی(?!\w)"
# a note, a message, the grades: what a teacher sends the parents ("or I'll send a note to your parents")
_NOTE = [
    "a note", "a message", "an email", "a letter", "your grades", "ur grades", "the grades",
    "mesaj", "notlarini", "notunu", "e posta", "mektup", "mektub", "qiymet~",
    "پیام", "نامه", "نمره", "payam", "сообщени~", "письм~", "записк~", "оценк~", "замечани~",
]
# what is to be sent or seen, said with a pronoun ("or I post them", "или весь класс его увидит"): with it or
# a picture named (`_MEDIA`) after the ultimatum, a picture named in the message is what the threat holds
_OBJECT = [
    "them", "those", "these", "everything", "post it", "share it", "leak it", "show it", "send it",
    "onu", "onlari", "bunu", "bunlari", "hepsini", "hamisini",
    "اینو", "اونو", "همشو", "همه رو", "اینارو", "اونارو", "میفرستمش", "میفرستمشون", "hamasho", "ino",
    "его", "их", "это", "все", "всё",
]
# what a threat is about, when it names it: then the threat is itself the leverage of sextortion
_MEDIA = [
    "pic", "pics", "photo~", "picture~", "video~", "vid", "vids", "recording", "screenshot~", "nudes",
    "foto~", "resim~", "kayd~", "kayit~", "goruntu~", "sekil~", "seki~",
    "عکس~", "فیلم~", "ویدیو~", "ویدئو~", "اسکرین~", "ضبط~", "aks~", "film~",
    "фот~", "видео~", "видос~", "запис~", "скрин~",
]
# a camera or a call named with undressing: the request is for images too
_CAMERA = [
    "camera", "cam", "on video", "video call", "facetime", "kamera~", "goruntulu", "canli", "دوربین", "تصویری",
    "dorbin", "tasviri", "камер~", "видеозвон~", "по видео", "на видео",
]


def _alternation(phrases: list[str], extra: str = "") -> re.Pattern[str]:
    body = "|".join(_phrase_regex(p) for p in phrases)
    return re.compile(f"{body}|{extra}" if extra else body, re.UNICODE)


@lru_cache(maxsize=1)
def _composed() -> tuple[re.Pattern[str], ...]:
    """The parts of `composed_stages`, compiled once."""
    return (_alternation(_AUDIENCE), _alternation(_SPREAD), _alternation(_ULTIMATUM, _IF_NOT),
            _alternation(_MEDIA), _alternation(_OBJECT), _alternation(_NOTE), _alternation(_CAMERA))


_THREATS_I = STAGES.index(Stage.THREATS)


def _exposure_threat(
    text: str, audience: re.Pattern[str], spread: re.Pattern[str], ultimatum: re.Pattern[str]
) -> int | None:
    """Where the ultimatum starts, when the audience and the verb follow it ("send two more or I post them
    to your class"), else None. The order keeps out the everyday "I'll send the photos to your mum or dad"
    (the "or" after both)."""
    m = ultimatum.search(text)
    if m is None or not audience.search(text, m.start()) or not spread.search(text, m.start()):
        return None
    return m.start()


def composed_stages(canonical_text: str, scores: list[float]) -> list[float]:
    """`scores` with the stages that only the parts of a message together show: an exposure threat
    (ultimatum, audience and spread, see `_AUDIENCE`, with what is spread named or pointed at) raised to
    `STRONG`, and where it names a picture or a video image evidence too (`WEAK`, the leverage
    `risk.sextortion_pattern` needs: "or the video goes to your class chat" is both the threat and what it
    holds); undressing asked for on a camera or a call made an image request (`STRONG`)."""
    audience, spread, ultimatum, media, obj, note, camera = _composed()
    out = scores
    at = _exposure_threat(canonical_text, audience, spread, ultimatum)
    if at is not None and not note.search(canonical_text):
        out = list(out)
        out[_THREATS_I] = max(out[_THREATS_I], STRONG)
        held = media.search(canonical_text, at) or obj.search(canonical_text, at)
        if held and media.search(canonical_text):
            out[_IMAGES_I] = max(out[_IMAGES_I], WEAK)
    if out[_SEXUAL_I] >= STRONG and out[_IMAGES_I] < STRONG and camera.search(canonical_text):
        out = list(out)
        out[_IMAGES_I] = STRONG
    return out
# Turkish and Azerbaijani "yoksa" / "yoxsa" is "or else" in a demand and plain "or" in a question
# ("S yoxsa M?", "pizza mı yoksa döner mi?"): in a clause that ends in a question mark it is no threat.
_QUESTION_OR = frozenset({"yoksa", "yoxsa"})
_CLAUSE_ENDS_IN_QUESTION = re.compile(r"[^.!?\n]{0,60}\?")


def _alternative_question(phrase: str, m: re.Match[str], text: str) -> bool:
    """The "or" of a question, not the "or else" of a threat (see `_QUESTION_OR`)."""
    return phrase in _QUESTION_OR and _CLAUSE_ENDS_IN_QUESTION.match(text, m.end()) is not None


def match_stages(canonical_text: str) -> list[float]:
    """Pattern score per stage (STAGES order) for an already-canonical text."""
    scores = [0.0] * len(STAGES)
    for pos, (si, weight, phrase, rx) in _candidates(canonical_text):
        if weight > scores[si] and (m := rx.match(canonical_text, pos)) and not _alternative_question(
            phrase, m, canonical_text
        ):
            scores[si] = weight
    if not canonical_text.isascii():
        _emoji_stages(canonical_text, scores)
    return composed_stages(canonical_text, scores)


def explain(canonical_text: str) -> dict[str, str]:
    """Which phrase matched per stage (strongest first): for reviewers and debugging."""
    found: dict[str, tuple[float, str]] = {}
    for pos, (si, weight, phrase, rx) in _candidates(canonical_text):
        m = rx.match(canonical_text, pos)
        if m and weight > found.get(STAGES[si].value, (0.0, ""))[0] and not _alternative_question(
            phrase, m, canonical_text
        ):
            found[STAGES[si].value] = (weight, m.group(0))
    return {k: v[1] for k, v in found.items()}
