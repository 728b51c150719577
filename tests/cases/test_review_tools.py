"""The review console's engine parts: an organisation's outcome list, balanced assignment,
a reviewer's wellness settings and break reminder, saved queue filters. All data invented."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tutela.access import Forbidden, NotFound
from tutela.access import wellness as w
from tutela.cases import balancing, outcomes, service
from tutela.domain.cases import ReportIn
from tutela.storage.tables.cases import audit_log, case_notes
from tutela.storage.times import utc_now

_n = itertools.count(1)


@pytest.fixture()
def new_case(db, settings):
    """new_case(principal) -> the id of a fresh case of the principal's organisation (invented text)."""

    def _new(principal, category: str = "cyberbullying") -> int:
        n = next(_n)
        receipt = service.submit_report(db, settings, ReportIn(
            category=category, description=f"invented report number {n} about mean comments",
            urls=[f"https://social.example.com/post/{n}"]), principal=principal)
        return receipt.case_id

    return _new


def _close(db, settings, who, cid, outcome):
    return service.transition(db, settings, who, cid, "closed", outcome=outcome)


# --- outcomes -------------------------------------------------------------------------------

def test_default_outcomes_close_and_record_kind_key_and_ground(db, settings, person, new_case):
    sup = person("Platform A", "supervisor")
    assert [o.key for o in service.list_outcomes(db, sup)] == [o.key for o in outcomes.DEFAULTS]
    cid = new_case(sup)
    done = _close(db, settings, sup, cid, "referred_to_police")
    assert (done.outcome, done.outcome_key, done.outcome_ground) == ("referred_to_police", "referred_to_police",
                                                                     "illegal")


def test_admin_sets_the_list_and_closing_validates_against_it(db, settings, person, new_case):
    admin = person("Platform A", "admin")
    sup = person("Platform A", "supervisor")
    other = person("Platform B", "supervisor")
    mine = [
        {"key": "removed_tos", "label": "removed: against our rules", "kind": "content_removed",
         "ground": "incompatible"},
        {"key": "adult_no_child", "label": "adults only, no child involved", "kind": "no_violation",
         "ground": "none"},
    ]
    service.set_outcomes(db, admin, mine)
    assert [o.key for o in service.list_outcomes(db, sup)] == ["removed_tos", "adult_no_child"]
    assert [o.key for o in service.list_outcomes(db, other)][0] == "content_removed"  # B keeps the defaults

    cid = new_case(sup, category="sexual_exploitation")
    with pytest.raises(ValueError, match="unknown outcome 'content_removed'; valid: removed_tos, adult_no_child"):
        _close(db, settings, sup, cid, "content_removed")
    done = _close(db, settings, sup, cid, "removed_tos")
    assert (done.outcome, done.outcome_key, done.outcome_ground) == ("content_removed", "removed_tos", "incompatible")
    with db.connect() as conn:  # the reporter is told by kind, in plain words
        told = conn.execute(select(case_notes.c.text).where(case_notes.c.case_id == cid,
                                                            case_notes.c.for_reporter.is_(True))).scalars().all()
        entries = conn.execute(select(audit_log.c.action, audit_log.c.details).where(
            audit_log.c.action.in_(["org.outcomes", "case.transition"]))).all()
    assert any("taken down" in t for t in told)
    entries = [(a, json.loads(d)) for a, d in entries]
    changed = [d for a, d in entries if a == "org.outcomes"]
    assert changed[-1]["before"][0] == "content_removed" and changed[-1]["after"][0]["key"] == "removed_tos"
    closing = [d for a, d in entries if a == "case.transition" and d.get("outcome_key")]
    assert closing[-1]["ground"] == "incompatible"

    # the DSA statement carries the outcome's ground, not the category's
    from tutela.cases.exports import export_case
    body = json.loads(export_case(db, settings, sup, cid, "dsa").content)
    assert body["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"

    # editing the list later never rewrites a decision already taken
    service.reset_outcomes(db, admin)
    again = service.get_case(db, settings, sup, cid)
    assert (again.outcome_key, again.outcome_ground) == ("removed_tos", "incompatible")
    assert [o.key for o in service.list_outcomes(db, sup)] == [o.key for o in outcomes.DEFAULTS]


@pytest.mark.parametrize("role", ["analyst", "supervisor", "agency_liaison", "regulator"])
def test_only_an_admin_changes_the_list(db, person, role):
    who = person("Platform A", role)
    with pytest.raises(Forbidden):
        service.set_outcomes(db, who, [o.model_dump() for o in outcomes.DEFAULTS])


@pytest.mark.parametrize("entries, words", [
    ([], "at least one"),
    ([{"key": "gone", "label": "removed", "kind": "content_removed", "ground": "none"}], "needs a DSA ground"),
    ([{"key": "a_b", "label": "x", "kind": "no_violation", "ground": "none"}] * 2, "appears twice"),
    ([{"key": "Bad Key", "label": "x", "kind": "no_violation", "ground": "none"}], "lower-case"),
    ([{"key": "fine", "label": "file\u202egnp.exe", "kind": "no_violation", "ground": "none"}], "plain words"),
    ([{"key": "fine", "label": "x", "kind": "no_violation", "ground": "sometimes"}], "unknown DSA ground"),
    ([{"key": "fine", "label": "x", "kind": "banned", "ground": "none"}], "kind"),
])
def test_bad_lists_are_refused_with_the_reason(db, person, entries, words):
    admin = person("Platform A", "admin")
    with pytest.raises(ValueError, match=words):
        service.set_outcomes(db, admin, entries)


# --- balanced assignment --------------------------------------------------------------------

def test_next_available_is_the_least_loaded_then_least_recently_assigned(db, settings, person, new_case):
    sup = person("Hotline", "supervisor", "hotline")
    a1, a2 = person("Hotline", "analyst"), person("Hotline", "analyst")
    person("Hotline", "admin"), person("Hotline", "agency_liaison")  # not reviewers: never picked
    person("Elsewhere", "analyst")  # another organisation: never picked
    # a1 gets two open cases, a2 one closed case: a2 and sup have no open case
    for _ in range(2):
        service.assign(db, settings, sup, new_case(sup), a1.user_id)
    done = new_case(sup)
    service.assign(db, settings, sup, done, a2.user_id)
    _close(db, settings, sup, done, "no_violation")

    # sup was never assigned a case, a2 was: sup is the least recently assigned
    first = balancing.assign_next(db, settings, sup, new_case(sup))
    assert first.assigned_to == sup.user_id
    second = balancing.assign_next(db, settings, sup, new_case(sup))
    assert second.assigned_to == a2.user_id
    # now a1: 2 open, a2: 1, sup: 1; sup was given one before a2, so sup is next
    third = balancing.assign_next(db, settings, sup, new_case(sup))
    assert third.assigned_to == sup.user_id
    with db.connect() as conn:
        loads = {x.user_id: x.open_cases for x in balancing.workloads(conn, sup.org_id)}
    assert loads == {a1.user_id: 2, a2.user_id: 1, sup.user_id: 2}


def test_next_available_skips_the_current_holder_and_disabled_people(db, settings, person, new_case):
    from tutela.storage.tables.access import users

    sup = person("Hotline", "supervisor", "hotline")
    a1, a2 = person("Hotline", "analyst"), person("Hotline", "analyst")
    with db.begin() as conn:
        conn.execute(users.update().where(users.c.id == a2.user_id).values(disabled=True))
    cid = new_case(sup)
    service.assign(db, settings, sup, cid, sup.user_id)
    assert balancing.assign_next(db, settings, sup, cid).assigned_to == a1.user_id
    assert balancing.assign_next(db, settings, sup, cid).assigned_to == sup.user_id  # back: a1 now has it


def test_auto_assign_spreads_cases_evenly_and_analysts_may_not(db, settings, person, new_case):
    sup = person("Hotline", "supervisor", "hotline")
    ana = [person("Hotline", "analyst") for _ in range(2)]
    ids = [new_case(sup) for _ in range(6)]
    result = service.auto_assign(db, sup, ids)
    given = [int(v.split(":")[1]) for v in result.values()]
    assert sorted(given.count(u) for u in {sup.user_id, *(a.user_id for a in ana)}) == [2, 2, 2]
    with pytest.raises(Forbidden):
        service.auto_assign(db, ana[0], ids)
    with pytest.raises(Forbidden):
        service.assign_next(db, settings, ana[0], ids[0])


def test_nobody_available_says_so(db, settings, person, new_case):
    sup = person("Lonely", "supervisor")
    cid = new_case(sup)
    service.assign(db, settings, sup, cid, sup.user_id)
    with pytest.raises(ValueError, match="nobody is available"):
        service.assign_next(db, settings, sup, cid)


# --- wellness -------------------------------------------------------------------------------

def test_wellness_defaults_are_safe_and_settings_are_per_person(db, person):
    a, b = person("Hotline", "analyst"), person("Hotline", "analyst")
    assert w.get_prefs(db, a.user_id) == w.WellnessPrefs(blur=True, greyscale=True, video_muted=True,
                                                        break_after=10, window_min=30)
    w.set_prefs(db, a.user_id, w.WellnessPrefs(blur=False, break_after=3, window_min=10))
    assert w.get_prefs(db, a.user_id).blur is False
    assert w.get_prefs(db, b.user_id).blur is True


def test_break_reminder_after_a_run_of_hard_items(db, person):
    a = person("Hotline", "analyst")
    w.set_prefs(db, a.user_id, w.WellnessPrefs(break_after=3, window_min=30))
    start = utc_now() - timedelta(minutes=20)
    assert not w.record_hard_item(db, a.user_id, "reveal", 1, at=start).due
    assert not w.record_hard_item(db, a.user_id, "reveal", 1, at=start + timedelta(minutes=1)).due  # same item
    assert not w.record_hard_item(db, a.user_id, "critical", 7, at=start + timedelta(minutes=2)).due
    state = w.record_hard_item(db, a.user_id, "reveal", 2, at=start + timedelta(minutes=3))
    assert (state.count, state.due) == (3, True)
    assert w.break_state(db, a.user_id).due
    # outside the window the run has ended by itself
    assert not w.break_state(db, a.user_id, at=start + timedelta(minutes=40)).due
    # dismissing starts a new run, in which items already seen do not count again
    w.dismiss_break(db, a.user_id)
    assert w.break_state(db, a.user_id).count == 0
    assert w.record_hard_item(db, a.user_id, "critical", 7).count == 0
    assert w.record_hard_item(db, a.user_id, "reveal", 3).count == 1


def test_break_reminder_off_and_bad_kinds(db, person):
    a = person("Hotline", "analyst")
    w.set_prefs(db, a.user_id, w.WellnessPrefs(break_after=0))
    for i in range(20):
        state = w.record_hard_item(db, a.user_id, "reveal", i)
    assert state.count == 20 and not state.due
    with pytest.raises(ValueError):
        w.record_hard_item(db, a.user_id, "boring", 1)
    with pytest.raises(ValueError):
        w.WellnessPrefs(break_after=-1)


# --- saved filters --------------------------------------------------------------------------

def test_saved_filters_are_per_person_named_and_clean(db, person, auth):
    a, b = person("Hotline", "analyst"), person("Hotline", "analyst")
    f = service.save_filter(db, a, "  critical   open ", {"priority": "critical", "status": "triaged",
                                                          "org_id": "2", "sort": "drop table", "q": "abc"})
    assert f.name == "critical open"
    assert f.params == {"priority": "critical", "status": "triaged", "q": "abc"}
    service.save_filter(db, a, "critical open", {"priority": "high"})  # same name: replaced
    assert [(x.name, x.params) for x in service.list_filters(db, a)] == [("critical open", {"priority": "high"})]
    assert service.list_filters(db, b) == []
    with pytest.raises(NotFound):
        service.delete_filter(db, b, f.id)
    with pytest.raises(ValueError, match="choose"):
        service.save_filter(db, a, "nothing", {"org_id": "1"})
    with pytest.raises(ValueError, match="name"):
        service.save_filter(db, a, "\u202e", {"priority": "high"})
    service.delete_filter(db, a, f.id)
    assert service.list_filters(db, a) == []
    with pytest.raises(NotFound):
        service.delete_filter(db, a, f.id)


# --- the API and CLI doors ------------------------------------------------------------------

def test_outcomes_and_balanced_assignment_over_the_api(client, auth, db, settings, person, new_case):
    admin, cases_key = auth("Hotline", ["admin"], "hotline"), auth("Hotline", ["cases"], "hotline")
    analyst = person("Hotline", "analyst")
    got = client.get("/v1/outcomes", headers=cases_key)
    assert got.status_code == 200 and got.json()[0] == {"key": "content_removed", "label": "content removed",
                                                       "kind": "content_removed", "ground": "by_category"}
    mine = {"outcomes": [{"key": "gone", "label": "removed", "kind": "content_removed", "ground": "illegal"}]}
    assert client.put("/v1/outcomes", json=mine, headers=cases_key).status_code == 403
    bad = client.put("/v1/outcomes", json={"outcomes": [mine["outcomes"][0] | {"ground": "none"}]}, headers=admin)
    assert bad.status_code == 422
    assert [o["key"] for o in client.put("/v1/outcomes", json=mine, headers=admin).json()] == ["gone"]
    cid = new_case(analyst)
    closed = client.post(f"/v1/cases/{cid}/transition", json={"to_status": "closed", "outcome": "gone"},
                         headers=cases_key)
    assert closed.status_code == 200 and closed.json()["outcome_key"] == "gone"
    assert client.delete("/v1/outcomes", headers=admin).json()[0]["key"] == "content_removed"

    other = new_case(analyst)
    done = client.post(f"/v1/cases/{other}/assign-next", headers=cases_key)
    assert done.status_code == 200 and done.json()["assigned_to"] == analyst.user_id
    shared = client.post("/v1/cases/auto-assign", json={"case_ids": [other, 999999]}, headers=cases_key).json()
    assert shared["results"][str(other)].startswith("nobody is available")  # its holder is the only reviewer
    assert "no case 999999" in shared["results"]["999999"]


def test_outcomes_from_the_cli(settings, db, tmp_path, person):
    from typer.testing import CliRunner

    from tutela.cli.main import app

    person("Hotline", "admin")
    env = {"TUTELA_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}

    def run(*args: str):
        return CliRunner().invoke(app, list(args), env=env)

    listed = run("admin", "list-outcomes", "--org", "Hotline")
    assert listed.exit_code == 0 and "referred_to_police\treferred_to_police\tillegal\treferred to the police" \
        in listed.output
    good = tmp_path / "outcomes.yaml"
    good.write_text("- {key: removed_grooming, label: 'removed: grooming', kind: content_removed, ground: illegal}\n"
                    "- {key: no_child, label: no child involved, kind: no_violation, ground: none}\n")
    done = run("admin", "set-outcomes", "--org", "Hotline", "--file", str(good))
    assert done.exit_code == 0, done.output
    assert "2 outcome(s): removed_grooming, no_child" in done.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {key: gone, label: removed, kind: content_removed, ground: none}\n")
    refused = run("admin", "set-outcomes", "--org", "Hotline", "--file", str(bad))
    assert refused.exit_code != 0 and "needs a DSA ground" in refused.output
    assert run("admin", "set-outcomes", "--org", "Nowhere", "--reset").exit_code != 0
    assert run("admin", "set-outcomes", "--org", "Hotline", "--reset").exit_code == 0
    assert "removed_grooming" not in run("admin", "list-outcomes", "--org", "Hotline").output
    with db.connect() as conn:
        actors = conn.execute(select(audit_log.c.actor).where(audit_log.c.action.like("org.outcomes%"))
                              ).scalars().all()
    assert actors == ["cli:admin", "cli:admin"]


def test_the_review_tools_on_postgresql(pg_db, settings):
    """Outcomes, balancing, filters and the break run on PostgreSQL (JSON columns, group-by on events)."""
    from tutela.access import create_org
    from tutela.access.people import create_user
    from tutela.cases.authz import principal_for_user

    create_org(pg_db, "PG Hotline", kind="hotline")
    sup, ana = (principal_for_user(pg_db, create_user(pg_db, "PG Hotline", f"{r}@pg.example", "a long test password",
                                                       r)) for r in ("supervisor", "analyst"))
    adm = principal_for_user(pg_db, create_user(pg_db, "PG Hotline", "adm@pg.example", "a long test password", "admin"))
    service.set_outcomes(pg_db, adm, [{"key": "gone", "label": "removed", "kind": "content_removed",
                                       "ground": "illegal"}])
    ids = [service.submit_report(pg_db, settings, ReportIn(category="bullying", description=f"invented pg {i}",
                                                           urls=[f"https://pg.example/{i}"]), principal=sup).case_id
           for i in range(4)]
    given = service.auto_assign(pg_db, sup, ids)
    assert sorted(v for v in given.values()) == sorted([f"user:{sup.user_id}", f"user:{ana.user_id}"] * 2)
    done = service.transition(pg_db, settings, sup, ids[0], "closed", outcome="gone")
    assert (done.outcome, done.outcome_ground) == ("content_removed", "illegal")
    f = service.save_filter(pg_db, ana, "mine", {"mine": "1"})
    assert service.list_filters(pg_db, ana) == [f]
    w.set_prefs(pg_db, ana.user_id, w.WellnessPrefs(break_after=2))
    w.record_hard_item(pg_db, ana.user_id, "reveal", 1)
    assert w.record_hard_item(pg_db, ana.user_id, "critical", ids[1]).due
