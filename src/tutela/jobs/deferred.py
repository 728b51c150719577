"""Cases off the request path: `moderate` commits the decision and an outbox row; a worker opens the case.

Opening a case costs an fsync and the audit chain's lock; with 1 message in 32
opening one, doing it on the request path took `/v1/moderate` from p99 16 ms
to over a second. Now the request commits one small transaction (the decision
log row and the outbox row), answers with `queued: ["open_case"]`, and a
worker opens the case with the decision id as its idempotency key, then writes
the case's reference onto the logged decision.

The payload holds only what the case needs: the decision, the context, media
hashes, the message's analysis when triage may read it (`policy.service.triage_analysis`:
scores, flags, signals and offsets, never the matched text; triage reads it instead of
analysing the case's description again), and the message text or media only
when the policy asked to preserve evidence (sealed with the vault key until the
case has it).
"""

from __future__ import annotations

import base64
import logging
from types import SimpleNamespace
from typing import Any

from sqlalchemy import update

from tutela.access import Principal
from tutela.config import Settings
from tutela.domain.analysis import TextAnalysis
from tutela.domain.policy import Action, Decision, ModerationContext, ModerationItem
from tutela.jobs import outbox
from tutela.jobs.handlers import register
from tutela.storage.db import Database
from tutela.storage.tables.policy import moderation_decisions

log = logging.getLogger(__name__)

KIND = "open_case"


def case_key(decision_id: str) -> str:
    return f"case:{decision_id}"


def payload_of(p: Any) -> dict[str, Any]:
    """What a worker needs to open the case of a `Pending` decision, and nothing more."""
    decision: Decision = p.decision
    preserve = decision.has(Action.PRESERVE_EVIDENCE)
    item: ModerationItem = p.item
    hashes = p.hashes
    return {
        "decision": decision.model_dump(mode="json", exclude={"nudges", "shadow", "warnings"}),
        "context": p.context.model_dump(mode="json", exclude_none=True),
        "item": {
            "filename": item.filename,
            "text": item.text if preserve else None,
            "media": base64.b64encode(item.media).decode("ascii") if preserve and item.media else None,
        },
        "hashes": None if hashes is None else {"md5": hashes.md5 or None, "sha256": hashes.sha256 or None,
                                               "pdq": hashes.pdq or None},
        "principal": {"org_id": p.principal.org_id, "org_name": p.principal.org_name},
        # the message's scores, flags, signals and evidence as the case will keep them, when triage may use them
        "analysis": _analysis_payload(p),
    }


def _analysis_payload(p: Any) -> dict[str, Any] | None:
    """What a case keeps of the message's analysis (`triage.stored_analysis`), when triage may read it."""
    from tutela.cases.triage import stored_analysis
    from tutela.policy.service import message_in_description, triage_analysis

    analysis = triage_analysis(getattr(p, "analysis", None), settings=p.settings,
                               message_in_description=message_in_description(p.decision, p.item))
    return stored_analysis(analysis) if analysis is not None else None


def commit_with_outbox(p: Any, log_row: dict[str, Any] | None) -> None:
    """One transaction: the decision log row (when logged) and the outbox row. Then wake a local drainer."""
    db: Database = p.db
    with db.begin() as conn:
        if log_row is not None:
            conn.execute(moderation_decisions.insert(), [log_row])
        outbox.enqueue(conn, p.settings, KIND, case_key(p.decision.id), payload_of(p), org_id=p.org_id)
    queued = [a.value for a in (Action.OPEN_CASE, Action.REPORT) if p.decision.has(a)]
    p.decision.queued = queued or [KIND]
    from tutela.jobs import metrics
    from tutela.jobs.drainer import nudge

    metrics.OUTBOX_ENQUEUED.labels(kind=KIND).inc()
    nudge(db)


@register(KIND)
def run(db: Database, settings: Settings, job: outbox.Job) -> str:
    """Open the case (idempotent under the decision id) and record its reference on the logged decision."""
    from tutela.policy.service import open_case

    data = job.payload
    decision = Decision.model_validate(data["decision"])
    ctx = ModerationContext.model_validate(data["context"])
    it = data.get("item") or {}
    media = base64.b64decode(it["media"]) if it.get("media") else None
    item = ModerationItem(text=it.get("text"), media=media, filename=it.get("filename"))
    h = data.get("hashes")
    hashes = SimpleNamespace(md5=h.get("md5") or "", sha256=h.get("sha256") or "", pdq=h.get("pdq")) if h else None
    pr = data["principal"]
    principal = Principal(pr["org_id"], pr["org_name"], frozenset({"reports"}), key_id="policy-engine")
    analysis = TextAnalysis.model_validate(data["analysis"]) if data.get("analysis") else None
    refs = open_case(db, settings, principal, decision, item, ctx, hashes, analysis)
    with db.begin() as conn:
        conn.execute(update(moderation_decisions).where(moderation_decisions.c.decision_id == decision.id)
                     .values(case_refs=refs))
    return ",".join(refs)


__all__ = ["KIND", "case_key", "commit_with_outbox", "payload_of", "run"]
