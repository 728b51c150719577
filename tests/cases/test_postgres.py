"""The same intake, dedup and audit chain on PostgreSQL (runs when TUTELA_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from tutela.access import Principal, create_org
from tutela.cases import audit, service
from tutela.domain.cases import EvidenceFile, ReportIn

pytestmark = pytest.mark.postgres


def test_intake_dedup_and_audit_on_postgres(pg_db, settings):
    org = create_org(pg_db, "PG Platform")
    p = Principal(org, "PG Platform", frozenset({"reports", "cases"}), key_id="pg")
    errors: list[Exception] = []
    receipts = []

    def worker(n: int) -> None:
        try:
            for i in range(6):
                receipts.append(
                    service.submit_report(
                        pg_db,
                        settings,
                        ReportIn(
                            category="cyberbullying",
                            description=f"invented {n}-{i}",
                            urls=[f"https://pg.example.com/{n}"],
                        ),
                        principal=p,
                        files=[
                            EvidenceFile(filename="a.txt", content_type="text/plain", data=b"x%d-%d" % (n, i))
                        ],
                        idempotency_key=f"k-{n}-{i}",
                    )
                )
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.case_id for r in receipts}) == 4  # one case per URL, the rest merged
    again = service.submit_report(
        pg_db,
        settings,
        ReportIn(category="cyberbullying", description="invented 0-0", urls=["https://pg.example.com/0"]),
        principal=p,
        files=[EvidenceFile(filename="a.txt", content_type="text/plain", data=b"x0-0")],
        idempotency_key="k-0-0",
    )
    assert again.replayed
    case = service.get_case(pg_db, settings, p, receipts[0].case_id)
    assert case.report_count == 6
    result = audit.verify(pg_db)
    assert result.ok and result.checked == 25
    with pg_db.begin() as conn:
        conn.execute(text("UPDATE audit_log SET details = '{}' WHERE seq = 7"))
    bad = audit.verify(pg_db)
    assert not bad.ok and bad.broken_seq == 7
