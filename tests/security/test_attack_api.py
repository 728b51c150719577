"""Continuous attack tests (issue #10): generated requests against the served OpenAPI schema, and
every `/v1` route walked with another tenant's key.

The generated part is schemathesis over the real app in-process (ASGI), a valid key holding every
scope, a bounded number of examples per operation (a few hundred in all, well under two minutes)
and derandomised, so a failure reproduces. The assertion is the one that matters for an API that
children's reports pass through: no input makes it fail with a 5xx.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tutela.access import SCOPES

#: per operation; `TUTELA_ATTACK_EXAMPLES=50 pytest tests/security/test_attack_api.py` digs deeper
EXAMPLES_PER_OPERATION = int(os.environ.get("TUTELA_ATTACK_EXAMPLES", "5"))


@pytest.fixture()
def full_key(backend) -> dict[str, str]:  # noqa: ANN001
    return backend.auth("Attacker Org", sorted(SCOPES), "hotline")


def test_generated_requests_never_get_a_5xx(backend, full_key):
    import schemathesis

    schema = schemathesis.openapi.from_asgi("/openapi.json", backend.client.app)
    failures: list[str] = []
    checked = operations = 0
    for result in schema.get_all_operations():
        operations += 1
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def attack(case: Any) -> None:
            nonlocal checked
            checked += 1
            try:
                response = case.call(headers=full_key)
            except Exception as exc:  # noqa: BLE001 - the in-process server raised: a 500 to a client
                failures.append(f"{case.method} {case.formatted_path} raised {exc!r}\n"
                                f"    reproduce: {case.as_curl_command(headers=full_key)}")
                return
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                f"{response.text[:200]}\n    reproduce: {case.as_curl_command(headers=full_key)}")

        attack()
    print(f"{checked} generated requests over {operations} operations")
    assert operations > 30 and checked > 100
    assert not failures, "\n".join(failures)
