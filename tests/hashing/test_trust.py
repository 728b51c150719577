"""Trust between organisations (issue 10): another tenant's bank changes nobody's decisions without a subscription.

Each test replays an attack found against a running instance and shows it now fails, on SQLite and
(with TUTELA_TEST_POSTGRES_URL) on PostgreSQL. Banks the attacker could make public before the fix are
made public here by the operator (`org_id=None`), as a database from before the fix would hold them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tutela.access import Principal, create_org
from tutela.cases import audit
from tutela.domain.errors import ErrorKind
from tutela.domain.policy import Action
from tutela.hashing import hash_bytes
from tutela.hashing.banks import BankError, add_entries, create_bank, list_entries, update_bank
from tutela.hashing.subscriptions import list_subscriptions, subscribe, unsubscribe
from tutela.hashing.synthetic import encode, synthetic_image
from tutela.policy.service import moderate
from tutela.storage.db import Database
from tutela.storage.tables.cases import cases


@pytest.fixture(params=["sqlite", "postgres"])
def anydb(request: pytest.FixtureRequest) -> Database:
    return request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")


def _image(seed: int) -> bytes:
    return encode(synthetic_image(seed, (320, 240)), "PNG")


def _rows(data: bytes, label: str) -> list[tuple[str, str, str]]:
    h = hash_bytes(data)
    return [("pdq", h.pdq, label), ("md5", h.md5, label)]


def _principal(org_id: int, name: str) -> Principal:
    return Principal(org_id, name, frozenset({"moderate"}), key_id=f"test-{name}")


def _decide(db: Database, settings, org_id: int, name: str, data: bytes):
    return moderate(data, {"recipient": {"age": 30}}, db=db, settings=settings, principal=_principal(org_id, name),
                    sync_log=True)


def _cases_of(db: Database, org_id: int) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(cases).where(cases.c.org_id == org_id)).scalar_one())


@pytest.fixture()
def orgs(anydb: Database) -> dict[str, int]:
    return {
        "hotline": create_org(anydb, "hotline", kind="hotline"),
        "attacker": create_org(anydb, "attacker-platform"),
        "victim": create_org(anydb, "victim-platform"),
    }


def test_planted_benign_bank_no_longer_turns_block_into_allow(anydb, settings, orgs) -> None:
    known = _image(901)
    own = create_bank(anydb, orgs["hotline"], "hotline-known", org_id=orgs["hotline"])
    add_entries(anydb, own.id, _rows(known, "known-901"), org_id=orgs["hotline"])
    assert _decide(anydb, settings, orgs["hotline"], "hotline", known).decision is Action.BLOCK

    # the attack: a benign bank listing the hotline's known image, public (as a key could make it before
    # the fix) and also shared with the hotline by name
    for name, level, extra in (("planted-public", "public", {}),
                               ("planted-shared", "shared", {"shared_with": [orgs["hotline"]]})):
        bank = create_bank(anydb, orgs["attacker"], name, kind="benign", share_level=level, **extra)
        add_entries(anydb, bank.id, _rows(known, "harmless"), org_id=orgs["attacker"])
    d = _decide(anydb, settings, orgs["hotline"], "hotline", known)
    assert d.decision is Action.BLOCK, d.reasons
    assert d.reasons[0].rule == "known-hash-match"

    # subscribing in review mode still cannot turn the block into an allow
    subscribe(anydb, orgs["hotline"], "planted-public")
    assert _decide(anydb, settings, orgs["hotline"], "hotline", known).decision is Action.BLOCK
    # only the receiver's explicit trust (enforce) lets another organisation's benign bank suppress its matches
    subscribe(anydb, orgs["hotline"], "planted-public", mode="enforce")
    assert _decide(anydb, settings, orgs["hotline"], "hotline", known).decision is Action.ALLOW
    assert unsubscribe(anydb, orgs["hotline"], "planted-public")
    assert _decide(anydb, settings, orgs["hotline"], "hotline", known).decision is Action.BLOCK


def test_planted_known_bank_no_longer_blocks_others_or_fills_their_queue(anydb, settings, orgs) -> None:
    harmless = _image(902)
    planted = create_bank(anydb, orgs["attacker"], "planted-known", share_level="public")
    add_entries(anydb, planted.id, _rows(harmless, "not really"), org_id=orgs["attacker"])
    shared = create_bank(anydb, orgs["attacker"], "planted-shared", share_level="shared",
                         shared_with=[orgs["victim"]], org_id=orgs["attacker"])
    add_entries(anydb, shared.id, _rows(harmless, "not really"), org_id=orgs["attacker"])

    d = _decide(anydb, settings, orgs["victim"], "victim", harmless)
    assert d.decision is Action.ALLOW and not d.case_refs
    assert _cases_of(anydb, orgs["victim"]) == 0
    # the owner's own decisions still use it
    assert _decide(anydb, settings, orgs["attacker"], "attacker", harmless).decision is Action.BLOCK

    # a subscription in the default mode sends matches to review: held and a case opened, never blocked
    sub = subscribe(anydb, orgs["victim"], planted.id)
    assert sub.mode.value == "review" and sub.active
    d = _decide(anydb, settings, orgs["victim"], "victim", harmless)
    assert d.decision is Action.HOLD_FOR_REVIEW and Action.BLOCK not in d.actions
    assert [r.rule for r in d.reasons] == ["subscribed-hash-match-review"]
    assert "trust review" in d.reasons[0].evidence[0]
    assert d.case_refs and _cases_of(anydb, orgs["victim"]) == 1
    # enforce: the receiver trusts the bank like its own
    subscribe(anydb, orgs["victim"], planted.id, mode="enforce")
    assert _decide(anydb, settings, orgs["victim"], "victim", harmless).decision is Action.BLOCK
    # a policy may also decide to block on review matches itself
    strict = ("policy: strict\nrules:\n  - id: any-subscribed\n    when: {hash_match: {trust: [review, enforce]}}\n"
              "    then: [block]\n")
    subscribe(anydb, orgs["victim"], planted.id, mode="review")
    d = moderate(harmless, db=anydb, settings=settings, org_id=orgs["victim"], policy=strict, side_effects=False)
    assert d.decision is Action.BLOCK


def test_only_the_operator_makes_a_bank_public(anydb, orgs) -> None:
    with pytest.raises(BankError) as info:
        create_bank(anydb, orgs["attacker"], "everyone", share_level="public", org_id=orgs["attacker"])
    assert info.value.kind is ErrorKind.FORBIDDEN and "operator" in str(info.value)
    bank = create_bank(anydb, orgs["attacker"], "mine", org_id=orgs["attacker"])
    with pytest.raises(BankError) as info:
        update_bank(anydb, bank.id, org_id=orgs["attacker"], share_level="public")
    assert info.value.kind is ErrorKind.FORBIDDEN
    with pytest.raises(BankError) as info:
        create_bank(anydb, orgs["hotline"], "for-someone-else", org_id=orgs["attacker"])
    assert info.value.kind is ErrorKind.FORBIDDEN
    assert update_bank(anydb, bank.id, share_level="public").share_level.value == "public"  # the operator
    # the owner may still change the public bank's other settings, and take it back to private
    assert update_bank(anydb, bank.id, org_id=orgs["attacker"], pdq_radius=20).pdq_radius == 20
    assert update_bank(anydb, bank.id, org_id=orgs["attacker"], share_level="private").share_level.value == "private"


def test_subscriptions_and_entries_are_audited(anydb, orgs) -> None:
    bank = create_bank(anydb, orgs["hotline"], "list", share_level="shared", shared_with=[orgs["victim"]],
                       org_id=orgs["hotline"], actor="key:hot1")
    add_entries(anydb, bank.id, _rows(_image(903), "e1"), org_id=orgs["hotline"], actor="key:hot1")
    add_entries(anydb, bank.id, _rows(_image(904), "e2"), actor=None)  # the operator's CLI import
    with pytest.raises(BankError):
        subscribe(anydb, orgs["attacker"], bank.id)  # not shared with it: as if it did not exist
    with pytest.raises(BankError):
        subscribe(anydb, orgs["hotline"], bank.id)  # own banks take no subscription
    with pytest.raises(BankError):
        subscribe(anydb, orgs["victim"], bank.id, mode="trust-me")
    subscribe(anydb, orgs["victim"], bank.id, actor="key:vic1")
    subscribe(anydb, orgs["victim"], bank.id, mode="enforce", actor="key:vic1")
    assert unsubscribe(anydb, orgs["victim"], "list", actor="key:vic1")
    assert not unsubscribe(anydb, orgs["victim"], "list")
    assert list_subscriptions(anydb, orgs["victim"]) == []

    owner_view = list_entries(anydb, bank.id, org_id=orgs["hotline"])
    assert [e.added_by for e in owner_view] == ["key:hot1", "key:hot1", "operator", "operator"]
    assert all(e.added_by is None for e in list_entries(anydb, bank.id, org_id=orgs["victim"]))

    trail = [(e["actor"], e["action"], e["org_id"]) for e in reversed(audit.entries(anydb, object_type="hash_bank"))]
    assert trail == [
        ("key:hot1", "bank.create", orgs["hotline"]),
        ("key:hot1", "bank.entries_add", orgs["hotline"]),
        ("operator", "bank.entries_add", orgs["hotline"]),
        ("key:vic1", "bank.subscribe", orgs["victim"]),
        ("key:vic1", "bank.subscription_mode", orgs["victim"]),
        ("key:vic1", "bank.unsubscribe", orgs["victim"]),
    ]
    assert audit.verify(anydb).ok


def test_subscriptions_over_http(client, auth, db) -> None:
    hot = auth("hotline-h", ["banks", "media", "moderate"], kind="hotline")
    other = auth("platform-h", ["banks", "media", "moderate"])
    res = client.post("/v1/banks", json={"name": "everyone", "share_level": "public"}, headers=hot)
    assert res.status_code == 403 and "operator" in res.json()["error"]
    res = client.post("/v1/banks", json={"name": "hot-list"}, headers=hot)
    bank_id = res.json()["id"]
    data = _image(905)
    h = hash_bytes(data)
    client.post(f"/v1/banks/{bank_id}/entries", json={"entries": [{"signal_type": "md5", "value": h.md5}]},
                headers=hot)
    assert client.patch(f"/v1/banks/{bank_id}", json={"share_level": "public"}, headers=hot).status_code == 403
    update_bank(db, bank_id, share_level="public")  # the operator

    import base64

    body = {"media_base64": base64.b64encode(data).decode(), "filename": "x.png"}
    assert client.post("/v1/moderate", json=body, headers=other).json()["decision"] == "allow"
    assert client.put(f"/v1/banks/{bank_id}/subscription", json={"mode": "always"}, headers=other).status_code == 422
    res = client.put(f"/v1/banks/{bank_id}/subscription", json={"mode": "review"}, headers=other)
    assert res.status_code == 200 and res.json()["active"]
    assert client.put(f"/v1/banks/{bank_id}/subscription", json={}, headers=hot).status_code == 400
    subs = client.get("/v1/banks/subscriptions", headers=other).json()["subscriptions"]
    assert [(s["bank"], s["mode"]) for s in subs] == [("hot-list", "review")]
    assert client.get("/v1/banks/subscriptions", headers=hot).json()["subscriptions"] == []
    d = client.post("/v1/moderate", json=body, headers=other).json()
    assert d["decision"] == "hold_for_review" and "open_case" in d["actions"], d
    assert client.delete(f"/v1/banks/{bank_id}/subscription", headers=other).status_code == 200
    assert client.delete(f"/v1/banks/{bank_id}/subscription", headers=other).status_code == 404
    assert client.post("/v1/moderate", json=body, headers=other).json()["decision"] == "allow"


def test_operator_cli_shares_and_subscribes(db) -> None:  # noqa: ANN001
    import json

    from typer.testing import CliRunner

    from tutela.cli.main import app

    runner = CliRunner()
    create_org(db, "cli-hot", kind="hotline")
    create_org(db, "cli-platform")
    res = runner.invoke(app, ["bank", "create", "cli-public", "--org", "cli-hot", "--share-level", "public"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["bank", "create", "cli-private", "--org", "cli-hot"])
    res = runner.invoke(app, ["bank", "share", "cli-private", "shared", "--with", "cli-platform"])
    assert res.exit_code == 0 and "shared" in res.output, res.output
    res = runner.invoke(app, ["bank", "subscribe", "cli-public", "--org", "cli-platform", "--mode", "enforce"])
    assert res.exit_code == 0 and "enforce" in res.output, res.output
    res = runner.invoke(app, ["bank", "subscribe", "cli-private", "--org", "cli-platform"])
    assert res.exit_code == 0 and "review" in res.output, res.output
    assert runner.invoke(app, ["bank", "subscribe", "cli-public", "--org", "cli-platform", "--mode", "x"]).exit_code
    res = runner.invoke(app, ["bank", "subscriptions", "--org", "cli-platform", "--json"])
    subs = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(s["bank"], s["mode"], s["created_by"]) for s in subs] == [
        ("cli-public", "enforce", "operator"), ("cli-private", "review", "operator")]
    assert runner.invoke(app, ["bank", "unsubscribe", "cli-public", "--org", "cli-platform"]).exit_code == 0
    assert runner.invoke(app, ["bank", "unsubscribe", "cli-public", "--org", "cli-platform"]).exit_code != 0
    assert [s.bank for s in list_subscriptions(db)] == ["cli-private"]


def test_the_reported_attack_over_http_fails(client, auth, db) -> None:  # noqa: ANN001
    """The attack as reported: a platform's `banks` key plants a public benign bank with a hotline's
    known image; the hotline's own /v1/moderate call used to turn from block into allow."""
    import base64

    from tutela.access import get_org

    hot = auth("hotline-x", ["banks", "moderate"], kind="hotline")
    attacker = auth("attacker-x", ["banks", "admin"])
    known = _image(906)
    h = hash_bytes(known)
    bank_id = client.post("/v1/banks", json={"name": "hot-known"}, headers=hot).json()["id"]
    client.post(f"/v1/banks/{bank_id}/entries", json={"entries": [{"value": h.pdq}, {"signal_type": "md5",
                                                                                      "value": h.md5}]}, headers=hot)
    body = {"media_base64": base64.b64encode(known).decode(), "filename": "k.png"}
    assert client.post("/v1/moderate", json=body, headers=hot).json()["decision"] == "block"

    res = client.post("/v1/banks", json={"name": "planted", "kind": "benign", "share_level": "public"},
                      headers=attacker)
    assert res.status_code == 403, "even an admin-scoped key of an organisation cannot make a public bank"
    hot_id = get_org(db, "hotline-x")["id"]
    res = client.post("/v1/banks", json={"name": "planted", "kind": "benign", "share_level": "shared",
                                         "shared_with": [hot_id]}, headers=attacker)
    assert res.status_code == 201
    planted = res.json()["id"]
    client.post(f"/v1/banks/{planted}/entries", json={"entries": [{"value": h.pdq}, {"signal_type": "md5",
                                                                                     "value": h.md5}]},
                headers=attacker)
    d = client.post("/v1/moderate", json=body, headers=hot).json()
    assert d["decision"] == "block" and d["reasons"][0]["rule"] == "known-hash-match", d
