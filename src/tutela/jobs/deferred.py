"""Cases off the request path: `moderate` commits the decision and an outbox row; a worker opens the case.

Opening a case costs an fsync and the audit chain's lock; with 1 message in 32
opening one, doing it on the request path took `/v1/moderate` from p99 16 ms
to over a second. Now the request commits one small transaction (the decision
log row and the outbox row; the case decisions of the same moment share it, group
commit by `policy.log.DecisionLog.commit`), answers with `queued: ["open_case"]`,
and a worker opens the case with the decision id as its idempotency key, then writes
the case's reference onto the logged decision.

The payload holds only what the case needs: the decision, the context, media
hashes, the message's analysis when triage may read it (`policy.service.triage_analysis`:
scores, flags, signals and offsets, never the matched text; triage reads it instead of
analysing the case's description again), and the message text or media only
when the policy asked to preserve evidence (sealed with the vault key until the
case has it).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from concurrent.futures import Future
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, update

from tutela.access import Principal
from tutela.config import Settings
from tutela.domain.analysis import TextAnalysis
from tutela.domain.policy import Action, Decision, ModerationContext, ModerationItem
from tutela.jobs import outbox
from tutela.jobs.handlers import register, register_batch
from tutela.storage.db import Database
from tutela.storage.tables.jobs import outbox as outbox_t
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


#: How long a request waits for its decision's commit before it fails (the database is away).
COMMIT_TIMEOUT_S = 60.0


def _hand_over(p: Any, log_row: dict[str, Any] | None) -> Future[None]:
    """Give the decision log row (when logged) and the outbox row to the process's decision writer,
    which commits them in its next transaction, with those of any other case decisions waiting
    (`policy.log.DecisionLog.commit`: group commit, one fsync for all of them)."""
    from tutela.policy.log import decision_log

    db: Database = p.db
    row = outbox.new_row(p.settings, KIND, case_key(p.decision.id), payload_of(p), org_id=p.org_id)
    return decision_log(db).commit(log_row, [(outbox_t, row)])


def _committed(p: Any) -> None:
    """After the commit: say what was queued, count it, and wake a local drainer."""
    queued = [a.value for a in (Action.OPEN_CASE, Action.REPORT) if p.decision.has(a)]
    p.decision.queued = queued or [KIND]
    from tutela.jobs import metrics
    from tutela.jobs.drainer import nudge

    metrics.OUTBOX_ENQUEUED.labels(kind=KIND).inc()
    nudge(p.db)


def commit_with_outbox(p: Any, log_row: dict[str, Any] | None) -> None:
    """One transaction, durable when this returns: the decision log row (when logged) and the outbox
    row. Then wake a local drainer."""
    _hand_over(p, log_row).result(timeout=COMMIT_TIMEOUT_S)
    _committed(p)


async def commit_with_outbox_async(p: Any, log_row: dict[str, Any] | None) -> None:
    """`commit_with_outbox` for the event loop: the request waits for the commit without a thread of
    its own (the writer answers it through the loop; as `run_in_threadpool` did, no time limit)."""
    await asyncio.wrap_future(_hand_over(p, log_row))
    _committed(p)


def _decode(job: outbox.Job) -> tuple[Principal, Decision, ModerationItem, ModerationContext, Any, TextAnalysis | None]:
    """A row's payload back into `open_case`'s arguments."""
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
    return principal, decision, item, ctx, hashes, analysis


def _record_refs(db: Database, refs: dict[str, list[str]]) -> None:
    """Write the case references onto their logged decisions, all in one transaction."""
    if not refs:
        return
    stmt = (update(moderation_decisions).where(moderation_decisions.c.decision_id == bindparam("b_decision"))
            .values(case_refs=bindparam("b_refs")))
    with db.begin_write() as conn:
        conn.execute(stmt, [{"b_decision": d, "b_refs": r} for d, r in refs.items()])


@register(KIND)
def run(db: Database, settings: Settings, job: outbox.Job) -> str:
    """Open the case (idempotent under the decision id) and record its reference on the logged decision."""
    [result] = run_many(db, settings, [job])
    if isinstance(result, Exception):
        raise result
    return result


@register_batch(KIND)
def run_many(db: Database, settings: Settings, jobs: list[outbox.Job]) -> list[str | Exception]:
    """`run` for a claimed batch: the cases are stored in one commit (the intake group writer) and
    their references written in one transaction, instead of a commit and two transactions per case.
    Each row still succeeds or fails alone; a crash anywhere is covered as for one row (the decision
    id is each case's idempotency key, so a row carried out again finds its case)."""
    from tutela.policy import service

    out: list[str | Exception | None] = [None] * len(jobs)
    todo: list[int] = []
    reports: list[tuple[Any, dict[str, Any]]] = []
    for i, job in enumerate(jobs):
        try:
            principal, decision, item, ctx, hashes, analysis = _decode(job)
            reports.append(service.case_report(settings, principal, decision, item, ctx, hashes, analysis))
            todo.append(i)
        except Exception as exc:  # noqa: BLE001 - a payload that does not decode fails its own row
            out[i] = exc
    refs: dict[str, list[str]] = {}
    for i, (report, _kw), got in zip(todo, reports, service.open_cases(db, settings, reports), strict=True):
        if isinstance(got, Exception):
            out[i] = got
        else:
            refs[str(report.external_id)] = got
            out[i] = ",".join(got)
    _record_refs(db, refs)
    return [r if r is not None else RuntimeError("not carried out") for r in out]


__all__ = ["KIND", "case_key", "commit_with_outbox", "commit_with_outbox_async", "payload_of", "run", "run_many"]
