"""The public report form without a browser: languages, validation, CSRF, honeypot, page weight."""

from __future__ import annotations

import json
import re

import pytest

from tutela.web.i18n import I18N_DIR, LANGUAGES, negotiate
from tutela.web.pages.report import CATEGORIES


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _form(client, lang="en"):
    page = client.get(f"/report?lang={lang}")
    assert page.status_code == 200
    return page, csrf_from(page.text)


@pytest.mark.parametrize("query,header,expected", [
    ("fa", "en", "fa"), (None, "ru-RU,ru;q=0.9,en;q=0.8", "ru"), (None, "de,az;q=0.5", "az"),
    ("xx", "tr-TR", "tr"), (None, None, "en"), (None, "de-DE", "en"), (None, "en;q=0.1,fa;q=0.9", "fa"),
])
def test_language_negotiation(query, header, expected):
    assert negotiate(query, header) == expected


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_form_renders_in_each_language_with_every_input_labelled(client, lang):
    page, _ = _form(client, lang)
    html = page.text
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "fa" else "ltr"}">' in html
    cat = json.loads((I18N_DIR / f"{lang}.json").read_text(encoding="utf-8"))
    for key in CATEGORIES:
        assert cat[f"cat_{key}"] in html
    ids = re.findall(r'<(?:input|textarea|select)[^>]*\sid="([^"]+)"', html)
    assert len(ids) >= len(CATEGORIES) + 6
    for field_id in ids:
        assert f'for="{field_id}"' in html, field_id
    assert "<fieldset" in html and "<legend>" in html
    assert 'name="csrf_token"' in html and "http://" not in html.replace("https://", "")


def test_accept_language_picks_the_form_language(client):
    page = client.get("/report", headers={"Accept-Language": "tr-TR,tr;q=0.9"})
    assert 'lang="tr"' in page.text and "Ne oluyor?" in page.text
    assert '<option value="" selected>' in page.text  # the country is asked, never guessed from the language


def test_missing_csrf_is_refused_and_keeps_the_answers(client):
    client.get("/report")
    res = client.post("/report", data={"category": "bullying", "description": "they call me names every day"})
    assert res.status_code == 403
    assert "they call me names every day" in res.text
    assert 'value="bullying" checked' in res.text
    assert "press send again" in res.text


def test_forged_csrf_is_refused(client):
    client.get("/report")
    res = client.post("/report", data={"csrf_token": "0" * 64, "category": "bullying"})
    assert res.status_code == 403


def test_missing_category_shows_a_linked_error_and_keeps_the_text(client):
    _, token = _form(client, "ru")
    res = client.post("/report", data={"csrf_token": token, "lang": "ru",
                                       "description": "мне пишет незнакомец"})
    assert res.status_code == 400
    assert 'id="error-summary"' in res.text and 'href="#cat-asking_for_photos"' in res.text
    assert "Выбери, что происходит." in res.text
    assert "мне пишет незнакомец" in res.text


@pytest.mark.parametrize("field,value,message", [
    ("url", "not a link", "This link does not look right"),
    ("url", "javascript:alert(1)", "This link does not look right"),
    ("contact", "call me maybe", "does not look like an email"),
])
def test_bad_fields_get_an_error_next_to_them(client, field, value, message):
    _, token = _form(client)
    res = client.post("/report", data={"csrf_token": token, "category": "scam", field: value})
    assert res.status_code == 400
    assert message in res.text and f'id="err-{field}"' in res.text
    assert f'aria-describedby="h-{field} err-{field}"' in res.text


def test_honeypot_is_refused(client):
    _, token = _form(client)
    res = client.post("/report", data={"csrf_token": token, "category": "scam",
                                       "website": "http://spam.example"})
    assert res.status_code == 400


def test_file_too_big_and_wrong_type(client, settings):
    settings.max_upload_bytes = 1024
    _, token = _form(client)
    big = client.post("/report", data={"csrf_token": token, "category": "other", "description": "kept"},
                      files={"evidence": ("shot.png", b"x" * 2048, "image/png")})
    assert big.status_code == 400 and "too big" in big.text and "kept" in big.text
    exe = client.post("/report", data={"csrf_token": token, "category": "other"},
                      files={"evidence": ("x.exe", b"MZ", "application/x-msdownload")})
    assert exe.status_code == 400 and "cannot be sent" in exe.text


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_page_weight_under_100_kb(client, lang):
    page, _ = _form(client, lang)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert "/static/report.css" in assets
    total = len(page.content) + sum(len(client.get(a).content) for a in assets)
    assert total < 100 * 1024, total
    assert "//" not in "".join(re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', page.text))  # no CDN


def test_status_page_needs_a_code(client):
    page = client.get("/report/status?lang=az")
    assert page.status_code == 200 and "İzləmə kodu" in page.text
    res = client.post("/report/status", data={"csrf_token": csrf_from(page.text), "lang": "az", "code": ""})
    assert res.status_code == 400 and "İzləmə kodunu yaz." in res.text


def test_a_category_alone_is_enough(client):
    """Nothing typed, no file: the child who only chooses what is happening still gets a reference code."""
    _, token = _form(client, "tr")
    res = client.post("/report", data={"csrf_token": token, "lang": "tr", "category": "bullying"})
    assert res.status_code == 200
    assert re.search(r'id="reference-code" class="code">TUT-[A-Z0-9-]+<', res.text)


def test_pages_carry_security_headers_and_no_inline_code(client):
    for url in ("/report", "/report/status", "/login"):
        res = client.get(url)
        assert "frame-ancestors 'none'" in res.headers["content-security-policy"], url
        assert res.headers["referrer-policy"] == "no-referrer"
        assert "<script>" not in res.text and " style=" not in res.text


def test_sending_the_same_form_twice_files_one_report(client):
    page, token = _form(client, "en")
    form_id = re.search(r'name="form_id" value="([^"]+)"', page.text).group(1)
    data = {"csrf_token": token, "form_id": form_id, "category": "bullying",
            "description": "same words twice"}
    first = client.post("/report", data=data)
    second = client.post("/report", data=data)
    code = re.compile(r'id="reference-code"[^>]*>([^<]+)<')
    assert first.status_code == second.status_code == 200
    assert code.search(first.text).group(1) == code.search(second.text).group(1)
    changed = client.post("/report", data={**data, "description": "different words now"})
    assert changed.status_code == 200
    assert code.search(changed.text).group(1) != code.search(first.text).group(1)


def test_a_country_the_operator_adds_can_be_chosen_and_gets_its_helplines(client, settings):
    (settings.data_dir / "helplines.yaml").write_text(
        "countries:\n  GE:\n    - name: Invented test line\n      phone: '000 111'\n      kind: child_helpline\n",
        encoding="utf-8",
    )
    page, token = _form(client, "en")
    assert '<option value="GE">GE</option>' in page.text
    res = client.post("/report", data={"csrf_token": token, "category": "other", "country": "GE",
                                       "description": "an invented report for a test"})
    assert res.status_code == 200 and "Invented test line" in res.text and "tel:000111" in res.text


def test_what_people_type_is_escaped(client):
    _, token = _form(client)
    res = client.post("/report", data={"csrf_token": token, "category": "nope",
                                       "description": "<script>alert(1)</script>", "url": "\"><b>x"})
    assert res.status_code == 400
    assert "<script>alert(1)</script>" not in res.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in res.text
    assert '"><b>x' not in res.text


def test_a_storage_failure_gives_the_answers_back(client, monkeypatch):
    import tutela.cases.service as service

    def broken(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "submit_report", broken)
    _, token = _form(client, "fa")
    res = client.post("/report", data={"csrf_token": token, "lang": "fa", "category": "bullying",
                                       "description": "متن آزمایشی ساختگی"})
    assert res.status_code == 500
    assert "متن آزمایشی ساختگی" in res.text and 'value="bullying" checked' in res.text


def test_public_pages_never_lead_to_developer_pages_and_quick_exit_is_a_setting(settings, app):
    from fastapi.testclient import TestClient

    settings.quick_exit_url = "https://weather.example/today"
    with TestClient(app) as c:
        page = c.get("/report?lang=ru").text
        status = c.get("/report/status?lang=ru").text
        home = c.get("/").text
    for html in (page, status, home):
        assert "/docs" not in html and "/openapi" not in html and "/redoc" not in html
    assert '<header class="site"><a href="/report?lang=ru">' in page
    assert '<a href="https://weather.example/today" id="quick-exit"' in page


def test_quick_exit_url_must_be_a_web_address():
    from pydantic import ValidationError

    from tutela.config import Settings

    with pytest.raises(ValidationError, match="quick_exit_url"):
        Settings(quick_exit_url='javascript:alert(1)')


def test_a_code_typed_with_persian_digits_is_found(client):
    page, token = _form(client, "fa")
    res = client.post("/report", data={"csrf_token": token, "lang": "fa", "category": "other"})
    code = re.search(r'id="reference-code"[^>]*>([^<]+)<', res.text).group(1)
    typed = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")).lower()
    status = client.post("/report/status", data={"csrf_token": csrf_from(client.get("/report/status").text),
                                                 "lang": "fa", "code": typed})
    assert status.status_code == 200 and 'id="status-text"' in status.text


def test_help_css_shows_each_country_without_javascript(client):
    css = client.get("/report/help.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    for code in ("TR", "AZ", "IR", "RU"):
        assert f'option[value="{code}"]:checked) .help-country[data-country="{code}"]{{display:block}}' in css.text
    assert 'option[value="other"]:checked) .help-country[data-country=""]' in css.text


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_urgent_form_comes_back_with_the_numbers_first(client, lang):
    """Without JavaScript a form that comes back (here: the page was open too long) leads with help."""
    client.get(f"/report?lang={lang}")
    res = client.post("/report", data={"lang": lang, "category": "hurting_myself", "description": "kept words"})
    assert res.status_code == 403 and "kept words" in res.text
    html = res.text
    assert html.index('id="help-first"') < html.index('id="error-summary"') < html.index('id="f-form"')
    assert 'href="tel:112"' in html[html.index('id="help-first"'):html.index('id="error-summary"')]
