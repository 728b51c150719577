"""Audit witness: partners hold each other's signed audit checkpoints, so a cut trail shows.

Each instance signs checkpoints of its audit chain with its audit key
(`cases.checkpoints`): "the chain had `seq` entries, the newest hash `head`".
Kept only by the instance itself, a checkpoint can be deleted with the entries
it vouches for. Handed to a partner, it cannot: the partner stores every
checkpoint it receives and checks each new one against them. A chain only
grows, so:

- a higher `seq` than any before: `extends`;
- the same `seq` with the same `head`: `same`;
- the same `seq` with another `head`: `forked` (the trail was rewritten);
- a lower `seq` than one already witnessed: `cut` (entries were removed);
- another audit key than the one first seen for that partner: `key_changed`.

Anything but `first`, `extends` and `same` is flagged (console, API, CLI). The
checkpoint travels inside a message sealed with the organisation's exchange
key (`sealed`), so only a registered, unrevoked partner can hand one in, and
its own audit-key signature is checked too. What this cannot show is that the
head a checkpoint names is a true extension of an earlier head: that needs the
entries between them, which stay with their owner (`tutela audit verify`
checks them against its own checkpoints).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select, update

from tutela.access import Forbidden, Principal
from tutela.cases import audit, checkpoints
from tutela.cases.audit_keys import AuditKeyError, public_key_from_b64
from tutela.domain.errors import ErrorKind
from tutela.exchange import sealed
from tutela.exchange.errors import Refused
from tutela.exchange.referrals import WITNESS_INBOX_PATH as INBOX_PATH
from tutela.storage.db import Database
from tutela.storage.tables.crossborder import exchange_referral_messages as messages
from tutela.storage.tables.crossborder import witness_checkpoints as witnessed
from tutela.storage.times import as_utc, utc_now

KIND = "audit-witness"  # the envelope kind
#: A checkpoint says how long a trail is and its newest hash: nothing about any case, so it may go to
#: every partner.
SHARE_LEVEL = "clear"
GOOD = ("first", "extends", "same")


class Witnessed(BaseModel):
    id: int
    partner: str
    seq: int
    head: str
    at: str
    verdict: str
    problem: str | None
    received_at: datetime


class WitnessState(BaseModel):
    """Per partner: what we hold of its trail, and whether it was ever cut."""

    partner: str
    checkpoints: int
    highest_seq: int
    last_received_at: datetime
    signer: str
    problems: int
    last_problem: str | None


def _require(principal: Principal) -> None:
    if principal.role is not None:
        if principal.role not in ("admin", "supervisor"):
            raise Forbidden("audit checkpoints are exchanged by a supervisor or an admin")
    else:
        principal.require("exchange")


def judge(previous: list[dict], seq: int, head: str, signer: str) -> tuple[str, str | None]:
    """The verdict on a new checkpoint given the ones held before (any order); see the module docstring."""
    if not previous:
        return "first", None
    pinned = previous[0]["signer"]
    if signer != pinned:
        return "key_changed", "signed by another audit key than the partner's first checkpoint"
    same_seq = [p for p in previous if p["seq"] == seq]
    if same_seq:
        if all(p["head"] == head for p in same_seq):
            return "same", None
        return "forked", f"entry {seq} now has another head than witnessed before: the trail was rewritten"
    highest = max(p["seq"] for p in previous)
    if seq < highest:
        return "cut", f"the trail ends at entry {seq}, but entry {highest} was witnessed before: it was cut"
    return "extends", None


def send(db: Database, principal: Principal, partner_name: str, *,
         deliver: bool = True) -> dict[str, Any]:
    """Sign a fresh checkpoint of this instance's audit chain and hand it to `partner_name`.

    Answers {"seq", "head", "delivered", "verdict"|"error", "message"}: the sealed message too, so it can
    be handed over as a file when the partner cannot be reached.
    """
    _require(principal)
    partner = sealed.peer(db, principal.org_id, partner_name)
    if partner.revoked_at is not None:
        raise Refused(f"partner {partner.name!r} was revoked: nothing is sent to it")
    fields = audit.checkpoint(db)
    body, env = sealed.seal(db, principal.org_id, KIND, {"checkpoint": fields}, to=partner,
                            share_level=SHARE_LEVEL)
    at = utc_now()
    with audit.writing(db) as conn:
        mid = conn.execute(messages.insert().values(
            org_id=principal.org_id, direction="out", partner=partner.name, message_id=env["nonce"],
            kind="witness", step=str(fields["seq"]), body=body, created_at=at)).inserted_primary_key[0]
        audit.append(conn, actor=principal.actor, org_id=principal.org_id, action="exchange.witness.send",
                     object_type="partner", object_id=partner.name,
                     details={"seq": fields["seq"], "head": fields["head"]})
    out: dict[str, Any] = {"seq": fields["seq"], "head": fields["head"], "delivered": False,
                           "message": json.loads(body)}
    if deliver:
        ok, answer = sealed.deliver(partner.endpoint_url, INBOX_PATH, body)
        with db.begin() as conn:
            conn.execute(update(messages).where(messages.c.id == mid).values(
                delivered_at=utc_now() if ok else None, error=None if ok else str(answer)[:500]))
        out["delivered"] = ok
        if ok and isinstance(answer, dict):
            out["verdict"] = answer.get("verdict")
        elif not ok:
            out["error"] = answer
    return out


def receive(db: Database, body: str | bytes) -> dict[str, Any]:
    """Accept a partner's sealed checkpoint, judge it against those held, keep it. RefusedMessage if
    the message or the checkpoint's own signature does not verify, or it was received before."""
    opened = sealed.open_message(db, body, kinds=(KIND,))
    cp = opened.payload.get("checkpoint")
    if not isinstance(cp, dict):
        raise sealed.RefusedMessage("the witness message carries no checkpoint")
    try:
        seq, head, cp_at, signer = int(cp["seq"]), str(cp["head"]), str(cp["at"]), str(cp["signer"])
        if cp.get("type") != checkpoints.TYPE or len(head) != 64:
            raise ValueError
        key = public_key_from_b64(signer)
    except (KeyError, TypeError, ValueError, AuditKeyError):
        raise sealed.RefusedMessage("the message carries no well-formed audit checkpoint") from None
    if not checkpoints.signature_ok(cp, key):
        raise sealed.RefusedMessage(
            "bad signature: the audit checkpoint was not signed by its audit key", ErrorKind.FORBIDDEN
        )
    at = utc_now()
    with audit.writing(db) as conn:
        sealed.remember(conn, opened)  # a replayed checkpoint is refused here, and would not look like a cut
        conn.execute(messages.insert().values(
            org_id=opened.org_id, direction="in", partner=opened.partner.name, message_id=opened.message_id,
            kind="witness", step=str(seq), body=opened.text, created_at=at, delivered_at=at))
        previous = [dict(r) for r in conn.execute(
            select(witnessed.c.seq, witnessed.c.head, witnessed.c.signer)
            .where(witnessed.c.org_id == opened.org_id, witnessed.c.partner == opened.partner.name)
            .order_by(witnessed.c.id)).mappings()]
        verdict, problem = judge(previous, seq, head, signer)
        wid = conn.execute(witnessed.insert().values(
            org_id=opened.org_id, partner=opened.partner.name, seq=seq, head=head, at=cp_at[:40], signer=signer,
            checkpoint=cp, verdict=verdict, problem=problem, received_at=at)).inserted_primary_key[0]
        audit.append(conn, actor=f"partner:{opened.partner.name}", org_id=opened.org_id,
                     action="exchange.witness.receive", object_type="witness_checkpoint", object_id=wid,
                     details={"seq": seq, "verdict": verdict})
    return {"accepted": True, "seq": seq, "verdict": verdict, "problem": problem}


def witnessed_checkpoints(db: Database, principal: Principal, *, partner: str | None = None,
                          limit: int = 200) -> list[Witnessed]:
    _require(principal)
    q = select(witnessed).where(witnessed.c.org_id == principal.org_id)
    if partner:
        q = q.where(witnessed.c.partner == partner)
    with db.connect() as conn:
        rows = conn.execute(q.order_by(witnessed.c.id.desc()).limit(max(1, min(limit, 1000)))).mappings().all()
    return [Witnessed(id=r["id"], partner=r["partner"], seq=r["seq"], head=r["head"], at=r["at"],
                      verdict=r["verdict"], problem=r["problem"], received_at=as_utc(r["received_at"]))
            for r in rows]


def state(db: Database, principal: Principal) -> list[WitnessState]:
    """One line per partner whose checkpoints we hold: how far its trail went, and any cut."""
    _require(principal)
    w = witnessed
    with db.connect() as conn:
        rows = conn.execute(
            select(w.c.partner, func.count().label("n"), func.max(w.c.seq).label("top"),
                   func.max(w.c.received_at).label("last"), func.min(w.c.signer).label("signer"))
            .where(w.c.org_id == principal.org_id).group_by(w.c.partner).order_by(w.c.partner)).mappings().all()
        bad = {r["partner"]: r for r in conn.execute(
            select(w.c.partner, func.count().label("n"), func.max(w.c.id).label("last_id"))
            .where(w.c.org_id == principal.org_id, w.c.verdict.not_in(GOOD)).group_by(w.c.partner)).mappings()}
        last_problem = {r["partner"]: r["problem"] for r in conn.execute(
            select(w.c.partner, w.c.problem).where(w.c.id.in_([b["last_id"] for b in bad.values()] or [0])))
            .mappings()}
    return [WitnessState(partner=r["partner"], checkpoints=r["n"], highest_seq=r["top"],
                         last_received_at=as_utc(r["last"]), signer=r["signer"],
                         problems=bad[r["partner"]]["n"] if r["partner"] in bad else 0,
                         last_problem=last_problem.get(r["partner"])) for r in rows]
