"""The public report form a child can use: /report, /report/status.

Thin on purpose: parse and check the form, call `tutela.cases.service`, render.
Works without JavaScript, in five languages (Persian right-to-left), anonymous
by default. Nothing the reporter typed is lost on an error: the form comes back
with their answers and the error next to the field (only a chosen file must be
picked again, since browsers never re-send files).
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from tutela.access.ratelimit import RateLimited, client_ip, limiter_for
from tutela.domain.inputs import check_url
from tutela.domain.taxonomy import form_tiles, imminent_choices
from tutela.help import HelpNow, help_now
from tutela.help import countries as help_countries
from tutela.web.i18n import LANGUAGES, direction, negotiate, translator
from tutela.web.i18n.localise import digits, format_date
from tutela.web.security import (
    CSRF_FIELD,
    harden,
    public_csrf_ok,
    public_csrf_token,
    set_public_csrf_cookie,
)
from tutela.web.templating import templates

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

#: Child-friendly category keys, in the order the tiles are shown (a public contract of the form; the
#: taxonomy's `report_choices` say which key belongs to which harm and where its tile goes).
CATEGORIES = form_tiles()
#: Keys after which "help now" (the helplines of the child's country and an emergency number) is shown on
#: the form itself as soon as one is chosen, and first on every page after it: the imminent choices.
URGENT = tuple(key for key in CATEGORIES if key in imminent_choices())
REPORTER_KINDS = ("child", "parent", "public")
COUNTRIES = ("TR", "AZ", "IR", "RU")  # shown first; an operator's helplines file may add more
#: The country choice "another country": no country's own numbers, an emergency number that works in many.
OTHER_COUNTRY = "other"

ACCEPT = ("image/", "video/mp4", "video/webm", "video/quicktime", "application/pdf", "text/plain")
ACCEPT_ATTR = "image/*,video/mp4,video/webm,video/quicktime,application/pdf,text/plain"
MAX_DESCRIPTION = 20_000
HONEYPOT = "website"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]{4,24}$")


def _countries(request: Request) -> list[str]:
    """The countries the help directory knows, so a country an operator adds can be chosen."""
    known = [c for c in help_countries(request.app.state.settings) if re.fullmatch(r"[A-Z]{2}", c)]
    extra = sorted(set(known) - set(COUNTRIES))
    return [*COUNTRIES, *extra]


def _help_boxes(request: Request, lang: str) -> dict[str, HelpNow]:
    """Help now for every country on the form and for "another country" (key ""): rendered up front, so
    choosing an urgent category shows the right numbers at once, with JavaScript or without."""
    settings = request.app.state.settings
    return {code: help_now(code or None, lang=lang, settings=settings) for code in ["", *_countries(request)]}


def _tel(phone: str) -> str:
    """A phone number as a `tel:` link wants it: digits and a leading plus only."""
    return re.sub(r"[^0-9+]", "", phone)


@dataclass
class FormState:
    """What the reporter typed, kept across a failed submit, and the errors per field."""

    category: str = ""
    description: str = ""
    url: str = ""
    contact: str = ""
    reporter_kind: str = ""
    #: ISO code, OTHER_COUNTRY, or "" when not (yet) answered: asked, never guessed from the language.
    country: str = ""
    #: Random per form; sent as the idempotency key so a double click or a reload files one report, not two.
    form_id: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    errors: dict[str, str] = field(default_factory=dict)


def _lang(request: Request, explicit: str | None = None) -> str:
    return negotiate(explicit or request.query_params.get("lang"), request.headers.get("accept-language"))


def _ctx(request: Request, lang: str, **extra: Any) -> dict[str, Any]:
    return {"lang": lang, "dir": direction(lang), "t": translator(lang), "languages": LANGUAGES,
            "path": request.url.path, "quick_exit_url": request.app.state.settings.quick_exit_url,
            "home_href": f"/report?lang={lang}", "num": lambda v: digits(v, lang),
            "date": lambda v: format_date(v, lang), "tel": _tel, **extra}


def _help_key(country: str) -> str:
    return "" if country in ("", OTHER_COUNTRY) else country


def _max_mb(request: Request) -> int:
    return max(1, request.app.state.settings.max_upload_bytes // (1024 * 1024))


def _render_form(request: Request, lang: str, state: FormState, status: int = 200) -> HTMLResponse:
    token, new_cookie = public_csrf_token(request)
    response = templates.TemplateResponse(
        request, "report/form.html",
        _ctx(request, lang, form=state, categories=CATEGORIES, kinds=REPORTER_KINDS, countries=_countries(request),
             other_country=OTHER_COUNTRY, urgent=URGENT, help_boxes=_help_boxes(request, lang),
             help_key=_help_key(state.country), csrf_field=CSRF_FIELD, csrf_token=token, honeypot=HONEYPOT,
             accept=ACCEPT_ATTR, max_mb=_max_mb(request), max_description=MAX_DESCRIPTION),
        status_code=status,
    )
    set_public_csrf_cookie(response, request, new_cookie)
    return harden(response)


@router.get("/report", response_class=HTMLResponse)
def report_form(request: Request) -> HTMLResponse:
    lang = _lang(request)
    state = FormState()
    if request.query_params.get("category") in CATEGORIES:  # a link straight to a category, e.g. from a nudge
        state.category = request.query_params["category"]
    return _render_form(request, lang, state)


@router.get("/report/help.css")
def help_css(request: Request) -> Response:
    """Shows the chosen country's help on the form without JavaScript (CSS :has), one rule per country.

    A stylesheet rather than inline styles, which the page's Content-Security-Policy forbids; generated
    because an operator's helplines file may add countries.
    """
    form = "#f-form:has(#f-country option{}:checked) "
    rules = [form.format("") + ".help-country{display:none}"]
    for value, key in [("", ""), (OTHER_COUNTRY, ""), *((c, c) for c in _countries(request))]:
        rules.append(form.format(f'[value="{value}"]') + f'.help-country[data-country="{key}"]{{display:block}}')
    return Response("\n".join(rules) + "\n", media_type="text/css",
                    headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"})


def _text(form: Any, name: str, limit: int = 500) -> str:
    value = form.get(name)
    return value.strip()[: limit + 1] if isinstance(value, str) else ""


def _normalise_url(url: str) -> str | None:
    """What a child typed as a web address (`check_url`, the API's rule too); "" for none, None if invalid."""
    if not url:
        return ""
    try:
        return check_url(url)
    except ValueError:
        return None


async def _read_file(upload: Any, limit: int) -> tuple[bytes | None, str | None]:
    """(data, error key): reads at most limit + 1 bytes, so a huge upload costs nothing more."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None, None
    ctype = (upload.content_type or "").lower()
    if not ctype.startswith(ACCEPT):
        return None, "err_file_type"
    data = await upload.read(limit + 1)
    if len(data) > limit:
        return None, "err_file_big"
    return (data or None), None


@router.post("/report", response_class=HTMLResponse)
async def report_submit(request: Request) -> HTMLResponse:
    settings = request.app.state.settings
    form = await request.form(max_files=2, max_fields=40)
    lang = _lang(request, _text(form, "lang", 10))
    t = translator(lang)
    state = FormState(
        category=_text(form, "category", 40), description=_text(form, "description", MAX_DESCRIPTION),
        url=_text(form, "url", 2048), contact=_text(form, "contact", 320),
        reporter_kind=_text(form, "reporter_kind", 20), country=_text(form, "country", 5).upper(),
    )
    form_id = _text(form, "form_id", 40)
    if re.fullmatch(r"[A-Za-z0-9_\-]{16,40}", form_id):
        state.form_id = form_id
    if not public_csrf_ok(request, _text(form, CSRF_FIELD, 100)):
        state.errors["form"] = t("err_csrf")
        return _render_form(request, lang, state, status=403)
    if _text(form, HONEYPOT):
        state.errors[HONEYPOT] = t("err_bot")
        return _render_form(request, lang, state, status=400)
    limited = await _limited(request, "report.submit")
    if limited:
        state.errors["form"] = t("err_rate", minutes=-(-limited // 60))
        return _retry_after(_render_form(request, lang, state, status=429), limited)

    if state.category not in CATEGORIES:
        state.errors["category"] = t("err_category")
    if len(state.description) > MAX_DESCRIPTION:
        state.errors["description"] = t("err_description", n=MAX_DESCRIPTION)
    url = _normalise_url(state.url)
    if url is None:
        state.errors["url"] = t("err_url")
    if state.contact and not (_EMAIL.match(state.contact) or _PHONE.match(state.contact)):
        state.errors["contact"] = t("err_contact")
    if state.reporter_kind not in REPORTER_KINDS:
        state.reporter_kind = ""
    if state.country.lower() == OTHER_COUNTRY:
        state.country = OTHER_COUNTRY
    elif state.country not in _countries(request):
        state.country = ""
    upload = form.get("evidence")
    data, file_error = await _read_file(upload, settings.max_upload_bytes)
    if file_error:
        state.errors["evidence"] = t(file_error, max=_max_mb(request))
    if state.errors:
        if data and "evidence" not in state.errors:
            state.errors["evidence"] = t("file_again")
        return _render_form(request, lang, state, status=400)

    try:
        receipt = await run_in_threadpool(_submit, request, state, url or "", lang, upload, data)
    except ValueError:
        log.exception("report rejected by the engine")
        state.errors["form"] = t("err_server")
        return _render_form(request, lang, state, status=400)
    except Exception:
        log.exception("report could not be stored")
        state.errors["form"] = t("err_server")
        return _render_form(request, lang, state, status=500)

    help_here = help_now(_help_key(state.country) or None, lang=lang, settings=settings)
    return harden(templates.TemplateResponse(
        request, "report/thanks.html",
        _ctx(request, lang, receipt=receipt, help=help_here, urgent=state.category in URGENT,
             csrf_field=CSRF_FIELD, csrf_token=_text(form, CSRF_FIELD, 100)),
    ))


def _submit(request: Request, state: FormState, url: str, lang: str, upload: Any, data: bytes | None) -> Any:
    """Build the engine's ReportIn from the form and submit it as an anonymous public report."""
    from tutela.cases.service import submit_report
    from tutela.domain.cases import Contact, EvidenceFile, ReportIn

    contact = None
    if state.contact:
        contact = Contact(email=state.contact) if "@" in state.contact else Contact(phone=state.contact)
    report = ReportIn(
        category=state.category,
        description=state.description,
        urls=[url] if url else [],
        country=_help_key(state.country) or None,
        language=lang,
        reporter_kind=state.reporter_kind or "public",
        anonymous=contact is None,
        contact=contact,
    )
    files = []
    if data:
        files.append(EvidenceFile(filename=(upload.filename or "upload.bin")[:200],
                                  content_type=upload.content_type or "application/octet-stream", data=data))
    from tutela.cases.service import IdempotencyConflict

    db, settings = request.app.state.db, request.app.state.settings
    try:
        return submit_report(db, settings, report, principal=None, files=files, idempotency_key=state.form_id)
    except IdempotencyConflict:
        # The same form sent again with different answers (back, edit, send): a new report, not a replay.
        return submit_report(db, settings, report, principal=None, files=files)


def _render_status(request: Request, lang: str, *, code: str = "", status: Any = None, error: str = "",
                   http_status: int = 200, **extra: Any) -> HTMLResponse:
    token, new_cookie = public_csrf_token(request)
    response = templates.TemplateResponse(
        request, "report/status.html",
        _ctx(request, lang, code=code, status=status, error=error, csrf_field=CSRF_FIELD, csrf_token=token,
             **extra),
        status_code=http_status,
    )
    set_public_csrf_cookie(response, request, new_cookie)
    return harden(response)


@router.get("/report/status", response_class=HTMLResponse)
def status_form(request: Request) -> HTMLResponse:
    return _render_status(request, _lang(request))


@router.post("/report/status", response_class=HTMLResponse)
async def status_lookup(request: Request) -> HTMLResponse:
    """POST, not GET: the code is the reporter's only key, so it stays out of URLs and logs."""
    form = await request.form(max_files=0, max_fields=10)
    lang = _lang(request, _text(form, "lang", 10))
    t = translator(lang)
    code = _text(form, "code", 64)
    if not public_csrf_ok(request, _text(form, CSRF_FIELD, 100)):
        return _render_status(request, lang, code=code, error=t("err_csrf"), http_status=403)
    if not code:
        return _render_status(request, lang, error=t("status_empty"), http_status=400)
    limited = await _limited(request, "report.status")
    if limited:
        error = t("err_rate", minutes=-(-limited // 60))
        return _retry_after(_render_status(request, lang, code=code, error=error, http_status=429), limited)
    status = await run_in_threadpool(_lookup, request, code)
    if status is None:
        return _render_status(request, lang, code=code, error=t("status_not_found"), http_status=404)
    return _render_status(request, lang, code=code, status=status)


async def _limited(request: Request, rule: str) -> int:
    """Count this request against `rule` for the caller's address: 0, or seconds until it may try again."""
    try:
        await run_in_threadpool(limiter_for(request.app).hit, rule, client_ip(request))
    except RateLimited as exc:
        return exc.retry_after
    return 0


def _retry_after(response: HTMLResponse, seconds: int) -> HTMLResponse:
    response.headers["Retry-After"] = str(seconds)
    return response


def _lookup(request: Request, code: str) -> Any:
    from tutela.cases.service import report_status

    db = request.app.state.db
    compact = code.strip()
    found = report_status(db, compact)
    if found is None and compact != compact.upper():
        found = report_status(db, compact.upper())
    return found


@router.post("/report/appeal", response_class=HTMLResponse)
async def appeal(request: Request) -> HTMLResponse:
    """The reporter disagrees with a finished report: a senior reviewer looks again."""
    form = await request.form(max_files=0, max_fields=10)
    lang = _lang(request, _text(form, "lang", 10))
    t = translator(lang)
    code, reason = _text(form, "code", 64), _text(form, "reason", 5000)[:5000]
    if not public_csrf_ok(request, _text(form, CSRF_FIELD, 100)):
        return _render_status(request, lang, code=code, error=t("err_csrf"), http_status=403)
    limited = await _limited(request, "report.status")
    if limited:
        error = t("err_rate", minutes=-(-limited // 60))
        return _retry_after(_render_status(request, lang, code=code, error=error, reason=reason, http_status=429),
                            limited)
    status = await run_in_threadpool(_lookup, request, code) if code else None
    if status is None:
        return _render_status(request, lang, code=code, error=t("status_not_found"), http_status=404)
    if not reason:
        return _render_status(request, lang, code=code, status=status, appeal_error=t("err_appeal_empty"),
                              reason=reason, http_status=400)
    from tutela.cases.service import submit_appeal

    try:
        await run_in_threadpool(submit_appeal, request.app.state.db, request.app.state.settings,
                                status.reference_code, reason)
    except ValueError:
        pass  # already appealed, or no longer finished: the fresh status below says where it stands
    status = await run_in_threadpool(_lookup, request, status.reference_code)
    return _render_status(request, lang, code=code, status=status, notice=t("appeal_done"))
