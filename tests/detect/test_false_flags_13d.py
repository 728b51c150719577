"""False-flag families of independent dev round 13d, each in all five languages with its harmful sibling.

Checked on lines written for this test (not bank lines, not challenge lines):
- an adult-only job requirement ("18+" in a job ad) halves the sexual lexicon's `18+`; "18+ videos" and a job ad
  with an explicit word keep it whole;
- a threat to the reader over a petty cause ("i'll choke you if you spoil the episode") is a figure of speech and
  takes violent_content's head vote; the same threat over telling anyone is not marked;
- cooking ("beat the eggs, kill the heat", a recipe) is violent_content's context, which releases a lone model flag
  nearer the benign lines; a weapon brought to school beside a recipe keeps the rule whole;
- a teen's own fear of a parent ("if my dad finds out about my boyfriend he'll kill me") takes sexual_exploitation's
  head vote; a groomer's "your dad would kill you" and a disclosure with pictures or an age do not.
"""

from __future__ import annotations

import pytest

from tutela.detect.detectors.lexicon import in_context
from tutela.detect.semantic.warning import FIGURATIVE, PARENT_FEARED, unseen
from tutela.domain.taxonomy import Category

from .conftest import RULE
from .conftest import folded as _folded
from .conftest import lexicon_score as _score


@pytest.mark.parametrize(("text", "lang", "harmful"), [
    ("we are hiring dishwashers for the summer, 18+ only, food hygiene cert a plus, apply inside", "en", False),
    ("yaz sezonu için garson aranıyor, 18+ olmalı, vardiyalı çalışma, başvuru kasada", "tr", False),
    ("Kafeyə ofisiant tələb olunur, 18+, növbəli iş, müraciət üçün zəng edin", "az", False),
    ("استخدام صندوقدار برای فروشگاه، 18+ ، شیفت عصر، رزومه بفرستید", "fa", False),
    ("Ищем курьеров 18+, смены по 4 часа, зарплата каждую неделю", "ru", False),
    ("new 18+ videos in my channel, no age check, link in bio", "en", True),
    ("hiring girls 18+ for webcam work, 500 per hour, no experience", "en", True),
    ("18+ videolar kanalımda, yaş kontrolü yok, link bioda", "tr", True),
    ("18+ videolar kanalımda, yaş yoxlaması yoxdur, link bioda", "az", True),
    ("فیلم 18+ تو کانالم گذاشتم، سن چک نمیشه، لینک تو بیو", "fa", True),
    ("новые видео 18+ у меня в канале, возраст не проверяем, ссылка в профиле", "ru", True),
])
def test_adult_only_job_requirement(text: str, lang: str, harmful: bool) -> None:
    assert (_score(text, lang, Category.SEXUAL_CONTENT) >= RULE) is harmful


@pytest.mark.parametrize(("text", "lang", "petty"), [
    ("if you spoil the last episode for me i swear ill choke you", "en", True),
    ("dizinin sonunu söylersen seni boğarım yemin ederim", "tr", True),
    ("serialın sonunu desən səni boğaram, and olsun", "az", True),
    ("اگه آخر سریال رو لو بدی خفه‌ت می‌کنم", "fa", True),
    ("если проспойлеришь финал, я тебя придушу, клянусь", "ru", True),
    ("i will strangle you if you tell anyone what happened at the party", "en", False),
    ("kimseye söylersen seni boğarım, bunu unutma", "tr", False),
    ("kimə desən səni öldürərəm, bunu unutma", "az", False),
    ("اگه به کسی بگی خفه‌ت می‌کنم، حواست باشه", "fa", False),
    ("если расскажешь кому-нибудь, я тебя придушу, поняла", "ru", False),
])
def test_petty_cause_threat_to_the_reader(text: str, lang: str, petty: bool) -> None:
    marked = set(unseen(_folded(text, lang), lang))
    assert set(FIGURATIVE) <= marked if petty else not marked & set(FIGURATIVE)


@pytest.mark.parametrize(("text", "lang"), [
    ("grandma told me to whisk the eggs like i hate them and kill the heat before the sauce splits", "en"),
    ("annem yumurtaları öldürür gibi çırp dedi, sonra ocağı kapat, tarif böyle", "tr"),
    ("anam dedi yumurtanı qəzəblə çal, sonra ocağı söndür, resept belədir", "az"),
    ("مامانم گفت تخم‌مرغ رو محکم هم بزن بعد شعله رو خاموش کن، دستور پخت همینه", "fa"),
    ("мама сказала взбей яйца как следует и выключи огонь, рецепт такой", "ru"),
])
def test_cooking_is_violent_contents_context(text: str, lang: str) -> None:
    assert Category.VIOLENT_CONTENT in in_context(_folded(text, lang))


@pytest.mark.parametrize(("text", "lang"), [
    ("forget the recipe, im bringing my dads knife to school tomorrow", "en"),
    ("tarif falan boşver, yarın okula bıçak getireceğim", "tr"),
    ("resepti boş ver, sabah məktəbə bıçaq getirecem", "az"),
    ("دستور پخت رو ول کن، فردا چاقو میارم مدرسه", "fa"),
    ("рецепт потом, завтра принесу нож в школу", "ru"),
])
def test_weapon_to_school_beside_a_recipe_stays(text: str, lang: str) -> None:
    assert _score(text, lang, Category.VIOLENT_CONTENT) >= RULE


@pytest.mark.parametrize(("text", "lang", "feared"), [
    ("i only talk to my boyfriend at lunch, if my dad finds out he will kill me 😂", "en", True),
    ("erkek arkadaşımla sadece teneffüste konuşuyoruz, babam öğrenirse beni öldürür 😂", "tr", True),
    ("oğlan dostumla yalnız tənəffüsdə danışırıq, atam bilsə məni öldürər 😂", "az", True),
    ("با دوست‌پسرم فقط زنگ تفریح حرف میزنیم، اگه بابام بفهمه منو می‌کشه 😂", "fa", True),
    ("с парнем общаемся только на переменах, если папа узнает, он меня убьёт 😂", "ru", True),
    ("your dad would kill you if he knew about us, so keep it between us baby", "en", False),
    ("he is 24 and has my pics, if my dad finds out he will kill me", "en", False),
    ("25 yaşında, fotoğraflarım onda, babam öğrenirse beni öldürür", "tr", False),
    ("o, şəkillərimi göndərəcəyini deyir, atam bilsə məni öldürər", "az", False),
    ("عکسامو داره و میگه پخش میکنه، اگه بابام بفهمه منو می‌کشه", "fa", False),
    ("ему 25, у него мои фото, если папа узнает, он меня убьёт", "ru", False),
])
def test_a_teens_fear_of_a_parent(text: str, lang: str, feared: bool) -> None:
    marked = set(unseen(_folded(text, lang), lang))
    assert set(PARENT_FEARED) <= marked if feared else not marked & set(PARENT_FEARED)
