"""Opening evidence: the decrypted file and its chain of custody.

Every opening is checked (`evidence` permission, then the case's organisation), recorded in the
custody chain and in the audit trail, in one transaction.
"""

from __future__ import annotations

from sqlalchemy import select

from tutela.access import Gone, NotFound, Principal
from tutela.cases import audit, authz, vault
from tutela.config import Settings
from tutela.storage.db import Database
from tutela.storage.tables.cases import custody, evidence
from tutela.storage.times import as_utc, utc_now


def evidence_content(
    db: Database, settings: Settings, principal: Principal, evidence_id: int
) -> tuple[bytes, str]:
    """Decrypted bytes and content type; every opening goes into custody and the audit trail."""
    authz.require_permission(principal, "evidence")  # before any lookup: 403 says nothing about ids
    with audit.writing(db) as conn:
        row = conn.execute(select(evidence).where(evidence.c.id == evidence_id)).mappings().first()
        if row is None:
            raise NotFound(f"no evidence {evidence_id} visible to your organisation")
        authz.case_access_as(conn, principal, row["case_id"], "evidence",
                             f"no evidence {evidence_id} visible to your organisation")
        if row["deleted_at"] is not None:
            raise Gone(
                f"evidence {evidence_id} was deleted by retention on "
                f"{as_utc(row['deleted_at']).date().isoformat()}"
            )
        if row["vault_object_id"] is None:
            raise NotFound(f"evidence {evidence_id} is a hash reference only; there is no file")
        data = vault.get(conn, settings, row["vault_object_id"])
        conn.execute(
            custody.insert().values(
                evidence_id=evidence_id, at=utc_now(), actor=principal.actor, action="viewed", detail=None
            )
        )
        audit.append(
            conn,
            actor=principal.actor,
            org_id=principal.org_id,
            action="evidence.view",
            object_type="evidence",
            object_id=evidence_id,
            details={"case_id": row["case_id"]},
        )
    return data, row["content_type"] or "application/octet-stream"


def custody_chain(db: Database, principal: Principal, evidence_id: int) -> list[dict]:
    authz.require_permission(principal, "evidence")
    with db.connect() as conn:
        row = conn.execute(select(evidence.c.case_id).where(evidence.c.id == evidence_id)).first()
        if row is None:
            raise NotFound(f"no evidence {evidence_id} visible to your organisation")
        authz.case_access_as(conn, principal, row.case_id, "evidence",
                             f"no evidence {evidence_id} visible to your organisation")
        rows = conn.execute(
            select(custody).where(custody.c.evidence_id == evidence_id).order_by(custody.c.id)
        )
        return [{"at": as_utc(r.at), "actor": r.actor, "action": r.action, "detail": r.detail} for r in rows]
