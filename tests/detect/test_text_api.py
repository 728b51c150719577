"""HTTP contract of POST /v1/analyze/text."""

from __future__ import annotations

from tutela.domain.taxonomy import CATEGORIES

URL = "/v1/analyze/text"


def test_single_text(client, auth) -> None:
    r = client.post(URL, json={"text": "send me a pic, dont tell your mom"}, headers=auth(scopes=["analyze"]))
    assert r.status_code == 200, r.text
    (res,) = r.json()["results"]
    assert set(res) >= {"lang", "scores", "flags"}
    assert set(res["scores"]) == {c.value for c in CATEGORIES}
    assert "sexual_exploitation" in res["flags"]
    assert res["explanations"]


def test_batch_with_ids_keeps_order_and_errors_in_place(client, auth) -> None:
    items = [{"id": "a", "text": "hello"}, {"id": 7, "text": ""}, {"id": "c", "text": "ты тупой урод"}]
    r = client.post(URL, json={"items": items, "explain": False}, headers=auth(scopes=["analyze"]))
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x["id"] for x in res] == ["a", 7, "c"]
    assert res[1]["error"] == "empty text"
    assert "cyberbullying" in res[2]["flags"]
    assert "explanations" not in res[2]


def test_texts_form(client, auth) -> None:
    r = client.post(URL, json={"texts": ["one", "two"]}, headers=auth(scopes=["analyze"]))
    assert r.status_code == 200
    assert len(r.json()["results"]) == 2


def test_needs_the_analyze_scope(client, auth) -> None:
    assert client.post(URL, json={"text": "hi"}).status_code == 401
    assert client.post(URL, json={"text": "hi"}, headers=auth(scopes=["cases"])).status_code == 403


def test_bad_bodies_are_clear_422s(client, auth) -> None:
    h = auth(scopes=["analyze"])
    for body in [{}, {"text": "a", "texts": ["b"]}, {"text": 5}, {"items": [{"id": 1}]}]:
        r = client.post(URL, json=body, headers=h)
        assert r.status_code == 422, body
        assert "error" in r.json()


def test_batch_cap_is_413(client, auth) -> None:
    r = client.post(URL, json={"texts": ["x"] * 1001}, headers=auth(scopes=["analyze"]))
    assert r.status_code == 413
    assert "limit" in r.json()["error"]


def test_openapi_documents_the_route(client) -> None:
    spec = client.get("/openapi.json").json()
    op = spec["paths"][URL]["post"]
    assert "requestBody" in op
    assert "AnalyzeTextRequest" in str(op["requestBody"])
