"""The `disclosure` signal: a child describing harm happening to them, through the engine and report triage."""

from __future__ import annotations

import pytest

from tutela.detect import analyze_text

CHILD = [
    "a man from a game keeps asking me for photos and told me not to tell my parents",  # en, not in the bank
    "bir adam benden fotoğraf istiyor ve kimseye söyleme diyor",  # tr
    "какой-то взрослый просит у меня фотки и говорит не рассказывать родителям",  # ru
]
OFFENDER = "send me more pictures or I show everyone at your school"


@pytest.mark.parametrize("text", CHILD)
def test_child_accounts_raise_disclosure(builtin_semantic, text: str) -> None:
    a = analyze_text(text)
    assert "disclosure" in a.signals and 0 < a.signals["disclosure"] <= 1
    why = [e for e in a.explanations if e.detector == "semantic:disclosure"]
    assert why and all(ex["sub"] == "disclosure" for ex in why[0].examples)


def test_offender_and_ordinary_text_raise_none(semantic_on) -> None:
    assert analyze_text(OFFENDER).signals == {}
    assert analyze_text("can you send me the photo of the homework page please").signals == {}


def test_a_childs_report_with_disclosure_is_critical_and_shown(builtin_semantic, db, settings) -> None:
    from tutela.access import Principal
    from tutela.cases import service
    from tutela.domain.cases import ReportIn

    receipt = service.submit_report(
        db, settings, ReportIn(category="other", description=CHILD[2], reporter_kind="child")
    )
    assert receipt.priority == "critical"
    case = service.get_case(db, settings, Principal(1, "hotline", frozenset({"admin"}), key_id="t"), receipt.case_id)
    (rep,) = case.reports
    assert "disclosure" in rep.signals and rep.stages == ["fast", "semantic"]
    ordinary = service.submit_report(
        db, settings, ReportIn(category="other", description="a shop sells fake football shirts")
    )
    assert ordinary.priority != "critical"


def test_console_shows_disclosure_and_neighbours(semantic_on, db, settings, client) -> None:
    """The case page renders the disclosure banner and the nearest written examples."""
    import re

    from tutela.access import create_org
    from tutela.access.people import create_user
    from tutela.cases.service import submit_report
    from tutela.domain.cases import ReportIn

    create_org(db, "Hotline A", kind="hotline")
    create_user(db, "Hotline A", "sup@a.example", "a long test password", "supervisor")
    receipt = submit_report(db, settings, ReportIn(category="other", description=CHILD[1]))
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    res = client.post(
        "/login",
        data={"csrf_token": token, "email": "sup@a.example", "password": "a long test password"},
        follow_redirects=False,
    )
    assert res.status_code == 303
    html = client.get(f"/console/cases/{receipt.case_id}").text
    assert "Disclosure:" in html and "nearest written examples" in html and "fast + semantic" in html
