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


def warns(normalized: str, lang: str) -> bool:
    """The text tells its reader not to send, share or give something (see the module docstring)."""
    if lang == "fa":
        return _FA_NEGATED_SEND.search(normalized) is not None
    return lang in LANGS and _NEGATED_SEND.search(normalized) is not None


def without_head(result: SemanticResult, calibrated: Calibrated) -> SemanticResult:
    """The result with the warned targets scored by the kNN margin alone (the head's vote dropped)."""
    if result.margins is None:
        return result
    knn = calibrated.knn_prob(result.margins.reshape(1, -1))[0]
    scores = np.array(result.scores, dtype=float)
    flagged = list(result.flagged)
    for name in TARGETS_WARNED:
        t = TARGETS.index(name)
        scores[t] = min(scores[t], knn[t])
        if name in flagged and round(float(scores[t]), 4) < calibrated.thresholds[t]:
            flagged.remove(name)
    neighbours = {k: v for k, v in result.neighbours.items() if k in flagged}
    return SemanticResult(scores, flagged, neighbours, result.margins)
