"""Per-organisation versioned policies, shadow mode and the decision log."""

from __future__ import annotations

import textwrap

import pytest
from sqlalchemy import select

import tutela
from tutela.access import create_org
from tutela.domain.policy import Action
from tutela.policy import shadow, store
from tutela.policy.log import decision_log
from tutela.policy.model import PolicyError, default_policy, parse_policy
from tutela.storage.tables.policy import moderation_decisions

STRICT = textwrap.dedent("""
    policy: strict
    rules:
      - id: block-any-bullying
        when: {score: {cyberbullying: ">= 0.5"}}
        then: [block]
""")
BULLY = "you are an ugly loser and nobody likes you"
SECRET_PHRASE = "xyzzy-private-words"


@pytest.fixture()
def org(db) -> int:
    return create_org(db, "platform-a")


def test_versions_activate_and_shadow(db, org) -> None:
    assert store.list_versions(db, org) == []
    live, sh = store.policies_for(db, org)
    assert live is default_policy() and sh is None
    v1 = store.save_version(db, org, STRICT, created_by="key:x", comment="first")
    v2 = store.save_version(db, org, STRICT.replace("strict", "strict-2"), shadow=True)
    assert (v1.version, v2.version) == (1, 2) and v2.shadow and not v1.active
    store.activate_version(db, org, 1)
    live, sh = store.policies_for(db, org)
    assert (live.name, live.version, sh.name, sh.version) == ("strict", 1, "strict-2", 2)
    store.activate_version(db, org, 2)  # activating the shadow clears the shadow slot
    infos = store.list_versions(db, org)
    assert [(i.version, i.active, i.shadow) for i in infos] == [(1, False, False), (2, True, False)]
    with pytest.raises(store.PolicyNotFound):
        store.activate_version(db, org, 9)
    assert store.get_source(db, org, 1) == STRICT


def test_invalid_version_is_not_stored(db, org) -> None:
    with pytest.raises(PolicyError):
        store.save_version(db, org, "policy: x\nrules:\n  - id: a\n    then: [explode]\n")
    assert store.list_versions(db, org) == []


def test_organisations_do_not_see_each_others_policies(db, org) -> None:
    other = create_org(db, "platform-b")
    store.save_version(db, org, STRICT, activate=True)
    assert store.policies_for(db, other)[0] is default_policy()
    assert tutela.moderate(BULLY, {}, db=db, org_id=other, log_decision=False).decision is Action.ALLOW
    assert tutela.moderate(BULLY, {}, db=db, org_id=org, log_decision=False).decision is Action.BLOCK


def test_shadow_differences_in_the_decision_and_the_report(db, settings, org) -> None:
    store.save_version(db, org, STRICT, shadow=True)
    child = {"recipient": {"age": 12}, "sender": {"age": 12, "id": "kid-7"}, "connected": True}
    d = tutela.moderate({"text": BULLY, "id": "msg-1"}, child, db=db, settings=settings, org_id=org)
    assert d.decision in (Action.BLUR, Action.HOLD_FOR_REVIEW)  # the live default policy
    assert d.shadow is not None and d.shadow.differs
    assert d.shadow.decision is Action.BLOCK and "block" in d.shadow.only_shadow
    same = tutela.moderate("see you at practice", child, db=db, settings=settings, org_id=org)
    assert same.shadow is not None and not same.shadow.differs
    decision_log(db).flush()
    rep = shadow.report(db, org)
    assert rep["decisions"] == 2 and rep["differ"] == 1 and rep["agreement"] == 0.5
    assert rep["transitions"][0]["shadow"] == "block"
    assert rep["rules_only_shadow"] == {"block-any-bullying": 1}
    assert rep["examples"][0]["decision_id"] == d.id


def test_compare_replays_cases_through_both_policies() -> None:
    cases = [(BULLY, {"recipient": {"age": 12}}), ("good game!", {"recipient": {"age": 12}})]
    out = shadow.compare(default_policy(), parse_policy(STRICT), cases)
    assert out["cases"] == 2 and out["differ"] == 1
    assert out["differences"][0]["case"] == 0 and out["differences"][0]["shadow"] == "block"


def test_decision_log_keeps_no_text_and_hashes_ids(db, settings, org) -> None:
    text = f"don't tell your mom about us, it's our secret {SECRET_PHRASE}"
    ctx = {"sender": {"age": 30, "id": "adult-account-42"}, "recipient": {"age": 12}, "country": "TR"}
    d = tutela.moderate({"text": text, "id": "content-99"}, ctx, db=db, settings=settings, org_id=org)
    decision_log(db).flush()
    with db.connect() as conn:
        row = conn.execute(select(moderation_decisions)).mappings().one()
    dumped = repr(dict(row))
    assert SECRET_PHRASE not in dumped and "adult-account-42" not in dumped and "content-99" not in dumped
    assert row["decision_id"] == d.id and row["decision"] == "hold_for_review" and row["automated"]
    assert row["ground"] == "sexual_exploitation" and "grooming-secrecy" in row["rules"]
    assert row["facts"]["scores"]["sexual_exploitation"] >= 0.5
    assert row["sender_ref"] and len(row["sender_ref"]) == 40
    from tutela.policy.statement import statement_of_reasons

    sor = statement_of_reasons(dict(row))
    assert sor["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert sor["category"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    assert sor["automated_decision"] == "AUTOMATED_DECISION_FULLY" and "grooming-secrecy" in sor["decision_facts"]
    assert SECRET_PHRASE not in repr(sor)


def test_sync_log_writes_before_returning(db, settings, org) -> None:
    d = tutela.moderate("hello", {}, db=db, settings=settings, org_id=org, sync_log=True)
    with db.connect() as conn:
        ids = conn.execute(select(moderation_decisions.c.decision_id)).scalars().all()
    assert ids == [d.id]


def test_a_stored_version_that_no_longer_compiles_falls_back_to_the_default(db, org) -> None:
    store.save_version(db, org, STRICT, activate=True)
    from tutela.storage.tables.policy import policy_versions

    with db.begin() as conn:  # as if an upgrade had made the stored text invalid
        conn.execute(policy_versions.update().values(source="policy: x\nrules:\n  - id: a\n    then: [gone]\n"))
    store._compiled.clear()
    store._invalidate(db, org)
    live, _ = store.policies_for(db, org)
    assert live is default_policy()
