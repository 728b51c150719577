"""Which language the signed-in pages (console, sign-in, oversight) speak, and the words they get.

A reviewer picks a language with the switcher (`?lang=` on any console page); the choice is kept in
a cookie for a year, so it holds on every page and after signing out and in again on that browser.
Without a choice, the browser's `Accept-Language` decides, then English. The cookie is set only by
signed-in pages and the sign-in page, never by the public report pages: a child's device should not
keep a trace of Tutela.

`console_context(request)` is what every console template gets (added by `web.render.page`):
`t` (the console catalogue), `rt` (the review tools' catalogue), `lang`, `dir`, `num`, `num` (a count), `dig` (an
identifier: digits only), `when` (a UTC moment in the language's digits and, for Persian, the Solar
Hijri calendar), `day`, `languages` and `lang_href(code)` for the switcher.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from tutela.web.i18n import LANGUAGES, Translator, direction, negotiate, translator
from tutela.web.i18n.localise import digits, format_datetime, format_day, number

LANG_COOKIE = "tutela_lang"
_SPAN = re.compile(r"(\d+) (minutes|hours|days)")
_ONE_YEAR = 365 * 24 * 3600


def chosen(request: Request) -> str:
    """`?lang=` (the switcher), then the remembered choice, then `Accept-Language`, then English."""
    cached = getattr(request.state, "console_lang", None)
    if cached:
        return cached
    asked = request.query_params.get("lang")
    if not (asked and asked in LANGUAGES):
        asked = request.cookies.get(LANG_COOKIE)
    lang = negotiate(asked, request.headers.get("accept-language"))
    request.state.console_lang = lang
    return lang


def console_t(request: Request) -> Translator:
    """The console catalogue in the request's language: for messages made in Python (notices, refusals)."""
    return translator(chosen(request), "console")


def remember(response: Response, request: Request) -> None:
    """Keep a language picked with `?lang=` for the next pages (a cookie; nothing else is stored)."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(LANG_COOKIE, asked, max_age=_ONE_YEAR, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")


def _lang_href(request: Request) -> Callable[[str], str]:
    """The current page in another language: same path, same filters, `lang` replaced."""
    def href(code: str) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", code)]
        return f"{request.url.path}?{urlencode(params)}"

    return href


def console_context(request: Request) -> dict[str, Any]:
    lang = chosen(request)

    def when(value: datetime | None) -> str:
        return format_datetime(value, lang) if value else ""

    def day(value: date | datetime | None) -> str:
        return format_day(value, lang) if value else ""

    def num(value: Any) -> str:
        return number(value, lang) if isinstance(value, int) else digits(value, lang)

    def dig(value: Any) -> str:
        return digits(value, lang)

    t = translator(lang, "console")

    def span(text: str) -> str:
        """An allowed time the engine writes in English ("4 hours") in the reviewer's words."""
        m = _SPAN.fullmatch(str(text))
        return t(f"span_{m.group(2)}", n=int(m.group(1))) if m else dig(text)

    return {"lang": lang, "dir": direction(lang), "t": t, "rt": translator(lang, "review"), "languages": LANGUAGES,
            "lang_href": _lang_href(request), "when": when, "day": day, "num": num, "dig": dig, "span": span}
