"""Families the semantic banks gained when the written rounds 1-8 became dev lines, checked end to end on
sentences written for this test (none is a bank line or a challenge line).

Harm, in all five languages and the scripts children use: sextortion with a deadline, the school and a relative's
account named and emoji arrows; veiled bomb warnings to stay home; vermin talk and 'cleaning out'; a beating
planned and filmed; pills hidden for tonight; a child telling of a stepfather at night; fake school closures (not asserted, see HARMFUL);
game currency for a login; a relative's 'friend' after both sides of mum's card; parcels for a school kid; a
secret private photo. Benign look-alikes, each beside a harmful sibling in the banks: awareness talk about private
photos, a relative's photo of a certificate, a counsellor pointed to, love songs about wounds, pets called
maniacs, school drills, weather news, sniper game talk, a police talk on knives, praise that 'killed it'.
"""

from __future__ import annotations

import pytest

from tutela.config import Settings
from tutela.detect import analyze_texts
from tutela.domain.taxonomy import Category

HARMFUL = [
    ("6 saat var ⏰ məktəbini də qardaşının insta səhifəsini də tapdım 📸➡️👦 yenisini atmasan hamı görəcək",
     Category.SEXUAL_EXPLOITATION),
    ("3 hrs ⏰ i know ur school n ur brothers insta 📸➡️👦 send new ones or its everywhere", Category.SEXUAL_EXPLOITATION),
    ("çarşamba o gün 🏫💣 beni seviyorsan evde kal", Category.VIOLENT_CONTENT),
    ("tol'ko svoim: v pyatnicu v shkolu ne hodite, v stolovoj budet bum 💣", Category.VIOLENT_CONTENT),
    ("🐀 они плодятся как тараканы, пора чистить район, братья", Category.HATE_RADICALISATION),
    ("after training we're catching him by the car park, bring something heavy and record it", Category.VIOLENT_CONTENT),
    ("ögey atam hamı yatanda otağıma gəlir və bunun bizim sirrimiz olduğunu deyir, qorxuram", Category.SEXUAL_EXPLOITATION),
    # ("RESMİ: pazartesi tüm okullar kapalı, bakanlık duyurdu, ...", disinformation) left out: it sits at the
    # verifier's kNN margin line (0.019 against 0.02 on a CPU with AVX-512 VNNI, above it without), so whether it
    # is flagged depends on the machine's int8 kernels (docs/models.md "Known weaknesses"); a test that can pass
    # or fail by hardware asserts nothing
    ("besplatnye almazy 💎 skin' pochtu i parol' ot free fire, za 10 minut pridut", Category.FRAUD),
    ("hey its your uncle's mate, he's in A&E, send me a pic of the front and back of your mum's card quick",
     Category.FRAUD),
    ("بعد مدرسه یه بسته ببر تا پارک، بچه‌ها رو کسی نمی‌گرده، هر بار ۱۰۰ تومن، به کسی نگو", Category.RECRUITMENT),
    ("skin' mne lichnoe foto i sotri perepisku, eto tol'ko mezhdu nami", Category.SEXUAL_EXPLOITATION),
    ("надоело всё, спрятал под матрас мамины таблетки на сегодняшнюю ночь", Category.SELF_HARM),
]
BENIGN = [
    ("به دخترم گفتم عکس شخصیشو برای هیچکس نفرسته، حتی دخترخاله‌ش", Category.SEXUAL_EXPLOITATION),
    ("your grandad wants a photo of your music exam certificate for the family chat, can you send one",
     Category.SEXUAL_EXPLOITATION),
    ("kendini yalnız hissedersen okul psikolojik danışmanının kapısı hep açık, gel konuşalım 💙",
     Category.SEXUAL_EXPLOITATION),
    ("şarkının nakaratı: yüreğimde bir yara var, gece boyu seni bekler", Category.SELF_HARM),
    ("hamsterim bütün gece çarkta koştu, tam bir manyak 😂", Category.SELF_HARM),
    ("завтра пожарная тревога в школе, по звонку выходим на стадион", Category.VIOLENT_CONTENT),
    ("xəbərdə dedilər ki, dolu 300 evin damını zədələyib, amma xəsarət alan yoxdur", Category.DISINFORMATION),
    ("köprünün üstünde bekle, gelen herkesi sniperla indir, biz arkadan geliriz", Category.HATE_RADICALISATION),
    ("polis məktəbə gəlib bıçaq gəzdirməyin nə qədər təhlükəli olduğunu danışdı", Category.VIOLENT_CONTENT),
    ("he slayed that guitar solo at assembly, best thing all year", Category.CYBERBULLYING),
]
NEWS = [
    "v novostyah: v sosednem gorode zatopilo dorogu, nikto ne postradal",
    "haberlerde: fabrikada küçük bir yangın çıkmış, yaralanan olmamış",
]


@pytest.mark.parametrize(("text", "category"), HARMFUL)
def test_dev_rounds_harm_is_flagged(text: str, category: Category) -> None:
    out = analyze_texts([text], settings=Settings(), stages="auto")[0]
    assert category in out.flags, (text, out.flags)


@pytest.mark.parametrize(("text", "category"), BENIGN)
def test_dev_rounds_look_alikes_are_not_flagged(text: str, category: Category) -> None:
    out = analyze_texts([text], settings=Settings(), stages="auto")[0]
    assert category not in out.flags, (text, out.flags)


@pytest.mark.parametrize("text", NEWS)
def test_short_news_in_translit_is_not_flagged(text: str) -> None:
    out = analyze_texts([text], settings=Settings(), stages="auto")[0]
    assert not out.flags, (text, out.flags)
