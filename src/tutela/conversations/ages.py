"""Ages people state about themselves in a chat ("im 13", "15 here too", "bende 15im", "мне тоже 15",
"manam 15 salame", "۱۳ سالمه"), and school grades as ages ("9. sınıftayım", "я в 9 классе": about 15).

Platforms rarely know ages; in grooming chats the child usually says it early (the "asl?" exchange),
and an offender often claims a teen age ("im 15 too"). A stated age is weaker evidence than a known
one (`risk.age_factor` lets it raise risk, never lower it), and one that contradicts the platform's
age is evidence in itself, so a claim must be the writer's own, in the present: "not like a 12 year
old", "when I was 15", "мне было 15", "۱۵ سالم بود" and "мне 15 минут ехать" are not claims.
"""

from __future__ import annotations

import re

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")

# units and tenses that make a number after "im"/"мне"/"ben de" something other than an age
_NOT_AGE = (r"(?!\s*(?:min|hours|hrs|h\b|km|mi\b|miles|am\b|pm\b|:|%|\$|kg|lbs|points|pts|dk|dakika|saat|tl\b|"
            r"lira|manat|deq|yil|yıl|sene|il\b|ildir|tane|kere|kez|мин|час|км|руб|р\b|сек|было|был\b|была\b|"
            r"год|bud|bood))")
# a number that ends the clause ("ben 16, sen?"): a bare "ben 16" is an age only then
_CLAUSE_END = r"(?=\s*(?:$|[,!?.]|ya[sş]))"
_WORD_AGES = {"eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
              "seventeen": 17, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
              "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17}
# Turkish and Azerbaijani ("on beş yaşındayım"), Persian ("پونزده سالمه"): the teens in words
_TR_TEENS = {"bir": 11, "iki": 12, "uc": 13, "üç": 13, "dort": 14, "dört": 14, "dord": 14, "dörd": 14, "bes": 15,
             "beş": 15, "alti": 16, "altı": 16, "yedi": 17, "yeddi": 17}
_FA_TEENS = {"یازده": 11, "دوازده": 12, "سیزده": 13, "چهارده": 14, "پانزده": 15, "پونزده": 15, "شانزده": 16,
             "شونزده": 16, "هفده": 17, "هیفده": 17}
_WORD_AGES.update({f"on {k}": v for k, v in _TR_TEENS.items()})
_WORD_AGES.update(_FA_TEENS)
_WORDS = "|".join(k for k in _WORD_AGES if not k.startswith("on ") and k not in _FA_TEENS)
_TR_WORDS = "|".join(_TR_TEENS)
_FA_GRADES = {"هفتم": 7, "هشتم": 8, "نهم": 9, "دهم": 10, "یازدهم": 11, "دوازدهم": 12}
_WORD_AGES.update(_FA_GRADES)
_FA_WORDS = "|".join(_FA_TEENS)

#: (pattern, what may not come just before the match: another person's age or a past one[, years to add:
#: a school grade stands for an age about six years older])
_PATTERNS: list[tuple[str, str | None] | tuple[str, str | None, int]] = [
    (r"\b(?:i\s*a?m|i'm|iam)\s+(?:only\s+|just\s+|also\s+|like\s+)?(\d{1,2})\b" + _NOT_AGE, None),
    (r"\b(\d{1,2})\s*(?:yo|y/o|yrs?\s+old|years?\s+old)\b", r"\b(?:a|an|was|were|is|s|hes|shes|of|for|like|when)\s*$"),
    (r"(?:^|[,.!?]\s*)(\d{1,2})\s+here\b", None),  # "15 here too"
    (r"^\s*(\d{1,2})\s*/?\s*[mfwkeд]\b", None),  # "13 f", "14/m" (asl answers)
    (r"\basl\W+(\d{1,2})\b", None),
    (r"\b(?:i\s*a?m|i'm|iam)\s+(?:only\s+|just\s+|also\s+)?(" + _WORDS + r")\b", None),
    # tr: "15 yaşındayım", "15im", "15'im", "9. sınıftayım" (a grade), "ben de 15", "ben 16, sen?"
    (r"\b(\d{1,2})\s*ya[sş][iı]nday[iı]m\b", None),
    (r"\b(\d{1,2})'?(?:[iı]m|[uü]m|y[iı]m|y[uü]m)\b", None),
    (r"\b(\d{1,2})\.?\s*s[iı]n[iı]f(?:tay[iı]m|ta\s+okuyorum|a\s+gidiyorum)\b", None, 6),  # grade: age ~ +6
    (r"\bben\s*de\s+(\d{1,2})\b" + _NOT_AGE, None),
    (r"\bben\s+(\d{1,2})" + _CLAUSE_END, None),
    # az: "15 yaşım var", "15 yaşındayam", "9-cu sinifdəyəm", "mən də 15"; tr and az teens in words
    (r"\b(on\s*(?:" + _TR_WORDS + r"))\s*(?:ya[sş][iı]nday[iı]m|ya[sş][iı]nday?am|ya[sş][iı]m\s+var)\b", None),
    (r"\b(\d{1,2})\s*ya[sş][iı]m\s+var\b", None),
    (r"\b(\d{1,2})\s*ya[sş][iı]nday?am\b", None),
    (r"\b(\d{1,2})\s*-?\s*(?:c[iıuü]|ci|cu)?\s*sinifd[əe]y[əe]m\b", None, 6),
    (r"\bm[əe]n\s*d[əe]\s+(\d{1,2})\b" + _NOT_AGE, None),
    # fa: "۱۵ سالمه", "منم ۱۵ سالمه" (not "۱۵ سالم بود", I was 15); Finglish "15 salame"
    (r"(\d{1,2})\s*سال(?:مه|م)(?!\s*بود)", None),
    (r"(" + _FA_WORDS + r")\s*سال(?:مه|م)(?!\s*بود)", None),
    (r"\b(\d{1,2})\s*saa?lam(?:e|eh)?\b(?!\s*(?:bud|bood))", None),
    # ru: "мне 13", "мне тоже 15", "мне уже 15", "13 лет" (not "мне было 15", "мне 15 минут"); translit
    (r"\bмне\s+(?:тоже\s+|уже\s+|уж\s+|всего\s+|только\s+|же\s+)?(\d{1,2})\b" + _NOT_AGE, None),
    (r"\bмне\s+(?:тоже\s+|уже\s+|всего\s+|только\s+)?(" + _WORDS + r")\b", None),
    (r"\b(\d{1,2})\s*(?:лет|годик)\b", r"(?:было|был|была|когда|ему|ей|им|сыну|дочке|дочери)\s*$"),
    (r"\bmne\s+(?:tozhe\s+|uzhe\s+|vsego\s+|tolko\s+)?(\d{1,2})\b" + _NOT_AGE, None),
    (r"\bя\s+(?:тоже\s+|уже\s+)?(?:учусь\s+)?в\s+(\d{1,2})\s*(?:-?[мо]м?\s+)?класс", None, 6),
    # en grades; fa "کلاس نهمم"
    (r"\b(?:i\s*a?m|i'm)\s+(?:also\s+|only\s+)?in\s+(\d{1,2})(?:st|nd|rd|th)?\s+grade\b", None, 6),
    (r"\b(?:i\s*a?m|i'm)\s+(?:an?\s+)?(\d{1,2})(?:st|nd|rd|th)\s+grader\b", None, 6),
    (r"کلاس\s+(" + "|".join(_FA_GRADES) + r")(?:م\b|\s*هستم|\s*ام\b)", None, 6),
]
_MAYBE = re.compile(r"[0-9]|teen|eleven|twelve|надцать|ya[sş]|ده\s*سال|کلاس", re.IGNORECASE)
_RX = [(re.compile(p[0], re.IGNORECASE | re.UNICODE), re.compile(p[1], re.IGNORECASE | re.UNICODE) if p[1] else None,
        p[2] if len(p) > 2 else 0) for p in _PATTERNS]


def declared_age(text: str) -> int | None:
    """The age the writer states about themselves, if any (5..80), else None."""
    t = text.translate(_DIGITS)[:500]
    if not _MAYBE.search(t):  # most messages hold no number at all: skip the patterns
        return None
    for rx, before, add in _RX:
        for m in rx.finditer(t):
            if before is not None and before.search(t[max(0, m.start() - 24):m.start()]):
                continue
            for g in m.groups():
                if g:
                    age = add + (int(g) if g.isdigit() else _WORD_AGES[" ".join(g.lower().split())])
                    if 5 <= age <= 80:
                        return age
    return None


# A question about the reader's age or school grade; the value is what the answer's number stands for
# (0: an age; 6: a grade, about six years younger than the age).
_ASKS = [
    (re.compile(r"how\s+old\s+(?:are|r)\s*(?:you|u)\b|\bhow\s+old\s+ru\b|\b(?:ur|your)\s+age\b|\basl\b|"
                r"сколько\s+(?:тебе|вам)\s+(?:лет|годиков)|(?:тебе|вам)\s+сколько(?:\s+лет)?|skol'?ko\s+tebe\s+let|tebe\s+skol'?ko|"
                r"ka[cç]\s+ya[sş][iı]ndas[iı]n|ya[sş][iı]n\s+ka[cç]|ne[cç][əe]\s+ya[sş][iı]n\s+var|ya[sş][iı]n\s+ne[cç][əe]|"
                r"چند\s*سالته|چند\s*سالتون|chand\s+salet", re.IGNORECASE), 0),
    (re.compile(r"what\s+(?:grade|year)\s+(?:are|r)\s*(?:you|u)\b|в\s+каком\s+(?:ты\s+)?классе|какой\s+(?:у\s+тебя\s+)?класс|"
                r"v\s+kakom\s+(?:ty\s+)?klasse|ka[cç][iı]nc[iı]\s+s[iı]n[iı]f|ne[cç][əe]nci\s+s[iı]nif|کلاس\s+چندمی", re.IGNORECASE), 6),
]
# the whole answer: a number, perhaps with "в"/"in", a unit (лет, yo, класс, yaş, sal) and emoji or punctuation
_BARE = re.compile(r"^[^\w]*(?:в|v|in|im|i'?m|ben|m[əe]n)?\s*(\d{1,2})\s*(?:лет|годик\w*|god|let|y/?o|yrs?|th|st|nd|rd|"
                   r"-?[йм]|класс\w*|klass\w*|s[iı]n[iı]f\w*|ya[sş]\w*|sal\w*|سال\w*)?[^\w]*$", re.IGNORECASE)


def asks_age(text: str) -> int | None:
    """What a bare number in the answer to `text` would stand for: 0 for an age, 6 for a school grade
    (years to add), or None when `text` does not ask for either."""
    for rx, add in _ASKS:
        if rx.search(text[:300]):
            return add
    return None


def bare_answer(text: str, add: int) -> int | None:
    """The age a terse answer ("12", "13)", "в 6", "6 класс") states, given what the question asked."""
    m = _BARE.match(text.translate(_DIGITS)[:40])
    if m is None:
        return None
    age = int(m.group(1)) + add
    return age if 5 <= age <= 80 else None
