"""`moderate`: one call per message or upload that returns what to do and why.

    item + context -> detectors (text, media hashes, image, conversation) -> facts
                   -> organisation's live policy (and its shadow) -> decision
                   -> nudges with helplines -> cases/reports -> decision log

A message must never be lost or left undecided for lack of one signal, and
never allowed because nobody could look at it: when media cannot be read
(truncated, a decompression bomb, an unrecognised format) or a detector fails,
the failure is named in `warnings` and in `facts["unreadable"]`, and the
policy's `on_unreadable` action (default `hold_for_review`, never `allow`)
applies on top of what the other rules decided (fail closed).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutela.access import Principal
from tutela.config import Settings
from tutela.domain.analysis import TextAnalysis
from tutela.domain.policy import (
    Action,
    AgeBand,
    Decision,
    ModerationContext,
    ModerationItem,
    Nudge,
    ShadowResult,
)
from tutela.policy.engine import Evaluation, evaluate
from tutela.policy.facts import build_facts
from tutela.policy.model import Policy, default_policy, load_policy, parse_policy
from tutela.storage.db import Database
from tutela.storage.times import utc_now

log = logging.getLogger(__name__)

#: Scores below this are left out of decisions and logs (noise, and less data kept).
SCORE_FLOOR = 0.05


def as_item(item: Any) -> ModerationItem:
    if isinstance(item, ModerationItem):
        return item
    if isinstance(item, str):
        return ModerationItem(text=item)
    if isinstance(item, (bytes, bytearray)):
        return ModerationItem(media=bytes(item))
    if isinstance(item, dict):
        return ModerationItem.model_validate(item)
    raise TypeError(f"item must be text, bytes, a dict or a ModerationItem, got {type(item).__name__}")


def as_context(context: Any) -> ModerationContext:
    if context is None:
        return ModerationContext()
    if isinstance(context, ModerationContext):
        return context
    if isinstance(context, dict):
        return ModerationContext.model_validate(context)
    raise TypeError(f"context must be a dict or a ModerationContext, got {type(context).__name__}")


def _as_policy(policy: Any) -> Policy:
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, Path):
        return load_policy(policy)
    if isinstance(policy, str):
        if "\n" in policy or policy.lstrip().startswith("policy:"):
            return parse_policy(policy)
        return load_policy(policy)
    raise TypeError("policy must be a Policy, YAML text or a path")


# --- detectors -------------------------------------------------------------------------

class Problems:
    """What went wrong while looking at an item: `warnings` for the caller, and
    `unreadable`, the subset that means the item was not fully looked at."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.unreadable: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def failed(self, message: str) -> None:
        """A detector failed or media could not be read: a warning, and the policy's on_unreadable applies."""
        self.warnings.append(message)
        if message not in self.unreadable:
            self.unreadable.append(message)


def audience_of(ctx: ModerationContext) -> Any:
    """Sender and recipient minor-ness for the detection cascade (None where the age is unknown)."""
    from tutela.detect.semantic.cascade import Audience

    def minor(band: AgeBand) -> bool | None:
        return None if band is AgeBand.UNKNOWN else band is not AgeBand.ADULT

    recipient = minor(ctx.recipient.band())
    if recipient is None and ctx.service_for_minors:
        recipient = True
    return Audience(sender_minor=minor(ctx.sender.band()), recipient_minor=recipient)


def analyze_item(
    text: str, lang: str | None, settings: Settings | None, problems: Problems, audience: Any = None,
    db: Database | None = None, org_id: int | None = None,
) -> TextAnalysis | None:
    from tutela.detect import analyze_text
    from tutela.detect.semantic.orgbank import fresh_org_bank

    try:  # the organisation's own examples (`tutela examples`) count in its moderation too
        org = fresh_org_bank(db, org_id)
        return analyze_text(text, lang=lang, settings=settings, audience=audience, org=org)
    except Exception as exc:  # noqa: BLE001
        log.exception("text analysis failed")
        problems.failed(f"text analysis failed: {type(exc).__name__}")
        return None


def _media(
    item: ModerationItem, db: Database | None, org_id: int | None, settings: Settings | None, problems: Problems
) -> tuple[list[dict[str, Any]], float | None, Any]:
    """(hash matches as plain dicts, sexual-content score, MediaHashes or None).

    Bytes that do not decode, or decode as no image or video Tutela knows
    (only their exact hashes could be checked), are unreadable.
    """
    matches: list[Any] = []
    score: float | None = item.hashes.sexual_score if item.hashes else None
    hashes: Any = None
    max_bytes = settings.max_upload_bytes if settings else None
    from tutela.domain.media import MediaHashes, MediaKind
    from tutela.hashing import MediaError, hash_bytes, match_hashes

    try:
        if item.media is not None:
            try:
                hashes = hash_bytes(item.media, filename=item.filename, max_bytes=max_bytes, dihedral=True)
            except MediaError as exc:
                problems.failed(f"media could not be read: {exc}")
                return [], score, None
            if hashes.kind is MediaKind.OTHER:
                problems.failed("media could not be read: not an image or video format Tutela decodes "
                                "(only its exact hashes were checked)")
        elif item.hashes is not None and (item.hashes.md5 or item.hashes.sha256 or item.hashes.pdq):
            hashes = MediaHashes(
                md5=(item.hashes.md5 or "").lower(), sha256=(item.hashes.sha256 or "").lower(), size=0,
                kind=MediaKind.IMAGE if item.hashes.pdq else MediaKind.OTHER,
                pdq=item.hashes.pdq.lower() if item.hashes.pdq else None, pdq_quality=100 if item.hashes.pdq else None,
            )
        if hashes is not None and db is not None:
            matches = match_hashes(db, hashes, org_id=org_id)
        elif hashes is not None:
            problems.warn("hash matching needs a database")
    except Exception as exc:  # noqa: BLE001
        log.exception("media hashing/matching failed")
        problems.failed(f"media hashing or matching failed: {type(exc).__name__}")
    if item.media is not None and score is None and hashes is not None and hashes.kind is MediaKind.IMAGE:
        try:
            from tutela.detect.image import sexual_content_score

            score = float(sexual_content_score(item.media, max_bytes=max_bytes))
        except Exception as exc:  # noqa: BLE001
            log.warning("image classifier failed: %s", exc)
            problems.failed(f"image classifier failed: {type(exc).__name__}")
    plain = [
        {"bank": m.bank, "category": m.category.value, "signal_type": m.signal_type, "distance": m.distance,
         "severity": int(m.severity), "bank_kind": str(m.bank_kind), "trust": str(m.trust),
         "subscribed": m.subscribed}
        for m in matches
    ]
    return plain, score, hashes


def conversation_message(item: ModerationItem, ctx: ModerationContext) -> dict[str, Any] | None:
    """The conversation tracker's view of a moderated message, or None when the context has no
    conversation or no sender id (then there is no conversation risk)."""
    if not ctx.conversation_id or not ctx.sender.id:
        return None
    ages: dict[str, int] = {}
    if ctx.recipient.id and ctx.recipient.age is not None:
        ages[ctx.recipient.id] = ctx.recipient.age
    return {
        "sender": ctx.sender.id, "text": item.text or "",
        "recipients": [ctx.recipient.id] if ctx.recipient.id else [],
        "sender_age": ctx.sender.age, "sender_account_age_days": ctx.sender.account_age_days, "ages": ages,
        "platform": ctx.platform, "channel": ctx.channel,
        # the platform's contact graph, when it sent it: contacts weigh a little less, strangers more
        "relationship": None if ctx.connected is None else ("contact" if ctx.connected else "stranger"),
    }


def _conversation(
    item: ModerationItem, ctx: ModerationContext, db: Database | None, settings: Settings | None,
    org_id: int | None, problems: Problems,
) -> tuple[Any, Any]:
    if not ctx.conversation_id or db is None or org_id is None or settings is None:
        return None, None
    from tutela.conversations.service import ingest_messages

    message = conversation_message(item, ctx)
    if message is None:
        # without the sender's id both sides of the chat would look like one person
        problems.warn("conversation risk needs sender.id: skipped")
        return None, None
    try:
        got = ingest_messages(db, settings, org_id, [(ctx.conversation_id, message)])[0]
        if isinstance(got, Exception):
            raise got
        return got
    except Exception as exc:  # noqa: BLE001
        log.exception("conversation risk failed")
        problems.failed(f"conversation risk failed: {type(exc).__name__}")
        return None, None


# --- outputs ----------------------------------------------------------------------------

def _nudges(ev: Evaluation, ctx: ModerationContext, lang: str | None, settings: Settings | None) -> list[Nudge]:
    if not ev.nudges:
        return []
    from tutela.help.nudges import build_nudge

    out = []
    for audience, risk in ev.nudges.items():
        party = ctx.sender if audience == "sender" else ctx.recipient
        out.append(build_nudge(
            risk, to=audience, lang=party.lang or ctx.lang or lang, band=party.band(),
            country=ctx.country, settings=settings,
        ))
    return out


def _shadow(live: Evaluation, shadow: Evaluation) -> ShadowResult:
    a, b = set(live.actions), set(shadow.actions)
    return ShadowResult(
        policy=shadow.policy.name, version=shadow.policy.version, decision=shadow.decision,
        actions=shadow.actions, rules=shadow.rule_ids,
        differs=live.decision != shadow.decision or a != b,
        only_live=sorted(x.value for x in a - b), only_shadow=sorted(x.value for x in b - a),
    )


def triage_analysis(
    analysis: TextAnalysis | None, *, settings: Settings | None = None, message_in_description: bool = False,
) -> TextAnalysis | None:
    """The message's analysis when triage may read it instead of analysing the case's description, or None.

    Triage runs both stages on a report's description ("deep"), for what the semantic stage sees (a
    child's own account: the `disclosure` signal). A case the engine opens has a generated description:
    the decision, its rules and their evidence, and the message only when the policy preserved it.
    Analysing that again cost ~40 ms of CPU per case (~30 of it the semantic stage) and read mostly our
    own words (a rule id "self-harm-risk" matched the self-harm phrases, "account_risk" the fraud ones).
    The message's analysis (flags, scores, stages, signals) is the better input, and is used when:
    - the semantic stage ran on the message (nothing is missing); or
    - the semantic stage is off (a deep pass would be the fast stage again); or
    - the description does not carry the message's words (no `preserve_evidence`): a semantic pass
      over generated text cannot find a child's disclosure there.
    Left: the message's words are in the description and the semantic stage never read them (the
    cascade kept the message on the fast stage, e.g. between two children): triage analyses the
    description as before, so a disclosure in preserved words still raises the priority. A report from
    a person (the public form, `/v1/reports`) never comes here: it is always analysed "deep"."""
    if analysis is None or analysis.error is not None:
        return None
    if "semantic" in analysis.stages or not message_in_description:
        return analysis
    if settings is not None and settings.semantic_stage == "off":
        return analysis
    return None


def message_in_description(decision: Decision, item: ModerationItem) -> bool:
    """Whether the case's description will carry the message's text (`open_case` preserves it)."""
    return bool(item.text) and decision.has(Action.PRESERVE_EVIDENCE)


def case_report(
    settings: Settings, principal: Principal, decision: Decision, item: ModerationItem, ctx: ModerationContext,
    hashes: Any, analysis: TextAnalysis | None = None,
) -> tuple[Any, dict[str, Any]]:
    """The report that opens a decision's case, and `submit_report`'s keyword arguments for it.

    The decision id is the idempotency key, so a worker that files it again after a crash gets the
    first case's reference back. `analysis`: the message's, for triage (see `triage_analysis`)."""
    from tutela.domain.cases import EvidenceFile, FileRef, Person, ReporterKind, ReportIn

    preserve = decision.has(Action.PRESERVE_EVIDENCE)
    lines = [f"Automated moderation decision {decision.id}: {decision.decision.value} "
             f"(policy {decision.policy} v{decision.policy_version or 'default'})."]
    for hit in decision.reasons:
        lines.append(f"- rule {hit.rule}: {'; '.join(hit.evidence)}")
    if decision.report_to:
        lines.append(f"Policy asks to report to: {', '.join(decision.report_to)}.")
    if preserve and item.text:
        lines.append("Preserved message text:\n" + item.text)
    file_refs = []
    if hashes is not None and (hashes.md5 or hashes.sha256 or hashes.pdq):
        file_refs.append(FileRef(md5=hashes.md5 or None, sha256=hashes.sha256 or None, pdq=hashes.pdq or None,
                                 filename=item.filename))
    report = ReportIn(
        category=(decision.ground.value if decision.ground else "other"),
        description="\n".join(lines)[:20_000],
        country=ctx.country, language=decision.lang if decision.lang and decision.lang != "und" else None,
        reporter_kind=ReporterKind.PLATFORM, anonymous=False,
        reported_person=Person(platform=ctx.platform, account_id=ctx.sender.id, age=ctx.sender.age)
        if (ctx.sender.id or ctx.sender.age is not None) else None,
        intended_recipient=Person(platform=ctx.platform, age=ctx.recipient.age)
        if ctx.recipient.age is not None else None,
        file_refs=file_refs, escalate=decision.has(Action.REPORT), external_id=decision.id,
    )
    files = [EvidenceFile(filename=item.filename or "media.bin", data=item.media)] if preserve and item.media else None
    system = Principal(principal.org_id, principal.org_name, frozenset({"reports"}), key_id="policy-engine")
    kwargs = {"principal": system, "files": files, "idempotency_key": decision.id,
              "analysis": triage_analysis(analysis, settings=settings,
                                          message_in_description=message_in_description(decision, item))}
    return report, kwargs


def open_case(
    db: Database, settings: Settings, principal: Principal, decision: Decision, item: ModerationItem,
    ctx: ModerationContext, hashes: Any, analysis: TextAnalysis | None = None,
) -> list[str]:
    """Open a case (and escalate it when the policy says report) through the case service.

    Idempotent under the decision id (`case_report`). Raises on failure."""
    from tutela.cases.service import submit_report

    report, kwargs = case_report(settings, principal, decision, item, ctx, hashes, analysis)
    receipt = submit_report(db, settings, report, **kwargs)
    return [receipt.reference_code]


def open_cases(db: Database, settings: Settings, reports: list[tuple[Any, dict[str, Any]]]) -> list[list[str] | Exception]:
    """`open_case` for several decisions' `case_report`s at once, stored in one commit; per decision
    its case references, or the error `open_case` would have raised."""
    from tutela.cases.intake import submit_reports

    return [r if isinstance(r, Exception) else [r.reference_code] for r in submit_reports(db, settings, reports)]


def _open_case(
    db: Database, settings: Settings, principal: Principal, decision: Decision, item: ModerationItem,
    ctx: ModerationContext, hashes: Any, warnings: list[str], analysis: TextAnalysis | None = None,
) -> list[str]:
    """`open_case` on the caller's thread; a failure becomes a warning (the decision stands)."""
    try:
        return open_case(db, settings, principal, decision, item, ctx, hashes, analysis)
    except Exception as exc:  # noqa: BLE001 - the decision stands even if the case cannot be opened
        log.exception("could not open a case for decision %s", decision.id)
        warnings.append(f"could not open a case: {exc}")
        return []


def log_row(decision: Decision, ev: Evaluation, org_id: int | None, item: ModerationItem,
             ctx: ModerationContext, settings: Settings | None) -> dict[str, Any]:
    from tutela.policy.log import keyed_ref

    shadow = decision.shadow
    content_type = "image" if item.has_media and not item.text else ("text+image" if item.has_media else "text")
    return {
        "decision_id": decision.id, "org_id": org_id, "created_at": decision.created_at,
        "policy": decision.policy, "policy_version": decision.policy_version,
        "decision": str(decision.decision), "actions": [str(a) for a in decision.actions],
        "ground": str(decision.ground) if decision.ground else None,
        "rules": ev.rule_ids,
        "facts": {
            "evidence": {h.rule: h.evidence for h in decision.reasons},
            "scores": decision.scores, "signals": decision.signals,
            "report_to": decision.report_to, "lang": decision.lang,
            "sender_age_band": str(ctx.sender.band()), "recipient_age_band": str(ctx.recipient.band()),
        },
        "content_type": content_type, "channel": ctx.channel, "country": ctx.country, "automated": True,
        "content_ref": keyed_ref(settings, "content", item.id),
        "sender_ref": keyed_ref(settings, "account", ctx.sender.id),
        "case_refs": decision.case_refs or None,
        "shadow_version": shadow.version if shadow else None,
        "shadow_decision": shadow.decision.value if shadow else None,
        "shadow_actions": [a.value for a in shadow.actions] if shadow else None,
        "shadow_rules": shadow.rules if shadow else None,
        "shadow_differs": shadow.differs if shadow else None,
    }


@dataclass
class Pending:
    """A decision made but not yet acted on: cases to open and the log entry to write.

    Split from `moderate` so the HTTP layer can decide on the event loop and
    move only the I/O (opening a case) to a thread.
    """

    decision: Decision
    evaluation: Evaluation
    item: ModerationItem
    context: ModerationContext
    hashes: Any
    org_id: int | None
    principal: Principal | None
    settings: Settings | None
    db: Database | None
    log_decision: bool
    sync_log: bool
    side_effects: bool
    #: Hand the case to the outbox (committed with the decision log row) instead of opening it here.
    defer: bool = False
    #: The text's analysis, for the case's triage (`triage_analysis`).
    analysis: TextAnalysis | None = None

    @property
    def needs_case(self) -> bool:
        return (self.side_effects and self.db is not None and self.settings is not None
                and self.principal is not None
                and (self.decision.has(Action.OPEN_CASE) or self.decision.has(Action.REPORT)))


def prepare(
    item: Any,
    context: Any = None,
    *,
    policy: Any = None,
    shadow: Any = None,
    settings: Settings | None = None,
    db: Database | None = None,
    org_id: int | None = None,
    principal: Principal | None = None,
    log_decision: bool = True,
    sync_log: bool = False,
    side_effects: bool = True,
    analysis: TextAnalysis | None = None,
    conversation: tuple[Any, Any] | None = None,
) -> Pending:
    """Run detectors and policies; return the decision with its side effects still to do.

    `analysis` is the text's analysis when the caller already has it (batched);
    `conversation` likewise the (conversation risk, account risk) after this message, when
    the caller already applied it to the conversation (`conversations.service.ingest_messages`
    for a stream batch): then the conversation state is not touched again here.
    """
    it = as_item(item)
    ctx = as_context(context)
    if principal is not None and org_id is None:
        org_id = principal.org_id
    problems = Problems()
    if policy is not None:
        live = _as_policy(policy)
        shadow_pol = _as_policy(shadow) if shadow is not None else None
    elif db is not None and org_id is not None:
        from tutela.policy.store import policies_for

        live, shadow_pol = policies_for(db, org_id)
        if shadow is not None:
            shadow_pol = _as_policy(shadow)
    else:
        live = default_policy()
        shadow_pol = _as_policy(shadow) if shadow is not None else None

    if analysis is None and it.text:
        analysis = analyze_item(it.text, ctx.lang, settings, problems, audience_of(ctx), db, org_id)
    matches: list[dict[str, Any]] = []
    media_score: float | None = None
    hashes = None
    if it.has_media:
        matches, media_score, hashes = _media(it, db, org_id, settings, problems)
    conv, acc = conversation if conversation is not None else _conversation(it, ctx, db, settings, org_id, problems)
    facts = build_facts(ctx, analysis=analysis, has_media=it.has_media, media_sexual_score=media_score,
                        hash_matches=matches, conversation=conv, account=acc, unreadable=problems.unreadable)

    if facts["flags"] and AgeBand.UNKNOWN == ctx.sender.band() == ctx.recipient.band():
        # rules that protect minors (an adult writing to a child) could not apply: say so, so a
        # platform does not read an `allow` as "checked for a child"
        problems.warn(
            "decided without ages: neither sender nor recipient has an age or age_band in the context, so rules "
            "for adults writing to minors could not apply; send the ages the platform knows"
        )
    ev = evaluate(live, facts)
    lang = analysis.lang if analysis is not None and analysis.lang != "und" else ctx.lang
    scores = {k: round(v, 3) for k, v in facts["score"].items() if v >= SCORE_FLOOR}
    if conv is not None:
        scores["conversation_risk"] = round(float(conv.risk), 3)
    if acc is not None:
        scores["account_risk"] = round(float(acc.risk), 3)
    decision = Decision(
        id=str(uuid.uuid4()), decision=ev.decision, actions=ev.actions, reasons=ev.hits(),
        nudges=_nudges(ev, ctx, lang, settings), ground=ev.ground, report_to=ev.report_to, scores=scores,
        flags=sorted(facts["flags"]), signals=sorted(facts["signals"]), lang=lang,
        policy=live.name, policy_version=live.version,
        shadow=_shadow(ev, evaluate(shadow_pol, facts)) if shadow_pol is not None else None,
        created_at=utc_now(), warnings=problems.warnings,
    )
    return Pending(decision, ev, it, ctx, hashes, org_id, principal, settings, db, log_decision, sync_log,
                   side_effects, analysis=analysis)


def finish(p: Pending) -> Decision:
    """Open the cases the decision asks for, then log it (queued unless `sync_log`).

    With `p.defer` the cases are not opened here: the decision log row and an outbox row are
    committed in one transaction (`tutela.jobs.deferred`), and a worker opens the case."""
    decision = p.decision
    if p.needs_case and p.defer:
        from tutela.jobs.deferred import commit_with_outbox

        commit_with_outbox(p, _deferred_row(p))
        return decision
    if p.needs_case:
        assert p.db is not None and p.settings is not None and p.principal is not None
        decision.case_refs = _open_case(p.db, p.settings, p.principal, decision, p.item, p.context, p.hashes,
                                        decision.warnings, p.analysis)
    if p.log_decision and p.db is not None:
        from tutela.policy.log import decision_log

        row = log_row(decision, p.evaluation, p.org_id, p.item, p.context, p.settings)
        decision_log(p.db).write(row, sync=p.sync_log)
    return decision


def _deferred_row(p: Pending) -> dict[str, Any] | None:
    return log_row(p.decision, p.evaluation, p.org_id, p.item, p.context, p.settings) if p.log_decision else None


async def finish_deferred(p: Pending) -> Decision:
    """`finish` of a decision that opens a case, for the event loop: the decision log row and the outbox
    row are committed by the process's decision writer (with those of other case decisions waiting:
    one transaction, one fsync) and the request waits for that commit without a thread of its own."""
    from tutela.jobs.deferred import commit_with_outbox_async

    await commit_with_outbox_async(p, _deferred_row(p))
    return p.decision


def moderate(
    item: Any,
    context: Any = None,
    *,
    policy: Any = None,
    shadow: Any = None,
    settings: Settings | None = None,
    db: Database | None = None,
    org_id: int | None = None,
    principal: Principal | None = None,
    log_decision: bool = True,
    sync_log: bool = False,
    side_effects: bool = True,
) -> Decision:
    """Decide what to do with one message or upload, and why.

    `item`: text, bytes, a dict or a `ModerationItem`; `context`: a dict or a
    `ModerationContext` (ages, connection, platform, country, channel ...).
    `policy` (a `Policy`, YAML text or a path) overrides the organisation's live
    policy; without it and without an organisation, the default policy decides.
    With `db` the decision is logged (no message text), hash banks are matched,
    a `conversation_id` feeds the conversation engine, and `open_case`/`report`
    actions open a case for the `principal`'s organisation.
    """
    return finish(prepare(
        item, context, policy=policy, shadow=shadow, settings=settings, db=db, org_id=org_id,
        principal=principal, log_decision=log_decision, sync_log=sync_log, side_effects=side_effects,
    ))


__all__ = ["Pending", "case_report", "finish", "finish_deferred", "moderate", "open_case", "open_cases", "prepare"]
