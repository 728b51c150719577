"""Short test messages per risk scenario and language, written for these tests.

Each is what a stranger (or a bully) might write to a child; none is real.
"""

SCENARIOS: dict[str, dict[str, str]] = {
    "secrecy": {
        "en": "don't tell your mom about us, it's our little secret",
        "tr": "annene söyleme, bu bizim sırrımız olsun",
        "az": "anana demə, bu bizim sirrimizdir",
        "fa": "به مامانت نگو، این یه راز بین ماست",
        "ru": "не говори маме, это наш секрет",
    },
    "photo_request": {
        "en": "send me a pic of you in your pyjamas",
        "tr": "bana iç çamaşırlı fotoğraf gönder",
        "az": "mənə çılpaq şəkil göndər",
        "fa": "عکس لخت از خودت بفرست",
        "ru": "пришли мне фото без одежды",
    },
    "threat": {
        "en": "pay me or I'll send your photos to everyone at your school",
        "tr": "para gönder yoksa fotoğraflarını okuluna gönderirim",
        "az": "pul göndər yoxsa şəkillərini məktəbinə göndərəcəm",
        "fa": "پول بفرست وگرنه عکسهاتو برای همه میفرستم",
        "ru": "заплати, иначе я отправлю твои фото всем в школе",
    },
    "meeting_request": {
        "en": "let's meet up after school, I can pick you up",
        "tr": "okuldan sonra buluşalım, seni okuldan alırım",
        "az": "məktəbdən sonra görüşək, səni məktəbdən götürərəm",
        "fa": "بعد از مدرسه بیا همو ببینیم",
        "ru": "давай встретимся после школы, я тебя заберу",
    },
    "bullying": {
        "en": "you are an ugly loser and nobody likes you",
        "tr": "sen çirkin bir ezziksin, kimse seni sevmiyor",
        "az": "sən çirkin bir axmaqsan, heç kim səni sevmir",
        "fa": "تو یه بازنده زشتی، هیچکس دوستت نداره",
        "ru": "ты уродливый неудачник, тебя никто не любит",
    },
    "self_harm": {
        "en": "I don't want to live anymore, I want to kill myself",
        "tr": "artık yaşamak istemiyorum, kendimi öldürmek istiyorum",
        "az": "artıq yaşamaq istəmirəm, özümü öldürmək istəyirəm",
        "fa": "دیگه نمیخوام زنده باشم، میخوام خودمو بکشم",
        "ru": "я больше не хочу жить, хочу покончить с собой",
    },
}

#: A child about to share personal details (a made-up number from a reserved-looking range).
PERSONAL_INFO: dict[str, str] = {
    "en": "my number is +90 532 123 45 67, text me",
    "tr": "numaram +90 532 123 45 67, bana yaz",
    "az": "nömrəm +994 50 123 45 67, mənə yaz",
    "fa": "شماره من +98 912 123 4567 هست، پیام بده",
    "ru": "мой номер +7 912 123-45-67, напиши мне",
}

BENIGN: dict[str, str] = {
    "en": "did you finish the maths homework?",
    "tr": "matematik ödevini bitirdin mi?",
    "az": "riyaziyyat tapşırığını bitirdin?",
    "fa": "تکلیف ریاضی رو تموم کردی؟",
    "ru": "ты сделал домашку по математике?",
}
