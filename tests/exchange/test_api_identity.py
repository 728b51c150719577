"""`/v1/exchange/*` for identities and partners: scope `exchange`, one organisation's own partners only."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tutela.exchange import jose


def test_identity_and_partners_over_http(client, auth) -> None:
    a = auth("tr-hotline", ["exchange"])
    ident = client.get("/v1/exchange/identity", headers=a).json()
    assert ident["org"] == "tr-hotline"
    assert jose.thumbprint(jose.parse_public_key(ident["public_key"])) == ident["key_id"]
    key = jose.public_text(Ed25519PrivateKey.generate().public_key())
    res = client.post(
        "/v1/exchange/partners",
        headers=a,
        json={"name": "az-platform", "public_key": key, "share_level": "green"},
    )
    assert res.status_code == 201, res.text
    assert res.json()["share_level"] == "green" and res.json()["may_receive_content"] is False
    again = client.post("/v1/exchange/partners", headers=a, json={"name": "az-platform", "public_key": key})
    assert again.status_code == 409 and "already exists" in again.json()["error"]
    bad = client.post(
        "/v1/exchange/partners", headers=a, json={"name": "x", "public_key": key, "share_level": "x"}
    )
    assert bad.status_code == 400 and "unknown share level" in bad.json()["error"]
    res = client.patch("/v1/exchange/partners/az-platform", headers=a, json={"share_level": "amber+strict"})
    assert res.status_code == 200 and res.json()["share_level"] == "amber+strict"
    assert client.post("/v1/exchange/partners/az-platform/revoke", headers=a, json={}).json()["revoked_at"]
    # another organisation sees none of it
    b = auth("az-platform", ["exchange"])
    assert client.get("/v1/exchange/partners", headers=b).json() == []
    assert client.get("/v1/exchange/partners/az-platform", headers=b).status_code == 404


def test_exchange_needs_its_scope(client, auth) -> None:
    h = auth("tr-hotline", ["cases"])
    res = client.get("/v1/exchange/identity", headers=h)
    assert res.status_code == 403 and "exchange" in res.json()["error"]
    assert client.get("/v1/exchange/partners").status_code == 401


def test_key_rotation_over_http(client, auth) -> None:
    a = auth("tr-hotline", ["exchange"])
    first = client.get("/v1/exchange/identity", headers=a).json()
    new = client.post("/v1/exchange/keys/rotate", headers=a, json={"overlap_days": 1}).json()
    assert new["key_id"] != first["key_id"] and new["current"]
    statuses = {k["key_id"]: k for k in client.get("/v1/exchange/keys", headers=a).json()}
    assert statuses[first["key_id"]]["not_after"] is not None
    doc = client.get("/v1/exchange/identity/document", headers=a).json()
    assert doc["endorsements"][0]["statement"]["endorses"]["kid"] == new["key_id"]
