"""The console and the sign-in page in five languages: how the language is chosen and kept, words from
the console catalogue, Persian right to left with Persian digits, errors in the reviewer's language."""

from __future__ import annotations

import re

import pytest

from tutela.access import create_org
from tutela.access.people import create_user
from tutela.web.i18n import translator
from tutela.web.i18n.choice import LANG_COOKIE

PASSWORD = "a long test password"


@pytest.fixture()
def world(db, settings):
    from tutela.cases.service import submit_report
    from tutela.domain.cases import ReportIn

    create_org(db, "Hotline A", kind="hotline")
    create_user(db, "Hotline A", "sup@a.example", PASSWORD, "supervisor")
    create_user(db, "Hotline A", "ana@a.example", PASSWORD, "analyst")
    return [submit_report(db, settings, ReportIn(category="scam", description="someone wants my card number"))]


def _sign_in(client, csrf, email, **headers):
    token = csrf(client.get("/login", headers=headers).text)
    res = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                      headers=headers, follow_redirects=False)
    assert res.status_code == 303


def _html_lang(text: str) -> tuple[str, str]:
    m = re.search(r'<html lang="(\w+)" dir="(\w+)">', text)
    assert m, "no <html lang dir>"
    return m.group(1), m.group(2)


def test_sign_in_page_follows_the_browser_and_sets_no_cookie_by_itself(client):
    res = client.get("/login", headers={"Accept-Language": "fa-IR,fa;q=0.9,en;q=0.5"})
    assert _html_lang(res.text) == ("fa", "rtl")
    t = translator("fa", "console")
    assert f"<h1>{t('signin_title')}</h1>" in res.text and t("signin_button") in res.text
    assert LANG_COOKIE not in res.cookies
    assert _html_lang(client.get("/login", headers={"Accept-Language": "de, ru;q=0.8"}).text) == ("ru", "ltr")
    assert _html_lang(client.get("/login").text) == ("en", "ltr")


def test_switcher_choice_is_remembered_over_the_browser_language(client):
    res = client.get("/login?lang=tr", headers={"Accept-Language": "ru"})
    assert _html_lang(res.text) == ("tr", "ltr") and res.cookies.get(LANG_COOKIE) == "tr"
    again = client.get("/login", headers={"Accept-Language": "ru"})  # the cookie, not the browser
    assert _html_lang(again.text) == ("tr", "ltr")
    assert 'href="/login?lang=fa"' in again.text and 'aria-current="true">Türkçe' in again.text


def test_wrong_password_keeps_the_email_and_says_so_in_russian(client, csrf, world):
    token = csrf(client.get("/login?lang=ru").text)
    res = client.post("/login", data={"csrf_token": token, "email": "sup@a.example", "password": "nope"})
    assert res.status_code == 401
    assert translator("ru", "console")("err_wrong_login") in res.text
    assert 'value="sup@a.example"' in res.text and _html_lang(res.text) == ("ru", "ltr")


def test_queue_in_turkish_with_statuses_and_priorities_in_words(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    page = client.get("/console?lang=tr").text
    t = translator("tr", "console")
    assert f"<h1>{t('queue_title')}</h1>" in page
    for key in ("col_received", "col_deadline", "col_hash_match", "status_received", "prio_critical",
                "nav_appeals", "sign_out", "role_supervisor"):
        assert t(key) in page, key
    assert "Dolandırıcılık" in page  # the "scam" form choice in words
    assert ">Queue<" not in page and ">Sign out<" not in page


def test_persian_console_is_right_to_left_with_persian_digits_and_solar_hijri_dates(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    page = client.get("/console?lang=fa").text
    assert _html_lang(page) == ("fa", "rtl")
    case_id = world[0].case_id
    assert f"#{str(case_id).translate(str.maketrans('0123456789', '۰۱۲۳۴۵۶۷۸۹'))}<" in page
    received = re.search(r'data-local>([^<]+)</time>', page).group(1)
    assert re.fullmatch(r"۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2} UTC", received), received


def test_password_errors_in_the_reviewer_language(client, csrf, world):
    _sign_in(client, csrf, "ana@a.example")
    page = client.get("/account/password?lang=fa").text
    res = client.post("/account/password", data={"csrf_token": csrf(page), "current": PASSWORD,
                                                 "new": "short", "again": "short"})
    assert res.status_code == 400
    assert "دست‌کم ۱۲ نویسه وارد کنید." in res.text


def test_refusals_say_what_to_do_in_the_reviewer_language(client, csrf, world):
    _sign_in(client, csrf, "ana@a.example")
    client.get("/console?lang=az")
    res = client.get("/console/appeals")
    assert res.status_code == 403
    assert translator("az", "console")("instead_appeal") in res.text


def test_public_report_pages_never_set_the_language_cookie(client):
    res = client.get("/report?lang=fa")
    assert res.status_code == 200 and LANG_COOKIE not in res.cookies


def test_case_view_in_russian_with_outcomes_events_and_durations_in_words(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    page = client.get(f"/console/cases/{world[0].case_id}?lang=ru").text
    t = translator("ru", "console")
    for key in ("actions", "close_legend", "outcome_no_violation", "ground_no_violation", "event_received",
                "timeline", "add_note", "status_received"):
        assert t(key) in page, key
    assert re.search(r"\d+ (час|часа|часов|минут|минуты|дня|дней)\b", page)  # allowed time in Russian plurals
    assert "DSA decision ground" not in page and ">received<" not in page
    assert "someone wants my card number" in re.sub(r"<[^>]+>", "", page)  # the reporter's words, as written


def test_case_messages_come_back_in_the_reviewer_language(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    page = client.get(f"/console/cases/{world[0].case_id}?lang=az").text
    res = client.post(f"/console/cases/{world[0].case_id}/note", data={"csrf_token": csrf(page), "text": "Yoxladım."})
    assert res.status_code == 200 and translator("az", "console")("msg_note_saved") in res.text
    res = client.post(f"/console/cases/{world[0].case_id}/transition",
                      data={"csrf_token": csrf(page), "to_status": "closed", "note": "Valideynlə danışıldı"})
    assert res.status_code == 400 and translator("az", "console")("err_choose_outcome") in res.text
    assert re.search(r'id="c-note"[^>]*value="Valideynlə danışıldı"', res.text)  # what was typed is back
    assert 'id="t-note" maxlength="5000" dir="auto" value=""' in res.text  # and only where it was typed


def test_people_form_keeps_what_was_typed_and_answers_in_turkish(client, csrf, db, world):
    create_user(db, "Hotline A", "admin@a.example", PASSWORD, "admin")
    _sign_in(client, csrf, "admin@a.example")
    page = client.get("/console/people?lang=tr").text
    t = translator("tr", "console")
    res = client.post("/console/people", data={"csrf_token": csrf(page), "email": "yeni@a.example",
                                               "role": "analyst", "password": "short"})
    assert res.status_code == 400 and t("err_pw_short", n=12) in res.text
    assert 'value="yeni@a.example"' in res.text and '<option value="analyst" selected>analist</option>' in res.text
    taken = client.post("/console/people", data={"csrf_token": csrf(page), "email": "ana@a.example",
                                                 "role": "analyst", "password": PASSWORD})
    assert taken.status_code == 400 and t("err_email_taken") in taken.text
    keys = client.get("/console/keys").text
    bad = client.post("/console/keys", data={"csrf_token": csrf(keys), "label": "entegrasyon"})
    assert bad.status_code == 400 and t("err_no_scope") in bad.text and 'value="entegrasyon"' in bad.text


def test_a_move_the_lifecycle_refuses_is_explained_in_russian(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    case_id = world[0].case_id
    page = client.get(f"/console/cases/{case_id}?lang=ru").text
    res = client.post(f"/console/cases/{case_id}/transition", data={"csrf_token": csrf(page), "to_status": "received"})
    assert res.status_code == 400
    assert "Не выполнено: дело нельзя перевести из статуса «первично оценено» в «получено»" in res.text


def test_oversight_keeps_the_console_language_and_explains_filters_in_it(client, csrf, world):
    from tutela.oversight.words import words

    _sign_in(client, csrf, "sup@a.example")
    client.get("/console?lang=fa")  # chosen once in the console
    page = client.get("/oversight?period=۲۰۲۶-Q9")  # a Persian-digit period, and a wrong quarter
    assert page.status_code == 200 and _html_lang(page.text) == ("fa", "rtl")
    assert words("fa").t("err_period") in page.text
    ok = client.get("/oversight?period=۲۰۲۶-Q4")
    assert words("fa").t("err_period") not in ok.text


def test_oversight_refusal_in_the_reader_language(client, csrf, world):
    from tutela.oversight.words import words

    _sign_in(client, csrf, "ana@a.example")
    res = client.get("/oversight?lang=ru")
    assert res.status_code == 403 and words("ru").t("refused_here") in res.text


def test_a_refused_note_or_hold_keeps_the_typed_words_in_persian(client, csrf, world):
    _sign_in(client, csrf, "sup@a.example")
    case_id = world[0].case_id
    page = client.get(f"/console/cases/{case_id}?lang=fa").text
    t = translator("fa", "console")
    res = client.post(f"/console/cases/{case_id}/hold", data={"csrf_token": csrf(page), "on": "1", "reason": " "})
    assert res.status_code == 400 and t("err_hold_reason") in res.text and 'role="alert"' in res.text
    assert _html_lang(res.text) == ("fa", "rtl")
