"""Rules that dev round 42d (2026-12-08) showed missing, each beside a look-alike. Lines written for this test."""

from __future__ import annotations

import pytest

from tutela.conversations.detector import StageDetector
from tutela.detect import analyze_text
from tutela.detect.detectors.emoji import EmojiDetector
from tutela.detect.normalize import normalize_text
from tutela.domain.conversation import STAGES, Stage
from tutela.domain.taxonomy import Category

from .conftest import RULE, lexicon_score
from .conftest import detector_score as _score


@pytest.mark.parametrize(("text", "category", "flagged"), [
    # a plain threat at its phrase's full score stands against the harm verifier, which reads it as trash talk
    ("im gonna kill u", Category.VIOLENT_CONTENT, True),
    ("ur dead after school", Category.VIOLENT_CONTENT, True),
    ("я тебя убью завтра после физры", Category.VIOLENT_CONTENT, True),
    # the same words in their look-alike's context are halved first and stay open to the verifier
    ("im gonna kill u in fortnite tonight gg", Category.VIOLENT_CONTENT, False),
    ("u r dead meat in fifa later, 4-0 incoming 😂", Category.VIOLENT_CONTENT, False),
    ("я тебя убью если ещё раз заспойлеришь сериал", Category.VIOLENT_CONTENT, False),
    ("брат опять стащил мою зарядку, я его прибью", Category.VIOLENT_CONTENT, False),
    ("kardeşim yine şarjımı aldı, onu öldürcem şaka seviyom onu", Category.VIOLENT_CONTENT, False),
    ("bacım yenə telefonumu götürüb, onu öldürəcəm, zarafat edirəm", Category.VIOLENT_CONTENT, False),
    # a 3 or 7 starting a Finglish word is ع or ح, not leetspeak's e and t: the phrase rules read it written back
    ("3alaf mikhay? to madrese pakhsh kon, 7aghet ro naghd midam", Category.RECRUITMENT, True),
    ("moalem goft madrese ro tamiz konid", Category.RECRUITMENT, False),
    # a barcode arm and a goodbye before the last night stand as intent against the verifier
    ("my arm looks like a barcode again lol 🙃 dont tell mum", Category.SELF_HARM, True),
    ("i've decided. friday night is the last one, i already said goodbye to my cat", Category.SELF_HARM, True),
    ("barcode scanner at the shop is broken again lol", Category.SELF_HARM, False),
])
def test_the_engine_flags_them_whole(text: str, category: Category, flagged: bool) -> None:
    """Through every stage: the harm verifier, the language id and the Finglish written back have their say."""
    assert (category in analyze_text(text).flags) is flagged


@pytest.mark.parametrize(("text", "lang", "category", "flagged"), [
    # a veiled threat to a home or a family: "shame if something happened", "still healthy, for now"
    ("lovely house ur mum has. be a shame if something happened to it", "en", Category.VIOLENT_CONTENT, True),
    ("у тебя классная младшая сестра. жалко будет, если с ней что-то случится", "ru", Category.VIOLENT_CONTENT, True),
    ("qardaşına salam de, hələ ki sağdı", "az", Category.VIOLENT_CONTENT, True),
    ("annenin dükkanı çok güzel, yazık olur bir şey olursa", "tr", Category.VIOLENT_CONTENT, True),
    ("یه شب ممکنه ماشینتون اتیش بگیره، حواستو جمع کن", "fa", Category.VIOLENT_CONTENT, True),
    ("befahmam koja zendegi mikoni mizanamet", "fa", Category.VIOLENT_CONTENT, True),
    ("найду тебя по айпи, понял?", "ru", Category.VIOLENT_CONTENT, True),
    # the same words without a threat
    ("it'd be a shame if it rained on the picnic", "en", Category.VIOLENT_CONTENT, False),
    ("жалко будет, если концерт отменят", "ru", Category.VIOLENT_CONTENT, False),
    ("nənəm hələ də sağlamdır, 90 yaşı var", "az", Category.VIOLENT_CONTENT, False),
    ("ویدیو سر بریدن گوسفند عید قربان رو بابام گرفت", "fa", Category.VIOLENT_CONTENT, False),
    # a classmate filmed in secret in a changing room or the toilets
    ("took pics of her in the changing room secretly lol, posting them later", "en", Category.SEXUAL_EXPLOITATION, True),
    ("видео из раздевалки снимал тайком, кинуть в чат?", "ru", Category.SEXUAL_EXPLOITATION, True),
    ("فیلم رختکن رو یواشکی گرفتم", "fa", Category.SEXUAL_EXPLOITATION, True),
    ("soyunma odasında gizlice çektim, gruba atayım mı", "tr", Category.SEXUAL_EXPLOITATION, True),
    # the same places in everyday talk
    ("left my phone in the changing room, can someone grab it", "en", Category.SEXUAL_EXPLOITATION, False),
    ("в раздевалке тайком съел шоколадку перед тренировкой", "ru", Category.SEXUAL_EXPLOITATION, False),
    # a move to a hidden channel kept from the parents, an age gap kept secret
    ("biya telegram, ye chizi neshunet bedam, babat nabine", "fa", Category.SEXUAL_EXPLOITATION, True),
    ("eshkal nadare man bozorgtaram, faghat be kasi nago", "fa", Category.SEXUAL_EXPLOITATION, True),
    ("lichkaya kec, anana hec ne deme", "az", Category.SEXUAL_EXPLOITATION, True),
    ("come on the other app where msgs disappear, its just us there", "en", Category.SEXUAL_EXPLOITATION, True),
    ("بیا تلگرام، عکسای اردو رو اونجا گذاشتم", "fa", Category.SEXUAL_EXPLOITATION, False),
    # crisis in a child's own words: cuts that leave no room, going to God, which floor is sure, "unalive" asked
    ("bileğimdeki çizikler bu sefer daha derin oldu", "tr", Category.SELF_HARM, True),
    ("qolumda yer qalmadı, yenə cızıq çəkdim", "az", Category.SELF_HARM, True),
    ("mikham beram pishe khoda", "fa", Category.SELF_HARM, True),
    ("с какого этажа наверняка, кто знает", "ru", Category.SELF_HARM, True),
    ("unalive olmağın ən asan yolu nədir", "az", Category.SELF_HARM, True),
    ("i keep thinking about going to sleep and never waking up", "en", Category.SELF_HARM, True),
    ("i could sleep and not wake up till monday after this week", "en", Category.SELF_HARM, False),
    ("kedi kolumu çizdi, çizikler derin değil", "tr", Category.SELF_HARM, False),
    # a trade where the child sends first; free game currency behind a login; weed handed out at school
    ("önce sen skinleri at, ben hemen atıcam güven bana", "tr", Category.FRAUD, True),
    ("یوسی رایگان، فقط با اکانتت اینجا لاگین کن", "fa", Category.FRAUD, True),
    ("give me ur roblox password or i'll tell everyone", "en", Category.FRAUD, True),
    ("give me the wifi password pls", "en", Category.FRAUD, False),
    ("علف میخوای؟ تو مدرسه پخش کن، حقتو نقد میدم", "fa", Category.RECRUITMENT, True),
    # a classmate shamed: filmed crying and sent round, left out on purpose
    ("otobüste ağlarken çektim, herkese atıyorum", "tr", Category.CYBERBULLYING, True),
    ("gelirse yüzüne bakmayın, kimse onunla konuşmasın", "tr", Category.CYBERBULLYING, True),
    ("bebeğimin ağlarken çektiğim videosu", "tr", Category.CYBERBULLYING, False),
    # old dev misses read again: short threats with no verb of killing, a weapon waited with, a way home known
    ("teneffüste öldün sen", "tr", Category.VIOLENT_CONTENT, True),
    ("cumayı göremeyeceksin", "tr", Category.VIOLENT_CONTENT, True),
    ("bazar ertəsini görməyəcəksən", "az", Category.VIOLENT_CONTENT, True),
    ("parkın yanında sopalarla bekliyoruz", "tr", Category.VIOLENT_CONTENT, True),
    ("evinin yolunu bilirəm, axşamlar tək gəzməsən yaxşıdır", "az", Category.VIOLENT_CONTENT, True),
    ("be a shame if something happened to ur little brother", "en", Category.VIOLENT_CONTENT, True),
    ("т ы труп", "ru", Category.VIOLENT_CONTENT, True),
    ("oyunda öldün sen 😂 rövanş", "tr", Category.VIOLENT_CONTENT, False),
    ("bu filmi göremeyeceksin, biletler bitti", "tr", Category.VIOLENT_CONTENT, False),
    ("it would be a shame if something happened to ur phone screen, get a case", "en", Category.VIOLENT_CONTENT, False),
    # crisis: destroying oneself, pills hidden, where to cut, self-harm urged, a barcode arm, a challenge's tasks
    ("bu sefer kendimi yok edicem", "tr", Category.SELF_HARM, True),
    ("bir qutu yuxu dərmanı gizlətmişəm", "az", Category.SELF_HARM, True),
    ("biləyimi haradan kəssəm tez bitər", "az", Category.SELF_HARM, True),
    ("режь глубже, раз тебе так плохо", "ru", Category.SELF_HARM, True),
    ("cut urself and send proof", "en", Category.SELF_HARM, True),
    ("my arm looks like a barcode again", "en", Category.SELF_HARM, True),
    ("в каком паблике дают задания? хочу дойти до последнего 🐋", "ru", Category.SELF_HARM, True),
    ("bought a new sharpener for my pencils", "en", Category.SELF_HARM, False),
    ("kendimi yormayacağım bu hafta", "tr", Category.SELF_HARM, False),
    # exploitation: a car and a secret, a cover story, a stepfather in the room, parents' hours asked
    ("get in my car quick and don't call your mum, it's a surprise", "en", Category.SEXUAL_EXPLOITATION, True),
    ("maşına min, sənə şokolad alım, anana demə", "az", Category.SEXUAL_EXPLOITATION, True),
    ("скинь адрес и фото двери, а во сколько родители уходят на работу?", "ru", Category.SEXUAL_EXPLOITATION, True),
    ("соседка: во сколько твои родители уходят на работу? хочу занести варенье", "ru", Category.SEXUAL_EXPLOITATION, False),
    ("get in the car, we're late for the dentist", "en", Category.SEXUAL_EXPLOITATION, False),
    # fraud, trafficking, recruitment
    ("ой, я случайно отправила тебе код, перешли обратно", "ru", Category.FRAUD, True),
    ("я случайно скинул код в чат семьи, не обращайте внимания, уже поменял", "ru", Category.FRAUD, False),
    ("səhvən sənə köhnə kodu atdım, boş ver, vaxtı bitib", "az", Category.FRAUD, False),
    ("kodu səhvən sənə göndərdim, at geri", "az", Category.FRAUD, True),
    ("eşyalarını ikiye katlıyorum, önce hepsini bana ver", "tr", Category.FRAUD, True),
    ("we bought her from her uncle, she works for us till the debt is paid", "en", Category.TRAFFICKING, True),
    ("yaş vacib deyil, mənzil bizdən, ilk ayın borcunu işləyib qaytarırsan", "az", Category.TRAFFICKING, True),
    ("paket işi var, polis sorarsa bir şey bilmiyorum de", "tr", Category.RECRUITMENT, True),
    ("polis sorarsa doğruyu söyle, bir şey olmaz", "tr", Category.RECRUITMENT, False),
    # Persian and Finglish read again: short threats, a blast at school, the list with the teacher first
    ("بعد کلاس کارت تمومه", "fa", Category.VIOLENT_CONTENT, True),
    ("تو بازی فردا مردی 😂", "fa", Category.VIOLENT_CONTENT, False),
    ("می‌دونم کجا زندگی می‌کنی", "fa", Category.VIOLENT_CONTENT, True),
    ("فردا تو مدرسه یه انفجار بزرگ داره، خونه بمونید", "fa", Category.VIOLENT_CONTENT, True),
    ("میدونم کجا کلاس زبان میری، منم میخوام ثبت نام کنم", "fa", Category.VIOLENT_CONTENT, False),
    ("کارت تموم شد، باید شارژش کنم", "fa", Category.VIOLENT_CONTENT, False),
    # a photo from the bath, a date while mum is at work, the hours the parents leave
    ("عکس خصوصی از حموم بفرست", "fa", Category.SEXUAL_EXPLOITATION, True),
    ("مامانت که سر کاره، یه قرار دوتایی بذاریم؟", "fa", Category.SEXUAL_EXPLOITATION, True),
    ("آدرستو با عکس در خونه بفرست، مامان بابات صبح ساعت چند میرن سر کار؟", "fa", Category.SEXUAL_EXPLOITATION, True),
    ("مامان بابات صبح ساعت چند میرن سر کار؟ میخوام براشون نامه بذارم", "fa", Category.SEXUAL_EXPLOITATION, False),
    ("کی تنهایی میاد اردو؟", "fa", Category.SEXUAL_EXPLOITATION, False),
    # a card and its PIN rented, parcels "no one asks"
    ("kart o ramzesho bede, mahi 3 toman ejare midam", "fa", Category.FRAUD, True),
    ("in baste ha ro bebar, kasi soal nemikone", "fa", Category.RECRUITMENT, True),
    ("بسته‌ی مامانبزرگ رو ببر پست", "fa", Category.RECRUITMENT, False),
    # self-harm urged or planned, a veiled threat to a sister, settling a score with a named boy (fa)
    ("چرا خودتو تموم نمیکنی؟", "fa", Category.SELF_HARM, True),
    ("امشب دوباره با تیغ، این دفعه عمیق‌تر", "fa", Category.SELF_HARM, True),
    ("حیف میشه اگه یه اتفاقی براش بیفته", "fa", Category.VIOLENT_CONTENT, True),
    ("جمعه میخوام حساب اون پسره رو برسم", "fa", Category.VIOLENT_CONTENT, True),
    ("باید حساب و کتاب این ماه رو برسم", "fa", Category.VIOLENT_CONTENT, False),
    ("تیغ ریش‌تراش بابام کند شده", "fa", Category.SELF_HARM, False),
    # "or to u" after a bike
    ("nice scooter. would be a shame if something happened to it. or to you", "en", Category.VIOLENT_CONTENT, True),
    ("would be a shame if something happened to it, that cake took hours", "en", Category.VIOLENT_CONTENT, False),
    # a stepfather's threat for the child's silence, not a mother's figure of speech
    ("отчим сказал, что если я кому-нибудь расскажу, он меня убьёт", "ru", Category.VIOLENT_CONTENT, True),
    ("мама меня убьёт, если узнает про двойку", "ru", Category.VIOLENT_CONTENT, False),
    ("было бы жаль, если бы что-нибудь случилось с твоим телефоном... и с тобой", "ru", Category.VIOLENT_CONTENT, True),
    # a veiled threat after a debt, not a cake kept in the fridge
    ("bacının məktəbini bilirik, pulu qaytarmasan ona bir şey olsa heyf olar", "az", Category.VIOLENT_CONTENT, True),
    ("ananın tortu çox dadlı idi, bir şey olsa heyf olar deyə soyuducuya qoyduq", "az", Category.VIOLENT_CONTENT, False),
    ("qaranlıq döngədə ehtiyatlı ol... hər şey ola bilər 🙂", "az", Category.VIOLENT_CONTENT, True),
    # thrown out of the group, a classmate left out of a new chat
    ("qrupdan atdıq səni, sabah məktəbdə də biabır edəcəyik", "az", Category.CYBERBULLYING, True),
    ("yeni grup açalım, ayşe hariç, onu ekleyen gruptan çıkar", "tr", Category.CYBERBULLYING, True),
    ("reklam atan botu gruptan çıkardık", "tr", Category.CYBERBULLYING, False),
    # a chain letter with a curse and the Momo hoax, in every language
    ("if u dont send this to 15 people ur family will have bad luck forever", "en", Category.DISINFORMATION, True),
    ("momo will come into ur room at 3am if u ignore this", "en", Category.DISINFORMATION, True),
    ("momo gece 3'te arıyormuş, açarsan aileni öldürüyormuş", "tr", Category.DISINFORMATION, True),
    ("bu mesajı 10 kişiye gönder yoksa annen ölür", "tr", Category.DISINFORMATION, True),
    ("Momo yenə qayıdıb, gecə WhatsApp-a yazır", "az", Category.DISINFORMATION, True),
    ("اگه این پیام رو به ۱۰ نفر نفرستی امشب میاد تو اتاقت", "fa", Category.DISINFORMATION, True),
    ("момо вернулась и звонит детям ночью", "ru", Category.DISINFORMATION, True),
    # dumplings, a debunk said plainly, a real notice forwarded
    ("we had chicken momos for lunch", "en", Category.DISINFORMATION, False),
    ("bu duyuruyu veli grubuna iletin, yarın okul 10'da başlıyor", "tr", Category.DISINFORMATION, False),
    # dangerous hoaxes: bleach that cures, a pod that doesn't hurt, a fainting challenge "not dangerous"
    ("a cap of bleach in water kills the virus, my aunt is a nurse", "en", Category.DISINFORMATION, True),
    ("eating a tide pod doesn't hurt, it's just soap", "en", Category.DISINFORMATION, True),
    ("bayılma challenge'ı hiç tehlikeli değil, deneyin", "tr", Category.DISINFORMATION, True),
    ("говорят, если выпить немного отбеливателя, вирус сразу уходит", "ru", Category.DISINFORMATION, True),
    # the same words in a safe sense
    ("the ice bucket challenge isn't dangerous, just cold lol", "en", Category.DISINFORMATION, False),
    ("bleach the bathroom tiles before the guests come", "en", Category.DISINFORMATION, False),
    # dev round 44d: cutting again tonight, pills saved for weeks, the verb first, a code asked from a mother's SMS
    ("gonna cut again tonight dont try stop me", "en", Category.SELF_HARM, True),
    ("gonna cut my hair again tonight, fringe too long", "en", Category.SELF_HARM, False),
    ("ilaçları haftalardır biriktiriyordum, herkese elveda", "tr", Category.SELF_HARM, True),
    ("bir də yazsan öldürəcəm səni", "az", Category.VIOLENT_CONTENT, True),
    ("подскажи код, который ей сейчас придёт в смс", "ru", Category.FRAUD, True),
    ("подскажи код от домофона, я у подъезда", "ru", Category.FRAUD, False),
    # "we'll teach you how to fight the infidels" (fa)
    ("بیا تو کانال ما، یادت میدیم چطوری با کافرا بجنگی", "fa", Category.RECRUITMENT, True),
    ("تو کلاس تاریخ یاد گرفتیم جنگ‌های صلیبی چطوری شروع شد", "fa", Category.RECRUITMENT, False),
])
def test_phrase_rules_from_dev_misses(text: str, lang: str, category: Category, flagged: bool) -> None:
    """The phrase rule alone, as the rules component combines its hits (the verifier still has its say on the text)."""
    assert (lexicon_score(text, lang, category) >= RULE) is flagged


@pytest.mark.parametrize(("text", "lang", "bullying"), [
    # a pig drawn for a classmate: disgust or grunting aimed at a class or everyone, a photo put to a vote of likes
    ("the 🐷 from 7C is on our bus again 🤢", "en", True),
    ("наш 🐖 опять пришёл, хрю-хрю, все поняли о ком", "ru", True),
    ("Nigarın profil şəkli 🐷🐷 razı olan like", "az", True),
    # a pig at a farm, a cartoon, one's own dinner
    ("class trip to the farm today 🐷🤢 it smelled so bad", "en", False),
    ("peppa 🐷 is on, everyone to the sofa", "en", False),
    ("i ate like a 🐷 at grandma's", "en", False),
    # a classmate's photo everyone is told to share, not a lamb born on the farm
    ("kantinde yine tıka basa yiyor 🐷🐷 fotosunu herkes paylaşsın", "tr", True),
    ("herkes yeni kuzumuzun fotosunu paylaşsın 🐄 çiftlikte doğdu", "tr", False),
])
def test_a_pig_drawn_for_a_classmate_is_bullying(text: str, lang: str, bullying: bool) -> None:
    assert (_score(EmojiDetector(), text, lang, Category.CYBERBULLYING) >= RULE) is bullying


@pytest.mark.parametrize(("text", "normalized"), [
    # Greek look-alikes and an exclamation mark inside a Russian word
    ("3ακину на карту", "закину на карту"),
    ("ск!нь фото", "скинь фото"),
    # a mark after a whole word, or ending one, is punctuation
    ("привет!как дела", "привет!как дела"),
    ("сук!", "сук!"),
])
def test_greek_look_alikes_and_marks_inside_russian_words(text: str, normalized: str) -> None:
    assert normalize_text(text) == normalized


@pytest.mark.parametrize(("text", "stage", "cue"), [
    # a "scout's" test shots in the bedroom and secrecy in its everyday English (dev chat en-d26-02)
    ("for the portfolio I need a few test shots, in your bedroom with the door shut", Stage.IMAGES, True),
    ("this stays between us until the contract, remember", Stage.SECRECY, True),
    ("best not tell anyone else, someone could steal your spot", Stage.SECRECY, True),
    # the same words elsewhere
    ("the photographer took test shots of the stage lighting", Stage.IMAGES, False),
    ("what happens at the sleepover stays at the sleepover lol", Stage.SECRECY, False),
])
def test_a_scouts_test_shots_and_secrecy_are_stages(stages: StageDetector, text: str, stage: Stage, cue: bool) -> None:
    assert (stages.score(text)[STAGES.index(stage)] >= 0.6) is cue