"""A tiny chat app that asks Tutela about every message before delivering it.

Run Tutela (`tutela serve`), create a key with the `moderate` scope, then:

    TUTELA_URL=http://127.0.0.1:8000 TUTELA_API_KEY=tutela_... \
        uvicorn examples.chat_app.app:app --port 8100

and open http://127.0.0.1:8100. It shows the whole integration in one file:
build the context (ages, whether the two are contacts), call `moderate`, and
do what the decision says: deliver, cover (blur), warn the sender first, hold
for a moderator, block, stop further contact, and show the child the nudge
with where to get help.
"""

from __future__ import annotations

import html
import itertools
import os
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from tutela.client import TutelaClient, TutelaError


@dataclass
class User:
    id: str
    age: int | None
    lang: str = "en"
    country: str | None = None
    contacts: set[str] = field(default_factory=set)


@dataclass
class Message:
    id: str
    sender: str
    recipient: str
    text: str
    blurred: bool = False


class SendIn(BaseModel):
    sender: str
    recipient: str
    text: str
    confirm: bool = False  # the sender saw the warning and still wants to send


class ChatState:
    """Everything in memory: a demo, not a chat server."""

    def __init__(self, users: list[User]) -> None:
        self.users = {u.id: u for u in users}
        self.inbox: dict[str, list[Message]] = {u.id: [] for u in users}
        self.nudges: dict[str, list[dict[str, Any]]] = {u.id: [] for u in users}
        self.held: list[tuple[Message, str]] = []  # (message, decision id) waiting for a moderator
        self.limited: set[tuple[str, str]] = set()  # (sender, recipient) pairs Tutela asked to stop
        self.talked: set[frozenset[str]] = set()
        self._ids = itertools.count(1)

    def next_id(self) -> str:
        return f"msg-{next(self._ids)}"


def demo_users() -> list[User]:
    return [
        User("ayla", 12, "tr", "TR", {"deniz"}),
        User("deniz", 12, "tr", "TR", {"ayla"}),
        User("stranger", 35, "en", "TR"),
    ]


def create_chat_app(tutela: TutelaClient, users: list[User] | None = None) -> FastAPI:
    app = FastAPI(title="Tutela example chat")
    state = ChatState(users or demo_users())
    app.state.chat = state

    def user(uid: str) -> User:
        if uid not in state.users:
            raise HTTPException(404, f"no user {uid!r}")
        return state.users[uid]

    @app.post("/send")
    def send(body: SendIn) -> dict[str, Any]:
        s, r = user(body.sender), user(body.recipient)
        if (s.id, r.id) in state.limited:
            return {"status": "limited", "detail": "this person can no longer message them"}
        msg = Message(state.next_id(), s.id, r.id, body.text)
        context = {
            "sender": {"id": s.id, "age": s.age, "lang": s.lang},
            "recipient": {"id": r.id, "age": r.age, "lang": r.lang},
            "connected": r.id in s.contacts,
            "first_contact": frozenset((s.id, r.id)) not in state.talked,
            "country": r.country, "channel": "dm", "platform": "example-chat",
        }
        try:
            d = tutela.moderate(body.text, context=context, item_id=msg.id)
        except TutelaError as exc:
            # fail safe for children: if Tutela cannot be asked, hold rather than deliver unchecked
            state.held.append((msg, "unavailable"))
            return {"status": "held", "detail": f"could not check the message: {exc.message}"}
        for_sender = [n.model_dump() for n in d.nudges if n.to == "sender"]
        for_recipient = [n.model_dump() for n in d.nudges if n.to == "recipient"]
        if d.decision.value == "warn_sender" and not body.confirm:
            return {"status": "warn", "decision": d.id, "nudges": for_sender}
        if "limit_contact" in d.actions:
            state.limited.add((s.id, r.id))
        state.nudges[r.id].extend(for_recipient)
        state.talked.add(frozenset((s.id, r.id)))
        if d.decision.value == "block":
            status = "blocked"
        elif d.decision.value == "hold_for_review":
            state.held.append((msg, d.id))
            status = "held"
        else:
            msg.blurred = d.decision.value == "blur"
            state.inbox[r.id].append(msg)
            status = "delivered"
        return {"status": status, "decision": d.id, "nudges": for_sender,
                "reasons": [x.rule for x in d.reasons]}

    @app.get("/inbox/{uid}")
    def inbox(uid: str) -> dict[str, Any]:
        u = user(uid)
        return {
            "messages": [{"id": m.id, "from": m.sender, "text": None if m.blurred else m.text, "blurred": m.blurred}
                         for m in state.inbox[u.id]],
            "nudges": state.nudges[u.id],
        }

    @app.get("/", response_class=HTMLResponse)
    def page(uid: str = "ayla") -> str:
        u = user(uid)
        rows = "".join(
            f"<li><b>{html.escape(m.sender)}</b>: "
            + ("<i>hidden: tap to view</i>" if m.blurred else html.escape(m.text)) + "</li>"
            for m in state.inbox[u.id]
        )
        nudges = "".join(
            f"<aside><h3>{html.escape(n['title'])}</h3><p>{html.escape(n['text'])}</p><ul>"
            + "".join(f"<li>{html.escape(h['name'])} {html.escape(h.get('phone') or h.get('url') or '')}</li>"
                      for h in n["helplines"])
            + "</ul></aside>"
            for n in state.nudges[u.id]
        )
        return (f"<!doctype html><html lang='{u.lang}'><meta charset='utf-8'><title>chat: {html.escape(u.id)}</title>"
                f"<h1>{html.escape(u.id)}</h1>{nudges}<ul>{rows}</ul></html>")

    return app


def _from_env() -> FastAPI:
    url = os.environ.get("TUTELA_URL", "http://127.0.0.1:8000")
    key = os.environ.get("TUTELA_API_KEY", "")
    return create_chat_app(TutelaClient(url, key, timeout=2.0, retries=2))


app = _from_env() if os.environ.get("TUTELA_API_KEY") else None
