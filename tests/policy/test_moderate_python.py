"""`tutela.moderate` from Python: items and contexts in several forms, policies as text, paths or objects."""

from __future__ import annotations

from pathlib import Path

import pytest

import tutela
from tutela.domain.policy import Action, ModerationContext, ModerationItem
from tutela.policy.model import parse_policy

RULES = "policy: py\nrules:\n  - id: dm-only\n    when: {channel: dm}\n    then: [blur]\n"


def test_policy_as_text_path_or_object(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(RULES)
    for policy in (RULES, path, str(path), parse_policy(RULES)):
        d = tutela.moderate("hello", {"channel": "dm"}, policy=policy)
        assert d.decision is Action.BLUR and d.policy == "py" and d.reasons[0].evidence == ["channel=dm"]


def test_items_and_contexts_in_every_form() -> None:
    ctx = ModerationContext.model_validate({"sender": {"age": 30}, "recipient": {"age_band": "child"}})
    for item in ("send me a pic of you in your pyjamas", {"text": "send me a pic of you in your pyjamas"},
                 ModerationItem(text="send me a pic of you in your pyjamas")):
        d = tutela.moderate(item, ctx)
        assert d.decision is Action.HOLD_FOR_REVIEW and "photo_request" in d.signals
    with pytest.raises(TypeError):
        tutela.moderate(42)
    with pytest.raises(ValueError):
        tutela.moderate("hi", {"recipient": {"age": 300}})


def test_no_database_means_no_log_and_no_case_but_a_full_decision() -> None:
    d = tutela.moderate("pay me or I'll send your photos to everyone at your school",
                        {"recipient": {"age": 14}, "country": "AZ"})
    assert d.decision is Action.BLOCK and d.case_refs == [] and d.report_to == ["hotline"]
    assert d.nudges[0].helplines and d.id and d.created_at


def test_shadow_from_python() -> None:
    d = tutela.moderate("hello", {"channel": "dm"}, shadow=RULES)
    assert d.decision is Action.ALLOW and d.shadow is not None and d.shadow.differs
    assert d.shadow.only_shadow == ["blur"] and d.shadow.only_live == ["allow"]


def test_a_flagged_message_decided_without_ages_says_so() -> None:
    """The README's grooming example without a context: the answer warns that no age was known."""
    text = "you are so mature for your age, send me a pic and delete our chat"
    blind = tutela.moderate(text)
    assert blind.flags and any("decided without ages" in w for w in blind.warnings)
    known = tutela.moderate(text, {"sender": {"age": 35}, "recipient": {"age_band": "child"}})
    assert not any("decided without ages" in w for w in known.warnings)
    assert not any("decided without ages" in w for w in tutela.moderate("see you at practice").warnings)
