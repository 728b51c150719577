"""The crime named as a crime: awareness talk, not the offence (a marker the semantic head cannot see).

An offender's message never names what it does: a job offer abroad does not say "human trafficking", a groomer
does not call himself a groomer or a paedophile. A notice, a lesson, a news item or a child retelling one does
("Yurtdışında ... pasaportunuzu alan iş teklifleri insan ticaretinin klasik işaretidir": trafficking 0.91 from the
head at a kNN margin of -0.001; "ageh-haye kar dar khaarej ... neshoone-ye ghachagh-e ensane": recruitment from the
head; independent dev lines of round 10d, 2026-12-06). Where the text names the crime and does not deny it ("bu
insan ticareti değil", "это не торговля людьми", which is what an offender might write), the categories it names
stand on the kNN margin alone (`warning.without_head`), and a lone model flag of them is released where the text
is nearer the benign lines (`engine._nearer_benign`), as a scam named as one is. The harmful lines these categories
are kept for sit near the written offers and requests in the banks, so their kNN margin still flags them.

Patterns run on the normalised text (`normalize_text`: lower case, Turkish and Azerbaijani letters folded, Persian
without ZWNJ and with آ as ا; Finglish and Russian translit read back in their own script), in every language.
"""

from __future__ import annotations

import re

_TRAFFICKING = re.compile(
    r"(?<![^\W_])(?:(?:human|child|sex|people) traffick\w*|traffickers?|modern slavery|county lines"
    r"|insan (?:ticaret\w*|tacir\w*|kacakcilig\w*)|cocuk ticaret\w*"
    r"|insan (?:alver\w*|qacaqmalcilig\w*)|usaq alver\w*"
    r"|торговл\w* (?:людьми|детьми)|торговц\w* людьми|трафикинг\w*|вербовщик\w*"
    r"|قاچاق\w*[\s\-]+(?:انسان|کودک|زنان|دختران)\w*|ghachagh\w*[\s\-]+(?:e[\s\-]+)?ensan\w*)"
)
_GROOMING = re.compile(
    r"(?<![^\W_])(?:(?<!dog )groomers?|paedophiles?|pedophiles?|(?:child|online|sexual) predators?|sextortion"
    r"|istismarci\w*|pedofil\w*|(?:cinsel|cinsi|cocuk|usaq) istismar\w*"
    r"|педофил\w*|груминг\w*|злоумышленник\w*|секс-?вымогат\w*|растлител\w*"
    r"|سوء ?استفاده ?گر\w*|پدوفیل\w*|کودک ?ازار\w*|ازار جنسی|اخاذی جنسی)"
)
# a scam named in Persian (the other four languages name theirs in `warning.py`): کلاهبرداری, فیشینگ, Finglish
# kolahbardari read back as کلاهبارداری
_SCAM_FA = re.compile(r"(?<![^\W_])(?:کلاه ?با?ردار\w*|فیشینگ\w*|kolah ?bardar\w*)")
NAMES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (_TRAFFICKING, ("trafficking", "recruitment")),
    (_GROOMING, ("sexual_exploitation",)),
    (_SCAM_FA, ("fraud",)),
)
# "not", "it isn't", "это не", "bu ... değil", "نیست" next to the name: a denial, which an offender may write
_DENIED_BEFORE = re.compile(r"(?<![^\W_])(?:not|isn'?t|no|не|нет|ne)\s+(?:\w+\s+)?$")
_DENIED_AFTER = re.compile(r"^\W{0,3}(?:\w+\s+)?(?:degil|deyil|не|нет|نیست|نیس|isn'?t|is not|not)(?![^\W_])")


def crime_named(normalized: str) -> tuple[str, ...]:
    """The targets a crime named (and not denied) in the text takes the head's vote from; empty: none."""
    out: list[str] = []
    for pattern, targets in NAMES:
        for m in pattern.finditer(normalized):
            before = normalized[max(0, m.start() - 25):m.start()]
            after = normalized[m.end():m.end() + 25]
            if _DENIED_BEFORE.search(before) is None and _DENIED_AFTER.match(after) is None:
                out.extend(targets)
                break
    return tuple(out)
