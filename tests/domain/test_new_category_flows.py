"""Adding a harm category is one row in the taxonomy: register one in a fixture and follow it through
the report form's keys, triage, a policy, routing, nudges and both DSA statements of reasons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tutela.domain import taxonomy as tx
from tutela.domain.analysis import TextAnalysis
from tutela.domain.cases import Priority, ReportIn

NEW = "livestream_coercion"
CHOICE = "someone_makes_me_film"


@pytest.fixture()
def new_category() -> Iterator[tx.HarmDefinition]:
    harm = tx.register(
        tx.HarmDefinition(
            NEW,  # type: ignore[arg-type]  # a new id is a plain string until registered
            "Coerced live-streaming",
            "Pressuring a child to perform on a live video stream.",
            ("turn your camera on now or else",),
            tx.Severity.CRITICAL,
            dsa_category="STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
            dsa_keywords=("KEYWORD_GROOMING_SEXUAL_ENCOURAGEMENT_MINORS",),
            illegal=True,
            imminent=True,
            nudge_risk="threat",
            report_choices=(tx.ReportChoice(CHOICE, imminent=True),),
        )
    )
    yield harm
    tx.unregister(NEW)


def _flagged(category: tx.Category) -> TextAnalysis:
    return TextAnalysis(lang="en", scores={category: 0.97}, flags=[category], explanations=[])


def test_a_registered_category_is_a_category(new_category: tx.HarmDefinition) -> None:
    assert tx.Category(NEW) is new_category.id and tx.definition(NEW) is new_category
    assert NEW in tx.category_ids() and tx.is_category(NEW)
    assert tx.report_choices()[CHOICE] is new_category.id and CHOICE in tx.imminent_choices()
    assert tx.dsa_category(NEW) == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"


def test_registration_refuses_what_would_break_later(new_category: tx.HarmDefinition) -> None:
    with pytest.raises(ValueError, match="exists"):
        tx.register(new_category)
    bad = tx.HarmDefinition("made_up", "x", "x", ("x",), tx.Severity.LOW,  # type: ignore[arg-type]
                            dsa_category="STATEMENT_CATEGORY_MADE_UP")
    with pytest.raises(ValueError, match="not a DSA statement category"):
        tx.register(bad)
    taken = tx.HarmDefinition("made_up", "x", "x", ("x",), tx.Severity.LOW,  # type: ignore[arg-type]
                              dsa_category=tx.DSA_UNCATEGORISED, report_choices=(tx.ReportChoice("bullying"),))
    with pytest.raises(ValueError, match="already taken"):
        tx.register(taken)
    with pytest.raises(ValueError):
        tx.unregister("cyberbullying")


def test_it_flows_through_triage(new_category: tx.HarmDefinition) -> None:
    from tutela.cases.triage import triage

    assert ReportIn(category=CHOICE, description="x").category == CHOICE
    chosen = triage(CHOICE, None)
    assert chosen.category == NEW and chosen.priority == Priority.CRITICAL
    flagged = triage("other", _flagged(new_category.id))
    assert flagged.category == NEW and flagged.priority == Priority.CRITICAL
    assert any("imminent danger" in r for r in flagged.reasons)


def test_it_flows_through_a_policy_to_a_statement_of_reasons(new_category: tx.HarmDefinition) -> None:
    from tutela.domain.policy import ModerationContext
    from tutela.policy.engine import evaluate
    from tutela.policy.facts import build_facts
    from tutela.policy.model import parse_policy
    from tutela.policy.statement import statement_of_reasons

    policy = parse_policy(
        "policy: test\nversion: 1\nrules:\n"
        f"  - id: stop-{NEW}\n    when: {{flag: [{NEW}]}}\n    then: [block, nudge_recipient]\n    nudge: threat\n"
    )
    facts = build_facts(ModerationContext.model_validate({}), analysis=_flagged(new_category.id))
    assert "threat" in facts["signals"]  # the category's nudge risk
    ev = evaluate(policy, facts)
    assert ev.ground == new_category.id and str(ev.decision) == "block"
    sor = statement_of_reasons({"decision_id": "d1", "decision": str(ev.decision), "ground": str(ev.ground),
                                "created_at": datetime(2026, 12, 1, tzinfo=UTC)})
    assert sor is not None
    assert sor["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert sor["category_specification"] == ["KEYWORD_GROOMING_SEXUAL_ENCOURAGEMENT_MINORS"]
    assert sor["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"


def test_routing_may_name_it(new_category: tx.HarmDefinition) -> None:
    from tutela.cases.routing import parse_config

    cfg = parse_config({"id": "t", "agencies": {"police": {"name": "Police", "kind": "police"}},
                        "rules": [{"categories": [NEW], "route_to": ["police"]}]}, "test")
    assert [r.agency_id for r in cfg.routes(NEW, "high")] == ["police"]


def test_a_report_of_it_through_the_api_becomes_a_case_with_its_dsa_statement(
    new_category: tx.HarmDefinition, client, auth
) -> None:
    hotline = auth("Hotline", ["reports", "cases"], "hotline")
    r = client.post("/v1/reports", headers=hotline,
                    json={"category": CHOICE, "description": "invented", "urls": ["https://video.example.com/live/1"]})
    assert r.status_code == 201, r.text
    cid = r.json()["case_id"]
    case = client.get(f"/v1/cases/{cid}", headers=hotline).json()
    assert case["category"] == NEW and case["priority"] == "critical"
    r = client.post(f"/v1/cases/{cid}/transition", json={"to_status": "closed", "outcome": "content_removed"},
                    headers=hotline)
    assert r.status_code == 200, r.text
    sor = client.get(f"/v1/cases/{cid}/export/dsa", headers=hotline).json()
    assert sor["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert sor["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
