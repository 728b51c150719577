"""The landing page: where each kind of user goes."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tutela.web.templating import templates

router = APIRouter(include_in_schema=False)

#: Pages other areas add register here by appending (href, title, note). This page is public: no developer
#: pages here (a child who follows "Tutela" must not land on the API docs); integrators find /docs in the README.
LINKS: list[dict[str, str]] = [
    {"href": "/report", "title": "Report something", "note": "for children and parents"},
    {"href": "/report/status", "title": "Check a report", "note": "with the reference code you were given"},
    {"href": "/console", "title": "Review console", "note": "for analysts (sign in)"},
]


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "home.html", {"links": LINKS})
