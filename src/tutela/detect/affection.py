"""Love declared to the reader: an insult traded between friends, not bullying.

Friends tease: "ur such an idiot lol i love u, save me a seat", "salaksın ya seni seviyom 😂", "axmaqsan ee səni
sevirəm", "ты дурак, люблю тебя", "خیلی خری ولی دوستت دارم" (cyberbullying 0.75 from the insult patterns, the
model and the semantic head reading the insult word alone: independent dev rounds 10d and 11d, every language).
Where the writer says they love the one they insult, the insult patterns marked `banter: true` weigh half
(`detectors/lexicon.py`) and cyberbullying stands on the semantic stage's kNN margin alone (`semantic/warning.py`).

Only the writer's own love, addressed to "you", counts, in the forms each language says it: "i love you", "love u",
"ily", "seni seviyorum", "səni sevirəm", "люблю тебя", "دوستت دارم", "عاشقتم". Nobody else's and no negated
one: "nobody loves you", "even your mum doesn't love you", "i don't love you", "никто тебя не любит", "я тебя не
люблю", "seni kimse sevmiyor", "هیچکس دوستت نداره" say the opposite, and the Turkic and Persian negatives are
other words (sevmiyorum, sevmirəm, ندارم), so they never match. "i'd love you to disappear" and "i love how you..."
are no declaration. Threats, incitement and the class turned against someone ("kys", "everyone hates you") are not
`banter` patterns: love beside them does not soften them.

Patterns run on the normalised text (`normalize_text`: lower case, Turkish and Azerbaijani letters folded, Azerbaijani
Cyrillic read in Latin; Finglish and Russian translit read back in their own script), in every language at once, as
the lexicons' context patterns do: a mixed-language chat says it in either.
"""

from __future__ import annotations

import re

# an adverb that may sit between "i" and "love": "i really love u", "you know i still love you"
_EN_ADVERB = r"(?:really |still |do |just |honestly |lowkey |genuinely |also |so |truly |deeply )?"
_AFFECTION = re.compile(
    # English: "i love you", "i luv u", "love u tho", "love ya", "ily", "ilysm"; never "love you to ..." (a wish)
    r"(?<![^\W_])i " + _EN_ADVERB + r"(?:love|luv|lov|adore) (?:you|u|ya|yu)(?![^\W_])(?! to )"
    r"|(?:^|[^\w\s']\s*|(?<![^\W_])(?:lol|lmao|haha|jk|but|tho|and|ok|okay|still|anyway)\s+)(?:love|luv) (?:you|u|ya)"
    r"(?![^\W_])(?! to )"
    r"|(?<![^\W_])(?:ily|ilysm|ilu|ilyy)(?![^\W_])"
    # Turkish, folded: seni (çok) seviyorum / seviyom / seviyoz, seviyorum seni, canımsın
    r"|(?<![^\W_])seni (?:\w+ ){0,2}sev(?:iyorum|iyom|iyoruz|iyoz|erim)(?![^\W_])"
    r"|(?<![^\W_])sev(?:iyorum|iyom|iyoruz|iyoz) (?:\w+ )?seni(?![^\W_])|(?<![^\W_])canimsin(?![^\W_])"
    # Azerbaijani, folded (Cyrillic read in Latin): səni (çox) sevirəm, sevirəm səni, canımsan
    r"|(?<![^\W_])seni (?:\w+ ){0,2}sev(?:irem|irik)(?![^\W_])|(?<![^\W_])sev(?:irem|irik) (?:\w+ )?seni(?![^\W_])"
    r"|(?<![^\W_])canimsan(?![^\W_])"
    # Russian: люблю тебя, я тебя люблю, люблю тя, обожаю тебя; not "не люблю"
    r"|(?<![^\W_])(?<!не )(?:люблю|обожаю|лю) (?:тебя|тя|вас)(?![^\W_])"
    r"|(?<![^\W_])(?:тебя|тя) (?:очень |так |все равно |всё равно )?(?:люблю|обожаю)(?![^\W_])"
    # Persian (Finglish "dooset daram" comes back as دوست دارم): دوستت دارم, عاشقتم, قربونت برم, فدات شم
    r"|(?<![^\W_])(?:دوستت|دوست|دوسِت|دوست ت) (?:خیلی )?دارم(?![^\W_])|(?<![^\W_])عاشقتم(?![^\W_])"
    r"|(?<![^\W_])(?:قربونت برم|فدات شم|فدات بشم)(?![^\W_])"
)
# words before an English "love you" that make it someone else's, or a question: "nobody will ever love u",
# "who could love you", "your mum doesn't love u"
_EN_NOT_MINE = re.compile(
    r"(?:(?<![^\W_])(?:nobody|no one|noone|no1|who|never|not|dont|doesnt|wont|cant|could|would|will)|n't)\W+(?:\w+\W+){0,2}$"
)


def affectionate(normalized: str) -> bool:
    """The writer declares love to the one they address (see the module docstring)."""
    for m in _AFFECTION.finditer(normalized):
        before = normalized[max(0, m.start() - 30):m.start()]
        if m.group().lstrip()[:1].isascii() and _EN_NOT_MINE.search(before) is not None:
            continue
        return True
    return False
