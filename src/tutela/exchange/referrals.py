"""Referrals across borders: a case sent to a partner organisation, and each step it takes there.

The sender builds a referral from a case: its category, priority, country, the
hashes of its evidence, its URLs and where they are hosted. Nothing else leaves:
no description, no file, no reporter; the description only when the case is
sent with `include_content`, the partner is registered with
`may_receive_content`, and the sender names the legal basis; the reporter's
contact details and files never. The referral carries a TLP 2.0 share level
(default AMBER+STRICT: the receiving organisation only) and is refused for a
partner registered below it.

The receiver answers with signed steps, forward only, each time-stamped once:
received -> acknowledged -> actioned -> removed -> closed (any may be skipped;
closed carries an outcome such as `removed`, `declined`, `not_found`). Both
sides keep the same six time-stamps (`storage.tables.crossborder`), so either
can measure time to acknowledgement and to removal per partner (`timings`).
When the referral was made through routing (an agency with `partner:`), the
local referral row moves with it, so the case view shows the times too.
"""

from __future__ import annotations

import json
import logging
import statistics
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel
from sqlalchemy import Connection, select, update

from tutela.access import Forbidden, NotFound, Principal
from tutela.cases import audit, authz, vault
from tutela.config import Settings
from tutela.domain.cases import ReferralStatus
from tutela.domain.errors import ErrorKind
from tutela.domain.exchange import Partner
from tutela.exchange import sealed
from tutela.exchange.errors import ExchangeError, Refused
from tutela.storage.db import Database
from tutela.storage.tables.cases import case_events, evidence, referrals, reports
from tutela.storage.tables.crossborder import exchange_referral_messages as messages
from tutela.storage.tables.crossborder import exchange_referrals as xrefs
from tutela.storage.times import as_utc, as_utc_or_none, utc_now

log = logging.getLogger(__name__)

INBOX_PATH = "/v1/exchange/referrals/inbox"
WITNESS_INBOX_PATH = "/v1/exchange/witness/inbox"  # checkpoints not delivered at once share the outbox
#: Envelope kinds (`tutela.exchange.envelope`): a referral, and one step of it told back to the sender.
KIND_REFERRAL = "referral"
KIND_STEP = "referral-step"
#: The receiver's steps, in order; each may be skipped, none repeated or undone.
STEPS = ("received", "acknowledged", "actioned", "removed", "closed")
OUTCOMES = ("removed", "actioned", "declined", "not_found", "duplicate", "no_violation", "other")
DEFAULT_SHARE_LEVEL = "amber+strict"
#: A step at the receiver moves the sender's local referral (routing) this far.
LOCAL_STATUS = {
    "acknowledged": ReferralStatus.ACKNOWLEDGED,
    "removed": ReferralStatus.CONTENT_REMOVED,
}
_LOCAL_STAMP = {ReferralStatus.ACKNOWLEDGED: "acknowledged_at", ReferralStatus.CONTENT_REMOVED: "content_removed_at"}
_LOCAL_ORDER = [ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED, ReferralStatus.CONTENT_REMOVED,
                ReferralStatus.REMOVAL_VERIFIED]


class CrossBorderReferral(BaseModel):
    """One side's view of a referral between partners, with every step's time."""

    id: int
    uid: str
    direction: str
    partner: str
    case_id: int | None
    referral_id: int | None
    category: str
    priority: str
    country: str | None
    share_level: str
    status: str
    outcome: str | None
    external_ref: str | None
    payload: dict[str, Any]
    sent_at: datetime | None
    received_at: datetime | None
    acknowledged_at: datetime | None
    actioned_at: datetime | None
    removed_at: datetime | None
    closed_at: datetime | None
    delivered: bool = True
    delivery_error: str | None = None
    hours_to_acknowledge: float | None = None
    hours_to_remove: float | None = None


def _hours(a: datetime | None, b: datetime | None) -> float | None:
    return None if a is None or b is None else round((b - a).total_seconds() / 3600, 6)


def _view(row: dict, pending: dict | None = None) -> CrossBorderReferral:
    stamps = {k: as_utc_or_none(row[k]) for k in ("sent_at", "received_at", "acknowledged_at", "actioned_at",
                                                  "removed_at", "closed_at")}
    return CrossBorderReferral(
        id=row["id"], uid=row["uid"], direction=row["direction"], partner=row["partner"],
        case_id=row["case_id"], referral_id=row["referral_id"], category=row["category"],
        priority=row["priority"], country=row["country"], share_level=row["share_level"],
        status=row["status"], outcome=row["outcome"], external_ref=row["external_ref"],
        payload=row["payload"] or {}, **stamps,
        delivered=pending is None, delivery_error=(pending or {}).get("error"),
        hours_to_acknowledge=_hours(stamps["sent_at"], stamps["acknowledged_at"]),
        hours_to_remove=_hours(stamps["sent_at"], stamps["removed_at"]),
    )


def require_access(principal: Principal, perm: str) -> None:
    """People by their role's case permission; API keys by the `exchange` scope (or the case permission
    their `cases` scope gives, for a referral made through routing)."""
    if principal.role is None:
        if principal.has("exchange"):
            return
        if perm not in authz.permissions(principal):
            principal.require("exchange")  # refused, naming the scope to ask for
    authz.require_permission(principal, perm)


def check_partner(db: Database, principal: Principal, case: dict, partner_name: str,
                  share_level: str = DEFAULT_SHARE_LEVEL) -> None:
    """Whether `case` may be referred to `partner_name` as it stands (routing asks before writing anything)."""
    require_access(principal, "refer")
    try:
        partner = sealed.peer(db, principal.org_id, partner_name)
    except ExchangeError as exc:
        raise ValueError(f"the routing names partner {partner_name!r}: {exc}") from None
    _check_policy(partner, case, _level(share_level), False, None)


# --- what leaves: building a referral from a case -------------------------------------------------------


def _hosting(urls: list[str], given: list[dict] | None) -> list[dict]:
    """Where the content sits: each URL's host, plus what the analyst knows (provider, country)."""
    given_by_host = {str(h.get("host", "")).lower(): h for h in (given or []) if isinstance(h, dict)}
    out: dict[str, dict] = {}
    for u in urls:
        host = (urlsplit(u if "//" in u else f"//{u}").hostname or "").lower()
        if host and host not in out:
            extra = given_by_host.get(host, {})
            out[host] = {"host": host, **{k: str(v)[:200] for k, v in extra.items()
                                          if k in ("provider", "country", "asn", "ip")}}
    for host, h in given_by_host.items():
        if host and host not in out:
            out[host] = {"host": host, **{k: str(v)[:200] for k, v in h.items()
                                          if k in ("provider", "country", "asn", "ip")}}
    return list(out.values())


def case_payload(conn: Connection, settings: Settings, case: dict, *, hosting: list[dict] | None = None,
                 include_content: bool = False) -> dict[str, Any]:
    """What a referral of `case` carries. Content (the reports' descriptions) only when asked."""
    hashes = []
    for ev in conn.execute(
        select(evidence.c.md5, evidence.c.sha256, evidence.c.pdq, evidence.c.content_type)
        .where(evidence.c.case_id == case["id"], evidence.c.deleted_at.is_(None))
        .order_by(evidence.c.id)
    ).mappings():
        h = {k: ev[k] for k in ("md5", "sha256", "pdq") if ev[k]}
        if h:
            h["media"] = (ev["content_type"] or "").split("/")[0] or "file"
            hashes.append(h)
    urls: list[str] = []
    descriptions: list[str] = []
    first_reported = None
    for rep in conn.execute(
        select(reports.c.urls, reports.c.created_at, reports.c.description_vault_id)
        .where(reports.c.case_id == case["id"]).order_by(reports.c.id)
    ).mappings():
        first_reported = first_reported or as_utc(rep["created_at"])
        for u in rep["urls"] or []:
            if u not in urls:
                urls.append(u)
        if include_content and rep["description_vault_id"]:
            text = vault.get_text(conn, settings, rep["description_vault_id"])
            if text:
                descriptions.append(text)
    out: dict[str, Any] = {
        "category": case["category"],
        "priority": case["priority"],
        "country": case["country"],
        "reported_at": first_reported.isoformat(timespec="seconds") if first_reported else None,
        "hashes": hashes,
        "urls": urls,
        "hosting": _hosting(urls, hosting),
    }
    if include_content:
        out["content"] = {"descriptions": descriptions}
    return out


def _level(text: str) -> str:
    from tutela.domain.exchange import TLP

    return TLP.parse(text).value


def _check_policy(partner: Partner, case: dict, share_level: str, include_content: bool,
                  legal_basis: str | None) -> None:
    """Nothing leaves that the partner's registration does not allow; the message names the rule."""
    from tutela.exchange import partners

    why = partners.refusal(partner, share_level=share_level, category=case["category"],
                           country=case["country"], content=include_content)
    if why:
        raise Refused(f"not sent: {why}")
    if include_content and not (legal_basis or "").strip():
        raise ValueError("content is sent only with a legal basis (--legal-basis): name the law or "
                         "agreement that allows it")


def refer_case(
    db: Database,
    settings: Settings,
    principal: Principal,
    case_id: int,
    partner_name: str,
    *,
    share_level: str = DEFAULT_SHARE_LEVEL,
    hosting: list[dict] | None = None,
    include_content: bool = False,
    legal_basis: str | None = None,
    note: str | None = None,
    referral_id: int | None = None,
    deliver: bool = True,
) -> CrossBorderReferral:
    """Send case `case_id` to partner `partner_name` as a signed referral, then try to deliver it."""
    require_access(principal, "refer")
    partner = sealed.peer(db, principal.org_id, partner_name)
    share_level = _level(share_level)
    uid = str(uuid.uuid4())
    with db.connect() as conn:
        access = (authz.case_access(conn, principal, case_id, "refer")
                  if "refer" in authz.permissions(principal) else None)
        case = access.case if access else _own_case(conn, principal, case_id)
        if access is not None and access.relation != "owner":
            raise Forbidden(f"case {case_id} belongs to another organisation: only its owner refers it")
        _check_policy(partner, case, share_level, include_content, legal_basis)
        body_fields = case_payload(conn, settings, case, hosting=hosting, include_content=include_content)
    body: dict[str, Any] = {"referral": uid, "case": body_fields}
    if include_content:
        body["legal_basis"] = legal_basis.strip()[:500]  # type: ignore[union-attr]
    if note:
        body["note"] = note[:2000]
    text, env = sealed.seal(db, principal.org_id, KIND_REFERRAL, body, to=partner, share_level=share_level,
                            content=include_content)
    at = datetime.fromisoformat(env["created"])
    with audit.writing(db) as conn:
        rid = int(conn.execute(xrefs.insert().values(
            org_id=principal.org_id, direction="out", partner=partner.name, uid=uid, case_id=case_id,
            referral_id=referral_id, category=case["category"], priority=case["priority"],
            country=case["country"], share_level=share_level, payload=body_fields, status="sent",
            sent_at=at, created_at=at, updated_at=at,
        )).inserted_primary_key[0])
        conn.execute(messages.insert().values(
            org_id=principal.org_id, exchange_referral_id=rid, direction="out", partner=partner.name,
            message_id=env["nonce"], kind="referral", step="sent", body=text, created_at=at))
        conn.execute(case_events.insert().values(
            case_id=case_id, at=at, actor=principal.actor, event="referred_abroad",
            detail=f"to partner {partner.name} (TLP:{share_level}{', with content' if include_content else ''})"))
        audit.append(conn, actor=principal.actor, org_id=principal.org_id, action="exchange.referral.send",
                     object_type="case", object_id=case_id,
                     details={"partner": partner.name, "uid": uid, "share_level": share_level,
                              "content": include_content, "hashes": len(body_fields["hashes"]),
                              "urls": len(body_fields["urls"])})
    if deliver:
        deliver_pending(db, settings, principal.org_id, only_referral=rid)
    return get_referral(db, principal, rid)


def _own_case(conn: Connection, principal: Principal, case_id: int) -> dict:
    from tutela.storage.tables.cases import cases

    row = conn.execute(select(cases).where(cases.c.id == case_id)).mappings().first()
    if row is None or row["org_id"] != principal.org_id:
        raise NotFound(f"no case {case_id} visible to your organisation")
    return dict(row)


# --- delivery ---------------------------------------------------------------------------------------------


def deliver_pending(db: Database, settings: Settings, org_id: int, *, only_referral: int | None = None) -> dict:
    """Try every undelivered message of `org_id` again (referrals, steps, witnessed checkpoints), oldest
    first; answers {"delivered", "failed"}."""
    q = select(messages).where(messages.c.org_id == org_id, messages.c.direction == "out",
                               messages.c.delivered_at.is_(None))
    if only_referral is not None:
        q = q.where(messages.c.exchange_referral_id == only_referral)
    with db.connect() as conn:
        pending = [dict(r) for r in conn.execute(q.order_by(messages.c.id)).mappings()]
    done = failed = 0
    for m in pending:
        try:
            p = sealed.peer(db, org_id, m["partner"])
        except ExchangeError as exc:
            ok, answer = False, str(exc)
        else:
            if p.revoked_at is not None:
                ok, answer = False, f"partner {p.name!r} was revoked: not delivered"
            else:
                path = WITNESS_INBOX_PATH if m["kind"] == "witness" else INBOX_PATH
                ok, answer = sealed.deliver(p.endpoint_url, path, m["body"])
        with db.begin() as conn:
            if ok:
                conn.execute(update(messages).where(messages.c.id == m["id"])
                             .values(delivered_at=utc_now(), error=None))
            else:
                conn.execute(update(messages).where(messages.c.id == m["id"]).values(error=str(answer)[:500]))
        if ok:
            done += 1
            receipt = answer.get("receipt") if isinstance(answer, dict) else None
            if receipt:
                try:
                    receive(db, settings, json.dumps(receipt, separators=(",", ":")))
                except ExchangeError as exc:  # the referral is delivered; only its receipt is in doubt
                    log.warning("receipt from %s refused: %s", m["partner"], exc)
        else:
            failed += 1
    return {"delivered": done, "failed": failed}


# --- what arrives ---------------------------------------------------------------------------------------


def receive(db: Database, settings: Settings, text: str | bytes) -> dict[str, Any]:
    """Accept a partner's referral or step envelope (the inbox); Refused says why not.

    A referral is answered with a signed `received` step (the receipt), which the sender records.
    """
    opened = sealed.open_message(db, text, kinds=(KIND_REFERRAL, KIND_STEP))
    if opened.envelope.kind == KIND_REFERRAL:
        return _receive_referral(db, opened)
    return _receive_step(db, opened)


def _keep(conn: Connection, opened: sealed.Opened, kind: str, step: str | None, row_id: int | None) -> None:
    """Record the nonce (a replay is refused here, rolling back everything) and keep the envelope."""
    sealed.remember(conn, opened)
    conn.execute(messages.insert().values(
        org_id=opened.org_id, exchange_referral_id=row_id, direction="in", partner=opened.partner.name,
        message_id=opened.message_id, kind=kind, step=step, body=opened.text, created_at=utc_now(),
        delivered_at=utc_now()))


def _receive_referral(db: Database, opened: sealed.Opened) -> dict[str, Any]:
    from tutela.exchange import partners

    p, level = opened.payload, opened.envelope.share_level.value
    case, uid = p.get("case"), str(p.get("referral", ""))
    if not isinstance(case, dict) or len(uid) != 36:
        raise sealed.RefusedMessage("a referral needs 'referral' (its id) and 'case'")
    if ("content" in case) != opened.envelope.content:
        raise sealed.RefusedMessage("the referral carries content its envelope does not declare (or the reverse)")
    if opened.envelope.content and not str(p.get("legal_basis") or "").strip():
        raise sealed.RefusedMessage("a referral with content must name its legal basis")
    category = str(case.get("category") or "other")[:40]
    country = str(case["country"])[:2].upper() if case.get("country") else None
    why = partners.refusal(opened.partner, share_level=level, category=category, country=country)
    if why:
        raise sealed.RefusedMessage(f"refused from {opened.partner.name!r}: {why}", ErrorKind.FORBIDDEN)
    at = utc_now()
    receipt_text, receipt = sealed.seal(
        db, opened.org_id, KIND_STEP, {"referral": uid, "step": "received", "step_at": at.isoformat()},
        to=opened.partner, share_level=level)
    with audit.writing(db) as conn:
        if conn.execute(select(xrefs.c.id).where(xrefs.c.org_id == opened.org_id, xrefs.c.direction == "in",
                                                 xrefs.c.uid == uid)).first():
            raise sealed.RefusedMessage(
                "replayed referral: this referral was already received", ErrorKind.CONFLICT
            )
        rid = int(conn.execute(xrefs.insert().values(
            org_id=opened.org_id, direction="in", partner=opened.partner.name, uid=uid, category=category,
            priority=str(case.get("priority") or "medium")[:20], country=country, share_level=level,
            payload=case, status="received", sent_at=opened.envelope.created, received_at=at,
            created_at=at, updated_at=at,
        )).inserted_primary_key[0])
        _keep(conn, opened, "referral", "sent", rid)
        conn.execute(messages.insert().values(
            org_id=opened.org_id, exchange_referral_id=rid, direction="out", partner=opened.partner.name,
            message_id=receipt["nonce"], kind="step", step="received", body=receipt_text, created_at=at,
            delivered_at=at))  # it goes back as the answer to this very request
        audit.append(conn, actor=f"partner:{opened.partner.name}", org_id=opened.org_id,
                     action="exchange.referral.receive", object_type="exchange_referral", object_id=rid,
                     details={"partner": opened.partner.name, "uid": uid, "share_level": level,
                              "content": opened.envelope.content})
    return {"accepted": True, "referral": uid, "receipt": receipt}


def _sent_by(db: Database, org_id: int, row_partner: str, opened: sealed.Opened) -> bool:
    """Whether the step comes from the partner the referral went to (by name, or by the key it signed
    with when the partner was registered again under another name)."""
    if row_partner == opened.partner.name:
        return True
    try:
        p = sealed.peer(db, org_id, row_partner)
    except ExchangeError:
        return False
    return any(k.key_id == opened.envelope.key_id for k in p.keys)


def _receive_step(db: Database, opened: sealed.Opened) -> dict[str, Any]:
    p = opened.payload
    step, uid = str(p.get("step", "")), str(p.get("referral", ""))
    if step not in STEPS:
        raise sealed.RefusedMessage(f"unknown step {step!r}; valid: {', '.join(STEPS)}")
    try:
        step_at = datetime.fromisoformat(str(p.get("step_at")))
        if step_at.tzinfo is None:
            raise ValueError
    except ValueError:
        raise sealed.RefusedMessage("step_at is not an ISO time with a time zone") from None
    with db.connect() as conn:
        row = conn.execute(select(xrefs).where(xrefs.c.org_id == opened.org_id, xrefs.c.direction == "out",
                                               xrefs.c.uid == uid)).mappings().first()
    if row is None or not _sent_by(db, opened.org_id, row["partner"], opened):
        raise sealed.RefusedMessage(f"no referral {uid} was sent to this partner", ErrorKind.NOT_FOUND)
    with audit.writing(db) as conn:
        row = conn.execute(select(xrefs).where(xrefs.c.id == row["id"])).mappings().one()
        _keep(conn, opened, "step", step, row["id"])
        column = f"{step}_at"
        if row[column] is not None:  # the same step again in a new envelope: the first time stands
            return {"accepted": True, "referral": uid, "step": step, "already": True}
        values: dict[str, Any] = {column: step_at, "updated_at": utc_now()}
        if STEPS.index(step) > (STEPS.index(row["status"]) if row["status"] in STEPS else -1):
            values["status"] = step
        if step == "closed" and p.get("outcome"):
            values["outcome"] = str(p["outcome"])[:40]
        if p.get("external_ref"):
            values["external_ref"] = str(p["external_ref"])[:200]
        conn.execute(update(xrefs).where(xrefs.c.id == row["id"]).values(**values))
        if row["referral_id"] is not None:
            _move_local(conn, row["referral_id"], step, step_at, p.get("outcome"))
        if row["case_id"] is not None:
            conn.execute(case_events.insert().values(
                case_id=row["case_id"], at=utc_now(), actor=f"partner:{opened.partner.name}",
                event=f"abroad_{step}", detail=f"partner {opened.partner.name}: {step}"
                + (f" ({p['outcome']})" if p.get("outcome") else "")))
        audit.append(conn, actor=f"partner:{opened.partner.name}", org_id=opened.org_id,
                     action="exchange.referral.step", object_type="exchange_referral", object_id=row["id"],
                     details={"uid": uid, "step": step, "outcome": p.get("outcome")})
    return {"accepted": True, "referral": uid, "step": step}


def _move_local(conn: Connection, referral_id: int, step: str, at: datetime, outcome: Any) -> None:
    """Carry a partner's step onto the local referral (routing) it fulfils, forward only."""
    target = LOCAL_STATUS.get(step)
    if step == "closed" and outcome == "declined":
        target = ReferralStatus.DECLINED
    if target is None:
        return
    row = conn.execute(select(referrals).where(referrals.c.id == referral_id)).mappings().first()
    if row is None:
        return
    current = ReferralStatus(row["status"])
    if target == ReferralStatus.DECLINED:
        if current in (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED):
            conn.execute(update(referrals).where(referrals.c.id == referral_id)
                         .values(status=target.value, declined_at=at, updated_at=at))
        return
    if current not in _LOCAL_ORDER or _LOCAL_ORDER.index(target) <= _LOCAL_ORDER.index(current):
        return
    conn.execute(update(referrals).where(referrals.c.id == referral_id)
                 .values(status=target.value, updated_at=at, **{_LOCAL_STAMP[target]: at}))


# --- the receiver's steps ---------------------------------------------------------------------------------


def record_step(
    db: Database,
    settings: Settings,
    principal: Principal,
    exchange_referral_id: int,
    step: str,
    *,
    outcome: str | None = None,
    external_ref: str | None = None,
    deliver: bool = True,
) -> CrossBorderReferral:
    """The receiver acknowledges, acts, reports removal or closes a referral it received; the sender is told."""
    require_access(principal, "referral_update")
    if step not in STEPS[1:]:
        raise ValueError(f"unknown step {step!r}; valid: {', '.join(STEPS[1:])}")
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; valid: {', '.join(OUTCOMES)}")
    if step == "closed" and outcome is None:
        raise ValueError(f"closing needs an outcome; valid: {', '.join(OUTCOMES)}")
    mine = get_referral(db, principal, exchange_referral_id)
    if mine.direction != "in":
        raise ValueError("only the receiving side records steps; this referral was sent by you")
    current = STEPS.index(mine.status) if mine.status in STEPS else 0
    if STEPS.index(step) <= current:
        raise ValueError(f"the referral is already '{mine.status}': steps go forward only "
                         f"(next: {', '.join(STEPS[current + 1:]) or 'none, it is closed'})")
    at = utc_now()
    body: dict[str, Any] = {"referral": mine.uid, "step": step, "step_at": at.isoformat()}
    if outcome:
        body["outcome"] = outcome
    if external_ref:
        body["external_ref"] = external_ref[:200]
    text, env = sealed.seal(db, principal.org_id, KIND_STEP, body,
                            to=sealed.peer(db, principal.org_id, mine.partner), share_level=mine.share_level)
    with audit.writing(db) as conn:
        row = conn.execute(select(xrefs).where(xrefs.c.id == exchange_referral_id)).mappings().one()
        if row["status"] != mine.status:  # someone else moved it meanwhile: their step stands
            raise ValueError(f"the referral moved to '{row['status']}' meanwhile; look again")
        values: dict[str, Any] = {"status": step, f"{step}_at": at, "updated_at": at}
        if outcome:
            values["outcome"] = outcome
        if external_ref:
            values["external_ref"] = external_ref[:200]
        conn.execute(update(xrefs).where(xrefs.c.id == row["id"]).values(**values))
        conn.execute(messages.insert().values(
            org_id=principal.org_id, exchange_referral_id=row["id"], direction="out", partner=row["partner"],
            message_id=env["nonce"], kind="step", step=step, body=text, created_at=at))
        audit.append(conn, actor=principal.actor, org_id=principal.org_id, action="exchange.referral.step",
                     object_type="exchange_referral", object_id=row["id"],
                     details={"uid": row["uid"], "step": step, "outcome": outcome})
    if deliver:
        deliver_pending(db, settings, principal.org_id, only_referral=exchange_referral_id)
    return get_referral(db, principal, exchange_referral_id)


# --- reading ----------------------------------------------------------------------------------------------


def _pending(conn: Connection, org_id: int, ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    rows = conn.execute(select(messages.c.exchange_referral_id, messages.c.error).where(
        messages.c.org_id == org_id, messages.c.direction == "out", messages.c.delivered_at.is_(None),
        messages.c.exchange_referral_id.in_(ids))).mappings()
    return {r["exchange_referral_id"]: dict(r) for r in rows}


def get_referral(db: Database, principal: Principal, exchange_referral_id: int) -> CrossBorderReferral:
    require_access(principal, "read")
    with db.connect() as conn:
        row = conn.execute(select(xrefs).where(xrefs.c.id == exchange_referral_id,
                                               xrefs.c.org_id == principal.org_id)).mappings().first()
        if row is None:
            raise NotFound(f"no cross-border referral {exchange_referral_id} for your organisation")
        pending = _pending(conn, principal.org_id, [row["id"]])
    return _view(dict(row), pending.get(row["id"]))


def list_referrals(
    db: Database, principal: Principal, *, direction: str = "all", partner: str | None = None,
    case_id: int | None = None, limit: int = 200,
) -> list[CrossBorderReferral]:
    """This organisation's referrals to (`out`) and from (`in`) partners, newest first."""
    require_access(principal, "read")
    if direction not in ("all", "in", "out"):
        raise ValueError("direction must be one of: all, in, out")
    q = select(xrefs).where(xrefs.c.org_id == principal.org_id)
    if direction != "all":
        q = q.where(xrefs.c.direction == direction)
    if partner:
        q = q.where(xrefs.c.partner == partner)
    if case_id is not None:
        q = q.where(xrefs.c.case_id == case_id)
    with db.connect() as conn:
        rows = [dict(r) for r in conn.execute(q.order_by(xrefs.c.id.desc()).limit(max(1, min(limit, 1000))))
                .mappings()]
        pending = _pending(conn, principal.org_id, [r["id"] for r in rows])
    return [_view(r, pending.get(r["id"])) for r in rows]


class PartnerTimings(BaseModel):
    partner: str
    direction: str
    referrals: int
    acknowledged: int
    removed: int
    closed: int
    median_hours_to_acknowledge: float | None
    median_hours_to_remove: float | None


def timings(db: Database, principal: Principal) -> list[PartnerTimings]:
    """Per partner and direction: how many referrals, and median hours from sending to
    acknowledgement and to removal (the ICCAM measure), from the time-stamp columns."""
    require_access(principal, "read")
    with db.connect() as conn:
        rows = conn.execute(select(xrefs.c.partner, xrefs.c.direction, xrefs.c.sent_at, xrefs.c.acknowledged_at,
                                   xrefs.c.removed_at, xrefs.c.closed_at)
                            .where(xrefs.c.org_id == principal.org_id)).mappings().all()
    groups: dict[tuple[str, str], list] = {}
    for r in rows:
        groups.setdefault((r["partner"], r["direction"]), []).append(r)
    out = []
    for (partner, direction), rs in sorted(groups.items()):
        ack = [h for r in rs if (h := _hours(as_utc_or_none(r["sent_at"]), as_utc_or_none(r["acknowledged_at"])))
               is not None]
        rem = [h for r in rs if (h := _hours(as_utc_or_none(r["sent_at"]), as_utc_or_none(r["removed_at"])))
               is not None]
        out.append(PartnerTimings(
            partner=partner, direction=direction, referrals=len(rs), acknowledged=len(ack), removed=len(rem),
            closed=sum(1 for r in rs if r["closed_at"] is not None),
            median_hours_to_acknowledge=round(statistics.median(ack), 6) if ack else None,
            median_hours_to_remove=round(statistics.median(rem), 6) if rem else None))
    return out
