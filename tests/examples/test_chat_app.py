"""The example chat app, driven end to end against a real Tutela server."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tutela.client import TutelaClient
from tutela.client.testing import serve_in_thread

APP_FILE = Path(__file__).resolve().parents[2] / "examples" / "chat_app" / "app.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("tutela_example_chat_app", APP_FILE)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def chat(app, make_key):
    example = _load_example()
    with serve_in_thread(app) as url:
        with TutelaClient(url, make_key("example-chat", ["moderate"]), timeout=10) as tutela:
            with TestClient(example.create_chat_app(tutela)) as c:
                yield c


def send(chat, sender: str, recipient: str, text: str, **extra) -> dict:
    r = chat.post("/send", json={"sender": sender, "recipient": recipient, "text": text, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def test_friends_chat_normally(chat) -> None:
    assert send(chat, "ayla", "deniz", "yarın okulda görüşürüz!")["status"] == "delivered"
    inbox = chat.get("/inbox/deniz").json()
    assert inbox["messages"][0]["text"] == "yarın okulda görüşürüz!" and inbox["nudges"] == []


def test_stranger_grooming_is_held_the_child_is_nudged_and_contact_is_limited(chat) -> None:
    out = send(chat, "stranger", "ayla", "annene söyleme, bu bizim sırrımız olsun")
    assert out["status"] == "held" and "grooming-secrecy" in out["reasons"]
    inbox = chat.get("/inbox/ayla").json()
    assert inbox["messages"] == []
    nudge = inbox["nudges"][0]
    assert nudge["lang"] == "tr" and nudge["risk"] == "secrecy" and nudge["helplines"]
    assert send(chat, "stranger", "ayla", "hello?")["status"] == "limited"
    page = chat.get("/?uid=ayla").text
    assert nudge["title"] in page


def test_sextortion_is_blocked(chat) -> None:
    out = send(chat, "stranger", "deniz", "pay me or I'll send your photos to everyone at your school")
    assert out["status"] == "blocked"
    assert chat.get("/inbox/deniz").json()["nudges"][0]["risk"] == "threat"


def test_child_sharing_a_number_with_a_stranger_is_warned_first_and_may_confirm(chat) -> None:
    text = "numaram +90 532 123 45 67, bana yaz"
    out = send(chat, "ayla", "stranger", text)
    assert out["status"] == "warn" and out["nudges"][0]["risk"] == "personal_info"
    assert chat.get("/inbox/stranger").json()["messages"] == []
    assert send(chat, "ayla", "stranger", text, confirm=True)["status"] == "delivered"


def test_bullying_is_covered_and_the_child_supported(chat) -> None:
    out = send(chat, "deniz", "ayla", "you are an ugly loser and nobody likes you")
    assert out["status"] in ("delivered", "held")
    inbox = chat.get("/inbox/ayla").json()
    assert inbox["nudges"][0]["risk"] == "bullying"
    for m in inbox["messages"]:
        assert m["blurred"] and m["text"] is None


def test_tutela_unreachable_means_hold(app) -> None:
    example = _load_example()
    tutela = TutelaClient("http://127.0.0.1:9", "k", retries=0, timeout=0.5)
    with TestClient(example.create_chat_app(tutela)) as c:
        assert send(c, "ayla", "deniz", "hi")["status"] == "held"
