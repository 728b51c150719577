"""`/v1/exchange` export, import, collections, feedback and precision over HTTP (two tenants)."""

from __future__ import annotations

from tutela.hashing import banks


def _introduce(client, a, b) -> None:  # noqa: ANN001
    ka = client.get("/v1/exchange/identity", headers=a).json()["public_key"]
    kb = client.get("/v1/exchange/identity", headers=b).json()["public_key"]
    assert (
        client.post("/v1/exchange/partners", headers=a, json={"name": "az", "public_key": kb}).status_code
        == 201
    )
    assert (
        client.post("/v1/exchange/partners", headers=b, json={"name": "tr", "public_key": ka}).status_code
        == 201
    )


def test_export_import_and_feedback_over_http(client, auth, db) -> None:  # noqa: ANN001
    a, b = auth("tr", ["exchange", "banks"]), auth("az", ["exchange"])
    _introduce(client, a, b)
    assert client.post("/v1/banks", headers=a, json={"name": "known"}).status_code == 201
    banks.add_entries(db, "known", [("sha256", "a" * 64), ("sha256", "b" * 64)])
    cols = client.post("/v1/exchange/collections", headers=a, json={"bank": "known", "share_level": "green"})
    assert cols.status_code == 201 and cols.json()["live"] == 2
    env = client.post("/v1/exchange/export", headers=a, json={"bank": "known", "to": "az"}).json()
    assert env["share_level"] == "green" and env["to"]
    res = client.post("/v1/exchange/import", headers=b, json={"envelope": env, "from": "tr"})
    assert res.status_code == 200 and res.json()["added"] == 2
    again = client.post("/v1/exchange/import", headers=b, json={"envelope": env, "from": "tr"})
    assert again.status_code == 409 and "replayed" in again.json()["error"]
    stix_id = env["body"]["bundle"]["objects"][-1]["id"]
    res = client.post(
        "/v1/exchange/feedback",
        headers=b,
        json={"stix_id": stix_id, "opinion": "disputed", "reason": "a logo"},
    )
    assert res.status_code == 201
    no_reason = client.post(
        "/v1/exchange/feedback", headers=b, json={"stix_id": stix_id, "opinion": "disputed"}
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]
    prec = client.get("/v1/exchange/precision?direction=sent", headers=b).json()
    assert prec == [{"partner": "tr", "confirmed": 0, "disputed": 1, "seen": 0, "precision": 0.0}]
    # the other tenant's feedback and collections are not visible to A's key as its own
    assert client.get("/v1/exchange/precision?direction=sent", headers=a).json() == []


def test_the_inbox_takes_only_addressed_envelopes(client, auth) -> None:  # noqa: ANN001
    res = client.post("/v1/exchange/inbox", json={"tutela_exchange": 1, "to": None})
    assert res.status_code == 400 and "addressed" in res.json()["error"]
    res = client.post("/v1/exchange/inbox", content=b"{nope")
    assert res.status_code == 400
    res = client.get("/taxii2/api/collections/")
    assert res.status_code == 401 and "Tutela-Signature" in res.json()["error"]
    assert client.get("/taxii2/").json()["api_roots"] == ["/taxii2/api/"]
