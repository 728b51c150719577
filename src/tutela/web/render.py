"""Render a template with the security headers our pages carry (see `security.SECURITY_HEADERS`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from tutela.web.security import harden
from tutela.web.templating import templates


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return harden(templates.TemplateResponse(request, name, context, status_code=status_code))
