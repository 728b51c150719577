"""Emoji that stand for words: 🔪🔫💣 (weapons), 🍃❄️💊🍄 (drugs), 💸💰💵 (money), 🍆🍑💦 (sexual), 🏠 (home).

Why a detector and not a fold in the normaliser: an emoji alone means little (a 🍑 in a recipe,
❄️ in a weather report, 🔫 in a game), so none flags by itself; the evidence is a combination,
which rules in any language can state once here: a weapon with school or class words, a drug
emoji with money or selling and delivery words, a sexual emoji with a request for pictures. Works
on the original text for the emoji and on the normalised text for the words (five languages).
"""

from __future__ import annotations

import re

from tutela.detect.detectors.base import Detector, Example, Hit, register
from tutela.domain.taxonomy import Category

# concept per emoji code point (the variation selector U+FE0F that follows some is ignored)
_CONCEPT: dict[str, str] = {}
for _chars, _concept in (
    ("🔪🗡🔫💣🧨🪓⚔", "weapon"),
    ("🍃🌿🍁❄💊🍄💉🌱", "drug"),
    ("💸💰💵💶💷💴🤑💲🏧", "money"),
    ("🍆🍑💦👅🥵", "sexual"),
    ("📸📷📹🤳🎥", "camera"),
    ("🏫🎒", "school"),
    ("🏠🏡🏘", "home"),
):
    for _ch in _chars:
        _CONCEPT[_ch] = _concept

_EMOJI = re.compile("[" + "".join(sorted(_CONCEPT)) + "]")
_HIGH_LEADS = bytes(range(0xE2, 0x100))  # UTF-8 lead bytes of U+2000 and above (every emoji of `_CONCEPT`)


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + ")")


# over the normalised text (lower case, Turkish/Azerbaijani letters folded, Persian ی/ک)
_SCHOOL = _words(r"school", r"class(room)?\b", r"teacher", r"okul", r"sinif", r"ogretmen", r"mekteb", r"muellim",
                 r"مدرسه", r"کلاس", r"معلم", r"школ", r"класс", r"учител",
                 # the break between lessons, where a threat says it will happen ("🔪🩸 yarın teneffüste")
                 r"recess", r"teneff?us", r"زنگ تفریح", r"перемен")
_SALE = _words(r"sell", r"for sale", r"deliver", r"dm (me|for)", r"\$\d", r"\d+ ?\$",
               r"sat(i|ilik|iyorum|ilir|iram|is)", r"teslim", r"fiyat", r"kapiya", r"catdiril", r"qiymet", r"dm at",
               r"dm yaz", r"pm at", r"в лс", r"в личк", r"پیوی", r"پی وی",
               r"فروش", r"میفروشم", r"تحویل", r"قیمت", r"ارسال", r"تومن", r"تومان",
               r"прода", r"доставк", r"цен[аы]", r"заклад", r"клад\b", r"руб")
# someone the text is aimed at ("seni de kardeşini de 🔪", "u and ur family 🔫"): a weapon at a person
_TARGET = _words(r"seni\b", r"sizi\b", r"senin\b", r"kardesini", r"aileni\b", r"ur (family|brother|sister|mum|mom)",
                 r"ur (lil |little |big )?(bro|sis|brother|sister)\b", r"(gonna|gon|ima|imma|finna|i'?ll|ill|will) [^\w\s]+ (u|you|ya)\b",
                 r"your (family|brother|sister|mum|mom)", r"тебя", r"тебе\b", r"твою семью", r"تورو", r"ترو\b", r"خانوادتو")
_PICS = _words(r"send", r"show", r"pics?\b", r"photos?", r"nudes?", r"vid", r"gonder", r"foto", r"resim",
               r"goster", r"sekil", r"video", r"بفرست", r"عکس", r"فیلم", r"نشون", r"скинь", r"пришли", r"фот",
               r"покажи", r"видео")

_RULES: tuple[tuple[str, str | None, re.Pattern[str] | None, Category, float, str], ...] = (
    # (emoji concept, second emoji concept or None, words or None, category, score, reason)
    ("weapon", "school", None, Category.VIOLENT_CONTENT, 0.8, "weapon emoji with a school emoji"),
    ("weapon", None, _SCHOOL, Category.VIOLENT_CONTENT, 0.8, "weapon emoji with school words"),
    ("weapon", None, _TARGET, Category.VIOLENT_CONTENT, 0.55, "weapon emoji aimed at someone"),
    ("home", "school", None, Category.PRIVACY, 0.55, "home and school emoji: where a child lives and studies"),
    ("drug", "money", None, Category.RECRUITMENT, 0.7, "drug emoji with money emoji"),
    ("drug", None, _SALE, Category.RECRUITMENT, 0.7, "drug emoji with selling or delivery words"),
    ("sexual", "camera", None, Category.SEXUAL_EXPLOITATION, 0.75, "sexual emoji with a camera emoji"),
    ("sexual", None, _PICS, Category.SEXUAL_EXPLOITATION, 0.7, "sexual emoji with a request for pictures"),
)


@register
class EmojiDetector(Detector):
    """Combinations of emoji (and words) that stand for weapons at school, drug sales, sexual requests."""

    name = "emoji"
    categories = (Category.VIOLENT_CONTENT, Category.RECRUITMENT, Category.SEXUAL_EXPLOITATION, Category.PRIVACY)

    def find(self, original: str, normalized: str, lang: str) -> list[Hit]:
        if original.isascii():
            return []
        # every emoji here is at U+2694 or above, so its UTF-8 lead byte is 0xE2 or more (no other byte of UTF-8
        # is): a text without such a byte (87% of the bench's non-ASCII messages) has none, found by one
        # translate at a tenth of the cost of the character-class scan
        encoded = original.encode("utf-8", "surrogatepass")
        if len(encoded.translate(None, _HIGH_LEADS)) == len(encoded):
            return []
        found: dict[str, re.Match[str]] = {}
        for m in _EMOJI.finditer(original):
            found.setdefault(_CONCEPT[m.group()], m)
        if not found:
            return []
        hits: list[Hit] = []
        for concept, other, words, category, score, reason in _RULES:
            m = found.get(concept)
            if m is None or (other is not None and other not in found):
                continue
            if words is not None and words.search(normalized) is None:
                continue
            hits.append(Hit(category, score, f"{reason}: '{m.group()}'", m.start(), m.end(), False, "emoji"))
        return hits

    @classmethod
    def examples(cls) -> list[Example]:
        V, R, S = Category.VIOLENT_CONTENT, Category.RECRUITMENT, Category.SEXUAL_EXPLOITATION
        return [
            Example("tomorrow 🔫🔫 at school, don't come", "en", V),
            Example("yarın 🔪 okula getiriyorum", "tr", V),
            Example("sabah məktəbə 🔫 gətirəcəm", "az", V),
            Example("فردا 💣 مدرسه", "fa", V),
            Example("завтра в школу 🔪🔪", "ru", V),
            Example("🔪🩸 sabah tənəffüsdə görərsən", "az", V),
            Example("🔪 فردا زنگ تفریح منتظر باش", "fa", V),
            Example("на перемене увидишь 🔫", "ru", V),
            Example("🔫 🏫 tomorrow", "en", V),
            Example("🍃❄️💊 delivery to your school, dm me", "en", R),
            Example("❄️ satılık, kapıya teslimat", "tr", R),
            Example("🍃 satılır, çatdırılma var", "az", R),
            Example("💊🍄 فروش، تحویل فوری", "fa", R),
            Example("❄️🍃 доставка, закладки по городу", "ru", R),
            Example("🍃💸", "en", R),
            Example("sen ve aileni 🔪🔪 bekle", "tr", V),
            Example("🏠 ve 🏫 adresini yaz bana", "tr", Category.PRIVACY),
            Example("send 🍆🍑 pics", "en", S),
            Example("bana 🍑 foto at", "tr", S),
            Example("🍆 şəkil göndər", "az", S),
            Example("عکس 🍑 بفرست", "fa", S),
            Example("скинь фотку 🍑💦", "ru", S),
            # one emoji alone, or with unrelated words, does not flag
            Example("🔪", "en", None),
            Example("🍑🍑🍑", "en", None),
            Example("❄️ snow day tomorrow!", "en", None),
            Example("i love 🍄 pizza", "en", None),
            Example("💸 paid the bill", "en", None),
            Example("new 🔫 skin in the game", "en", None),
            Example("got u 🔫 gg", "en", None),
            Example("🏠 evdeyim", "tr", None),
            Example("okul bugün tatil 🎒", "tr", None),
            Example("yemək üçün 🍆 aldım", "az", None),
            Example("در مدرسه جشن داریم 🎉", "fa", None),
            Example("в школе сегодня снег ❄️", "ru", None),
        ]
