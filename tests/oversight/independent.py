"""The measures computed the plain way, straight from the raw rows, to check the rollups against.

Written apart from `tutela.oversight.rollup` on purpose: one loop per table, no histograms, exact
percentiles. Definitions (see docs/oversight.md): a case's platform is its owner when the owner is a
platform, else the platform of its first notice, else the target of its first referral to a
platform; time to acknowledge runs from the first referral or notice sent to the first
acknowledgement; time to removal from the case's creation to the first removal.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from tutela.storage.db import Database


def _t(v: Any) -> datetime | None:
    if v is None:
        return None
    if isinstance(v, str):
        v = datetime.fromisoformat(v)
    return v if v.tzinfo else v.replace(tzinfo=UTC)


def rows(db: Database, sql: str) -> list[dict[str, Any]]:
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql)).mappings()]


def per_case(db: Database) -> list[dict[str, Any]]:
    """One dict per case: its dimensions and its own figures."""
    kinds = {r["id"]: r["kind"] for r in rows(db, "SELECT id, kind FROM orgs")}
    reps = defaultdict(list)
    for r in rows(db, "SELECT case_id, language, analysis FROM reports ORDER BY id"):
        reps[r["case_id"]].append(r)
    refs = defaultdict(list)
    for r in rows(db, "SELECT * FROM referrals ORDER BY id"):
        refs[r["case_id"]].append(r)
    nots = defaultdict(list)
    for r in rows(db, "SELECT * FROM oversight_notices ORDER BY id"):
        if r["case_id"] is not None:
            nots[r["case_id"]].append(r)
    xs = defaultdict(list)
    for r in rows(db, "SELECT * FROM exchange_referrals WHERE direction = 'out' ORDER BY id"):
        if r["case_id"] is not None:
            xs[r["case_id"]].append(r)
    apps = defaultdict(list)
    for r in rows(db, "SELECT case_id, status FROM case_appeals"):
        apps[r["case_id"]].append(r["status"])
    seen: set[tuple] = set()
    repeat: set[int] = set()
    for r in rows(db, "SELECT org_id, value, case_id FROM case_keys WHERE kind = 'account' ORDER BY case_id"):
        key = (r["org_id"], r["value"])
        if key in seen:
            repeat.add(r["case_id"])
        seen.add(key)
    out = []
    for c in rows(db, "SELECT * FROM cases ORDER BY id"):
        cid = c["id"]
        if kinds[c["org_id"]] == "platform":
            platform = c["org_id"]
        elif nots[cid]:
            platform = nots[cid][0]["platform_org_id"]
        else:
            platform = next((r["target_org_id"] for r in refs[cid] if r["target_org_id"]
                             and (r["agency_kind"] == "platform" or kinds.get(r["target_org_id"]) == "platform")), 0)
        analysis = [r["analysis"] for r in reps[cid]]
        hashed = any("hash_banks" in (a if isinstance(a, str) else str(a)) for a in analysis)
        sent = [_t(x["sent_at"]) for x in refs[cid] + nots[cid] + xs[cid] if x["sent_at"]]
        acked = [_t(x["acknowledged_at"]) for x in refs[cid] + nots[cid] + xs[cid] if x["acknowledged_at"]]
        removed = [_t(r["content_removed_at"]) for r in refs[cid] if r["content_removed_at"]]
        removed += [_t(x["removed_at"]) for x in xs[cid] if x["removed_at"]]
        removed += [_t(n["actioned_at"]) for n in nots[cid] if n["actioned_at"] and n["action"] == "content_removed"]
        if platform == c["org_id"] and c["outcome"] == "content_removed" and c["closed_at"]:
            removed.append(_t(c["closed_at"]))
        created = _t(c["created_at"])
        out.append({
            "org_id": c["org_id"], "platform": platform, "category": c["category"], "country": c["country"] or "",
            "language": (reps[cid][0]["language"] or "") if reps[cid] else "", "month": created.strftime("%Y-%m"),
            "reports": c["report_count"],
            "referrals": len(refs[cid]) + sum(1 for x in xs[cid] if x["referral_id"] is None), "appeals": len(apps[cid]),
            "reversals": apps[cid].count("upheld"), "repeat": cid in repeat, "hash": hashed,
            "actioned": c["outcome"] in ("content_removed", "account_actioned"),
            "ack_h": max(0.0, (min(acked) - min(sent)).total_seconds()) / 3600 if sent and acked else None,
            "rem_h": max(0.0, (min(removed) - created).total_seconds()) / 3600 if removed else None,
        })
    return out


def notices_plain(db: Database) -> list[dict[str, Any]]:
    out = []
    for n in rows(db, "SELECT * FROM oversight_notices"):
        acted, deadline = _t(n["actioned_at"]), _t(n["deadline_at"])
        sent = _t(n["sent_at"])
        out.append({**n, "month": sent.strftime("%Y-%m"), "met": bool(acted and acted <= deadline),
                    "missed": bool(acted and acted > deadline), "refused_": not acted and n["status"] == "refused",
                    "ack_h": (_t(n["acknowledged_at"]) - sent).total_seconds() / 3600
                    if n["case_id"] is None and n["acknowledged_at"] else None,
                    "rem_h": (acted - sent).total_seconds() / 3600
                    if n["case_id"] is None and acted and n["action"] == "content_removed" else None})
    return out


def nearest_rank(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[max(1, math.ceil(q * len(s))) - 1]
