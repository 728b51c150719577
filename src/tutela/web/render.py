"""Render a template with the security headers our pages carry (see `security.SECURITY_HEADERS`).

Signed-in pages (`console/…`, which includes the sign-in page, and `oversight/…`) also get the
reviewer's language and its words (`i18n.choice.console_context`); a language picked with the
switcher is remembered for the next pages. What the caller passes wins over those defaults.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from tutela.web.i18n.choice import console_context, remember
from tutela.web.security import harden
from tutela.web.templating import templates

_SIGNED_IN_PAGES = ("console/", "oversight/")


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    signed_in = name.startswith(_SIGNED_IN_PAGES)
    if signed_in:
        context = {**console_context(request), **context}
    response = harden(templates.TemplateResponse(request, name, context, status_code=status_code))
    if signed_in:
        remember(response, request)
    return response
