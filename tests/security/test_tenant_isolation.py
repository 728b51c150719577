"""Tenant isolation, walked route by route (issue #10): every `/v1` route the app serves is called
with another organisation's key (all scopes) on the first organisation's objects and on ids that
do not exist. The answers must be the same for both (nothing says "this exists, but not for you"),
must never carry the first organisation's data, and must change none of it.

Routes are enumerated from `app.routes`, so a new route is walked without touching this test; a
route with a path parameter this test does not know fails it, with the name to add below.
"""

from __future__ import annotations

import re
from typing import Any

from tutela.access import SCOPES

SECRET = "zq-secret-marker"  # in every value of organisation A that could leak
MISSING = {"int": "999999", "str": "no-such-thing-42"}

#: Capability routes: the reference code is the secret that grants access (by design).
CAPABILITY = {"/v1/reports/{reference_code}/status", "/v1/reports/{reference_code}/appeal"}

#: Bodies that get past validation, so the walk reaches the lookup (default: {}).
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/v1/cases/{case_id}/transition"): {"to_status": "triaged"},
    ("POST", "/v1/cases/{case_id}/assign"): {"user_id": None},
    ("POST", "/v1/cases/{case_id}/notes"): {"text": "a note"},
    ("POST", "/v1/cases/{case_id}/legal-hold"): {"on": True},
    ("POST", "/v1/appeals/{appeal_id}/decision"): {"upheld": True},
    ("POST", "/v1/referrals/{referral_id}/status"): {"status": "acknowledged"},
    ("PATCH", "/v1/banks/{bank}"): {"enabled": False},
    ("POST", "/v1/banks/{bank}/entries"): {"entries": [{"signal_type": "sha256", "value": "c" * 64}]},
    ("DELETE", "/v1/banks/{bank}/entries"): {"values": ["a" * 64]},
    ("PUT", "/v1/banks/{bank}/subscription"): {"mode": "review"},
    ("POST", "/v1/conversations/{conversation_id}/messages"): {"sender": "b-sender", "text": "hi"},
}


def _routes(app: Any) -> list[tuple[str, str]]:
    def flat(routes: Any) -> Any:
        for r in routes:
            if hasattr(r, "original_router"):
                yield from flat(r.original_router.routes)
            else:
                yield r

    out = []
    for r in flat(app.routes):
        path = getattr(r, "path", "") or ""
        if path.startswith("/v1"):
            out.extend((m, re.sub(r":\w+}", "}", path)) for m in sorted(getattr(r, "methods", ()) or ()))
    return out


def _setup_a(c: Any, h: dict[str, str]) -> dict[str, str]:
    """Organisation A's objects, one of each kind a path can name."""
    r = c.post("/v1/reports", headers=h, files={"files": (f"{SECRET}.txt", b"evidence", "text/plain")},
               data={"category": "fraud", "description": f"he asked for money {SECRET}"})
    assert r.status_code == 201, r.text
    code = r.json()["reference_code"]
    case_id = c.get("/v1/cases", headers=h).json()[0]["id"]
    detail = c.get(f"/v1/cases/{case_id}", headers=h).json()
    assert c.post(f"/v1/cases/{case_id}/notes", json={"text": f"note {SECRET}"}, headers=h).status_code == 201
    refs = c.post(f"/v1/cases/{case_id}/referrals", json={}, headers=h).json()
    c.post(f"/v1/cases/{case_id}/transition", json={"to_status": "closed", "outcome": "no_violation"}, headers=h)
    appeal = c.post(f"/v1/reports/{code}/appeal", json={"reason": f"please look again {SECRET}"}).json()
    assert c.post("/v1/banks", json={"name": f"bank-{SECRET}"}, headers=h).status_code == 201
    c.post(f"/v1/banks/bank-{SECRET}/entries", json={"entries": [{"signal_type": "sha256", "value": "a" * 64,
                                                                   "label": SECRET}]}, headers=h)
    policy = c.put("/v1/policies", content=c.get("/v1/policies/default", headers=h).content,
                   headers=h | {"content-type": "application/yaml"}).json()
    c.post(f"/v1/conversations/conv-{SECRET}/messages", json={"sender": f"acct-{SECRET}", "text": "hello"},
           headers=h)
    decision = c.post("/v1/moderate", json={"text": "hello there"}, headers=h).json()
    example = c.post("/v1/examples", json={"category": "ordinary", "label": "benign", "text": f"hi {SECRET}"},
                     headers=h).json()
    key_id = c.get("/v1/keys", headers=h).json()[0]["key_id"]
    partner_key = c.get("/v1/exchange/identity", headers=h).json()["public_key"]  # any valid key will do
    assert c.post("/v1/exchange/partners", json={"name": f"partner-{SECRET}", "public_key": partner_key},
                  headers=h).status_code == 201
    notice = c.post("/v1/oversight/notices", json={"platform": "Platform C", "legal_ground": "Art. 16 DSA",
                                                  "what": f"remove {SECRET}", "category": "cyberbullying",
                                                  "deadline_hours": 24}, headers=h)
    assert notice.status_code == 201, notice.text
    return {
        "case_id": str(case_id), "notice_id": str(notice.json()["id"]), "evidence_id": str(detail["evidence"][0]["id"]),
        "referral_id": str(refs[0]["id"]) if isinstance(refs, list) and refs else MISSING["int"],
        "appeal_id": str(appeal.get("appeal_id", MISSING["int"])), "version": str(policy["version"]),
        "bank": f"bank-{SECRET}", "conversation_id": f"conv-{SECRET}", "account_id": f"acct-{SECRET}",
        "decision_id": decision["id"], "example_id": str(example.get("id", MISSING["int"])),
        "key_id": key_id, "reference_code": code, "fmt": "dsa", "partner": f"partner-{SECRET}",
        "stix_id": f"indicator--{SECRET}",
    }


def _fill(path: str, values: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        assert name in values, f"teach tests/security/test_tenant_isolation.py the path parameter {name!r}"
        return values[name]

    return re.sub(r"{(\w+)}", one, path)


def _missing(a: dict[str, str]) -> dict[str, str]:
    out = {k: (MISSING["int"] if v.isdigit() else MISSING["str"]) for k, v in a.items()}
    out["fmt"] = "dsa"
    return out


def test_every_v1_route_with_another_tenants_key(backend):
    c = backend.client
    a_key = backend.auth("Hotline A", sorted(SCOPES), "hotline")
    backend.auth("Platform C", [], "platform")  # receives A's notice; B is a bystander to it
    theirs = _setup_a(c, a_key)
    missing = _missing(theirs)
    b_key = backend.auth("Platform B", sorted(SCOPES))
    routes = _routes(c.app)
    assert len(routes) > 40
    walked = 0
    for method, path in routes:
        if path in CAPABILITY:
            continue
        body = BODIES.get((method, path), {} if method in ("POST", "PUT", "PATCH", "DELETE") else None)
        a = c.request(method, _fill(path, theirs), json=body, headers=b_key)
        walked += 1
        echoed = a.text  # the caller's own input may come back; anything else of A's may not
        for name in re.findall(r"{(\w+)}", path):
            echoed = echoed.replace(theirs[name], "")
        assert SECRET not in echoed, (method, path, a.text[:300])
        if "{" not in path:
            continue  # lists and actions on the caller's own things: checked for leaks above
        b = c.request(method, _fill(path, missing), json=body, headers=b_key)
        assert a.status_code == b.status_code, (method, path, a.status_code, a.text[:200], b.text[:200])
        if a.status_code >= 400:  # the same words, but for the id the caller sent itself
            norm_a, norm_b = a.text, b.text
            for name in re.findall(r"{(\w+)}", path):
                norm_a, norm_b = norm_a.replace(theirs[name], "ID"), norm_b.replace(missing[name], "ID")
            assert norm_a == norm_b, (method, path, a.text[:200], b.text[:200])
    assert walked > 40

    # and nothing of A's changed
    case = c.get(f"/v1/cases/{theirs['case_id']}", headers=a_key).json()
    assert [n["text"] for n in case["notes"]].count(f"note {SECRET}") == 1
    assert not case.get("legal_hold")
    bank = c.get(f"/v1/banks/{theirs['bank']}", headers=a_key).json()
    assert bank["enabled"] and bank["entries"] == 1
    risk = c.get(f"/v1/conversations/{theirs['conversation_id']}/risk", headers=a_key).json()
    assert risk["message_count"] == 1
    assert c.get("/v1/policies", headers=a_key).json()["versions"]
    assert c.get("/v1/keys", headers=a_key).status_code == 200  # A's key was not revoked by B
