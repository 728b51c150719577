"""Web test fixtures: CSRF token reading, and (for browser tests) one live server and one browser per session.

The live server is uvicorn in a background thread on a free localhost port,
against its own temporary data dir; the browser is Debian's chromium driven by
Playwright. Browser tests skip with a reason when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture()
def csrf() -> Callable[[str], str]:
    """csrf(html) -> the CSRF token of the first form in the page."""
    return csrf_from


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A running Tutela on localhost, with its settings and database for seeding."""

    def __init__(self, settings: Any, db: Any, url: str) -> None:
        self.settings, self.db, self.url = settings, db, url


#: People of the live server: email -> (organisation, role). Hotline A is created first, so it
#: receives the anonymous public reports; Platform B must never see them.
PEOPLE = {
    "sup@a.example": ("Hotline A", "supervisor"),
    "ana@a.example": ("Hotline A", "analyst"),
    "bob@b.example": ("Platform B", "analyst"),
    "reg@r.example": ("Regulator R", "regulator"),
}
PASSWORD = "a long test password"


def sign_in(page: Any, url: str, email: str) -> None:
    """Sign a seeded person in through the login form and wait for the queue (the browser tests' door)."""
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Queue").wait_for()


def _seed_people(db: Any) -> None:
    from tutela.access import create_org
    from tutela.access.people import create_user

    create_org(db, "Hotline A", kind="hotline", country="TR")
    create_org(db, "Platform B", kind="platform")
    create_org(db, "Regulator R", kind="regulator")
    for email, (org, role) in PEOPLE.items():
        create_user(db, org, email, PASSWORD, role)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    import uvicorn

    from tutela.api.app import create_app
    from tutela.config import Settings
    from tutela.storage.db import Database

    settings = Settings(data_dir=tmp_path_factory.mktemp("live") / "data",
                        secret_key="test-secret-key-for-the-live-server")
    settings.ensure_data_dir()
    db = Database.from_settings(settings)
    _seed_people(db)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, db), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield LiveServer(settings, db, f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=10)
    db.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    sync_playwright = sync_api.sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    """A fresh context (own cookies) and page per test."""
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()
