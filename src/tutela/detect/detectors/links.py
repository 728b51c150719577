"""Links that look like phishing or scams: shorteners, raw IP hosts, punycode, brand
look-alikes, throwaway top-level domains and credential words in the path.

A plain link is not evidence of anything; only these traits score. The
phrase side of fraud ("you won", "send the code") is in lexicons/fraud.yaml.
"""

from __future__ import annotations

import re

from tutela.detect.detectors.base import Detector, Example, Hit, register
from tutela.domain.taxonomy import Category

F = Category.FRAUD
_URL = re.compile(
    r"\b((?:https?://|www\.)[^\s<>\"']+|[a-z0-9][a-z0-9-]{1,62}(?:\.[a-z0-9-]{2,63})*\.(?:[a-z]{2,12})/[^\s<>\"']*)",
    re.IGNORECASE,
)
_SHORTENERS = {"bit.ly", "tinyurl.com", "goo.gl", "t.co", "cutt.ly", "is.gd", "ow.ly", "rb.gy", "shorturl.at",
               "tiny.cc", "s.id", "clck.ru", "bit.do", "v.gd", "t.ly"}
_BAD_TLDS = {"xyz", "top", "click", "icu", "gq", "tk", "ml", "cf", "ga", "buzz", "work", "rest", "cam", "loan",
             "zip", "mov", "country", "support", "live", "shop", "online", "site"}
_BRANDS = ("paypal", "apple", "google", "instagram", "facebook", "roblox", "steam", "discord", "tiktok",
           "snapchat", "whatsapp", "telegram", "netflix", "microsoft", "binance", "epicgames", "fortnite",
           "garanti", "akbank", "ziraat", "kapitalbank", "sberbank", "tinkoff", "gosuslugi", "mellat", "kaspi")
_LEET = str.maketrans("0134578", "oleastb")
_CRED_PATH = re.compile(r"(login|log-in|signin|verify|verification|secure|account|update|wallet|gift|free|nitro|claim|bonus|prize)", re.I)
_HOST = re.compile(r"^(?:https?://)?([^/:?#]+)", re.I)
_IP_HOST = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def _score_url(url: str) -> list[tuple[float, str]]:
    m = _HOST.match(url)
    host = (m.group(1) if m else url).lower().removeprefix("www.")
    reasons: list[tuple[float, str]] = []
    if host in _SHORTENERS:
        reasons.append((0.4, "link shortener hides the destination"))
    if _IP_HOST.match(host):
        reasons.append((0.6, "link to a raw IP address"))
    if "xn--" in host:
        reasons.append((0.55, "punycode (look-alike letters) in the domain"))
    if "@" in url.split("?")[0][8:]:
        reasons.append((0.6, "'@' in the link hides the real host"))
    tld = host.rsplit(".", 1)[-1]
    if tld in _BAD_TLDS:
        reasons.append((0.35, f"throwaway top-level domain .{tld}"))
    labels = host.split(".")
    second_level = len(labels) >= 3 and labels[-2] in {"co", "com", "org", "net", "gov", "ac", "edu"}
    registered = ".".join(labels[-3:] if second_level else labels[-2:])
    plain = host.translate(_LEET).replace("-", "")
    for brand in _BRANDS:
        if brand in plain and not (registered.startswith(brand + ".") or registered == brand):
            reasons.append((0.7, f"imitates {brand} from another domain"))
            break
    if _CRED_PATH.search(url[len(host):] if url.lower().startswith(host) else url):
        reasons.append((0.25, "asks for a login, gift or prize in the link"))
    return reasons


@register
class LinkDetector(Detector):
    """Phishing and scam traits of links."""

    name = "links"
    categories = (F,)

    def find(self, original: str, normalized: str, lang: str) -> list[Hit]:
        if "." not in original:
            return []
        hits: list[Hit] = []
        for m in _URL.finditer(original):
            url = m.group().rstrip(".,;:!?)]}'\"")  # sentence punctuation is not part of the link
            for score, reason in _score_url(url):
                hits.append(Hit(F, score, f"{reason}: '{url}'", m.start(), m.start() + len(url), False, "links"))
        return hits

    @classmethod
    def examples(cls) -> list[Example]:
        return [
            Example("free robux here: http://r0blox-gift.xyz/login", "en", F),
            Example("hesabını doğrula: http://192.168.4.20/garanti/verify", "tr", F),
            Example("see https://www.wikipedia.org/wiki/Child", "en", None),
        ]
