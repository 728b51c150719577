"""A hoax debunked: the claim denied or called fake, and an official page or a fact-check pointed to.

A debunk repeats the hoax's own words ("No, hot water with lemon does NOT kill viruses, that WhatsApp message is
fake, here's the NHS page"; "Hayır, sıcak limonlu su virüsü öldürmüyor ... Sağlık Bakanlığı sayfası burda"): the
semantic head read the topic and flagged disinformation at 0.85-0.93 in all five languages, the first-stage model
at 0.96 in English (independent dev round 11d, 2026-12-07). Where a text denies a claim (a "no", a negated verb, or
the claim called fake, a myth, a rumour, not true) and names where the truth is (a ministry, the NHS, the WHO, an
official page, a fact-check) or says the claim has no scientific basis or asks not to spread it, disinformation stands on the kNN margin alone (`warning.without_head`) and a lone
model flag of it is released where the text is nearer the written benign lines (`engine._nearer_benign`).

A hoax borrows both halves ("the official figures are fake", "the ministry says it's safe"), so conspiracy framing
cancels the marker: the truth hidden or lied about ("they hide it", "the ministry lies", "bakanlık biliyor ama
susuyor", "минздрав врёт", "پنهان میکنن"). The harmful lines this category is kept for carry that framing or no
source at all.

Patterns run on the normalised text (`normalize_text`: lower case, Turkish and Azerbaijani letters folded; Finglish
and Russian translit read back in their own script), in every language at once.
"""

from __future__ import annotations

import re

DEBUNKED = ("disinformation",)

_DENIED = re.compile(
    # English
    r"(?<![^\W_])(?:no,|nope|(?:does|do|did|will|can)(?:n'?t| not) (?:\w+ )?(?:kill|cure|prevent|cause|stop|protect"
    r"|work|treat|spread|give)|(?:is|it'?s|its|that'?s|thats|are|was|were) (?:a |an |all |totally |completely |100% )?"
    r"(?:fake|false|myth|hoax|rumou?r|lie|not true|made up|misinformation|nonsense|debunked)"
    r"|(?:fake|false|hoax) (?:message|post|claim|news|story|rumou?r|chain|video|warning)s?|debunk\w*|not true"
    r"|isn'?t true|no (?:evidence|proof))(?![^\W_])"
    # Turkish and Azerbaijani, folded: hayır, sahte, yalan, asılsız, doğru değil, uydurma, a negated present
    # (öldürmüyor, öldürmür)
    r"|(?<![^\W_])(?:hayir,|xeyr,|sahte\w*|saxta\w*|yalan(?:dir|di)?|asilsiz|esassiz|(?:dogru|gercek|heqiqet) (?:degil|deyil)"
    r"|uydurma\w*|efsane\w*|palavra|dezenformasyon|dezinformasiya|yanlis bilgi|yalanlan\w*|feyk\w*|mif(?:dir)?"
    r"|\w{3,}m[iu]yor(?:lar)?|\w{3,}m[iu]r(?:lar)?)(?![^\W_])"
    # Persian: جعلی, دروغ, شایعه, فیک, صحت نداره, درست نیست, نه،, a negated verb (نمیکشه)
    r"|(?<![^\W_])(?:جعلی\w*|دروغه|دروغ است|شایعه\w*|فیک\w*|صحت ندار\w*|درست نیست|واقعیت ندار\w*|خرافه\w*|تکذیب\w*"
    r"|نه،|نمی ?(?:کشه|کشد|کشن|ده|دهد|کنه|کند))(?![^\W_])"
    # Russian: нет, фейк, ложь, неправда, миф, враньё, слухи, не убивает / не лечит, это не так, опровергли
    r"|(?<![^\W_])(?:нет,|фейк\w*|ложь|неправда|миф\w*|вран[ье]\w*|слух\w*|не (?:убива|лечи|помога|вызыва|защища|работа"
    r"|спаса)\w*|это не так|опроверг\w*|дезинформац\w*)(?![^\W_])"
)
_SOURCE = re.compile(
    r"(?<![^\W_])(?:nhs|world health organi[sz]ation|the who|cdc|ministry|government|gov\.uk|official|fact[- ]?check\w*"
    r"|full fact|snopes|public health|health (?:department|service|authority)"
    r"|(?:saglik )?bakanlig\w*|bakanlik|(?:sehiyye )?nazirliy\w*|nazirlik\w*|resmi (?:site|sayfa|sayt|sehife|aciklama"
    r"|aciqlama|hesap|hesab)\w*|dunya saglik orgutu|umumdunya sehiyye teskilati|teyit\w*|dogrulama\w*|faktyoxla\w*|tebib"
    r"|وزارت\w*|سازمان جهانی بهداشت|(?:سایت|صفحه|منبع) (?:رسمی|معتبر)\w*|فکت ?چک\w*|راستی ?ازمایی"
    r"|минздрав\w*|воз|роспотребнадзор\w*|министерств\w*|официальн\w*|фактчек\w*|проверк\w* фактов|госуслуг\w*"
    # or says the claim has no scientific basis, or asks not to spread it: a hoax says "share before it's deleted"
    # ("'5G çocuklarda kansere yol açıyor' mesajı yalan, hiçbir bilimsel dayanağı yok. Lütfen aile gruplarında
    # yaymayın": dev round 38d, 2026-12-07)
    r"|no scientific (?:evidence|basis|proof)|(?:don'?t|do not|never) (?:share|forward|spread|repost) (?:it|this|that)"
    r"|bilimsel (?:dayanag|kanit|temel)\w* (?:yok|bulunmuyor)|elmi (?:esas|subut|sübut)\w* (?:yox|yoxdur)"
    r"|yaymayin\w*|paylasmayin\w*|iletmeyin\w*|yaymayaq|paylasmayaq"
    r"|(?:پایه|مدرک|شواهد) ?(?:ی )?علمی ندار\w*|پخش نکنید|فوروارد نکنید|منتشر نکنید|بازنشر ندید"
    r"|научн\w* (?:доказательств|основани)\w* (?:нет|не существует)|нет (?:никаких )?научн\w*|не распространяйте"
    r"|не пересылайте|не репостите)(?![^\W_])"
)
# the truth hidden or lied about: a hoax's frame, never a debunk's
_CONSPIRACY = re.compile(
    r"(?<![^\W_])(?:(?:they|ministry|government|nhs|doctors|media|school|who)\w* (?:is |are |'re )?(?:hiding|hide|hides"
    r"|lying|lie|lies|covering)|cover[- ]?up|don'?t want you to know|wake up|sheeple|big pharma|mainstream media"
    r"|do your own research|censor\w*|suppress\w*|hidden|covered up|hushed up"
    r"|gizliyor\w*|sakliyor\w*|susuyor\w*|gizleniyor|saklaniyor|yalan soyluyor\w*|kandiriyor\w*|biliyor ama"
    r"|gizledir\w*|gizlet\w*|saxlayir\w*|susur\w*|yalan deyir\w*|aldadir\w*|bilir amma"
    r"|(?:پنهان|قایم|مخفی) می ?کن\w*|دروغ می ?گ\w*|سانسور\w*|بهمون نمی ?گن|نمی ?خوان (?:ما )?بدونیم|میدونن ولی"
    r"|скрыва\w*|замалчива\w*|врут|лгут|врет|врёт|не хотят,? чтобы (?:мы|вы|люди) знал\w*|заговор\w*|проснитесь)(?![^\W_])"
)


def debunked(normalized: str) -> bool:
    """The text denies a claim and points to an official source or a fact-check (or to no scientific basis, or asks
    not to spread it), with no conspiracy framing (see the module docstring)."""
    return (_DENIED.search(normalized) is not None and _SOURCE.search(normalized) is not None
            and _CONSPIRACY.search(normalized) is None)
