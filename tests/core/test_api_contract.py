"""The API's contract with integrators: every route declares what it answers, and every error,
whatever its status, comes back in the one documented shape (`tutela.api.errors.ErrorBody`)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tutela.api.errors import CODES, ERROR_RESPONSES, ErrorBody
from tutela.api.limits import MAX_TEXTS_PER_REQUEST

#: JSON answers without a model of ours, on purpose, each with why: documents in a format someone else
#: defines, or signed by their issuer and passed on as they are. New routes join only with a reason as good.
UNTYPED_ON_PURPOSE = {
    ("get", "/v1/exchange/identity/document"): "signed by its issuer; passed on exactly as signed",
    ("get", "/v1/cases/{case_id}/export/{fmt}"): "NCMEC CyberTipline or DSA transparency database format",
    ("get", "/taxii2/"): "TAXII 2.1 discovery, answered as application/taxii+json",
    ("get", "/taxii2/api/"): "TAXII 2.1 API root, answered as application/taxii+json",
    ("get", "/taxii2/api/collections/"): "TAXII 2.1 collections, answered as application/taxii+json",
    ("get", "/taxii2/api/collections/{collection_id}/objects/"): "a signed envelope of a STIX bundle, "
    "answered as application/taxii+json",
}


def _typed(schema: dict[str, Any], spec: dict[str, Any]) -> bool:
    """A schema that names its fields: a model, a list of models, or a typed scalar or mapping."""
    if "$ref" in schema:
        return True
    if schema.get("type") == "array":
        return _typed(schema.get("items") or {}, spec)
    if schema.get("type") == "object":
        extra = schema.get("additionalProperties")
        return bool(schema.get("properties")) or isinstance(extra, dict)
    return schema.get("type") in {"string", "integer", "number", "boolean"}


@pytest.fixture()
def spec(app) -> dict[str, Any]:
    return app.openapi()


def _operations(spec: dict[str, Any]):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method, path, op


def test_every_route_declares_a_typed_answer(spec):
    untyped = []
    for method, path, op in _operations(spec):
        if (method, path) in UNTYPED_ON_PURPOSE:
            continue
        ok = [r for code, r in op["responses"].items() if code.startswith("2")]
        assert ok, f"{method} {path} documents no success answer"
        for r in ok:
            for media, content in (r.get("content") or {}).items():
                schema = content.get("schema") or {}
                if media == "application/json" and not _typed(schema, spec):
                    untyped.append(f"{method.upper()} {path}: {schema}")
    assert not untyped, "routes without a response model:\n" + "\n".join(untyped)


def test_the_untyped_routes_exist(spec):
    """The list of exceptions does not outlive its routes."""
    routes = {(method, path) for method, path, _ in _operations(spec)}
    assert set(UNTYPED_ON_PURPOSE) <= routes, set(UNTYPED_ON_PURPOSE) - routes


def test_every_route_documents_the_error_shape(spec):
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # FastAPI's own 422 shape is not ours
    for method, path, op in _operations(spec):
        for status in ERROR_RESPONSES:
            response = op["responses"].get(str(status))
            assert response is not None, f"{method} {path} does not document {status}"
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)


def _assert_shape(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error", "code", "details"}, body
    ErrorBody.model_validate(body)
    assert body["code"] == CODES[status] and body["error"]
    return body


def test_every_error_status_answers_in_the_one_shape(app, client, auth, settings):
    cases_key = auth("Platform A", ["cases"])
    reports_key = auth("Platform A", ["reports"])

    _assert_shape(client.get("/v1/cases"), 401)
    _assert_shape(client.get("/v1/cases", headers=auth("Platform A", ["analyze"])), 403)
    _assert_shape(client.get("/v1/cases/999999", headers=cases_key), 404)
    _assert_shape(client.get("/v1/no-such-thing", headers=cases_key), 404)
    _assert_shape(client.delete("/v1/cases/stats", headers=cases_key), 405)
    _assert_shape(client.post("/v1/banks/any/import?format=nonsense", content=b"x",
                              headers=auth("Platform A", ["banks"])), 400)
    _assert_shape(client.post("/v1/reports", content=b"hello", headers=reports_key | {"content-type": "text/plain"}),
                  415)

    invalid = _assert_shape(client.post("/v1/analyze/text", json={"texts": "not a list"},
                                        headers=auth("Platform A", ["analyze"])), 422)
    assert invalid["details"] and {"loc", "msg", "type"} <= set(invalid["details"][0])

    too_many = _assert_shape(client.post("/v1/analyze/text", json={"texts": ["hi"] * (MAX_TEXTS_PER_REQUEST + 1)},
                                         headers=auth("Platform A", ["analyze"])), 413)
    assert too_many["details"] == {"limit": MAX_TEXTS_PER_REQUEST}

    keyed = reports_key | {"Idempotency-Key": "contract-1"}
    first = client.post("/v1/reports", json={"category": "fraud", "description": "an invented prize link"},
                        headers=keyed)
    assert first.status_code == 201, first.text
    _assert_shape(client.post("/v1/reports", json={"category": "fraud", "description": "another invented text"},
                              headers=keyed), 409)
    moved = client.post(f"/v1/cases/{first.json()['case_id']}/transition", json={"to_status": "no-such-status"},
                        headers=cases_key)
    _assert_shape(moved, 409)

    settings.rate_limits = {"report.status": 1}
    code = first.json()["reference_code"]
    client.get(f"/v1/reports/{code}/status")
    limited = client.get(f"/v1/reports/{code}/status")
    _assert_shape(limited, 429)
    assert int(limited.headers["Retry-After"]) > 0


def test_an_error_of_our_own_is_a_500_in_the_one_shape(app):
    def broken() -> None:
        raise RuntimeError("a bug, with internals the caller must not see: /srv/tutela/secret")

    app.add_api_route("/v1/broken-for-this-test", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        body = _assert_shape(client.get("/v1/broken-for-this-test"), 500)
    assert "secret" not in body["error"]
