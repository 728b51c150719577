"""A Turkish, Azerbaijani or Persian warning not to send, share or give: there the semantic head is not enough.

The head over the embedding reads the topic (photos, card details, strangers) and cannot see a negative
suffix: "tanımadığın kimseye fotoğraf gönderme" (don't send photos to strangers), "kart bilgisi isteyen
olursa sakın vermeyin", "şəkil göndərmə" sat on the request side of it (sexual_exploitation and fraud at
0.5-0.6 with a kNN margin near zero). Where a text tells its reader not to send, share or give (a
negative imperative of such a verb), the request categories stand on the kNN margin alone, which the
banks' written warnings with negation speak to. Verbs of telling are left out on purpose: "kimseye
söyleme" (don't tell anyone) is a groomer's secrecy, not a warning; so are the threat forms "if you don't
send" (`göndermezsen`, `atmazsan`), which this pattern does not match. The lexicons weigh the same
negation for their own cues (`detectors/lexicon._TURKIC_NEG`).

Two more markers the head cannot see, in Turkish and Azerbaijani only: a threat the writer calls a joke
("ödevi yapmazsan seni öldürürüm şaka 😂", "zarafat edirəm") leaves `violent_content` and
`cyberbullying` to the kNN margin, and recovery told as past ("bir il əvvəl yemək yemirdim, indi
müalicədən sonra...", "artık iyiyim") leaves `self_harm` to it: the head read both at 0.6-0.75 with a
margin of -0.001..-0.004 (`unseen`). "şaka değil", "ciddiyim", "zarafat eləmirəm" cancel the joke.
Safety advice "if anyone asks (for a photo), tell us" counts as a warning too (sexual_exploitation at
0.63 on "annem dedi ki internetten tanıdığın biri fotoğraf isterse hemen bize söyle").
"""

from __future__ import annotations

import re

import numpy as np

from tutela.detect.semantic.index import SemanticResult
from tutela.detect.semantic.scorer import TARGETS, Calibrated

LANGS = frozenset({"tr", "az", "fa"})
# the categories a warning names what not to hand over for; their flags are requests to hand it over
TARGETS_WARNED = ("sexual_exploitation", "fraud", "privacy")
# on the folded text (`normalize_text`: ş->s, ö->o, ə->e): gönderme, göndərməyin, paylaşmayın, vermeyiniz,
# atma, yollamamalısın; not göndermezsen / atmazsan / göndermek / gönderdim
_NEGATED_SEND = re.compile(
    r"(?<![^\W_])(?:gonder|yolla|paylas|ilet|yukle|ver|at)"
    r"m[ae](?:y[iu]n(?:[iu]z)?|m[ae]l[iu]s[iu]n(?:[iu]z)?|m[ae]l[iu])?(?![^\W_])"
)


# Persian negates with a prefix: نفرست(ید), نده, ندید, نذار(ید), پخش نکن(ید), and the speaker's own refusal
# نمیفرستم / نمیدم; not the threat "if you don't send" (اگه نفرستی, ندی), which ends in -ی
_FA_NEGATED_SEND = re.compile(
    r"(?<![^\W_])(?:نفرست(?:ید|ین)?|نده|ندید|ندین|نذار(?:ید|ین)?|نگذار(?:ید)?|نمی ?فرستم|نمی ?دم|نمی ?ذارم"
    r"|(?:پخش|ارسال|شیر|منتشر) نکن(?:ید|ین)?)(?![^\W_])"
)


_TURKIC = frozenset({"tr", "az"})
# folded text: şaka -> saka, zarafat edirəm -> zarafat edirem
_JOKE = re.compile(
    r"(?<![^\W_])(?:saka(?:ydi|dan|ciktan|sina)?|zarafat(?:di|dir|idi|la)?)(?![^\W_])"
)
_NOT_A_JOKE = re.compile(
    r"saka (?:degil|yapmiyorum|etmiyorum)|ciddiyim|ciddi (?:soyluyorum|soruyorum|deyirem)"
    r"|zarafat (?:deyil|elemirem|etmirem)"
)
_RECOVERY = re.compile(
    r"(?<![^\W_])(?:(?:artik|simdi|su an) (?:daha )?iyiyim|iyilestim|iyilesiyorum|tedavi(?:den)? sonra"
    r"|birakali (?:\w+ ){0,2}(?:oldu|gecti)|\d+ (?:gun|ay|yil)dir (?:yapmiyorum|temizim)"
    r"|(?:bir|iki|uc|\d+) (?:yil|ay) (?:once|evvel)[^.!?\n]{0,40}(?:simdi|artik)"
    r"|indi (?:daha )?yaxsiyam|sagaldim|sagaliram|mualiceden sonra|terk edeli"
    r"|\d+ (?:gun|ay|il)dir (?:etmirem|temizem)|(?:bir|iki|uc|\d+) (?:il|ay) (?:evvel|once)[^.!?\n]{0,40}(?:indi|artiq)"
    # a feeling told in the past tense, then "but": "yalnız hissediyordum ama şimdi...", "düşünürdüm amma"
    r"|(?:hissediyordum|hissederdim|dusunuyordum|dusunurdum|hiss edirdim|fikirlesirdim)[^.!?\n]{0,12}"
    r"(?:ama|amma|ancak|ancaq)(?![^\W_]))"
)
# "if anyone asks (for photos), tell us / a teacher": safety advice, the same topic as the request it names
_TELL_US = re.compile(
    r"(?:isterse|isteyen olursa|isterlerse|istese|isteyen olsa|isteseler)[^.!?\n]{0,30}?"
    r"(?:bize|ailene|annene|babana|ogretmenine|bir buyuge|bir yetiskine|valideynlerine|anana|atana|muellimine|boyuklere)"
    r" (?:soyle|haber ver|bildir|anlat|de|xeber ver|danis)(?![^\W_])"
)
JOKED = ("violent_content", "cyberbullying")
RECOVERED = ("self_harm",)


def unseen(normalized: str, lang: str) -> tuple[str, ...]:
    """The targets whose head vote a marker in the text takes away (see the module docstring); empty: none."""
    out: list[str] = []
    if warns(normalized, lang):
        out.extend(TARGETS_WARNED)
    if lang in _TURKIC:
        if not out and _TELL_US.search(normalized) is not None:
            out.extend(TARGETS_WARNED)
        if _JOKE.search(normalized) is not None and _NOT_A_JOKE.search(normalized) is None:
            out.extend(JOKED)
        if _RECOVERY.search(normalized) is not None:
            out.extend(RECOVERED)
    return tuple(out)


def warns(normalized: str, lang: str) -> bool:
    """The text tells its reader not to send, share or give something (see the module docstring)."""
    if lang == "fa":
        return _FA_NEGATED_SEND.search(normalized) is not None
    return lang in LANGS and _NEGATED_SEND.search(normalized) is not None


def without_head(
    result: SemanticResult, calibrated: Calibrated, targets: tuple[str, ...] = TARGETS_WARNED
) -> SemanticResult:
    """The result with `targets` (by default the warned ones) scored by the kNN margin alone (the head's
    vote dropped)."""
    if result.margins is None:
        return result
    knn = calibrated.knn_prob(result.margins.reshape(1, -1))[0]
    scores = np.array(result.scores, dtype=float)
    flagged = list(result.flagged)
    for name in targets:
        t = TARGETS.index(name)
        scores[t] = min(scores[t], knn[t])
        if name in flagged and round(float(scores[t]), 4) < calibrated.thresholds[t]:
            flagged.remove(name)
    neighbours = {k: v for k, v in result.neighbours.items() if k in flagged}
    return SemanticResult(scores, flagged, neighbours, result.margins)
