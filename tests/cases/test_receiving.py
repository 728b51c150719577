"""Public reports reach a hotline with people in it, or wait for one: never an empty queue, never lost."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from tutela.access import Principal, create_org, get_org
from tutela.access.people import create_user, set_disabled
from tutela.cases import receiving, service
from tutela.domain.cases import ReportIn
from tutela.storage.tables.cases import case_events, case_keys, cases, reports

PASSWORD = "a long test password"


def _public(db, settings, text: str = "invented words", **extra):
    return service.submit_report(db, settings, ReportIn(category="bullying", description=text, **extra))


def _owner(db, case_id: int) -> dict:
    with db.connect() as conn:
        org_id = conn.execute(select(cases.c.org_id).where(cases.c.id == case_id)).scalar_one()
    return get_org(db, org_id)


def test_a_hotline_with_nobody_in_it_is_refused_and_the_log_says_what_to_do(db, settings, caplog):
    create_org(db, "Empty Hotline", kind="hotline")
    with caplog.at_level(logging.WARNING, logger="tutela.cases.receiving"):
        receipt = _public(db, settings)
    owner = _owner(db, receipt.case_id)
    assert owner["name"] == receiving.HOLDING_ORG_NAME and owner["kind"] == "holding"
    assert "not routed to 'Empty Hotline'" in caplog.text and "create-user --org 'Empty Hotline'" in caplog.text
    state = service.intake_state(db)
    assert state.hotline is None and state.empty_hotlines == ["Empty Hotline"] and state.waiting == 1
    assert "1 waiting" in state.advice()


def test_reports_sent_before_a_hotline_exists_are_kept_and_move_when_it_has_a_person(db, settings):
    first = _public(db, settings, "the first invented report", urls=["https://example.com/a"])
    second = _public(db, settings, "the second invented report")
    assert service.report_status(db, first.reference_code).stage == "received"  # the child sees it is kept

    create_org(db, "Hotline X", kind="hotline", country="TR")
    create_user(db, "Hotline X", "sup@x.example", PASSWORD, "supervisor")
    assert service.adopt_waiting(db, get_org(db, "Hotline X")["id"]) == 2  # what `tutela admin create-user` runs
    hotline = get_org(db, "Hotline X")
    for receipt in (first, second):
        assert _owner(db, receipt.case_id)["id"] == hotline["id"]
    with db.connect() as conn:
        assert set(conn.execute(select(reports.c.org_id)).scalars()) == {hotline["id"]}
        assert set(conn.execute(select(case_keys.c.org_id)).scalars()) == {hotline["id"]}
        events = conn.execute(select(case_events.c.event).where(case_events.c.case_id == first.case_id)).scalars()
        assert "routed" in list(events)
    analyst = Principal(hotline["id"], "Hotline X", frozenset({"cases"}), user_id=1, role="supervisor")
    queue = service.list_queue(db, analyst)
    assert {c.id for c in queue} == {first.case_id, second.case_id}
    assert service.report_status(db, first.reference_code) is not None
    assert service.intake_state(db).waiting == 0 and service.intake_state(db).advice() is None
    # a later public report goes straight to the hotline
    assert _owner(db, _public(db, settings, "a third invented report").case_id)["id"] == hotline["id"]


def test_the_next_public_report_also_moves_the_waiting_ones(db, settings):
    waiting = _public(db, settings, "an invented report that waits")
    create_org(db, "Hotline Y", kind="hotline")
    create_user(db, "Hotline Y", "ana@y.example", PASSWORD, "analyst")
    receiving._found.pop(db, None)
    later = _public(db, settings, "an invented report after")
    hotline = get_org(db, "Hotline Y")["id"]
    assert _owner(db, waiting.case_id)["id"] == _owner(db, later.case_id)["id"] == hotline


def test_a_hotline_whose_people_are_all_disabled_stops_receiving(db, settings):
    create_org(db, "Hotline Z", kind="hotline")
    create_user(db, "Hotline Z", "only@z.example", PASSWORD, "analyst")
    assert _owner(db, _public(db, settings).case_id)["name"] == "Hotline Z"
    set_disabled(db, "only@z.example")
    receiving._found.pop(db, None)  # a process trusts its answer for at most 30 seconds
    assert _owner(db, _public(db, settings, "more invented words").case_id)["name"] == receiving.HOLDING_ORG_NAME


def test_nobody_can_be_added_to_the_holding_organisation_and_operators_cannot_make_one(db, settings):
    _public(db, settings)
    with pytest.raises(ValueError, match="add people to your hotline"):
        create_user(db, receiving.HOLDING_ORG_NAME, "x@x.example", PASSWORD, "admin")
    with pytest.raises(ValueError, match="unknown organisation kind"):
        create_org(db, "Sneaky", kind="holding")


def test_a_platform_report_is_never_held(db, settings):
    org = create_org(db, "Platform P", kind="platform")
    p = Principal(org, "Platform P", frozenset({"reports"}), key_id="k")
    receipt = service.submit_report(db, settings, ReportIn(category="fraud", description="invented"), principal=p)
    assert _owner(db, receipt.case_id)["name"] == "Platform P"
    assert service.intake_state(db).waiting == 0
