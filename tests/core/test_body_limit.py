"""Oversized request bodies are refused before any route reads them."""

from tutela.api.app import create_app
from tutela.api.limits import body_cap
from tutela.config import Settings


def _client(settings: Settings, db, max_upload: int):
    from fastapi.testclient import TestClient

    small = Settings(data_dir=settings.data_dir, max_upload_bytes=max_upload)
    return TestClient(create_app(small, db))


def test_announced_oversize_body_is_refused_with_json_413(settings, db):
    with _client(settings, db, 1000) as c:
        r = c.post("/v1/analyze/text", content=b"x" * (body_cap(1000) + 1),
                   headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "too large" in r.json()["error"]


def test_streamed_oversize_body_without_length_is_refused(settings, db):
    def chunks():
        for _ in range(40):
            yield b"y" * 65536

    with _client(settings, db, 1000) as c:
        r = c.post("/v1/analyze/text", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_bodies_under_the_cap_reach_the_route(settings, db, make_key):
    key = make_key("org", ["analyze"])
    with _client(settings, db, 1000) as c:
        r = c.post("/v1/analyze/text", json={"text": "hello there"}, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200
    assert r.json()["results"][0]["lang"]
