"""Policy storage, shadow and the decision log on PostgreSQL (runs when TUTELA_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import tutela
from tutela.access import create_org
from tutela.domain.policy import Action
from tutela.policy import shadow, store
from tutela.policy.log import decision_log
from tutela.storage.tables.policy import moderation_decisions

pytestmark = pytest.mark.postgres

STRICT = "policy: strict\nrules:\n  - id: block-bullying\n    when: {score: {cyberbullying: 0.5}}\n    then: [block]\n"


def test_versions_shadow_and_log_on_postgres(pg_db, settings) -> None:
    org = create_org(pg_db, "pg-platform")
    store.save_version(pg_db, org, STRICT, shadow=True)
    store.save_version(pg_db, org, STRICT.replace("strict", "strict-2"))
    store.activate_version(pg_db, org, 2)
    assert [(v.version, v.active, v.shadow) for v in store.list_versions(pg_db, org)] == [(1, False, True),
                                                                                          (2, True, False)]
    d = tutela.moderate({"text": "you are an ugly loser and nobody likes you", "id": "c1"},
                        {"sender": {"id": "s1"}}, db=pg_db, settings=settings, org_id=org)
    assert d.decision is Action.BLOCK and d.policy_version == 2 and d.shadow is not None
    decision_log(pg_db).flush()
    with pg_db.connect() as conn:
        row = conn.execute(select(moderation_decisions)).mappings().one()
    assert row["decision"] == "block" and row["rules"] == ["block-bullying"] and row["shadow_version"] == 1
    assert shadow.report(pg_db, org)["decisions"] == 1
