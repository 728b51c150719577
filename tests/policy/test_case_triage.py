"""The triage of a case the engine opens for a message: the message's own analysis, not a second pass.

Until 2026-12-06 a case for a message the cascade kept on the fast stage was triaged by running both
stages over the case's generated description (~40 ms of CPU a case); now the message's analysis is
read (`policy.service.triage_analysis`). These tests compare the two on a few messages written for
them: the same priority, category and reasons.
"""

from __future__ import annotations

from typing import Any

import pytest

from tutela.access import Principal, create_org
from tutela.cases import triage
from tutela.config import Settings
from tutela.domain.taxonomy import Category
from tutela.policy.service import finish, prepare
from tutela.storage.db import Database

#: (text, context): messages a default policy opens a case for, none of them preserved, all kept on the
#: fast stage by the cascade (the sender is a child, or an adult writing to an adult).
FAST_ONLY = [
    ("i want to kill myself tonight, i cant do this anymore", {"sender": {"age": 14}, "recipient": {"age": 15}}),
    ("i want to kill myself tonight, i cant do this anymore", {"sender": {"age": 30}, "recipient": {"age": 31}}),
    ("kendimi öldürmek istiyorum artık dayanamıyorum", {"sender": {"age": 14}, "recipient": {"age": 14}}),
]
#: Preserved, kept on the fast stage (a child threatening a child): triage still reads the description.
PRESERVED_FAST = ("send me more pics or i will post your nudes to everyone at school",
                  {"sender": {"age": 15}, "recipient": {"age": 14}})
#: The semantic stage ran on it (an adult stranger to a child): its analysis was already reused before.
SEMANTIC = ("don't tell your mom about us, it's our little secret",
            {"sender": {"age": 34}, "recipient": {"age": 12}, "connected": False})


def _cases_for(db: Database, settings: Settings, messages: list[tuple[str, dict]], monkeypatch: Any) -> list[dict]:
    """Open each message's case the way the engine does, and keep what reached `submit_report`."""
    import tutela.cases.service as cases_service

    seen: list[dict] = []
    real = cases_service.submit_report

    def spy(db_: Database, settings_: Settings, report: Any, **kw: Any) -> Any:
        seen.append({"report": report, "analysis": kw.get("analysis")})
        return real(db_, settings_, report, **kw)

    monkeypatch.setattr(cases_service, "submit_report", spy)
    org_id = create_org(db, "platform-triage")
    principal = Principal(org_id, "platform-triage", frozenset({"moderate"}))
    out = []
    for text, ctx in messages:
        p = prepare(text, ctx, settings=settings, db=db, principal=principal)
        assert p.needs_case, text
        finish(p)
        out.append({"message_analysis": p.analysis, **seen[-1]})
    return out


def _before(settings: Settings, case: dict) -> triage.Triage:
    """Triage as the code before this change did it: the message's analysis only where the semantic
    stage had run on it, else both stages over the generated description."""
    report, msg = case["report"], case["message_analysis"]
    analysis = msg if "semantic" in msg.stages else triage.analyse(
        report.description, lang=report.language, settings=settings)
    return triage.triage(report.category, analysis, escalate=report.escalate)


def _now(settings: Settings, case: dict) -> tuple[triage.Triage, bool]:
    """Triage as `submit_report` now does it: (the triage, whether the description was analysed again)."""
    report, given = case["report"], case["analysis"]
    analysis = given if given is not None else triage.analyse(report.description, lang=report.language,
                                                              settings=settings)
    return triage.triage(report.category, analysis, escalate=report.escalate), given is None


def test_a_fast_stage_message_case_reads_the_message_analysis_with_the_same_triage(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = _cases_for(db, settings, FAST_ONLY, monkeypatch)
    for case in cases:
        assert case["message_analysis"].stages == ["fast"]
        now, analysed_again = _now(settings, case)
        assert not analysed_again  # no second pass over the description
        # the message's own analysis drives triage. The code before read the generated description ("rule
        # self-harm-risk: score.self_harm=1.00 >= 0.6") instead, and reached the same triage only because its
        # words were flagged; the harm verifier (2026-12-07) reads that machine summary as the benign text it is,
        # so the old path now says high where the message says critical
        assert now.category == Category.SELF_HARM.value
        assert "analysis flagged self_harm: possible imminent danger" in now.reasons
        assert now.priority.value == "critical"


def test_preserved_words_the_semantic_stage_never_read_are_still_analysed_deep(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    [case] = _cases_for(db, settings, [PRESERVED_FAST], monkeypatch)
    assert case["message_analysis"].stages == ["fast"]
    assert "Preserved message text" in case["report"].description
    now, analysed_again = _now(settings, case)
    assert analysed_again  # a child's disclosure in the preserved words must still reach the semantic stage
    before = _before(settings, case)
    assert (now.priority, now.category, now.reasons) == (before.priority, before.category, before.reasons)


def test_with_the_semantic_stage_off_the_message_analysis_is_read_even_when_preserved(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    off = settings.model_copy(update={"semantic_stage": "off"})
    [case] = _cases_for(db, off, [PRESERVED_FAST], monkeypatch)
    now, analysed_again = _now(off, case)
    assert not analysed_again
    before = _before(off, case)
    # the description holds the message and our own words: the same category and priority, and every
    # flag of the message's own analysis among the reasons. The old path's reasons are not compared one
    # by one: it analysed our words too, including the decision's random id, which once in a few hundred
    # ids tips a fast-stage head (a CI run saw 'disinformation' that way).
    assert (now.priority, now.category) == (before.priority, before.category)
    message_flags = {str(getattr(c, "value", c)) for c in case["message_analysis"].flags}
    assert message_flags, "the message itself must be flagged for this test to mean anything"
    assert {f"analysis flagged {c}" for c in message_flags} <= {r.split(":")[0] for r in now.reasons}


def test_a_case_the_semantic_stage_saw_is_triaged_as_before(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    [case] = _cases_for(db, settings, [SEMANTIC], monkeypatch)
    assert "semantic" in case["message_analysis"].stages
    now, analysed_again = _now(settings, case)
    assert not analysed_again
    before = _before(settings, case)
    assert (now.priority, now.category, now.reasons) == (before.priority, before.category, before.reasons)
